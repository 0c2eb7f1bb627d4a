CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE legacy (id bigint PRIMARY KEY, payload text);
