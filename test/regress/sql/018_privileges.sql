-- Nothing is granted to PUBLIC: a role without the grants is denied every function
-- and table; the grant path of docs/operators.md lets a non-superuser migrate.
CREATE ROLE regress_shoal_nobody;
CREATE ROLE regress_shoal_migrator;
CREATE SCHEMA t018 AUTHORIZATION regress_shoal_migrator;
SELECT shoal.stage('018.init.t018', 'up', 'p-up', ARRAY['CREATE TABLE t (id int)'], ARRAY['f:1']);
SET ROLE regress_shoal_nobody;
SELECT error_of($$SELECT shoal.mig_apply('t018', '018.init.t018', 'p-up')$$);
SELECT error_of($$SELECT * FROM shoal.stamps()$$);
SELECT error_of($$SELECT * FROM shoal.applied$$);
SELECT error_of($$SELECT * FROM shoal.event$$);
SELECT error_of($$SELECT shoal.lock_run('me', 'd')$$);
RESET ROLE;
-- Even with USAGE on the schema, no function is executable.
GRANT USAGE ON SCHEMA shoal TO regress_shoal_nobody;
SELECT p.oid::regprocedure AS executable_by_nobody FROM pg_proc p
 WHERE p.pronamespace = 'shoal'::regnamespace AND has_function_privilege('regress_shoal_nobody', p.oid, 'EXECUTE');
SET ROLE regress_shoal_nobody;
SELECT error_of($$SELECT shoal.mig_mark('t018', '018.init.t018', 'p-up')$$);
RESET ROLE;
-- The grant path for a migrating role (docs/operators.md).
GRANT USAGE ON SCHEMA shoal TO regress_shoal_migrator;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO regress_shoal_migrator;
GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO regress_shoal_migrator;
GRANT INSERT ON shoal.script, shoal.event TO regress_shoal_migrator;
GRANT INSERT, UPDATE, DELETE ON shoal.run, shoal.control TO regress_shoal_migrator;
SET ROLE regress_shoal_migrator;
SELECT shoal.lock_run('migrator', 'd');
SELECT shoal.stage('019.more.t018', 'up', 'p2', ARRAY['CREATE TABLE u (id int)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t018', '018.init.t018', 'p-up');
SELECT shoal.mig_apply('t018', '019.more.t018', 'p2');
SELECT versions FROM shoal.stamps() WHERE schema = 't018';
SELECT shoal.unlock_run();
SELECT shoal.pause(), shoal.resume();
-- Its own schema only: another role's schema is still refused by PostgreSQL.
SELECT error_of($$SELECT shoal.mig_apply('public', '018.init.t018', 'p-up')$$);
RESET ROLE;
SELECT role, count(*) FROM shoal.event WHERE schema = 't018' GROUP BY role;
DROP SCHEMA t018 CASCADE;
DROP OWNED BY regress_shoal_migrator, regress_shoal_nobody;
DROP ROLE regress_shoal_migrator, regress_shoal_nobody;
