-- Extension 1.11: an online change's statements run as the schema's owner when
-- a superuser changes a shard a lesser role owns, as a version's steps do
-- (037): the owner's expressions, the triggers the backfill's UPDATEs fire, a
-- check's validation, the final check and the DDL of expand and contract.
-- shoal.online and the events are still written as the caller.
CREATE ROLE regress_t046_owner;
CREATE SCHEMA t046 AUTHORIZATION regress_t046_owner;
SET ROLE regress_t046_owner;
CREATE TABLE t046.acct (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO t046.acct SELECT g, 10 * g FROM generate_series(1, 5) g;
-- Whatever the owner planted writes down who ran it.
CREATE TABLE t046.seen (who name, what text);
CREATE FUNCTION t046.record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t046.seen VALUES (current_user, 'trigger');
  RETURN NEW;
END $$;
CREATE TRIGGER record BEFORE UPDATE ON t046.acct FOR EACH ROW EXECUTE FUNCTION t046.record();
CREATE FUNCTION t046.widen(v int) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t046.seen VALUES (current_user, 'expression');
  RETURN v;
END $$;
CREATE FUNCTION t046.positive(v bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t046.seen VALUES (current_user, 'check');
  RETURN v > 0;
END $$;
-- And one trigger tries to make its owner a superuser.
CREATE TABLE t046.vault (id int PRIMARY KEY, amount int);
INSERT INTO t046.vault VALUES (1, 1);
CREATE FUNCTION t046.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'ALTER ROLE regress_t046_owner SUPERUSER';
  RETURN NEW;
END $$;
CREATE TRIGGER escalate BEFORE UPDATE ON t046.vault FOR EACH ROW EXECUTE FUNCTION t046.escalate();
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = current_user;
-- A column type change, start to end.
SELECT shoal.online_expand('t046', '046.a.t046', 'c', 'acct', 'balance', 'bigint', 'widen(balance)', 'balance::int');
SELECT proowner::regrole AS sync_function_owner FROM pg_proc
 WHERE pronamespace = 't046'::regnamespace AND proname LIKE 'shoal_sync%';
SELECT * FROM shoal.online_backfill('t046', '046.a.t046', 3);
SELECT * FROM shoal.online_backfill('t046', '046.a.t046', 3);
SELECT * FROM shoal.online_backfill('t046', '046.a.t046', 3);
SELECT shoal.online_mismatches('t046', '046.a.t046') AS out_of_step;
SELECT shoal.online_contract('t046', '046.a.t046');
-- A check through the owner's function, validated online.
SELECT shoal.online_add_constraint('t046', '047.b.t046', 'c', 'check', 'acct', 'acct_positive', NULL,
                                   'positive(balance)');
SELECT * FROM shoal.online_validate('t046', '047.b.t046');
SELECT shoal.online_contract('t046', '047.b.t046');
-- Each of them ran, and only ever as the owner.
SELECT what, who, count(*) > 0 AS ran FROM t046.seen GROUP BY what, who ORDER BY what, who;
SELECT DISTINCT role = current_user AS events_by_caller FROM shoal.event WHERE schema = 't046';
SELECT current_user = (SELECT rolname FROM pg_roles WHERE rolsuper AND rolname = current_user) AS caller_back;
-- The escalating trigger fails the backfill's batch as the owner, and nothing moved.
SELECT shoal.online_expand('t046', '048.c.t046', 'c', 'vault', 'amount', 'bigint', 'amount', 'amount::int');
SELECT error_of($$SELECT shoal.online_backfill('t046', '048.c.t046', 10)$$) AS escalation;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t046_owner';
SELECT state, rows_done FROM shoal.online_state WHERE schema = 't046';
-- What the test guards against: with shoal.run_as_owner off (rolled back), the
-- same batch runs the owner's trigger with the caller's superuser rights.
BEGIN;
SET LOCAL shoal.run_as_owner = off;
SELECT state FROM shoal.online_backfill('t046', '048.c.t046', 10);
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t046_owner';
ROLLBACK;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t046_owner';
SELECT shoal.online_abort('t046', '048.c.t046');
DROP SCHEMA t046 CASCADE;
DROP ROLE regress_t046_owner;
