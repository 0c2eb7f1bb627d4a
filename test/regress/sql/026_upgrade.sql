-- The upgrade path: install 1.0, use it, ALTER EXTENSION UPDATE to 1.3 (1.1, 1.2, 1.3), use
-- it, then UPDATE to the default (1.4, 1.5); the data stays and the result is the
-- same extension as a fresh install of the default version.
CREATE TEMP TABLE fresh AS
SELECT p.oid::regprocedure::text AS function, p.proconfig, p.proacl::text, obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p WHERE p.pronamespace = 'shoal'::regnamespace;
CREATE TEMP TABLE fresh_constraints AS
SELECT conrelid::regclass::text AS relation, conname, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint WHERE connamespace = 'shoal'::regnamespace;
DROP EXTENSION shoal;
CREATE EXTENSION shoal VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'shoal';
SELECT to_regprocedure('shoal.pause(text)') AS pause_in_1_0;
CREATE SCHEMA t026;
CREATE SCHEMA t026_old;
SELECT shoal.stage('026.a.t026', 'up', 'a', ARRAY['CREATE TABLE a (id int)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t026', '026.a.t026', 'a');
-- A stamp in 1.0's form (two functions) that nothing writes until 1.5.
SELECT shoal.mig_apply('t026_old', '026.a.t026', 'a');
ALTER EXTENSION shoal UPDATE TO '1.3';
SELECT extversion FROM pg_extension WHERE extname = 'shoal';
-- Data from 1.0 is still there.
SELECT version, action, checksum FROM shoal.event WHERE schema = 't026';
SELECT count(*) AS staged FROM shoal.script WHERE version = '026.a.t026';
SELECT versions FROM shoal.stamps() WHERE schema = 't026';
-- 1.1 works on the upgraded install.
SELECT shoal.pause('after upgrade'), shoal.resume();
SELECT state FROM shoal.control_state();
SELECT action FROM shoal.event WHERE schema IS NULL ORDER BY id;
-- 1.3's apply (C) appends to the stamp 1.0 wrote. (The library is the default
-- version's: the checksums it writes are where 1.3's readers do not look. The
-- default version's do, below.)
SELECT shoal.stage('027.b.t026', 'up', 'b', ARRAY['CREATE TABLE b (id int)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t026', '027.b.t026', 'b');
SELECT versions FROM shoal.stamps() WHERE schema = 't026';
-- Then to the default version, 1.5.
ALTER EXTENSION shoal UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'shoal';
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't026';
-- The checksums of a stamp from before 1.5 are read from its second function
-- until the stamp is written next, which folds them into the one function.
SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 't026_old'::regnamespace ORDER BY 1;
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't026_old';
SELECT error_of($$SELECT shoal.mig_apply('t026_old', '026.a.t026', 'changed')$$) AS recorded_in_1_0;
SELECT shoal.mig_apply('t026_old', '027.b.t026', 'b');
SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 't026_old'::regnamespace ORDER BY 1;
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't026_old';
SELECT error_of($$SELECT shoal.mig_apply('t026_old', '026.a.t026', 'changed')$$) AS recorded_in_1_0;
-- Same functions, settings, privileges, comments and constraints as a fresh install.
(SELECT p.oid::regprocedure::text, p.proconfig, p.proacl::text, obj_description(p.oid, 'pg_proc')
   FROM pg_proc p WHERE p.pronamespace = 'shoal'::regnamespace
 EXCEPT SELECT * FROM fresh)
UNION ALL
(SELECT * FROM fresh
 EXCEPT SELECT p.oid::regprocedure::text, p.proconfig, p.proacl::text, obj_description(p.oid, 'pg_proc')
   FROM pg_proc p WHERE p.pronamespace = 'shoal'::regnamespace);
(SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'shoal'::regnamespace
 EXCEPT SELECT * FROM fresh_constraints)
UNION ALL
(SELECT * FROM fresh_constraints
 EXCEPT SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'shoal'::regnamespace);
-- 1.4's forget takes only the latest version.
SELECT error_of($$SELECT shoal.mig_forget('t026', '026.a.t026')$$);
SELECT shoal.mig_forget('t026', '027.b.t026');
