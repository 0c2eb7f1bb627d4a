-- A version older than one the schema already has is a timeline violation that
-- names both; nothing runs.
CREATE SCHEMA t006;
SELECT shoal.stage('006.second.t006', 'up', 's2', ARRAY['CREATE TABLE b (id int)'], ARRAY['f2:1']);
SELECT shoal.stage('005.first.t006', 'up', 's1', ARRAY['CREATE TABLE a (id int)'], ARRAY['f1:1']);
SELECT shoal.mig_apply('t006', '006.second.t006', 's2');
SELECT error_of($$SELECT shoal.mig_apply('t006', '005.first.t006', 's1')$$);
SELECT error_of($$SELECT shoal.mig_mark('t006', '005.first.t006', 's1')$$);
SELECT to_regclass('t006.a') AS ran_anyway;
SELECT versions FROM shoal.stamps() WHERE schema = 't006';
-- Newer versions keep applying.
SELECT shoal.stage('007.third.t006', 'up', 's3', ARRAY['CREATE TABLE c (id int)'], ARRAY['f3:1']);
SELECT shoal.mig_apply('t006', '007.third.t006', 's3');
SELECT t006.mig_versions_const();
