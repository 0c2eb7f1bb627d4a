-- Each apply's event spans its run: started_at after the schema lock was taken,
-- finished_at after the stamp was written, both from clock_timestamp(), so two
-- applies in one transaction get disjoint, ordered intervals.
CREATE SCHEMA t023a;
CREATE SCHEMA t023b;
SELECT shoal.stage('023.slow.t023', 'up', 'slow', ARRAY['SELECT pg_sleep(0.05)'], ARRAY['f:1']);
BEGIN;
SELECT shoal.mig_apply('t023a', '023.slow.t023', 'slow');
SELECT shoal.mig_apply('t023b', '023.slow.t023', 'slow');
COMMIT;
SELECT a.finished_at - a.started_at >= interval '50 ms' AS a_spans_body,
       b.started_at >= a.finished_at AS b_after_a,
       a.started_at > now() - interval '1 hour' AS recent
  FROM shoal.event a, shoal.event b
 WHERE a.schema = 't023a' AND b.schema = 't023b';
