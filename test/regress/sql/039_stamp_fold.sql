-- The 1.5 upgrade folds each stamp's shoal_stamp_const() (1.4's layout) into
-- mig_versions_const() with shoal.fold_old_stamp(), as the upgrade script calls it
-- for every schema. Once folded, a catalog update of mig_versions_const() that is
-- not a write of its value (a GRANT, an owner change) leaves the checksums alone;
-- read from two functions, such an update made shoal take its newer pg_proc row
-- for another tool's rewrite and drop every recorded checksum of the schema.
CREATE SCHEMA t039;
CREATE ROLE t039_reader;
BEGIN;
CREATE FUNCTION t039.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t039
  AS $$ SELECT '["039.a.t039"]'; $$;
CREATE FUNCTION t039.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t039
  AS $$ SELECT '{"039.a.t039": {"checksum": "a", "applied_at": "2024-01-01T00:00:00+00:00"}}'; $$;
COMMIT;
SELECT shoal.fold_old_stamp('t039') AS folded;
SELECT shoal.fold_old_stamp('t039') AS folded_again;
SELECT prosrc FROM pg_proc WHERE oid = 't039.mig_versions_const()'::regprocedure;
GRANT EXECUTE ON FUNCTION t039.mig_versions_const() TO t039_reader;
ALTER FUNCTION t039.mig_versions_const() OWNER TO t039_reader;
SELECT version, checksum FROM shoal.applied WHERE schema = 't039';
SELECT error_of($$SELECT shoal.mig_apply('t039', '039.a.t039', 'edited')$$) AS edited_file;
-- The next write keeps the checksum and drops the old function.
SELECT shoal.stage('040.b.t039', 'up', 'b', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.mig_apply('t039', '040.b.t039', 'b');
SELECT version, checksum FROM shoal.applied WHERE schema = 't039' ORDER BY version;
SELECT count(*) AS old_functions FROM pg_proc WHERE proname = 'shoal_stamp_const' AND pronamespace = 't039'::regnamespace;

-- A stamp pg-mig rewrote after shoal wrote it (an undo and an edited file applied
-- again) is not folded: its old data describes versions pg-mig replaced.
CREATE SCHEMA t039b;
BEGIN;
CREATE FUNCTION t039b.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t039b
  AS $$ SELECT '["039.a.t039b"]'; $$;
CREATE FUNCTION t039b.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t039b
  AS $$ SELECT '{"039.a.t039b": {"checksum": "a", "applied_at": null}}'; $$;
COMMIT;
SET search_path TO t039b;
CREATE OR REPLACE FUNCTION t039b.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '[]'; $$;
CREATE OR REPLACE FUNCTION t039b.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["039.a.t039b"]'; $$;
RESET search_path;
SELECT shoal.fold_old_stamp('t039b') AS folded;
SELECT version, checksum FROM shoal.applied WHERE schema = 't039b';
SELECT error_of($$SELECT shoal.mig_apply('t039b', '039.a.t039b', 'edited')$$) AS pgmig_applied_it;
-- The upgrade passes only stamps that can be read (shoal.stamp_problem); on
-- another, fold_old_stamp raises SH006 as every writer does, changing nothing.
CREATE SCHEMA t039c;
CREATE FUNCTION t039c.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '[]'; $$;
CREATE FUNCTION t039c.shoal_stamp_const() RETURNS text LANGUAGE sql AS $$ SELECT 1 + 1; $$;
SELECT error_of($$SELECT shoal.fold_old_stamp('t039c')$$) AS unreadable;

DROP SCHEMA t039, t039b, t039c CASCADE;
DROP ROLE t039_reader;
