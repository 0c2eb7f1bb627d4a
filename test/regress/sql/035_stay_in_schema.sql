-- A version cannot leave its schema: when search_path is no longer exactly what
-- the step set, or the current user or session authorization changed, after any
-- of its statements, the step fails with SH007 naming what moved and the version,
-- and nothing is stamped. (RESET ALL then CREATE TABLE created the table in public
-- and stamped the schema.)
CREATE SCHEMA t035;
CREATE ROLE regress_t035;
GRANT USAGE, CREATE ON SCHEMA t035 TO regress_t035;
SELECT shoal.stage('035.set-config.t035', 'up', 'sc',
  ARRAY[$q$DO $d$ BEGIN PERFORM set_config('search_path', 'public', false); END $d$$q$, 'CREATE TABLE x (id int)'],
  ARRAY['035.set-config.t035.up.sql:1', '035.set-config.t035.up.sql:2']);
SELECT shoal.stage('036.reset-all.t035', 'up', 'ra', ARRAY['RESET ALL', 'CREATE TABLE y (id int)'],
  ARRAY['036.reset-all.t035.up.sql:1', '036.reset-all.t035.up.sql:3']);
SELECT shoal.stage('037.set-role.t035', 'up', 'sr', ARRAY['CREATE TABLE z (id int)', 'SET ROLE regress_t035'],
  ARRAY['037.set-role.t035.up.sql:1', '037.set-role.t035.up.sql:2']);
SELECT shoal.stage('038.session.t035', 'up', 'ss', ARRAY['SET SESSION AUTHORIZATION regress_t035'],
  ARRAY['038.session.t035.up.sql:1']);
SELECT error_of($$SELECT shoal.mig_apply('t035', '035.set-config.t035', 'sc')$$);
SELECT migration_context_of($$SELECT shoal.mig_apply('t035', '035.set-config.t035', 'sc')$$);
SELECT error_of($$SELECT shoal.mig_apply('t035', '036.reset-all.t035', 'ra')$$);
SELECT error_of($$SELECT shoal.mig_apply('t035', '037.set-role.t035', 'sr')$$);
SELECT migration_context_of($$SELECT shoal.mig_apply('t035', '037.set-role.t035', 'sr')$$);
SELECT error_of($$SELECT shoal.mig_apply('t035', '038.session.t035', 'ss')$$);
-- Nothing was created anywhere, nothing stamped, and the session is as it was.
SELECT to_regclass('public.x') AS x, to_regclass('public.y') AS y, to_regclass('t035.z') AS z,
       to_regprocedure('t035.mig_versions_const()') AS stamp;
SELECT current_user, session_user = current_user AS same_session, current_setting('search_path');
-- Nor may it release the run lock of the session it runs in (a worker's run
-- membership): no rollback gives a session advisory lock back.
SELECT shoal.stage('038.unlock.t035', 'up', 'ul', ARRAY['SELECT pg_advisory_unlock_all()'],
  ARRAY['038.unlock.t035.up.sql:1']);
SELECT shoal.lock_run('regress 035', 'd');
SELECT error_of($$SELECT shoal.mig_apply('t035', '038.unlock.t035', 'ul')$$);
SELECT count(*) AS run_lock_rows FROM shoal.run_lock;
SELECT shoal.unlock_run();
-- Setting search_path to the value the step set is not a move.
SELECT shoal.stage('039.same.t035', 'up', 'same', ARRAY['SET search_path = t035', 'CREATE TABLE same (id int)'],
  ARRAY['039.same.t035.up.sql:1', '039.same.t035.up.sql:2']);
SELECT shoal.mig_apply('t035', '039.same.t035', 'same');
SELECT to_regclass('t035.same') IS NOT NULL AS created, t035.mig_versions_const();
DROP SCHEMA t035 CASCADE;
DROP ROLE regress_t035;
