-- mig_apply(): runs the staged statements in the schema and stamps it, in the
-- caller's transaction.
CREATE SCHEMA t003;
SELECT shoal.stage('003.users.t003', 'up', 'u1',
  ARRAY['CREATE TABLE users (id int PRIMARY KEY)', 'INSERT INTO users VALUES (1), (2)'],
  ARRAY['003.users.t003.up.sql:1', '003.users.t003.up.sql:2']);
BEGIN;
SELECT shoal.mig_apply('t003', '003.users.t003', 'u1');
-- Not committed yet: the table and the stamp are there inside the transaction.
SELECT count(*) AS users FROM t003.users;
COMMIT;
SELECT t003.mig_versions_const();
SELECT schema, version, checksum, applied_at <= now() AS applied_in_past FROM shoal.applied WHERE schema = 't003';
SELECT * FROM shoal.stamps() WHERE schema = 't003';
SELECT schema, version, action, checksum, role, detail, started_at <= finished_at AS ordered
  FROM shoal.event WHERE schema = 't003' ORDER BY id;
-- Unqualified names in the body landed in the schema, not in public.
SELECT to_regclass('public.users') AS in_public, to_regclass('t003.users') AS in_schema;
