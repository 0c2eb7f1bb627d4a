-- A stamp is rewritten by a direct update of its pg_proc row
-- (rewrite_function_source, extension/pg_calls.cpp; docs/operators.md, "How a
-- stamp is written"). Run against the PostgreSQL the extension is built for: the
-- row it leaves must be the row pg-mig's own CREATE OR REPLACE FUNCTION leaves for
-- the same value, and what the update skips (event triggers) is what the
-- documentation says.
CREATE SCHEMA t042;
CREATE SCHEMA t042_pgmig;
SELECT shoal.stage('042.a.t042', 'up', 'a', ARRAY['SELECT 1'], ARRAY['a.sql:1']);
SELECT shoal.stage('043.b.t042', 'up', 'b', ARRAY['SELECT 1'], ARRAY['b.sql:1']);
SELECT shoal.mig_apply('t042', '042.a.t042', 'a');

CREATE TABLE ddl_seen (tag text, object text);
CREATE FUNCTION record_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.ddl_seen SELECT c.command_tag, c.object_identity FROM pg_event_trigger_ddl_commands() c;
END
$$;
CREATE EVENT TRIGGER t042_ddl ON ddl_command_end EXECUTE FUNCTION record_ddl();

-- The rewrite is no DDL command: event triggers do not see it.
SELECT shoal.mig_apply('t042', '043.b.t042', 'b');
SELECT count(*) AS ddl_seen_for_rewrite FROM ddl_seen;
-- pg-mig's statement for the same value, in another schema, is one.
SET search_path TO t042_pgmig;
CREATE OR REPLACE FUNCTION t042_pgmig.mig_versions_const() RETURNS text LANGUAGE sql
SET search_path FROM CURRENT AS $$ SELECT '["042.a.t042","043.b.t042"]'; $$;
RESET search_path;
SELECT tag, object FROM ddl_seen;
DROP EVENT TRIGGER t042_ddl;

-- Without shoal's comment, the two rows are the same in every column but the
-- function's oid, its schema and the schema named in its setting.
SELECT shoal.write_stamp_text('t042', '["042.a.t042","043.b.t042"]', NULL);
SELECT key, s.value AS shoal_wrote, p.value AS pgmig_wrote
  FROM jsonb_each((SELECT to_jsonb(r) - 'oid' - 'pronamespace' FROM pg_proc r WHERE r.oid = 't042.mig_versions_const()'::regprocedure)) s
  FULL JOIN jsonb_each((SELECT to_jsonb(r) - 'oid' - 'pronamespace' FROM pg_proc r WHERE r.oid = 't042_pgmig.mig_versions_const()'::regprocedure)) p
 USING (key)
 WHERE s.value IS DISTINCT FROM p.value
 ORDER BY key;
-- Called, it returns the new value (the update sends the catalog invalidation).
SELECT t042.mig_versions_const();
DROP SCHEMA t042, t042_pgmig CASCADE;
DROP TABLE ddl_seen;
DROP FUNCTION record_ddl();
