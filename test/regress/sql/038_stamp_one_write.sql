-- 1.5: a schema's stamp is one function. shoal's data (checksum, applied_at) is a
-- comment after pg-mig's value in mig_versions_const()'s body, written in the same
-- single catalog write; pg-mig's rewrite drops it, and what pg-mig wrote counts as
-- an unknown checksum. Stamps from before 1.5 (shoal_stamp_const()) are read as
-- they are and folded in at the next write.
CREATE SCHEMA t038;
SELECT shoal.stage('038.a.t038', 'up', 'a', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.stage('039.b.t038', 'up', 'b', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.stage('040.c.t038', 'up', 'c', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.mig_apply('t038', '038.a.t038', 'a');
-- One pg_proc write for the version: the stamp updated in place, nothing created
-- (the session's counters also hold earlier transactions not yet reported).
BEGIN;
SELECT pg_stat_get_xact_tuples_updated('pg_proc'::regclass) AS updated,
       pg_stat_get_xact_tuples_inserted('pg_proc'::regclass) AS inserted \gset
SELECT shoal.mig_apply('t038', '039.b.t038', 'b');
SELECT pg_stat_get_xact_tuples_updated('pg_proc'::regclass) - :updated AS proc_updates,
       pg_stat_get_xact_tuples_inserted('pg_proc'::regclass) - :inserted AS proc_inserts;
COMMIT;
SELECT p.proname, p.proconfig FROM pg_proc p WHERE p.pronamespace = 't038'::regnamespace;
-- What pg-mig reads is its own value; shoal's data follows in a comment.
SELECT t038.mig_versions_const();
SELECT regexp_replace(p.prosrc, '"applied_at":"[^"]*"', '"applied_at":"…"', 'g') AS prosrc
  FROM pg_proc p WHERE p.oid = 't038.mig_versions_const()'::regprocedure;
SELECT version, checksum, applied_at IS NOT NULL AS has_applied_at FROM shoal.applied WHERE schema = 't038' ORDER BY version;
-- pg-mig undoes 039.b and applies it again: its rewrite drops shoal's data, and
-- every version counts as applied with an unknown checksum, never as changed.
SET search_path TO t038;
CREATE OR REPLACE FUNCTION t038.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["038.a.t038"]'; $$;
CREATE OR REPLACE FUNCTION t038.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["038.a.t038","039.b.t038"]'; $$;
RESET search_path;
SELECT versions, checksums, problem FROM shoal.stamps() WHERE schema = 't038';
SELECT shoal.mig_apply('t038', '039.b.t038', 'edited') AS after_pgmig;
-- The next version records its own data beside the unknown ones.
SELECT shoal.mig_apply('t038', '040.c.t038', 'c');
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't038';
SELECT error_of($$SELECT shoal.mig_apply('t038', '040.c.t038', 'changed')$$) AS shoal_recorded_it;
-- Undo and forget rewrite the stamp in the same form; with no data left, the body
-- is exactly pg-mig's.
SELECT shoal.mig_forget('t038', '040.c.t038');
SELECT p.prosrc, p.proconfig FROM pg_proc p WHERE p.oid = 't038.mig_versions_const()'::regprocedure;
SELECT shoal.mig_mark('t038', '040.c.t038', 'c'), shoal.mig_forget('t038', '040.c.t038');
SELECT p.prosrc FROM pg_proc p WHERE p.oid = 't038.mig_versions_const()'::regprocedure;

-- Nothing in a version name or checksum can end the comment: JSON escapes line
-- breaks, and the stamp still has one statement.
CREATE SCHEMA t038_names;
SELECT shoal.mig_mark('t038_names', E'041.line\nDROP SCHEMA t038_names CASCADE; --.t038', E'x\r\n$$ */');
SELECT t038_names.mig_versions_const()::jsonb ->> 0 = E'041.line\nDROP SCHEMA t038_names CASCADE; --.t038' AS same_name;
SELECT p.prosrc !~ '[\n\r]' AS one_line FROM pg_proc p WHERE p.oid = 't038_names.mig_versions_const()'::regprocedure;
SELECT checksum = E'x\r\n$$ */' AS same_checksum FROM shoal.applied WHERE schema = 't038_names';

-- A stamp from before 1.5: both functions written in one transaction by shoal.
CREATE SCHEMA t038_old;
BEGIN;
CREATE FUNCTION t038_old.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t038_old
  AS $$ SELECT '["038.a.t038"]'; $$;
CREATE FUNCTION t038_old.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t038_old
  AS $$ SELECT '{"038.a.t038": {"checksum": "a",
      "applied_at": "2024-01-01T00:00:00+00:00"}}'; $$;
COMMIT;
SELECT version, checksum, applied_at FROM shoal.applied WHERE schema = 't038_old';
SELECT error_of($$SELECT shoal.mig_apply('t038_old', '038.a.t038', 'changed')$$) AS still_checked;
-- The next write folds it in (on one line) and drops the old function.
SELECT shoal.mig_apply('t038_old', '039.b.t038', 'b');
SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 't038_old'::regnamespace;
SELECT version, checksum FROM shoal.applied WHERE schema = 't038_old' ORDER BY version;
SELECT error_of($$SELECT shoal.mig_apply('t038_old', '038.a.t038', 'changed')$$) AS checked_after_folding;
-- A stamp from before 1.5 that pg-mig wrote after shoal (a later transaction):
-- shoal's old data no longer describes it.
CREATE SCHEMA t038_pgmig;
BEGIN;
CREATE FUNCTION t038_pgmig.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t038_pgmig
  AS $$ SELECT '["038.a.t038"]'; $$;
CREATE FUNCTION t038_pgmig.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t038_pgmig
  AS $$ SELECT '{"038.a.t038": {"checksum": "a", "applied_at": null}}'; $$;
COMMIT;
SET search_path TO t038_pgmig;
CREATE OR REPLACE FUNCTION t038_pgmig.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["038.a.t038"]'; $$;
RESET search_path;
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't038_pgmig';
SELECT shoal.mig_apply('t038_pgmig', '038.a.t038', 'edited') AS after_pgmig;
SELECT shoal.mig_forget('t038_pgmig', '038.a.t038');
SELECT p.proname, p.prosrc FROM pg_proc p WHERE p.pronamespace = 't038_pgmig'::regnamespace;

-- Read from the source, so the comment is part of the form: shoal's marker with
-- JSON after it, nothing else.
SELECT shoal.const_value('s', 'f', $$ SELECT '["a"]'; -- shoal {"a":{"checksum":"x"}}$$) AS with_data;
SELECT error_of($$SELECT shoal.const_value('s', 'f', ' SELECT ''["a"]''; -- by hand')$$) AS other_comment;
SELECT error_of(format('SELECT shoal.const_value(%L, %L, %L)', 's', 'f', E' SELECT \'["a"]\'; -- shoal {}\nSELECT 1')) AS after_comment;
CREATE SCHEMA t038_bad;
CREATE FUNCTION t038_bad.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '["038.a.t038"]'; -- shoal {"038.a$$;
SELECT schema, versions, problem FROM shoal.stamps() WHERE schema = 't038_bad';
DROP SCHEMA t038, t038_names, t038_old, t038_pgmig, t038_bad CASCADE;
