CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- shoal:renamed-from users_mail
CREATE INDEX users_email ON users (email);
-- shoal:renamed-from name_length
ALTER TABLE users ADD CONSTRAINT users_name_length CHECK (length(name) <= 100);
