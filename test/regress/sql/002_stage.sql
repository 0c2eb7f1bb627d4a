-- shoal.stage(): stores a script once, keeps it under the same checksum, refuses a malformed one.
SELECT shoal.stage('002.init.t002', 'up', 'sum-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['002.init.t002.up.sql:1']);
-- Same script again: nothing new.
SELECT shoal.stage('002.init.t002', 'up', 'sum-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['002.init.t002.up.sql:1']);
-- The same body in another version (identical dn files are common): stored for it too.
SELECT shoal.stage('002.other.t002', 'up', 'sum-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['002.other.t002.up.sql:1']);
SELECT version, direction, statements, locations FROM shoal.script WHERE checksum = 'sum-up' ORDER BY version;
-- Same checksum from another checkout (the body included from another file)
-- or another shoal (split otherwise): never a conflict, what was staged first stays.
SELECT shoal.stage('002.init.t002', 'up', 'sum-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['inc/a.sql:1']);
SELECT shoal.stage('002.init.t002', 'up', 'sum-up', ARRAY['CREATE TABLE a', '(id int)'], ARRAY['inc/a.sql:1', 'inc/a.sql:1']);
SELECT version, statements, locations FROM shoal.script WHERE checksum = 'sum-up' ORDER BY version;
SELECT error_of($$SELECT shoal.stage('002.init.t002', 'sideways', 's', '{}', '{}')$$);
SELECT error_of($$SELECT shoal.stage('002.init.t002', 'up', 's', ARRAY['SELECT 1', 'SELECT 2'], ARRAY['f:1'])$$);
SELECT error_of($$SELECT shoal.stage('init.t002', 'up', 's', '{}', '{}')$$);
SELECT error_of($$SELECT shoal.stage('002.in.it.t002', 'up', 's', '{}', '{}')$$);
SELECT error_of($$SELECT shoal.stage('002.init.t002', 'up', NULL, '{}', '{}')$$);
SELECT count(*) AS scripts_of_002 FROM shoal.script WHERE version LIKE '002.%';
