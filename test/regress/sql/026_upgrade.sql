-- The upgrade path: install 1.0, use it, ALTER EXTENSION UPDATE to 1.3 (1.1, 1.2, 1.3), use
-- it, then UPDATE to the default; the data stays and the result is the same
-- extension, object by object, as a fresh install of the default version (one
-- script, sql/shoal.sql).

-- Every object of the extension as text that names no OID: functions with their
-- whole definition (body, settings, volatility, security), relations with their
-- columns, defaults, constraints, indexes and view definitions, privileges and
-- comments, what pg_dump dumps of its tables, and every member of the extension.
CREATE FUNCTION pg_temp.extension_objects() RETURNS TABLE (kind text, name text, definition text)
LANGUAGE sql AS $$
  WITH ext AS (SELECT oid, extconfig, extcondition, extrelocatable, extnamespace FROM pg_extension WHERE extname = 'shoal')
  SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), NULL
    FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
  UNION ALL
  SELECT 'extension', 'shoal', concat_ws(' | ', ext.extnamespace::regnamespace, ext.extrelocatable,
         (SELECT string_agg(c::regclass::text || ' WHERE ' || w, ', ' ORDER BY c::regclass::text)
            FROM unnest(ext.extconfig, ext.extcondition) AS u(c, w)))
    FROM ext
  UNION ALL
  SELECT 'schema', n.nspname, concat_ws(' | ', n.nspowner::regrole, n.nspacl, obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n WHERE n.nspname = 'shoal'
  UNION ALL
  SELECT 'function', p.oid::regprocedure::text,
         concat_ws(' | ', pg_get_functiondef(p.oid), p.proacl, obj_description(p.oid, 'pg_proc'))
    FROM pg_proc p WHERE p.pronamespace = 'shoal'::regnamespace
  UNION ALL
  SELECT 'relation', c.oid::regclass::text,
         concat_ws(' | ', c.relkind, c.relpersistence, c.reloptions, c.relacl, obj_description(c.oid, 'pg_class'),
                   CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
                   CASE WHEN c.relkind = 'i' THEN pg_get_indexdef(c.oid) END,
                   (SELECT concat_ws(' ', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
                                     s.seqcache, s.seqcycle)
                      FROM pg_sequence s WHERE s.seqrelid = c.oid))
    FROM pg_class c WHERE c.relnamespace = 'shoal'::regnamespace
  UNION ALL
  SELECT 'column', a.attrelid::regclass::text || '.' || a.attname,
         concat_ws(' | ', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                   a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid), a.attacl,
                   col_description(a.attrelid, a.attnum))
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'shoal'::regnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'shoal'::regnamespace
  UNION ALL
  SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
    FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'shoal'::regnamespace)
  UNION ALL
  SELECT 'type', t.oid::regtype::text, concat_ws(' | ', t.typtype, t.typacl)
    FROM pg_type t WHERE t.typnamespace = 'shoal'::regnamespace
$$;

DROP EXTENSION shoal;
CREATE EXTENSION shoal;
SELECT extversion = default_version AS fresh_is_default FROM pg_extension, pg_available_extensions
 WHERE extname = 'shoal' AND name = 'shoal';
CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.extension_objects();
-- What the comparison below sees (a change here means the snapshot query misses something).
SELECT kind, count(*) FROM fresh GROUP BY kind ORDER BY kind;
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
-- Then to the default version.
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
-- Object by object the same as the fresh install.
(SELECT * FROM pg_temp.extension_objects() EXCEPT SELECT * FROM fresh)
UNION ALL
(SELECT * FROM fresh EXCEPT SELECT * FROM pg_temp.extension_objects())
ORDER BY 2, 1;
-- 1.4's forget takes only the latest version.
SELECT error_of($$SELECT shoal.mig_forget('t026', '026.a.t026')$$);
SELECT shoal.mig_forget('t026', '027.b.t026');
