-- shoal 1.9 -> 1.10

-- shoal.event.action without a table CHECK. A CHECK is read back from its stored
-- text and planned again at the executor start of every INSERT: the IN list's
-- array constant was 2.7 % of an apply step's server instructions, for its one
-- event row (a domain is no cheaper: every CREATE TABLE with a constraint
-- invalidates a domain's cached checks; a checking function would need EXECUTE
-- granted to every migrating role). The writers keep the vocabulary: the C
-- functions write constants, shoal.log_event refuses any other action.
ALTER TABLE shoal.event DROP CONSTRAINT event_action_check;
CREATE OR REPLACE FUNCTION shoal.log_event(target_schema text, version text, action text, checksum text,
                                           started_at timestamptz, detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF log_event.action IS NULL OR log_event.action NOT IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume',
                                                          'cancel', 'expand', 'backfilled', 'contract', 'abort') THEN
    RAISE EXCEPTION 'not an event action: %', coalesce(log_event.action, 'NULL') USING ERRCODE = '22023';
  END IF;
  INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)
  VALUES (target_schema, log_event.version, log_event.action, log_event.checksum, CURRENT_USER,
          log_event.started_at, clock_timestamp(), log_event.detail);
END
$fn$;
