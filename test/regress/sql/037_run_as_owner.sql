-- A superuser's apply runs a version's statements as the schema's owner when that
-- owner is not a superuser, so nothing the owner planted (a trigger on its own
-- table) runs with superuser rights; the stamp and the event are written as the
-- caller. shoal.run_as_owner = off brings back the old behaviour.
CREATE ROLE regress_t037_owner;
CREATE SCHEMA t037 AUTHORIZATION regress_t037_owner;
SET ROLE regress_t037_owner;
CREATE TABLE t037.acct (balance int);
INSERT INTO t037.acct VALUES (1);
CREATE FUNCTION t037.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'ALTER ROLE regress_t037_owner SUPERUSER';
  RETURN NEW;
END $$;
CREATE TRIGGER escalate BEFORE UPDATE ON t037.acct FOR EACH ROW EXECUTE FUNCTION t037.escalate();
RESET ROLE;
SELECT shoal.stage('037.double.t037', 'up', 'double', ARRAY['UPDATE acct SET balance = balance * 2'], ARRAY['f:1']);
SELECT shoal.stage('038.made.t037', 'up', 'made', ARRAY['CREATE TABLE made (id int)'], ARRAY['f:1']);
SHOW shoal.run_as_owner;
SELECT error_of($$SELECT shoal.mig_apply('t037', '037.double.t037', 'double')$$);
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t037_owner';
SELECT current_user, (SELECT balance FROM t037.acct) AS balance;
-- The opt-out, in a transaction rolled back: the trigger runs as superuser again.
BEGIN;
SET LOCAL shoal.run_as_owner = off;
SELECT shoal.mig_apply('t037', '037.double.t037', 'double');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t037_owner';
ROLLBACK;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t037_owner';
-- The owner's objects are the owner's; the event names the caller.
SELECT shoal.mig_apply('t037', '038.made.t037', 'made');
SELECT tableowner FROM pg_tables WHERE schemaname = 't037' AND tablename = 'made';
SELECT version, action, role FROM shoal.event WHERE schema = 't037' ORDER BY id;
SELECT current_user;
-- A schema owned by pg_database_owner runs as the database's owner.
CREATE SCHEMA t037_db AUTHORIZATION pg_database_owner;
SELECT shoal.stage('039.db.t037', 'up', 'db', ARRAY['CREATE TABLE db_made (id int)'], ARRAY['f:1']);
BEGIN;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO regress_t037_owner', current_database()); END $$;
SELECT shoal.mig_apply('t037_db', '039.db.t037', 'db');
SELECT tableowner FROM pg_tables WHERE schemaname = 't037_db' AND tablename = 'db_made';
ROLLBACK;
DROP SCHEMA t037, t037_db CASCADE;
DROP ROLE regress_t037_owner;
