-- Extension 1.11 attacked by a hostile shard owner: what the owner planted runs
-- during a superuser's online change (046) and tries to get out of the owner's
-- identity, or to run later with the caller's rights. Each attempt fails the
-- batch, nothing moves, and the caller is what it was.
CREATE ROLE regress_t047_owner;
CREATE SCHEMA t047 AUTHORIZATION regress_t047_owner;
SET ROLE regress_t047_owner;
CREATE TABLE t047.acct (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO t047.acct SELECT g, g FROM generate_series(1, 4) g;
-- The owner's trigger runs whatever t047.attack holds (%I: the session user,
-- the superuser the owner wants to become).
CREATE TABLE t047.attack (command text);
CREATE FUNCTION t047.run_attack() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format((SELECT command FROM t047.attack), session_user);
  RETURN NEW;
END $$;
CREATE TRIGGER run_attack BEFORE UPDATE ON t047.acct FOR EACH ROW EXECUTE FUNCTION t047.run_attack();
-- A deferred trigger fires at the batch's commit, after execute_in_step has
-- put the caller back: it would run with superuser rights.
CREATE FUNCTION t047.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'ALTER ROLE regress_t047_owner SUPERUSER';
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER escalate AFTER UPDATE ON t047.acct DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION t047.escalate();
RESET ROLE;
INSERT INTO t047.attack VALUES ('SELECT 1');
SELECT shoal.online_expand('t047', '047.a.t047', 'c', 'acct', 'balance', 'bigint', 'balance', 'balance::int');
-- The deferred trigger: refused as PostgreSQL refuses it in an index
-- expression (a security-restricted operation), and the owner stays a lesser role.
SELECT error_of($$SELECT shoal.online_backfill('t047', '047.a.t047', 10)$$) AS deferred_trigger;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t047_owner';
-- ... also when the whole batch's transaction commits.
BEGIN;
SELECT error_of($$SELECT shoal.online_backfill('t047', '047.a.t047', 10)$$) AS deferred_trigger;
COMMIT;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t047_owner';
DROP TRIGGER escalate ON t047.acct;
-- What the owner's immediate trigger tries, one at a time; attack() sets it
-- and runs a batch.
CREATE FUNCTION attack(attack_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  UPDATE t047.attack SET command = attack_sql;
  RETURN error_of($q$SELECT shoal.online_backfill('t047', '047.a.t047', 10)$q$);
END $$;
SELECT command, attack(command) AS result FROM (VALUES
  (1, 'SET ROLE %I'), (2, 'RESET ROLE'), (3, 'SET SESSION AUTHORIZATION %I'),
  (4, 'SELECT set_config(''role'', %L, false)'), (5, 'RESET ALL'), (6, 'SET search_path = public'),
  (7, 'SELECT set_config(''search_path'', ''pg_catalog'', true)'), (8, 'CREATE TEMP TABLE kept_for_later (x int)'),
  (9, 'SELECT shoal.execute_in_step(''t047'', ''SELECT 1'')'), (10, 'DELETE FROM shoal.online'),
  (11, 'SELECT shoal.online_abort(''t047'', ''047.a.t047'')'), (12, 'INSERT INTO shoal.event DEFAULT VALUES'),
  (13, 'ALTER ROLE regress_t047_owner SUPERUSER')) AS a(n, command) ORDER BY n;
-- Nothing moved: no row rewritten, the caller and its settings as they were.
SELECT state, rows_done FROM shoal.online_state WHERE schema = 't047';
SELECT current_user = session_user AS caller_back, current_setting('search_path') AS search_path,
       current_setting('shoal.run_as_owner') AS run_as_owner,
       to_regclass('pg_temp.kept_for_later') IS NULL AS no_temp_table,
       (SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t047_owner') AS owner_superuser;
-- Without the attack the batch runs, and the change completes.
UPDATE t047.attack SET command = 'SELECT 1';
SELECT * FROM shoal.online_backfill('t047', '047.a.t047', 10);
SELECT * FROM shoal.online_backfill('t047', '047.a.t047', 10);
SELECT shoal.online_mismatches('t047', '047.a.t047') AS out_of_step;
SELECT error_of($$SELECT shoal.online_contract('t047', '047.a.t047')$$) AS contract;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't047.acct'::regclass AND attname = 'balance';

-- execute_in_step itself. Its first row as text[], parameters $n as text (a
-- NULL element: NULL), NULL when it returns no row; as the owner.
SELECT shoal.execute_in_step('t047', 'SELECT current_user, $1 IS NULL, $2, NULL::text', ARRAY[NULL, 'two']);
SELECT shoal.execute_in_step('t047', 'SELECT 1 WHERE false') IS NULL AS no_row,
       shoal.execute_in_step('t047', 'SELECT count(*) FROM acct', NULL) AS args_null;
SELECT error_of($$SELECT shoal.execute_in_step(NULL, 'SELECT 1')$$) AS schema_null,
       error_of($$SELECT shoal.execute_in_step('t047', NULL)$$) AS query_null,
       error_of($$SELECT shoal.execute_in_step('no_such_schema', 'SELECT 1')$$) AS no_schema;
-- An error keeps its SQLSTATE through it, into a caller's EXCEPTION block, and
-- the session goes on as the caller.
SELECT error_of($$SELECT shoal.execute_in_step('t047', 'SELECT 1 / 0')$$) AS division,
       current_user = session_user AS caller_back;
-- The array outlives the call's memory: a thousand of them in one query.
SELECT count(DISTINCT (shoal.execute_in_step('t047', 'SELECT $1', ARRAY[g::text]))[1])
  FROM generate_series(1, 1000) g;
-- Who may call it: nobody by default; a role granted it runs as itself and
-- gains nothing (no shard owner's rights).
CREATE ROLE regress_t047_caller;
GRANT USAGE ON SCHEMA shoal TO regress_t047_caller;
SET ROLE regress_t047_caller;
SELECT error_of($$SELECT shoal.execute_in_step('t047', 'SELECT 1')$$) AS not_granted;
RESET ROLE;
GRANT EXECUTE ON FUNCTION shoal.execute_in_step(text, text, text[]) TO regress_t047_caller;
SET ROLE regress_t047_caller;
SELECT shoal.execute_in_step('t047', 'SELECT current_user');
SELECT error_of($$SELECT shoal.execute_in_step('t047', 'SELECT count(*) FROM t047.acct')$$) AS owner_rights;
RESET ROLE;

-- A check the rows break: online_validate's EXCEPTION block still gets the
-- check_violation from execute_in_step and counts the rows.
SELECT shoal.online_add_constraint('t047', '048.b.t047', 'c', 'check', 'acct', 'small', NULL, 'balance < 3');
SELECT error_of($$SELECT * FROM shoal.online_validate('t047', '048.b.t047')$$) AS broken;
SELECT shoal.online_abort('t047', '048.b.t047');

DROP FUNCTION attack(text);
DROP SCHEMA t047 CASCADE;
REVOKE ALL ON FUNCTION shoal.execute_in_step(text, text, text[]) FROM regress_t047_caller;
REVOKE ALL ON SCHEMA shoal FROM regress_t047_caller;
DROP ROLE regress_t047_caller;
DROP ROLE regress_t047_owner;
