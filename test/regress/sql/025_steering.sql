-- 1.1: pause, resume and cancel a run from psql; each change is an event, a no-op
-- is not; the next run lock clears a cancel but not a pause.
SELECT state, changed_by FROM shoal.control_state();
SELECT shoal.pause('maintenance window');
SELECT state, changed_by, reason FROM shoal.control_state();
SELECT shoal.pause('again');
SELECT shoal.resume();
SELECT shoal.resume();
SELECT shoal.cancel('bad deploy');
SELECT shoal.pause('cannot pause a cancelled run');
SELECT action, role, detail FROM shoal.event WHERE schema IS NULL ORDER BY id;
-- A new run starts clear of the previous run's cancel.
SELECT shoal.lock_run('next run', 'd');
SELECT state FROM shoal.control_state();
SELECT shoal.unlock_run();
-- A pause holds across runs until resumed.
SELECT shoal.pause('hold the deploy');
SELECT shoal.lock_run('held run', 'd');
SELECT state FROM shoal.control_state();
SELECT shoal.unlock_run();
SELECT shoal.resume();
SELECT error_of($$UPDATE shoal.control SET state = 'stopped'$$);
SELECT error_of($$INSERT INTO shoal.control (state, changed_by, changed_at) VALUES ('running', 'x', now())$$);
