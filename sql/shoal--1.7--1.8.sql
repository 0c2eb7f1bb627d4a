-- shoal 1.7 -> 1.8. What changed and why is in docs/architecture.md, "Extension 1.8".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.8'" to load this file. \quit

-- issue 18 run log: each run's outcome and duration per node (status), and which
-- marks and forgets a run wrote (history). Why: docs/architecture.md, "Extension 1.8".

-- One row per run of the coordinator on this node, begun when it took the run
-- lock and closed by the coordinator with the outcome. A row nobody closed is
-- read through shoal.recent_runs, which derives 'running' or 'did not finish'
-- from the live run lock instead of trusting it.
CREATE TABLE shoal.run_record (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  holder        text NOT NULL,
  command       text NOT NULL,
  scope         text,
  role          text NOT NULL DEFAULT CURRENT_USER,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  outcome       text CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'interrupted')),
  steps_done    bigint,
  steps_failed  bigint,
  digest_stored boolean,
  CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
COMMENT ON TABLE shoal.run_record IS
  'shoal: the newest runs on this node (shoal.begin_run, shoal.end_run); read them through shoal.recent_runs';

-- Which run wrote a mark or a forget: the coordinator records a version it ran
-- itself (CREATE INDEX CONCURRENTLY) with mig_mark, and undoes it with
-- mig_forget; history shows those as the apply and the undo they were.
ALTER TABLE shoal.event ADD COLUMN run_command text;
COMMENT ON COLUMN shoal.event.run_command IS
  'shoal: for a mark or forget since 1.8, the command of the run whose connection wrote it (apply, undo), none when no such run did (by hand, shoal mark, forget, baseline); NULL for other actions and older events';

-- How many runs a node keeps: status reads the newest; a few more show an
-- operator what came before in SQL, and the table never grows with the fleet's age.
CREATE FUNCTION shoal.begin_run(command text, scope text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  held shoal.run;
BEGIN
  IF command IS NULL THEN
    RAISE EXCEPTION 'command must not be null' USING ERRCODE = '22004';
  END IF;
  SELECT r.* INTO held FROM shoal.run r JOIN shoal.run_lock l ON l.pid = r.pid WHERE r.pid = pg_backend_pid();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'this session does not hold the run lock' USING ERRCODE = '55000',
      HINT = 'Take it with shoal.lock_run() first.';
  END IF;
  DELETE FROM shoal.run_record r
   WHERE r.id <= (SELECT k.id FROM shoal.run_record k ORDER BY k.id DESC OFFSET 19 LIMIT 1);
  INSERT INTO shoal.run_record (holder, command, scope, started_at)
  VALUES (held.holder, begin_run.command, begin_run.scope, held.since);
END
$fn$;
COMMENT ON FUNCTION shoal.begin_run(text, text) IS
  'shoal: record that the run holding the run lock in this session began (its command; scope NULL for the whole fleet, else what it was narrowed to); keeps the newest 20 runs';

CREATE FUNCTION shoal.end_run(outcome text, steps_done bigint, steps_failed bigint, digest_stored boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF outcome IS NULL OR outcome NOT IN ('succeeded', 'failed', 'cancelled', 'interrupted') THEN
    RAISE EXCEPTION 'outcome must be succeeded, failed, cancelled or interrupted, not %',
                    coalesce(quote_literal(outcome), 'NULL') USING ERRCODE = '22023';
  END IF;
  UPDATE shoal.run_record r
     SET finished_at = clock_timestamp(), outcome = end_run.outcome, steps_done = end_run.steps_done,
         steps_failed = end_run.steps_failed, digest_stored = end_run.digest_stored
   WHERE r.finished_at IS NULL
     AND r.holder = (SELECT l.holder FROM shoal.run l WHERE l.pid = pg_backend_pid());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no run begun in this session is open' USING ERRCODE = '55000',
      HINT = 'shoal.begin_run() records a run; shoal.end_run() closes it once, before shoal.unlock_run().';
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.end_run(text, bigint, bigint, boolean) IS
  'shoal: close the run this session began with its outcome (succeeded, failed, cancelled, interrupted), the steps done and failed on this node, and whether it stored the digest';

CREATE VIEW shoal.recent_runs AS
SELECT r.id, r.holder, r.command, r.scope, r.role, r.started_at, r.finished_at,
       coalesce(r.outcome,
                CASE WHEN EXISTS (SELECT FROM shoal.run_lock l
                                   WHERE l.pid IS NOT NULL AND l.holder OPERATOR(pg_catalog.=) r.holder)
                     THEN 'running' ELSE 'did not finish' END) AS outcome,
       r.steps_done, r.steps_failed, r.digest_stored
  FROM shoal.run_record r;
COMMENT ON VIEW shoal.recent_runs IS
  'shoal: the newest runs on this node with their outcome; a run nobody closed is running while its control session holds the run lock, else did not finish (killed, crashed, terminated)';

-- What a mark or forget writes into its event's run_command: the command of
-- the run this session is a connection of, if that run recorded one.
CREATE FUNCTION shoal.run_command() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- A mark by hand reads nothing more (a role without the 1.8 grants can still mark).
  IF NOT shoal.is_run_member() THEN
    RETURN 'none';
  END IF;
  RETURN coalesce((SELECT k.command FROM shoal.run r JOIN shoal.run_record k ON k.holder = r.holder
                    WHERE k.finished_at IS NULL ORDER BY k.id DESC LIMIT 1), 'none');
END
$fn$;
COMMENT ON FUNCTION shoal.run_command() IS
  'shoal (internal): the command (apply, undo) of the run this session is a connection of, none when it is in no run that recorded one';

-- add_version and remove_version as 1.8's mig_mark and mig_forget call them:
-- the same C functions, which write run_command into the event when given it.
CREATE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text,
                                  run_command text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_add_version';
COMMENT ON FUNCTION shoal.add_version(text, text, text, text, text) IS
  'shoal (internal): add_version, writing run_command into the event';
CREATE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text,
                                     run_command text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_remove_version';
COMMENT ON FUNCTION shoal.remove_version(text, text, text, text, text) IS
  'shoal (internal): remove_version, writing run_command into the event';

REVOKE ALL ON FUNCTION shoal.begin_run(text, text), shoal.end_run(text, bigint, bigint, boolean),
                       shoal.run_command(), shoal.add_version(text, text, text, text, text),
                       shoal.remove_version(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON shoal.run_record, shoal.recent_runs FROM PUBLIC;

-- mig_mark and mig_forget say in their event which run command wrote it.
CREATE OR REPLACE FUNCTION shoal.mig_mark(schema text, version text, checksum text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  result text := shoal.add_version(schema, version, checksum, 'mark', shoal.run_command());
BEGIN
  IF result = 'marked' THEN
    PERFORM shoal.digest_after_repair();
  END IF;
  RETURN result;
END
$fn$;
CREATE OR REPLACE FUNCTION shoal.mig_forget(schema text, version text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, NULL, 'forget', shoal.run_command());
$fn$;
