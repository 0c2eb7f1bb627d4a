-- Errors that cross shoal's C++ boundary (extension/boundary.hpp): PostgreSQL's
-- error raised under pg_guard() travels as a C++ exception and is raised again at
-- the entry point, with PostgreSQL's exception and error context stacks as they
-- were. Were either left pointing into a frame that is gone, the next error of the
-- session would jump into it (a crash) or name a statement that is not running.
CREATE SCHEMA t040;
SELECT shoal.stage('040.a.t040', 'up', 'a', ARRAY['CREATE TABLE a (id int)', 'SELECT 1/0'],
                   ARRAY['a.sql:1', 'a.sql:2']);
SELECT shoal.stage('040.b.t040', 'up', 'b', ARRAY['CREATE TABLE b (id int)'], ARRAY['b.sql:1']);

-- A statement fails inside the step, with shoal's context callback on the stack.
SELECT migration_context_of($$SELECT shoal.mig_apply('t040', '040.a.t040', 'a')$$);
-- The next error of the session carries no context of the step that is gone.
SELECT migration_context_of('SELECT 1/0');

-- The stamp write fails: mig_versions_const() cannot be rewritten in place (it
-- returns varchar), and CREATE OR REPLACE cannot change its return type. That
-- error is raised in the nested settings level the write opens, after the
-- version's statements ran.
CREATE FUNCTION t040.mig_versions_const() RETURNS varchar LANGUAGE sql AS $$ SELECT '[]'; $$;
SELECT error_of($$SELECT shoal.mig_apply('t040', '040.b.t040', 'b')$$);
-- Many times in one transaction, each caught in a subtransaction: each error
-- leaves the stacks as it found them.
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    BEGIN
      PERFORM shoal.mig_apply('t040', '040.b.t040', 'b');
    EXCEPTION WHEN invalid_function_definition THEN
      NULL;
    END;
  END LOOP;
END
$$;
-- Nothing of the failed steps stayed: not their tables, not the write's settings.
SELECT to_regclass('t040.b') AS table_b, current_setting('check_function_bodies') AS check_function_bodies;
-- The session is healthy: errors outside shoal are caught where they are raised,
SELECT error_of('SELECT 1/0');
-- and shoal works in it, stamp write included.
DROP FUNCTION t040.mig_versions_const();
SELECT shoal.mig_apply('t040', '040.b.t040', 'b');
SELECT t040.mig_versions_const();
DROP SCHEMA t040 CASCADE;
