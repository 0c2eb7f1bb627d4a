CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    full_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT users_name_length CHECK (length(full_name) <= 100)
);
CREATE INDEX users_email_lower ON users (lower(email) COLLATE "C");
-- Storage back to the defaults; app_reader's SELECT revoked; the column's
-- UPDATE now with grant option.
GRANT SELECT (id, email) ON users TO "Report ""Writer"" X";
GRANT UPDATE (full_name) ON users TO "Report ""Writer"" X" WITH GRANT OPTION;
