-- Applying a version again with the same checksum reports it and changes nothing.
CREATE SCHEMA t004;
SELECT shoal.stage('004.init.t004', 'up', 'i1', ARRAY['CREATE SEQUENCE s'], ARRAY['004.init.t004.up.sql:1']);
SELECT shoal.mig_apply('t004', '004.init.t004', 'i1');
SELECT applied_at AS first_applied_at FROM shoal.applied WHERE schema = 't004' \gset
-- The body would fail if it ran again (the sequence exists): it must not run.
SELECT shoal.mig_apply('t004', '004.init.t004', 'i1');
SELECT applied_at = :'first_applied_at' AS stamp_unchanged FROM shoal.applied WHERE schema = 't004';
SELECT count(*) AS events FROM shoal.event WHERE schema = 't004';
