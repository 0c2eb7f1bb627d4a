-- Extension 1.8: the record of a run (status's last run) and which run wrote a
-- mark or forget (history). A record is opened only by the session that holds
-- the run lock and closed once; one nobody closed reads as running while its
-- control session holds the lock, and as "did not finish" after, whatever the
-- row says; the table keeps the newest 20 runs.
SELECT error_of($$SELECT shoal.begin_run('apply', NULL)$$) AS without_the_lock;
SELECT error_of($$SELECT shoal.end_run('succeeded', 1, 0, true)$$) AS nothing_begun;
SELECT shoal.lock_run('regress run 1', 'd');
SELECT error_of($$SELECT shoal.begin_run(NULL, NULL)$$) AS no_command;
SELECT shoal.begin_run('apply', '--schemas t044*');
SELECT outcome, command, scope, finished_at IS NULL AS open FROM shoal.recent_runs;
-- A mark by a connection of the run is the run's; outside it, by hand.
CREATE SCHEMA t044;
SELECT shoal.mig_mark('t044', '044.a.t044', 'a');
SELECT error_of($$SELECT shoal.end_run('done', 1, 0, true)$$) AS unknown_outcome;
SELECT shoal.end_run('failed', 3, 1, false);
SELECT error_of($$SELECT shoal.end_run('failed', 3, 1, false)$$) AS closed_once;
SELECT outcome, steps_done, steps_failed, digest_stored, finished_at >= started_at AS timed
  FROM shoal.recent_runs;
SELECT shoal.unlock_run();
SELECT shoal.mig_mark('t044', '045.b.t044', 'b');
SELECT shoal.mig_forget('t044', '045.b.t044');
SELECT version, action, run_command FROM shoal.event WHERE schema = 't044' ORDER BY id;
-- Opened and never closed: the lock released (as when the session dies), the
-- row still open, the outcome derived.
SELECT shoal.lock_run('regress run 2', 'd');
SELECT shoal.begin_run('undo', NULL);
SELECT shoal.mig_forget('t044', '044.a.t044');
SELECT shoal.unlock_run();
SELECT holder, outcome, finished_at IS NULL AS open FROM shoal.recent_runs ORDER BY id;
SELECT version, action, run_command FROM shoal.event WHERE schema = 't044' ORDER BY id DESC LIMIT 1;
-- Bounded: 25 more runs leave the newest 20.
DO $$
BEGIN
  FOR i IN 3..27 LOOP
    PERFORM shoal.lock_run('regress run ' || i, 'd');
    PERFORM shoal.begin_run('apply', NULL);
    PERFORM shoal.end_run('succeeded', 0, 0, true);
    PERFORM shoal.unlock_run();
  END LOOP;
END $$;
SELECT count(*), min(holder), max(holder) FROM shoal.run_record;
DELETE FROM shoal.run_record;
DROP SCHEMA t044 CASCADE;
