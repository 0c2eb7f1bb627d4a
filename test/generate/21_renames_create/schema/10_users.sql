CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_mail ON users (email);
ALTER TABLE users ADD CONSTRAINT name_length CHECK (length(name) <= 100);
