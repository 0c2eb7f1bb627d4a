-- ADVERSARIAL (issue 16 review): the xmin rule also goes the other way. A 1.4
-- stamp whose mig_versions_const() pg-mig rewrote after shoal (an undo and an
-- edited file applied again) has stale data in shoal_stamp_const(); 1.5 ignores
-- it only while the pg_proc xmins say so. One GRANT ... ON ALL FUNCTIONS IN
-- SCHEMA (a dashboard role's grant; not a dump, whose case architecture.md
-- documents) gives shoal_stamp_const() an xmin not before
-- mig_versions_const()'s: the stale checksum is trusted again and the version
-- pg-mig re-applied is reported as changed (SH001 / "checksum drift", exit 3),
-- the very comparison 1.5 says it no longer makes.
CREATE SCHEMA t091;
BEGIN;
CREATE FUNCTION t091.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = t091
  AS $$ SELECT '["091.a.t091"]'; $$;
CREATE FUNCTION t091.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = t091
  AS $$ SELECT '{"091.a.t091": {"checksum": "a", "applied_at": null}}'; $$;
COMMIT;
-- pg-mig undoes 091.a and applies its edited file: shoal's old data is stale.
SET search_path TO t091;
CREATE OR REPLACE FUNCTION t091.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '[]'; $$;
CREATE OR REPLACE FUNCTION t091.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["091.a.t091"]'; $$;
RESET search_path;
SELECT version, checksum FROM shoal.applied WHERE schema = 't091';
-- A grant to a dashboard role over the whole schema: one transaction, both rows.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA t091 TO PUBLIC;
-- CURRENT (wrong): checksum 'a' again; want '' (unknown), as before the GRANT.
SELECT version, checksum FROM shoal.applied WHERE schema = 't091';
-- CURRENT (wrong): SH001 ... applied with checksum a, not edited; want 'no error'.
SELECT error_of($$SELECT shoal.mig_apply('t091', '091.a.t091', 'edited')$$) AS pgmig_applied_it;

DROP SCHEMA t091 CASCADE;
