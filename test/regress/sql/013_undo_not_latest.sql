-- mig_undo() of a version that is not the schema's latest is refused, naming the
-- latest; nothing runs.
CREATE SCHEMA t013;
SELECT shoal.stage('013.a.t013', 'up', 'a-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['a.up:1']);
SELECT shoal.stage('013.a.t013', 'dn', 'a-dn', ARRAY['DROP TABLE a'], ARRAY['a.dn:1']);
SELECT shoal.stage('014.b.t013', 'up', 'b-up', ARRAY['CREATE TABLE b (id int)'], ARRAY['b.up:1']);
SELECT shoal.mig_apply('t013', '013.a.t013', 'a-up');
SELECT shoal.mig_apply('t013', '014.b.t013', 'b-up');
SELECT error_of($$SELECT shoal.mig_undo('t013', '013.a.t013', 'a-dn')$$);
SELECT to_regclass('t013.a') IS NOT NULL AS a_kept, t013.mig_versions_const();
-- A version the schema never had.
SELECT shoal.mig_undo('t013', '012.never.t013', 'x');
SELECT count(*) AS undo_events FROM shoal.event WHERE schema = 't013' AND action = 'undo';
