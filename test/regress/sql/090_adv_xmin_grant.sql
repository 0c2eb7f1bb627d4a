-- ADVERSARIAL (issue 16 review): a stamp from before 1.5 keeps its checksums in
-- shoal_stamp_const(); 1.5 trusts them only while mig_versions_const()'s pg_proc
-- xmin does not follow shoal_stamp_const()'s. Any catalog update of
-- mig_versions_const() that is not a write of its value moves its xmin too: a
-- GRANT, ALTER FUNCTION ... OWNER TO, pg_restore emitting the ACL of
-- mig_versions_const() alone after both functions (architecture.md: "a newer
-- mig_versions_const() is another tool's write"; it need not be a write of the
-- stamp at all). shoal then drops every recorded checksum
-- of the schema (an edited file is no longer drift) and the next write folds
-- "no data" and drops shoal_stamp_const(): the checksums are gone for good.
CREATE SCHEMA t090;
CREATE ROLE t090_reader;
BEGIN;
CREATE FUNCTION t090.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t090
  AS $$ SELECT '["090.a.t090"]'; $$;
CREATE FUNCTION t090.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t090
  AS $$ SELECT '{"090.a.t090": {"checksum": "a", "applied_at": "2024-01-01T00:00:00+00:00"}}'; $$;
COMMIT;
SELECT version, checksum FROM shoal.applied WHERE schema = 't090';
-- Not a write of the stamp's value: only who may run it.
GRANT EXECUTE ON FUNCTION t090.mig_versions_const() TO t090_reader;
-- CURRENT (wrong): checksum '' (unknown); want 'a', the value is unchanged.
SELECT version, checksum FROM shoal.applied WHERE schema = 't090';
-- CURRENT (wrong): 'already applied'; want SH001 (checksum drift), as before the GRANT.
SELECT error_of($$SELECT shoal.mig_apply('t090', '090.a.t090', 'edited')$$) AS edited_file;
-- The next write folds nothing and drops shoal_stamp_const(): the checksum is lost for good.
SELECT shoal.stage('091.b.t090', 'up', 'b', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.mig_apply('t090', '091.b.t090', 'b');
-- CURRENT (wrong): 090.a.t090 has checksum ''; want 'a'.
SELECT version, checksum FROM shoal.applied WHERE schema = 't090' ORDER BY version;
DROP SCHEMA t090 CASCADE;
DROP ROLE t090_reader;
