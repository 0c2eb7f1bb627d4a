-- shoal 1.6 -> 1.7: steering the fleet from the command line (issue 18, item 2).
-- What changed and why is in docs/architecture.md, "Extension 1.7".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.7'" to load this file. \quit

-- shoal.resume() answered `running` on a node that was not the paused one
-- while the run stayed paused for another node's pause: it now says, every
-- time, that it resumed this node only.
CREATE OR REPLACE FUNCTION shoal.resume(reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RAISE NOTICE 'shoal.resume() resumes this node only; a run stays paused while any node of its fleet is paused'
    USING HINT = 'shoal resume resumes every node; shoal status shows each node''s steering.';
  RETURN shoal.steer('{paused,cancelled}', 'running', 'resume', reason);
END
$fn$;
COMMENT ON FUNCTION shoal.resume(text) IS
  'shoal: end a pause (or a cancel) on this node; returns this node''s state';
