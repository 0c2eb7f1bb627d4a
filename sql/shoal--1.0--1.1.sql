-- shoal 1.0 -> 1.1: steering a run from psql.
--
-- An operator pauses, resumes or cancels the coordinator's run on a node; the
-- coordinator reads shoal.control_state() between schema transactions (paused:
-- start nothing new until resumed; cancelled: start nothing new and end the run).
-- The state is one row in shoal.control, each change an event in shoal.event.
-- A pause outlives runs (pause before a deploy to hold it); a cancel is meant for
-- the run in progress, so the next shoal.lock_run() clears it.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.1'" to load this file. \quit

CREATE TABLE shoal.control (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  state      text NOT NULL CHECK (state IN ('running', 'paused', 'cancelled')),
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL,
  reason     text
);
COMMENT ON TABLE shoal.control IS
  'shoal: the steering state of runs on this node (one row); changed by shoal.pause(), resume(), cancel()';
INSERT INTO shoal.control (state, changed_by, changed_at) VALUES ('running', CURRENT_USER, pg_catalog.now());

ALTER TABLE shoal.event
  DROP CONSTRAINT event_action_check,
  ADD CONSTRAINT event_action_check
    CHECK (action IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume', 'cancel'));

-- Moves the state to new_state when it is one of from_states, recording the change
-- as an event; returns the state after the call.
CREATE FUNCTION shoal.steer(from_states text[], new_state text, action text, reason text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  result text;
BEGIN
  UPDATE shoal.control c
     SET state = new_state, changed_by = CURRENT_USER, changed_at = started, reason = steer.reason
   WHERE c.state = ANY (from_states);
  IF FOUND THEN
    PERFORM shoal.log_event(NULL, NULL, action, NULL, started, reason);
  END IF;
  SELECT c.state INTO STRICT result FROM shoal.control c;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.steer(text[], text, text, text) IS
  'shoal (internal): change the steering state and record the change';

CREATE FUNCTION shoal.pause(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{running}', 'paused', 'pause', reason);
$fn$;
COMMENT ON FUNCTION shoal.pause(text) IS
  'shoal: ask the coordinator to start no new schema transaction until shoal.resume(); returns the state';

CREATE FUNCTION shoal.resume(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{paused,cancelled}', 'running', 'resume', reason);
$fn$;
COMMENT ON FUNCTION shoal.resume(text) IS
  'shoal: end a pause (or a cancel); returns the state';

CREATE FUNCTION shoal.cancel(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{running,paused}', 'cancelled', 'cancel', reason);
$fn$;
COMMENT ON FUNCTION shoal.cancel(text) IS
  'shoal: ask the run in progress to start nothing new and stop; the next shoal.lock_run() clears it; returns the state';

CREATE FUNCTION shoal.control_state()
RETURNS TABLE (state text, changed_by text, changed_at timestamptz, reason text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT c.state, c.changed_by, c.changed_at, c.reason FROM shoal.control c;
$fn$;
COMMENT ON FUNCTION shoal.control_state() IS
  'shoal: the steering state (running, paused, cancelled), who set it, when and why';

-- 1.0's lock_run, plus: a new run clears the cancel meant for the previous one.
CREATE OR REPLACE FUNCTION shoal.lock_run(holder text, digest text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  other shoal.run_lock;
BEGIN
  IF holder IS NULL THEN
    RAISE EXCEPTION 'holder must not be null' USING ERRCODE = '22004';
  END IF;
  -- Taking it twice in one session must not stack: one unlock_run() frees it.
  IF NOT EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid = pg_backend_pid()) THEN
    IF NOT pg_try_advisory_lock(1936224097, 0) THEN
      SELECT * INTO other FROM shoal.run_lock;
      RAISE EXCEPTION 'shoal run lock is held by %', coalesce(other.holder, 'an unknown holder')
        USING ERRCODE = '55P03',
              DETAIL = format('holder %s, pid %s, client address %s, since %s',
                              coalesce(other.holder, '(unknown)'), coalesce(other.pid::text, '(gone)'),
                              coalesce(host(other.client_addr), 'local'), coalesce(other.since::text, '(unknown)')),
              HINT = 'Wait for that run to end. If its session is stuck, end it with pg_terminate_backend(pid); the lock goes with it.';
    END IF;
    PERFORM shoal.steer('{cancelled}', 'running', 'resume', format('run lock taken by %s', holder));
  END IF;
  -- Rows of holders that died are stale: only the live holder's row is kept.
  DELETE FROM shoal.run;
  INSERT INTO shoal.run (pid, holder, client_addr, since, digest)
  VALUES (pg_backend_pid(), lock_run.holder, inet_client_addr(), clock_timestamp(), lock_run.digest);
END
$fn$;

REVOKE ALL ON FUNCTION shoal.steer(text[], text, text, text), shoal.pause(text), shoal.resume(text),
  shoal.cancel(text), shoal.control_state() FROM PUBLIC;
REVOKE ALL ON TABLE shoal.control FROM PUBLIC;
