-- CREATE EXTENSION and every function stay correct under a hostile search_path
-- (functions, an operator and temp tables that would shadow what shoal uses), and
-- a schema "shoal" pre-created by another role is refused.
DROP EXTENSION shoal;
-- Stamps live in the schemas, so they outlive the extension.
SELECT t003.mig_versions_const();
-- DROP EXTENSION leaves the empty schema behind (the extension did not create it
-- as a member); drop it so a hostile role can take the name.
DROP SCHEMA shoal;

CREATE ROLE regress_shoal_evil;
CREATE SCHEMA evil AUTHORIZATION regress_shoal_evil;
CREATE FUNCTION evil.hijacked() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.hijacked() $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
CREATE FUNCTION evil.format(text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.hijacked()::text $$;
CREATE FUNCTION evil.format(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.hijacked()::text $$;
CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE sql AS $$ SELECT evil.hijacked()::text $$;
CREATE FUNCTION evil.pg_try_advisory_lock(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.hijacked() $$;
CREATE FUNCTION evil.pg_advisory_xact_lock(integer, integer) RETURNS void LANGUAGE sql AS $$ SELECT evil.hijacked() $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT NULL::timestamptz WHERE evil.hijacked() $$;
CREATE TEMP TABLE pg_proc (oid oid, proname name, prosrc text, pronamespace oid, pronargs int);
CREATE TEMP TABLE pg_locks (locktype text, pid int);
CREATE TEMP TABLE script (checksum text);
SET search_path = evil, pg_temp, pg_catalog, public;
SELECT 'a'::text = 'b'::text;

-- A pre-existing schema "shoal" owned by another role.
CREATE SCHEMA shoal AUTHORIZATION regress_shoal_evil;
SELECT public.error_of('CREATE EXTENSION shoal');
DROP SCHEMA shoal;

CREATE EXTENSION shoal;
SELECT pg_catalog.count(*) AS hostile_functions_in_shoal FROM pg_catalog.pg_proc p
 WHERE p.pronamespace OPERATOR(pg_catalog.=) 'shoal'::regnamespace AND p.prosrc OPERATOR(pg_catalog.~~) '%evil%';

-- Every function works under that search_path.
CREATE SCHEMA "t024 Hostile";
SELECT shoal.stage('024.init.t024', 'up', 'h', ARRAY['CREATE TABLE t (id int)'], ARRAY['f:1']);
SELECT shoal.stage('024.init.t024', 'dn', 'hd', ARRAY['DROP TABLE t'], ARRAY['f:1']);
SELECT shoal.mig_apply('t024 Hostile', '024.init.t024', 'h');
SELECT shoal.mig_apply('t024 Hostile', '024.init.t024', 'h');
SELECT shoal.mig_undo('t024 Hostile', '024.init.t024', 'hd');
SELECT shoal.mig_mark('t024 Hostile', '025.mark.t024', 'm');
SELECT shoal.mig_forget('t024 Hostile', '025.mark.t024');
SELECT shoal.lock_run('hostile', 'd');
SELECT holder FROM shoal.run_lock;
SELECT shoal.unlock_run();
SELECT shoal.set_digest('1.x');
SELECT shoal.digest();
SELECT shoal.pause(), shoal.resume(), shoal.cancel(), shoal.resume();
SELECT s.versions FROM shoal.stamps() s WHERE s.schema OPERATOR(pg_catalog.=) 't003';
SELECT a.version FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) 't003';
SELECT e.action FROM shoal.event e WHERE e.schema OPERATOR(pg_catalog.=) 't024 Hostile' ORDER BY e.id;
RESET search_path;
DROP TABLE pg_temp.pg_proc, pg_temp.pg_locks, pg_temp.script;
DROP SCHEMA evil CASCADE;
DROP SCHEMA "t024 Hostile" CASCADE;
DROP FUNCTION public.mig_digest_const();
DROP ROLE regress_shoal_evil;
