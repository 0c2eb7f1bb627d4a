-- Extension 1.11: shoal.schema_objects removes a schema's own qualifier
-- ("t048.") only where it qualifies a name, not from inside other names: a
-- table named like its own schema keeps its columns' names, and a name that
-- ends with the schema's name keeps it. Two schemas with the same DDL give the
-- same fingerprint.
CREATE SCHEMA t048;
CREATE SCHEMA t048b;
DO $$
DECLARE
  s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['t048', 't048b'] LOOP
    EXECUTE format('CREATE TYPE %I.mood AS ENUM (''ok'')', s);
    EXECUTE format('CREATE TABLE %I.t048 (id int PRIMARY KEY, m %I.mood DEFAULT ''ok'')', s, s);
    EXECUTE format('CREATE TABLE %I.data_t048 (id int REFERENCES %I.t048, note text DEFAULT ''data_t048.x'')', s, s);
    EXECUTE format('CREATE SEQUENCE %I.seq', s);
    EXECUTE format('CREATE TABLE %I.counter (n bigint DEFAULT nextval(%L::regclass))', s, s || '.seq');
    EXECUTE format('CREATE FUNCTION %I.f(v %I.mood) RETURNS int LANGUAGE sql AS ''SELECT 1''', s, s);
  END LOOP;
END $$;
SELECT kind, name, definition FROM shoal.schema_objects(ARRAY['t048'])
 WHERE kind IN ('column', 'function', 'constraint') ORDER BY kind, name COLLATE "C";
SELECT count(DISTINCT fingerprint) AS fingerprints FROM shoal.schema_fingerprints(ARRAY['t048', 't048b']);
-- A quoted schema name, the same way.
CREATE SCHEMA "T048 q";
CREATE TABLE "T048 q"."T048 q" (id int, m t048.mood);
CREATE VIEW "T048 q".v AS SELECT id FROM "T048 q"."T048 q";
SELECT kind, name, definition FROM shoal.schema_objects(ARRAY['T048 q']) WHERE kind <> 'schema'
 ORDER BY kind, name COLLATE "C";
DROP SCHEMA t048, t048b, "T048 q" CASCADE;
