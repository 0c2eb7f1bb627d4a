-- Stamps are read from their source, never run: pg-mig's form in any spacing or
-- case is read; a body that is not a constant is an error naming the function
-- (running it would run its owner's code with the reader's rights).
CREATE SCHEMA t017_hand;
CREATE FUNCTION t017_hand.mig_versions_const() RETURNS text LANGUAGE sql
  AS $$
  select   '["017.a.t017"]'
$$;
CREATE SCHEMA t017_none;
SELECT * FROM shoal.stamps() WHERE schema LIKE 't017%' ORDER BY schema;
SELECT shoal.mig_mark('t017_hand', '018.b.t017', 'b');
SELECT t017_hand.mig_versions_const();
-- pg-mig's form of an empty stamp.
SELECT shoal.mig_forget('t017_hand', '018.b.t017'), shoal.mig_forget('t017_hand', '017.a.t017');
SELECT t017_hand.mig_versions_const(), (SELECT versions FROM shoal.stamps() WHERE schema = 't017_hand');
-- mig_versions_const() is authoritative: shoal's data without it counts for nothing.
CREATE FUNCTION t017_none.shoal_stamp_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"017.a.t017": {"checksum": "x"}}'; $$;
SELECT * FROM shoal.stamps() WHERE schema = 't017_none';
-- A stamp that computes its value is refused, and is not run: stamps() names it
-- (1.4; it failed as a whole before), mig_mark raises SH006.
CREATE SCHEMA t017_trap;
CREATE TABLE t017_trap.ran (at timestamptz);
CREATE FUNCTION t017_trap.mig_versions_const() RETURNS text LANGUAGE sql
  AS $$ INSERT INTO t017_trap.ran VALUES (now()); SELECT '["017.a.t017"]' $$;
SELECT schema, versions, problem FROM shoal.stamps() WHERE schema = 't017_trap';
SELECT error_of($$SELECT shoal.mig_mark('t017_trap', '018.b.t017', 'b')$$);
SELECT count(*) AS times_run FROM t017_trap.ran;
DROP SCHEMA t017_trap CASCADE;
