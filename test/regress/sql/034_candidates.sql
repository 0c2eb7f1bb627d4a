-- Only candidate schemas count, and a stamp that cannot be read fails alone. Any
-- login role may create functions in its own pg_temp schema, so a hostile
-- pg_temp.mig_versions_const() must not make the node unreadable; pg_* schemas
-- and information_schema are never candidates. A shard whose stamp shoal cannot
-- read is reported by name in stamps().problem, and shoal.applied skips it.
CREATE SCHEMA t034_a;
CREATE SCHEMA t034_b;
CREATE SCHEMA t034_code;
CREATE SCHEMA t034_object;
SELECT shoal.mig_mark('t034_a', '034.a.t034', 'a');
SELECT shoal.mig_mark('t034_b', '034.a.t034', 'a'), shoal.mig_mark('t034_b', '035.b.t034', 'b');
CREATE FUNCTION t034_code.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT now()::text $$;
CREATE FUNCTION t034_object.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"034.a.t034": 1}'; $$;
CREATE FUNCTION pg_temp.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT 'not a stamp' || '!' $$;
CREATE FUNCTION pg_temp.shoal_stamp_const() RETURNS text LANGUAGE sql AS $$ SELECT pg_backend_pid()::text $$;
SELECT schema, versions, checksums, problem FROM shoal.stamps() WHERE schema LIKE 't034%' ORDER BY schema;
SELECT count(*) AS not_candidates FROM shoal.stamps()
 WHERE schema LIKE 'pg\_%' OR schema = 'information_schema';
SELECT schema, version, checksum FROM shoal.applied WHERE schema LIKE 't034%' ORDER BY schema, version;
SELECT count(*) AS pg_temp_rows FROM shoal.applied WHERE schema LIKE 'pg\_%';
-- The unreadable shard still refuses an apply by itself.
SELECT error_of($$SELECT shoal.mig_mark('t034_code', '036.c.t034', 'c')$$);
SELECT error_of($$SELECT shoal.mig_mark('t034_object', '036.c.t034', 'c')$$);
DROP FUNCTION pg_temp.mig_versions_const();
DROP FUNCTION pg_temp.shoal_stamp_const();
DROP SCHEMA t034_a, t034_b, t034_code, t034_object CASCADE;
