-- 1.6: undo and forget (remove_version) are C, reading, cutting and writing the
-- stamp with stamp.cpp as apply and mark do; the stamp they leave is 1.5's.
SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.oid = 'shoal.remove_version(text, text, text, text)'::regprocedure;
CREATE SCHEMA t041;
SELECT shoal.stage('041.a.t041', 'up', 'a', ARRAY['CREATE TABLE a (id int)'], ARRAY['a.sql:1']);
SELECT shoal.stage('042.b.t041', 'up', 'b', ARRAY['CREATE TABLE b (id int)'], ARRAY['b.sql:1']);
SELECT shoal.stage('042.b.t041', 'dn', 'b-dn', ARRAY['DROP TABLE b', 'SELECT 1/0'], ARRAY['b.dn.sql:1', 'b.dn.sql:2']);
SELECT shoal.stage('042.b.t041', 'dn', 'b-dn-ok', ARRAY['DROP TABLE b'], ARRAY['b.dn.sql:1']);
SELECT shoal.mig_apply('t041', '041.a.t041', 'a'), shoal.mig_apply('t041', '042.b.t041', 'b');
-- A failing dn statement: its error names it, and nothing changed.
SELECT migration_context_of($$SELECT shoal.mig_undo('t041', '042.b.t041', 'b-dn')$$);
SELECT error_of($$SELECT shoal.mig_undo('t041', '042.b.t041', 'not-staged')$$);
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't041';
-- Undo in one pg_proc write; the versions left keep their data.
BEGIN;
SELECT pg_stat_get_xact_tuples_updated('pg_proc'::regclass) AS updated,
       pg_stat_get_xact_tuples_inserted('pg_proc'::regclass) AS inserted \gset
SELECT shoal.mig_undo('t041', '042.b.t041', 'b-dn-ok');
SELECT pg_stat_get_xact_tuples_updated('pg_proc'::regclass) - :updated AS proc_updates,
       pg_stat_get_xact_tuples_inserted('pg_proc'::regclass) - :inserted AS proc_inserts;
COMMIT;
SELECT regexp_replace(p.prosrc, '"applied_at": "[^"]*"', '"applied_at": "…"', 'g') AS prosrc
  FROM pg_proc p WHERE p.oid = 't041.mig_versions_const()'::regprocedure;
SELECT to_regclass('t041.b') AS table_b;
SELECT action, checksum, detail FROM shoal.event WHERE schema = 't041' AND action = 'undo';
-- Forget records the checksum the stamp held for the version.
SELECT shoal.mig_forget('t041', '041.a.t041');
SELECT action, checksum, detail FROM shoal.event WHERE schema = 't041' AND action = 'forget';
SELECT t041.mig_versions_const(), p.prosrc FROM pg_proc p WHERE p.oid = 't041.mig_versions_const()'::regprocedure;
SELECT shoal.mig_forget('t041', '041.a.t041') AS again;
-- A hand-written stamp that is JSON but not a list of versions is refused as
-- apply refuses it (SH006; 1.5 failed with a JSON error).
CREATE OR REPLACE FUNCTION t041.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"041.a.t041": 1}'; $$;
SELECT error_of($$SELECT shoal.mig_forget('t041', '041.a.t041')$$);
SELECT error_of($$SELECT shoal.mig_apply('t041', '041.a.t041', 'a')$$);
DROP SCHEMA t041 CASCADE;
