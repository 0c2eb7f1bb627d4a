-- Runs in every shard with search_path = the shard, so unqualified names are the
-- shard's own tables; what lives in `public` (citext) is named with its schema.
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email public.citext NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
