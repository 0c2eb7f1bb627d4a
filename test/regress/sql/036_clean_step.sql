-- Each step starts from a clean session: temporary objects a version created are
-- dropped at the end of its step, before the stamp is written, so one schema's
-- scratch table never holds rows in the next schema's step; the caller's own
-- temporary objects stay. A version that would leave a prepared statement or a
-- WITH HOLD cursor behind fails, and so does one that would remove the session's
-- own (DEALLOCATE, DISCARD).
CREATE SCHEMA t036_a;
CREATE SCHEMA t036_b;
SELECT shoal.stage('036.scratch.t036', 'up', 'scratch',
  ARRAY['CREATE TEMP TABLE IF NOT EXISTS scratch (n int)', 'INSERT INTO scratch VALUES (1)',
        'CREATE TABLE seen AS SELECT count(*) AS rows FROM scratch',
        'CREATE FUNCTION pg_temp.helper() RETURNS int LANGUAGE sql AS ''SELECT 1'''],
  ARRAY['f:1', 'f:2', 'f:3', 'f:4']);
-- One session applies to both schemas, as a coordinator's worker does.
SELECT shoal.mig_apply('t036_a', '036.scratch.t036', 'scratch');
SELECT to_regclass('pg_temp.scratch') AS scratch_after_first;
CREATE TEMP TABLE mine (x int);
SELECT shoal.mig_apply('t036_b', '036.scratch.t036', 'scratch');
SELECT (SELECT rows FROM t036_a.seen) AS a_rows, (SELECT rows FROM t036_b.seen) AS b_rows;
SELECT to_regclass('pg_temp.scratch') AS scratch, to_regprocedure('pg_temp.helper()') AS helper,
       to_regclass('pg_temp.mine') IS NOT NULL AS mine_kept;
-- Prepared statements and WITH HOLD cursors outlive the transaction: refused.
SELECT shoal.stage('037.prepare.t036', 'up', 'prepare', ARRAY['PREPARE leak AS SELECT 1'], ARRAY['f:1']);
SELECT shoal.stage('037.dynamic.t036', 'up', 'dynamic',
  ARRAY[$q$DO $d$ BEGIN EXECUTE 'PREPARE leak2 AS SELECT 2'; END $d$$q$], ARRAY['f:1']);
SELECT shoal.stage('037.cursor.t036', 'up', 'cursor', ARRAY['DECLARE leak CURSOR WITH HOLD FOR SELECT 1'], ARRAY['f:1']);
SELECT error_of($$SELECT shoal.mig_apply('t036_a', '037.prepare.t036', 'prepare')$$);
SELECT error_of($$SELECT shoal.mig_apply('t036_a', '037.dynamic.t036', 'dynamic')$$);
SELECT error_of($$SELECT shoal.mig_apply('t036_a', '037.cursor.t036', 'cursor')$$);
-- Nor may a step take away the session's own: DEALLOCATE dropped the
-- coordinator's prepared step, so every later step on that connection failed.
PREPARE callers_own AS SELECT 1;
SELECT shoal.stage('037.deallocate.t036', 'up', 'deallocate', ARRAY['DEALLOCATE ALL'], ARRAY['f:1']);
SELECT shoal.stage('037.discard.t036', 'up', 'discard', ARRAY['DISCARD PLANS'], ARRAY['f:1']);
SELECT error_of($$SELECT shoal.mig_apply('t036_a', '037.deallocate.t036', 'deallocate')$$);
SELECT error_of($$SELECT shoal.mig_apply('t036_a', '037.discard.t036', 'discard')$$);
SELECT name FROM pg_prepared_statements;
DEALLOCATE callers_own;
SELECT (SELECT count(*) FROM pg_prepared_statements) AS prepared, (SELECT count(*) FROM pg_cursors) AS cursors;
SELECT t036_a.mig_versions_const();
DROP SCHEMA t036_a, t036_b CASCADE;
