-- The run lock: taken, shown, re-entrant in its session, released; a stale row
-- left by a holder that died does not count. (A second session being refused and a
-- killed holder freeing it: test/isolation/specs/run_lock.spec.)
SELECT * FROM shoal.run_lock;
SELECT shoal.unlock_run();
SELECT shoal.lock_run('deploy 42', 'digest-a');
SELECT holder, pid = pg_backend_pid() AS mine, client_addr IS NOT DISTINCT FROM inet_client_addr() AS addr_ok,
       since <= clock_timestamp() AS since_ok, digest FROM shoal.run_lock;
-- Taking it again updates the record and does not stack: one run key, one
-- member key (1.4: the session is a member of its run).
SELECT shoal.lock_run('deploy 43', 'digest-b');
SELECT holder, digest FROM shoal.run_lock;
SELECT count(*) AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 1936224097;
SELECT shoal.unlock_run();
SELECT * FROM shoal.run_lock;
SELECT shoal.unlock_run();
SELECT count(*) AS rows_left FROM shoal.run;
-- A row whose pid holds no lock (its session died) shows nobody.
INSERT INTO shoal.run VALUES (1, 'ghost', NULL, now(), 'x');
SELECT * FROM shoal.run_lock;
SELECT shoal.lock_run('after ghost', 'd');
SELECT holder FROM shoal.run;
SELECT shoal.unlock_run();
SELECT error_of($$SELECT shoal.lock_run(NULL, 'd')$$);
