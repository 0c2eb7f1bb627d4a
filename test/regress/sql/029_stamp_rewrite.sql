-- 1.2: a stamp is created once and then rewritten in place (shoal.rewrite_const):
-- same function, same owner, grants, comment and settings; the new value is seen
-- at once, also by a session that called the old one; a rollback restores it; and
-- only the owner may rewrite it.
CREATE SCHEMA t029;
SELECT shoal.stage('029.a.t029', 'up', 'a', ARRAY['CREATE TABLE a (id int)'], ARRAY['f:1']);
SELECT shoal.stage('030.b.t029', 'up', 'b', ARRAY['CREATE TABLE b (id int)'], ARRAY['f:1']);
SELECT shoal.stage('031.c.t029', 'up', 'c', ARRAY['CREATE TABLE c (id int)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t029', '029.a.t029', 'a');
CREATE TEMP TABLE before AS
SELECT p.oid, p.proname, p.proowner, p.proacl, p.proconfig, obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p WHERE p.pronamespace = 't029'::regnamespace;
GRANT EXECUTE ON FUNCTION t029.mig_versions_const() TO PUBLIC;
COMMENT ON FUNCTION t029.mig_versions_const() IS 'kept';
SELECT t029.mig_versions_const();
SELECT shoal.mig_apply('t029', '030.b.t029', 'b');
-- Same session, right after: the cached SQL function sees the new body.
SELECT t029.mig_versions_const();
SELECT regexp_replace(p.prosrc, '"applied_at":"[^"]*"', '"applied_at":"…"', 'g') AS prosrc
  FROM pg_proc p WHERE p.oid = 't029.mig_versions_const()'::regprocedure;
SELECT b.proname, p.oid = b.oid AS same_function, p.proowner = b.proowner AS same_owner,
       p.proconfig = b.proconfig AS same_settings
  FROM before b JOIN pg_proc p ON p.oid = b.oid ORDER BY 1;
SELECT p.proacl::text LIKE '%=X/%' AS public_grant_kept, obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p WHERE p.oid = 't029.mig_versions_const()'::regprocedure;
SELECT version, checksum FROM shoal.applied WHERE schema = 't029' ORDER BY version;
-- A rolled-back apply leaves the stamp as it was.
BEGIN;
SELECT shoal.mig_apply('t029', '031.c.t029', 'c');
SELECT t029.mig_versions_const();
ROLLBACK;
SELECT t029.mig_versions_const();
-- A version is appended to both texts, not rebuilt: a hand-written list keeps its
-- spacing and stays valid JSON; a version pg-mig undid (gone from its list, still
-- in shoal's object) applied again gets its new checksum.
CREATE SCHEMA t029_hand;
CREATE FUNCTION t029_hand.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '[ "029.a.t029", "030.b.t029" ]'; $$;
CREATE FUNCTION t029_hand.shoal_stamp_const() RETURNS text LANGUAGE sql
  AS $$ SELECT '{"030.b.t029": {"checksum": "b", "applied_at": null}, "031.c.t029": {"checksum": "old", "applied_at": null}}'; $$;
SELECT shoal.mig_apply('t029_hand', '031.c.t029', 'c');
SELECT t029_hand.mig_versions_const();
SELECT version, checksum FROM shoal.applied WHERE schema = 't029_hand' ORDER BY version;
SELECT shoal.mig_apply('t029_hand', '031.c.t029', 'c') AS again, error_of($$SELECT shoal.mig_apply('t029_hand', '031.c.t029', 'old')$$);
-- Not a constant SQL function returning text: nothing is rewritten, and the
-- stamp write falls back to CREATE OR REPLACE FUNCTION.
CREATE SCHEMA t029_plpgsql;
CREATE FUNCTION t029_plpgsql.mig_versions_const() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN '["029.a.t029"]'; END $$;
SELECT shoal.rewrite_const('t029_plpgsql', 'mig_versions_const', ' SELECT ''[]''; ');
SELECT shoal.rewrite_const('t029', 'no_such_function', ' SELECT ''[]''; ');
SELECT shoal.rewrite_const('no_such_schema', 'mig_versions_const', ' SELECT ''[]''; ');
CREATE FUNCTION t029.int_const() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT shoal.rewrite_const('t029', 'int_const', ' SELECT 2; ');
SELECT t029.int_const();
-- Only the owner may rewrite a stamp, as only the owner may replace a function.
CREATE ROLE regress_shoal_029;
GRANT USAGE ON SCHEMA t029 TO regress_shoal_029;
GRANT EXECUTE ON FUNCTION shoal.rewrite_const(text, text, text) TO regress_shoal_029;
GRANT USAGE ON SCHEMA shoal TO regress_shoal_029;
SET ROLE regress_shoal_029;
SELECT error_of($$SELECT shoal.rewrite_const('t029', 'mig_versions_const', ' SELECT ''[]''; ')$$);
RESET ROLE;
SELECT t029.mig_versions_const();
DROP SCHEMA t029, t029_plpgsql, t029_hand CASCADE;
DROP OWNED BY regress_shoal_029;
DROP ROLE regress_shoal_029;
