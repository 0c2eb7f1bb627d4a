CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    full_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT users_name_length CHECK (length(full_name) <= 100)
);
CREATE INDEX users_email_lower ON users (lower(email) COLLATE "C");
-- Storage: fillfactor changed, a parameter reset, the column's storage and
-- the statistics target back to their defaults.
ALTER TABLE users SET (fillfactor = 70);
ALTER TABLE users ALTER COLUMN full_name SET COMPRESSION lz4;
-- Privileges: to a role, by column to a role whose name needs quotes.
GRANT SELECT ON users TO app_reader;
GRANT SELECT (id, email), UPDATE (full_name) ON users TO "Report ""Writer"" X";
