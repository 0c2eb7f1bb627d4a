-- 1.3: add_version and mig_apply are C (extension/add_version.cpp). What 1.2's
-- PL/pgSQL did, they do: the lock is shoal.lock_schema's, the stamp's texts are
-- appended to in jsonb's form, marks log no detail; and stamps that are not what
-- pg-mig writes get a clear error instead of a broken append.
CREATE SCHEMA t032;
SELECT shoal.stage('032.a.t032', 'up', 'a', ARRAY['CREATE TABLE a (id int)'], ARRAY['f:1']);
-- The transaction lock on the schema is the one shoal.lock_schema() takes.
BEGIN;
SELECT shoal.mig_apply('t032', '032.a.t032', 'a');
SELECT count(*) AS schema_lock FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 1936224108
   AND objid = hashtext('t032')::oid AND objsubid = 2;
COMMIT;
SELECT count(*) AS released FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
-- One version: pg-mig's list is what JSON.stringify writes, and so is shoal's data
-- after it (1.5).
SELECT d.data = replace(replace(d.data::jsonb::text, '": ', '":'), ', "', ',"') AS stringify_form,
       d.data::jsonb -> '032.a.t032' ->> 'checksum' AS checksum, t032.mig_versions_const()
  FROM pg_proc p, regexp_match(p.prosrc, '-- shoal (.*)$') m, LATERAL (SELECT m[1] AS data) d
 WHERE p.oid = 't032.mig_versions_const()'::regprocedure;
SELECT action, checksum, detail FROM shoal.event WHERE schema = 't032' ORDER BY id;
-- A mark through the same path: no statements run, no detail.
SELECT shoal.mig_mark('t032', '033.b.t032', 'b');
SELECT to_regclass('t032.b') AS nothing_ran, t032.mig_versions_const();
SELECT version, action, detail FROM shoal.event WHERE schema = 't032' ORDER BY id;
SELECT error_of($$SELECT shoal.add_version('t032', '034.c.t032', 'c', 'undo')$$);
-- Names JSON must escape are escaped, and read back.
SELECT shoal.mig_mark('t032', '035.quote"back\slash.t032', 'q"');
SELECT versions, checksums FROM shoal.stamps() WHERE schema = 't032';
-- A hand-written stamp that ends in a newline or tab is appended to inside its
-- brackets (1.2 trimmed only spaces and broke it).
CREATE SCHEMA t032_hand;
CREATE FUNCTION t032_hand.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '["032.a.t032"]
	'; $$;
CREATE FUNCTION t032_hand.shoal_stamp_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"032.a.t032": {"checksum": "a"}}
'; $$;
SELECT shoal.mig_mark('t032_hand', '033.b.t032', 'b');
SELECT t032_hand.mig_versions_const()::jsonb AS versions,
       ARRAY(SELECT a.version FROM shoal.applied a WHERE a.schema = 't032_hand' AND a.checksum <> '') AS with_checksum;
-- A stamp that is JSON but not a list of version names is refused, nothing changed.
CREATE SCHEMA t032_object;
CREATE FUNCTION t032_object.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"032.a.t032": 1}'; $$;
SELECT error_of($$SELECT shoal.mig_mark('t032_object', '032.a.t032', 'a')$$);
CREATE SCHEMA t032_number;
CREATE FUNCTION t032_number.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '["032.a.t032", 7]'; $$;
SELECT error_of($$SELECT shoal.mig_mark('t032_number', '033.b.t032', 'b')$$);
SELECT t032_object.mig_versions_const(), t032_number.mig_versions_const();
SELECT count(*) AS no_events FROM shoal.event WHERE schema IN ('t032_object', 't032_number');
DROP SCHEMA t032, t032_hand, t032_object, t032_number CASCADE;
