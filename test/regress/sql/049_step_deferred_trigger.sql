-- A superuser's step in a schema a lesser role owns runs as the owner (037),
-- and so do the owner's deferred triggers it queued (1.11): they fire at the
-- step's end, not at commit with the caller's rights. A trigger cannot defer
-- its own events again past the step (SET CONSTRAINTS is refused while the
-- step's triggers fire), and a version's own deferred foreign keys are still
-- checked, at the step's end.
CREATE ROLE regress_t049_owner;
CREATE SCHEMA t049 AUTHORIZATION regress_t049_owner;
SET ROLE regress_t049_owner;
CREATE TABLE t049.acct (id int PRIMARY KEY, who name);
CREATE FUNCTION t049.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'ALTER ROLE regress_t049_owner SUPERUSER';
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER escalate AFTER INSERT ON t049.acct DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION t049.escalate();
CREATE TABLE t049.notes (id int, note text);
INSERT INTO t049.notes VALUES (1, NULL);
CREATE TABLE t049.seen (who name);
CREATE FUNCTION t049.record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t049.seen VALUES (current_user);
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER record AFTER UPDATE ON t049.notes DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION t049.record();
CREATE FUNCTION t049.defer_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SET CONSTRAINTS ALL DEFERRED;
  RETURN NULL;
END $$;
CREATE TABLE t049.ledger (id int);
CREATE CONSTRAINT TRIGGER defer_again AFTER INSERT ON t049.ledger DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION t049.defer_again();
RESET ROLE;
SELECT shoal.stage('049.insert.t049', 'up', 'insert', ARRAY['INSERT INTO acct VALUES (1, NULL)'], ARRAY['f:1']);
SELECT shoal.stage('050.update.t049', 'up', 'update', ARRAY['UPDATE notes SET note = ''n'''], ARRAY['f:1']);
SELECT shoal.stage('051.ledger.t049', 'up', 'ledger', ARRAY['INSERT INTO ledger VALUES (1)'], ARRAY['f:1']);
SELECT shoal.stage('052.cycle.t049', 'up', 'cycle',
  ARRAY['CREATE TABLE a (id int PRIMARY KEY, b int)',
        'CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a DEFERRABLE INITIALLY DEFERRED)',
        'ALTER TABLE a ADD FOREIGN KEY (b) REFERENCES b DEFERRABLE INITIALLY DEFERRED',
        'INSERT INTO a VALUES (1, 1)', 'INSERT INTO b VALUES (1, 1)'],
  ARRAY['f:1', 'f:2', 'f:3', 'f:4', 'f:5']);
SELECT shoal.stage('053.broken.t049', 'up', 'broken', ARRAY['INSERT INTO b VALUES (2, 42)'], ARRAY['f:1']);
-- The escalating trigger fires in the step, as the owner: refused, nothing kept.
SELECT error_of($$SELECT shoal.mig_apply('t049', '049.insert.t049', 'insert')$$) AS escalation;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_t049_owner';
SELECT count(*) AS rows_kept FROM t049.acct;
-- A recording trigger fires in the step, as the owner.
SELECT shoal.mig_apply('t049', '050.update.t049', 'update');
SELECT who FROM t049.seen;
-- A trigger that defers again is refused.
SELECT error_of($$SELECT shoal.mig_apply('t049', '051.ledger.t049', 'ledger')$$) AS defer_again;
-- A version's own deferred foreign keys: checked at the step's end.
SELECT shoal.mig_apply('t049', '052.cycle.t049', 'cycle');
SELECT error_of($$SELECT shoal.mig_apply('t049', '053.broken.t049', 'broken')$$) AS broken_key;
-- A trigger fired at the step's end that runs a step of its own (through a
-- superuser's SECURITY DEFINER function the owner may call) still cannot defer
-- once that inner step, which also fired its triggers at its end, returned.
CREATE FUNCTION public.t049_admin_step() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT shoal.run_script('t049', 'inner', ARRAY['SELECT 1'], ARRAY['f:1']) $$;
GRANT EXECUTE ON FUNCTION public.t049_admin_step() TO regress_t049_owner;
SET ROLE regress_t049_owner;
CREATE TABLE t049.nest (id int);
CREATE FUNCTION t049.nest_then_defer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM public.t049_admin_step();
  SET CONSTRAINTS ALL DEFERRED;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER nest_then_defer AFTER INSERT ON t049.nest DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION t049.nest_then_defer();
RESET ROLE;
SELECT shoal.stage('054.nest.t049', 'up', 'nest', ARRAY['INSERT INTO nest VALUES (1)'], ARRAY['f:1']);
SELECT error_of($$SELECT shoal.mig_apply('t049', '054.nest.t049', 'nest')$$) AS defer_after_inner_step;
SELECT version FROM shoal.applied WHERE schema = 't049' ORDER BY version;
DROP FUNCTION public.t049_admin_step();
DROP SCHEMA t049 CASCADE;
DROP ROLE regress_t049_owner;
