-- A failing statement's error names the version and the file:line it came from,
-- the statement's own line even when comments lead its span.
CREATE SCHEMA t009;
SELECT shoal.stage('009.users.t009', 'up', 'e1',
  ARRAY[E'CREATE TABLE users (id int)',
        E'\n-- add the email column\n/* nested /* block */ comment\n*/\nALTER TABLE users ADD COLUMN email txet',
        'SELECT 1'],
  ARRAY['009.users.t009.up.sql:1', '009.users.t009.up.sql:2', '009.users.t009.up.sql:9']);
SELECT migration_context_of($$SELECT shoal.mig_apply('t009', '009.users.t009', 'e1')$$);
SELECT error_of($$SELECT shoal.mig_apply('t009', '009.users.t009', 'e1')$$);
-- A runtime error (no position) in the first statement.
SELECT shoal.stage('010.div.t009', 'up', 'e2', ARRAY['SELECT 1/0'], ARRAY['010.div.t009.up.sql:4']);
SELECT migration_context_of($$SELECT shoal.mig_apply('t009', '010.div.t009', 'e2')$$);
-- A location without a line number is named as it is.
SELECT shoal.stage('011.odd.t009', 'up', 'e3', ARRAY['SELECT nope'], ARRAY['included from somewhere']);
SELECT migration_context_of($$SELECT shoal.mig_apply('t009', '011.odd.t009', 'e3')$$);
-- What an operator sees in psql.
\set VERBOSITY default
\set SHOW_CONTEXT always
SELECT shoal.mig_apply('t009', '010.div.t009', 'e2');
