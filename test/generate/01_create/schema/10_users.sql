CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT users_name_length CHECK (length(name) <= 100)
);
CREATE INDEX users_email_lower ON users (lower(email) text_pattern_ops);
CREATE INDEX users_recent ON users (created_at DESC NULLS LAST) WHERE email IS NOT NULL;
