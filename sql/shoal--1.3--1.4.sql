-- shoal 1.3 -> 1.4: exactly once, on every path (issue 14). What changed and why
-- is in docs/architecture.md, "Extension 1.4"; this script holds the SQL side.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.4'" to load this file. \quit

-- Repair by hand -------------------------------------------------------------------
--
-- A forget or mark by hand changes what a schema has without a run, so the digest
-- of the last full run no longer describes the node. It is replaced by the marker
-- 'after-repair': like pg-mig's 'after-undo' it holds no '.', so `shoal check`
-- (and pg-mig's comparison) reads it as below every code digest until the next
-- full run stores a real digest again. Nothing is written when no digest is
-- stored, or when it already is a marker.
CREATE FUNCTION shoal.digest_after_repair() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  stored text := shoal.digest();
BEGIN
  IF stored IS NOT NULL AND strpos(stored, '.') > 0 THEN
    PERFORM shoal.set_digest('after-repair');
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.digest_after_repair() IS
  'shoal (internal): replace a stored digest by the marker after-repair, which deploy gates read as not up to date';
REVOKE ALL ON FUNCTION shoal.digest_after_repair() FROM PUBLIC;

-- 1.0's remove_version, except that forget, like undo, takes only the schema's
-- latest version: forgetting one in the middle left a stamp with a hole that every
-- later plan reads as a timeline violation, while the digest still passed.
CREATE OR REPLACE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  stamp record;
  position integer;
  last integer;
  started timestamptz;
  dn shoal.script;
  ran integer;
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  started := clock_timestamp();
  stamp := shoal.stamp_arrays(target_schema);
  position := array_position(stamp.versions, old_version);
  IF position IS NULL THEN
    RETURN 'not applied';
  END IF;
  last := cardinality(stamp.versions);
  IF position <> last THEN
    IF action = 'undo' THEN
      RAISE EXCEPTION 'cannot undo version % of schema %: its latest version is %',
                      old_version, quote_ident(target_schema), stamp.versions[last]
        USING ERRCODE = 'SH004', HINT = 'Only the latest version of a schema can be undone; undo the newer ones first.';
    END IF;
    RAISE EXCEPTION 'cannot forget version % of schema %: its latest version is %',
                    old_version, quote_ident(target_schema), stamp.versions[last]
      USING ERRCODE = 'SH004',
            HINT = 'Forget from the newest version down, or write a new version that repairs the schema.';
  END IF;

  IF action = 'undo' THEN
    dn := shoal.staged_script(old_version, 'dn', dn_checksum);
    ran := shoal.run_script(target_schema, old_version, dn.statements, dn.locations);
  END IF;
  PERFORM shoal.write_stamp(target_schema, stamp.versions[:position - 1], stamp.checksums[:position - 1],
                            stamp.applied_at[:position - 1]);
  PERFORM shoal.log_event(target_schema, old_version, action,
                          CASE WHEN action = 'undo' THEN dn_checksum ELSE stamp.checksums[position] END,
                          started,
                          CASE WHEN action = 'undo' THEN format('statements: %s', ran) END);
  IF action = 'forget' THEN
    PERFORM shoal.digest_after_repair();
  END IF;
  RETURN CASE action WHEN 'undo' THEN 'undone' ELSE 'forgotten' END;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.mig_mark(schema text, version text, checksum text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  result text := shoal.add_version(schema, version, checksum, 'mark');
BEGIN
  IF result = 'marked' THEN
    PERFORM shoal.digest_after_repair();
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.mig_mark(text, text, text) IS
  'shoal: record a version as applied to a schema without running anything (repair; solo versions); ''marked''; by hand, the stored digest becomes after-repair';

COMMENT ON FUNCTION shoal.mig_forget(text, text) IS
  'shoal: drop a schema''s latest version from its stamp without running anything (repair); ''forgotten'' or ''not applied''; the stored digest becomes after-repair';
