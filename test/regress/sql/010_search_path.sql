-- The body runs with search_path set to exactly the schema; afterwards the
-- caller's search_path and settings are back, also when the body changed them and
-- when it failed. (Since 1.4 a body may not move search_path itself:
-- 035_stay_in_schema.)
CREATE SCHEMA t010;
SET search_path = public;
SET lock_timeout = '7s';
SELECT shoal.stage('010.paths.t010', 'up', 'p1',
  ARRAY['CREATE TABLE seen AS SELECT current_setting(''search_path'') AS path',
        'SET lock_timeout = ''1s''',
        'SET LOCAL statement_timeout = ''3s'''],
  ARRAY['f:1', 'f:2', 'f:3']);
BEGIN;
SELECT shoal.mig_apply('t010', '010.paths.t010', 'p1');
SHOW search_path;
SHOW lock_timeout;
SHOW statement_timeout;
COMMIT;
SELECT path FROM t010.seen;
-- After an error caught by a savepoint.
SELECT shoal.stage('011.fails.t010', 'up', 'p2', ARRAY['SET lock_timeout = ''2s''', 'SELECT 1/0'], ARRAY['f:1', 'f:2']);
BEGIN;
SAVEPOINT before_apply;
SELECT shoal.mig_apply('t010', '011.fails.t010', 'p2');
ROLLBACK TO SAVEPOINT before_apply;
SHOW search_path;
COMMIT;
-- After an error that aborts the transaction.
BEGIN;
SELECT shoal.mig_apply('t010', '011.fails.t010', 'p2');
ROLLBACK;
SHOW search_path;
-- A schema whose name needs quoting is set quoted.
CREATE SCHEMA "T010, public";
SELECT shoal.mig_apply('T010, public', '010.paths.t010', 'p1');
SELECT path FROM "T010, public".seen;
SHOW search_path;
RESET lock_timeout;
RESET search_path;
