-- shoal.schema_objects() and shoal.schema_fingerprints(), what `shoal verify`
-- compares: two schemas built by the same DDL under different names (one that
-- needs quoting) list the same rows and fingerprint alike; each kind of drift
-- changes the fingerprint and shows up as the object that differs.
CREATE FUNCTION pg_temp.build(target text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SCHEMA %I', target);
  PERFORM set_config('search_path', quote_ident(target), true);
  CREATE TYPE mood AS ENUM ('sad', 'happy');
  CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
  CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text COLLATE "C", m mood DEFAULT 'sad', n posint);
  CREATE INDEX users_email_idx ON users (email);
  CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer REFERENCES users);
  CREATE VIEW recent AS SELECT id, email FROM users;
  CREATE FUNCTION bump(x integer) RETURNS integer LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT x + 1';
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
  CREATE TRIGGER users_touch BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch();
  ALTER TABLE users ENABLE ROW LEVEL SECURITY;
  CREATE POLICY positive ON users USING (id > 0);
  -- Stamps differ from schema to schema by design and do not count.
  EXECUTE format('CREATE FUNCTION mig_versions_const() RETURNS text LANGUAGE sql AS %L',
                 format('SELECT %L', target));
  PERFORM set_config('search_path', 'public', true);
END $$;
SELECT pg_temp.build('t027a'), pg_temp.build('T027 b'), pg_temp.build('t027c');

-- What one schema lists.
SELECT kind, name, definition FROM shoal.schema_objects('{t027a}') ORDER BY kind COLLATE "C", name COLLATE "C";

-- The same rows and the same fingerprint under another name.
SELECT count(*) AS differing_rows FROM (
  (SELECT kind, name, definition FROM shoal.schema_objects('{t027a}')
   EXCEPT SELECT kind, name, definition FROM shoal.schema_objects('{"T027 b"}'))
  UNION ALL
  (SELECT kind, name, definition FROM shoal.schema_objects('{"T027 b"}')
   EXCEPT SELECT kind, name, definition FROM shoal.schema_objects('{t027a}'))) d;
SELECT count(DISTINCT fingerprint) AS fingerprints, count(*) AS schemas
  FROM shoal.schema_fingerprints('{t027a,"T027 b",t027c}');

-- An empty schema has a fingerprint too; an unknown name is no row.
CREATE SCHEMA t027_empty;
SELECT schema, fingerprint <> '' AS has_fingerprint FROM shoal.schema_fingerprints('{t027_empty,no_such_schema}');

-- Drift: what differs from t027a, object by object.
CREATE FUNCTION pg_temp.drift(other text) RETURNS TABLE (side text, kind text, name text, definition text)
LANGUAGE sql AS $$
  (SELECT 'only t027a', kind, name, definition FROM shoal.schema_objects('{t027a}')
   EXCEPT SELECT 'only t027a', kind, name, definition FROM shoal.schema_objects(ARRAY[other]))
  UNION ALL
  (SELECT 'only ' || other, kind, name, definition FROM shoal.schema_objects(ARRAY[other])
   EXCEPT SELECT 'only ' || other, kind, name, definition FROM shoal.schema_objects('{t027a}'))
  ORDER BY 2, 3, 1
$$;

-- A dropped index.
DROP INDEX "T027 b".users_email_idx;
SELECT * FROM pg_temp.drift('T027 b');
-- An altered column type.
ALTER TABLE "T027 b".users ALTER COLUMN name TYPE varchar(100);
SELECT * FROM pg_temp.drift('T027 b');
-- An extra table, a changed default, a changed function body, a changed policy.
CREATE TABLE t027c.extra_t (id integer);
ALTER TABLE t027c.users ALTER COLUMN m SET DEFAULT 'happy';
CREATE OR REPLACE FUNCTION t027c.bump(x integer) RETURNS integer LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT x + 2';
ALTER POLICY positive ON t027c.users USING (id > 1);
SELECT * FROM pg_temp.drift('t027c');
SELECT count(DISTINCT fingerprint) AS fingerprints FROM shoal.schema_fingerprints('{t027a,"T027 b",t027c}');

-- NULL means every candidate schema.
SELECT count(*) FILTER (WHERE schema IN ('t027a', 'T027 b', 't027c', 't027_empty')) AS listed,
       count(*) FILTER (WHERE schema LIKE 'pg\_%' OR schema = 'information_schema') AS system
  FROM shoal.schema_fingerprints(NULL);

SET client_min_messages = warning;
DROP SCHEMA t027a, "T027 b", t027c, t027_empty CASCADE;
RESET client_min_messages;
