-- Statements that cannot run inside the caller's transaction are refused and
-- named, and nothing of the version stays.
CREATE SCHEMA t011;
SELECT shoal.stage('011.commit.t011', 'up', 'tc', ARRAY['CREATE TABLE t (id int)', 'COMMIT'], ARRAY['f:1', 'f:2']);
SELECT error_of($$SELECT shoal.mig_apply('t011', '011.commit.t011', 'tc')$$);
SELECT migration_context_of($$SELECT shoal.mig_apply('t011', '011.commit.t011', 'tc')$$);
SELECT shoal.stage('011.concurrently.t011', 'up', 'cc',
  ARRAY['CREATE TABLE t (id int)', 'CREATE INDEX CONCURRENTLY t_id ON t (id)'], ARRAY['f:1', 'f:2']);
SELECT error_of($$SELECT shoal.mig_apply('t011', '011.concurrently.t011', 'cc')$$);
SELECT to_regclass('t011.t') AS table_left, count(*) AS stamped FROM shoal.applied WHERE schema = 't011';
