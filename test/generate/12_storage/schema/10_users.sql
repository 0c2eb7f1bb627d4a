CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    full_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT users_name_length CHECK (length(full_name) <= 100)
);
CREATE INDEX users_email_lower ON users (lower(email) COLLATE "C");
-- Storage parameters, a column's storage and compression, a statistics target.
ALTER TABLE users SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE users ALTER COLUMN full_name SET STORAGE EXTERNAL,
    ALTER COLUMN full_name SET COMPRESSION lz4,
    ALTER COLUMN email SET STATISTICS 500;
