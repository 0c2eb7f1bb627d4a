-- Schema names with quotes, spaces, upper case, commas and unicode work in every
-- function, and nothing is built by pasting them into SQL.
CREATE TEMP TABLE hostile (name text);
INSERT INTO hostile VALUES
  ('Shard 0001'), ('sh"0002'), ('sh''0003'), ('ШАРД_0004'), ('sh0005; DROP TABLE x; --'), ('$$sh0006$$'), ('sh0007)');
SELECT format('CREATE SCHEMA %I', name) FROM hostile \gexec
SELECT shoal.stage('015.init.any', 'up', 'h-up',
  ARRAY['CREATE TABLE things (id int)', 'INSERT INTO things SELECT 1 WHERE current_schema() IS NOT NULL'],
  ARRAY['015.init.any.up.sql:1', '015.init.any.up.sql:2']);
SELECT shoal.stage('015.init.any', 'dn', 'h-dn', ARRAY['DROP TABLE things'], ARRAY['015.init.any.dn.sql:1']);
SELECT name, shoal.mig_apply(name, '015.init.any', 'h-up') FROM hostile ORDER BY name;
-- The table landed in each schema, and the stamp is readable by calling it.
CREATE FUNCTION pg_temp.scalar(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text; BEGIN EXECUTE sql INTO result; RETURN result; END $$;
SELECT name, pg_temp.scalar(format('SELECT count(*) FROM %I.things', name)) AS rows,
       pg_temp.scalar(format('SELECT %I.mig_versions_const()', name)) AS stamp
  FROM hostile ORDER BY name;
SELECT s.schema, s.versions, s.checksums FROM shoal.stamps() s JOIN hostile h ON h.name = s.schema ORDER BY s.schema;
SELECT name, shoal.mig_apply(name, '015.init.any', 'h-up') FROM hostile ORDER BY name;
SELECT name, shoal.mig_mark(name, '016.marked.any', 'h-mark') FROM hostile ORDER BY name;
SELECT name, shoal.mig_forget(name, '016.marked.any') FROM hostile ORDER BY name;
SELECT name, shoal.mig_undo(name, '015.init.any', 'h-dn') FROM hostile ORDER BY name;
SELECT count(*) AS stamped_versions FROM shoal.applied a JOIN hostile h ON h.name = a.schema;
SELECT count(*) AS events FROM shoal.event e JOIN hostile h ON h.name = e.schema;
-- The functions an attacker named in a schema name were never created or run.
SELECT to_regclass('public.x') AS x;
SELECT format('DROP SCHEMA %I CASCADE', name) FROM hostile \gexec
