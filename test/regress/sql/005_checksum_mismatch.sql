-- A version applied with one checksum and asked for with another is an error.
CREATE SCHEMA t005;
SELECT shoal.stage('005.init.t005', 'up', 'old', ARRAY['CREATE TABLE t (a int)'], ARRAY['f:1']);
SELECT shoal.stage('005.init.t005', 'up', 'new', ARRAY['CREATE TABLE t (a bigint)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t005', '005.init.t005', 'old');
SELECT error_of($$SELECT shoal.mig_apply('t005', '005.init.t005', 'new')$$);
-- mig_mark() checks the same way.
SELECT error_of($$SELECT shoal.mig_mark('t005', '005.init.t005', 'new')$$);
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't005';
