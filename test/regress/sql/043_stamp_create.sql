-- A schema's first stamp is written straight into the catalog (ProcedureCreate)
-- instead of through CREATE FUNCTION: the function must be the one CREATE OR
-- REPLACE FUNCTION ... SET search_path TO <schema> would make, for any schema name,
-- and the rights CREATE FUNCTION checks are still checked.
CREATE ROLE regress_shoal_040;
GRANT USAGE ON SCHEMA shoal TO regress_shoal_040;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO regress_shoal_040;
GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO regress_shoal_040;
GRANT INSERT ON shoal.script, shoal.event TO regress_shoal_040;
CREATE TEMP TABLE names040 (schema text);
GRANT SELECT ON names040 TO regress_shoal_040;
INSERT INTO names040 VALUES ('t040'), ('T040 "Upper"'), ('t040.dot'), ('t040_ünï'), ('t040''q'), ('select');
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT schema FROM names040 LOOP
    EXECUTE format('CREATE SCHEMA %I AUTHORIZATION regress_shoal_040', s);
  END LOOP;
END $$;
-- Default privileges apply to both functions alike.
ALTER DEFAULT PRIVILEGES FOR ROLE regress_shoal_040 REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
SELECT shoal.stage('040.a.t040', 'up', 'a040', ARRAY['CREATE TABLE a (id int)'], ARRAY['f:1']);
SET ROLE regress_shoal_040;
SELECT s.schema, shoal.mig_apply(s.schema, '040.a.t040', 'a040') FROM names040 s ORDER BY 1;
-- The reference: the same body through CREATE FUNCTION, by the same role.
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT schema FROM names040 LOOP
    EXECUTE format('CREATE FUNCTION %I.reference_const() RETURNS text LANGUAGE sql SET search_path TO %I AS %L', s, s,
                   (SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = s AND p.proname = 'mig_versions_const'));
  END LOOP;
END $$;
RESET ROLE;
CREATE TEMP VIEW proc040 AS
SELECT n.nspname AS schema, p.proname, p.oid, p.prosrc, p.proconfig, p.proowner, p.proacl,
       row(p.prolang, p.prorettype, p.provolatile, p.proparallel, p.procost, p.prorows, p.proisstrict, p.prosecdef,
           p.proleakproof, p.prokind, p.proretset, p.pronargs, p.proargtypes, p.probin, p.prosupport)::text AS shape,
       (SELECT array_agg(row(d.refclassid::regclass, d.refobjid, d.deptype)::text ORDER BY 1) FROM pg_depend d
         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid) AS depends_on,
       (SELECT array_agg(row(d.refclassid::regclass, d.refobjid, d.deptype)::text ORDER BY 1) FROM pg_shdepend d
         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid) AS shared_depends_on
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN (SELECT schema FROM names040);
SELECT s.schema, s.proconfig, s.prosrc = r.prosrc AS same_source, s.proconfig = r.proconfig AS same_settings,
       s.proowner = r.proowner AS same_owner, s.proacl IS NOT DISTINCT FROM r.proacl AS same_acl,
       s.proacl IS NOT NULL AS acl_set, s.shape = r.shape AS same_shape, s.depends_on = r.depends_on AS same_depends,
       s.shared_depends_on IS NOT DISTINCT FROM r.shared_depends_on AS same_shared_depends
  FROM proc040 s JOIN proc040 r ON r.schema = s.schema AND r.proname = 'reference_const'
 WHERE s.proname = 'mig_versions_const' ORDER BY 1;
SELECT count(*) AS stamps_callable FROM names040 s, LATERAL (SELECT shoal.const_of(s.schema, 'mig_versions_const') AS v) c
 WHERE c.v = '["040.a.t040"]';
-- A constant of another return type in its place is not replaced, as CREATE OR
-- REPLACE FUNCTION would not.
CREATE SCHEMA t040_varchar AUTHORIZATION regress_shoal_040;
SET ROLE regress_shoal_040;
CREATE FUNCTION t040_varchar.mig_versions_const() RETURNS varchar LANGUAGE sql AS $$ SELECT '[]'; $$;
SELECT error_of($$SELECT shoal.mig_mark('t040_varchar', '040.a.t040', 'a040')$$);
RESET ROLE;
SELECT t040_varchar.mig_versions_const();
-- Rights CREATE FUNCTION checks: CREATE on the schema, USAGE on the language and
-- the return type. Each refusal leaves no stamp.
CREATE SCHEMA t040_theirs;
GRANT USAGE ON SCHEMA t040_theirs TO regress_shoal_040;
SET ROLE regress_shoal_040;
SELECT error_of($$SELECT shoal.mig_mark('t040_theirs', '040.a.t040', 'a040')$$);
RESET ROLE;
-- A stamp another role owns is not rewritten, as only its owner may replace it.
CREATE FUNCTION t040_theirs.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '[]'; $$;
GRANT CREATE ON SCHEMA t040_theirs TO regress_shoal_040;
SET ROLE regress_shoal_040;
SELECT error_of($$SELECT shoal.mig_mark('t040_theirs', '040.a.t040', 'a040')$$);
RESET ROLE;
DROP FUNCTION t040_theirs.mig_versions_const();
REVOKE USAGE ON LANGUAGE sql FROM PUBLIC;
SET ROLE regress_shoal_040;
SELECT error_of($$SELECT shoal.mig_mark('t040_theirs', '040.a.t040', 'a040')$$);
RESET ROLE;
GRANT USAGE ON LANGUAGE sql TO PUBLIC;
REVOKE USAGE ON TYPE text FROM PUBLIC;
SET ROLE regress_shoal_040;
SELECT error_of($$SELECT shoal.mig_mark('t040_theirs', '040.a.t040', 'a040')$$);
RESET ROLE;
GRANT USAGE ON TYPE text TO PUBLIC;
SELECT count(*) AS stamps_in_theirs FROM pg_proc WHERE pronamespace = 't040_theirs'::regnamespace;
SET client_min_messages = warning;
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT schema FROM names040 UNION ALL VALUES ('t040_varchar'), ('t040_theirs') LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
DROP OWNED BY regress_shoal_040;
DROP ROLE regress_shoal_040;
RESET client_min_messages;
