-- A failing statement rolls back the version's DDL and its stamp together.
CREATE SCHEMA t008;
SELECT shoal.stage('008.ok.t008', 'up', 'ok', ARRAY['CREATE TABLE kept (id int)'], ARRAY['ok:1']);
SELECT shoal.mig_apply('t008', '008.ok.t008', 'ok');
SELECT shoal.stage('009.bad.t008', 'up', 'bad',
  ARRAY['CREATE TABLE lost (id int)', 'ALTER TABLE kept ADD COLUMN extra int', 'SELECT 1/0'],
  ARRAY['bad:1', 'bad:2', 'bad:3']);
BEGIN;
SELECT error_of($$SELECT shoal.mig_apply('t008', '009.bad.t008', 'bad')$$);
COMMIT;
SELECT to_regclass('t008.lost') AS lost_table,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = 't008.kept'::regclass AND attname = 'extra') AS extra_column;
SELECT t008.mig_versions_const();
SELECT count(*) AS events FROM shoal.event WHERE schema = 't008' AND version = '009.bad.t008';
-- Same in a plain transaction that the error aborts.
BEGIN;
SELECT shoal.mig_apply('t008', '009.bad.t008', 'bad');
COMMIT;
SELECT to_regclass('t008.lost') AS lost_table, t008.mig_versions_const();
