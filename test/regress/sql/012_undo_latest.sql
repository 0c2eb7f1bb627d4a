-- mig_undo(): runs the staged dn script of the latest version and drops it from
-- the stamp; the version before it stays.
CREATE SCHEMA t012;
SELECT shoal.stage('012.a.t012', 'up', 'a-up', ARRAY['CREATE TABLE a (id int)'], ARRAY['a.up:1']);
SELECT shoal.stage('012.a.t012', 'dn', 'a-dn', ARRAY['DROP TABLE a'], ARRAY['a.dn:1']);
SELECT shoal.stage('013.b.t012', 'up', 'b-up', ARRAY['CREATE TABLE b (id int)'], ARRAY['b.up:1']);
SELECT shoal.stage('013.b.t012', 'dn', 'b-dn', ARRAY['DROP TABLE b'], ARRAY['b.dn:1']);
SELECT shoal.mig_apply('t012', '012.a.t012', 'a-up');
SELECT shoal.mig_apply('t012', '013.b.t012', 'b-up');
SELECT shoal.mig_undo('t012', '013.b.t012', 'b-dn');
SELECT to_regclass('t012.a') IS NOT NULL AS a_kept, to_regclass('t012.b') IS NULL AS b_dropped;
SELECT t012.mig_versions_const();
SELECT schema, version, checksum FROM shoal.applied WHERE schema = 't012';
SELECT version, action, checksum, detail FROM shoal.event WHERE schema = 't012' ORDER BY id;
-- Undo again: no longer applied.
SELECT shoal.mig_undo('t012', '013.b.t012', 'b-dn');
-- Then the first one: the stamp is an empty array, as pg-mig leaves it.
SELECT shoal.mig_undo('t012', '012.a.t012', 'a-dn');
SELECT t012.mig_versions_const();
-- A failing dn script leaves the version applied.
SELECT shoal.stage('014.c.t012', 'up', 'c-up', ARRAY['CREATE TABLE c (id int)'], ARRAY['c.up:1']);
SELECT shoal.stage('014.c.t012', 'dn', 'c-dn', ARRAY['DROP TABLE c', 'DROP TABLE missing'], ARRAY['c.dn:1', 'c.dn:2']);
SELECT shoal.mig_apply('t012', '014.c.t012', 'c-up');
SELECT error_of($$SELECT shoal.mig_undo('t012', '014.c.t012', 'c-dn')$$);
SELECT to_regclass('t012.c') IS NOT NULL AS c_kept, t012.mig_versions_const();
