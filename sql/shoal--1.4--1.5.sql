-- shoal 1.4 -> 1.5: adopting a pg-mig fleet without surprises (issue 16). What
-- changed and why is in docs/architecture.md, "Extension 1.5"; this script holds
-- the SQL side.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.5'" to load this file. \quit

-- The stamp in one function (item 6) -----------------------------------------------
--
-- shoal's per-version data (checksum, applied_at) moves from a second function,
-- <schema>.shoal_stamp_const(), into mig_versions_const()'s own body, as a comment
-- after pg-mig's value (extension/stamp.cpp):
--    SELECT '["v1","v2"]'; -- shoal {"v1":{"checksum":"…","applied_at":"…"}}
-- pg-mig's rewrite of a stamp drops the comment, so what pg-mig wrote counts as an
-- unknown checksum instead of drifting against shoal's old one; and a version costs
-- one catalog write instead of two. Every stamp of the database is folded into
-- that form at the end of this section. A stamp from before 1.5 that arrives later
-- (a shard restored from an older dump) is read from shoal_stamp_const() until
-- shoal writes it next, which folds it under that schema's lock, unless
-- mig_versions_const() was written after it (shoal wrote both in one transaction:
-- a later write was another tool's).

CREATE FUNCTION shoal.stamp_data(version_list_source text, version_list_xmin xid, extra_source text, extra_xmin xid)
RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_stamp_data';
COMMENT ON FUNCTION shoal.stamp_data(text, xid, text, xid) IS
  'shoal (internal): a stamp''s per-version data, from the sources and xmins of its mig_versions_const() and (before 1.5) shoal_stamp_const(); NULL when none';
REVOKE ALL ON FUNCTION shoal.stamp_data(text, xid, text, xid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.stamp_rows(only_schema text DEFAULT NULL)
RETURNS TABLE (schema text, ordinal integer, version text, checksum text, applied_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH source AS MATERIALIZED (
    SELECT n.nspname::text AS schema, l.prosrc AS version_list, l.xmin AS version_list_xmin,
           x.prosrc AS extra, x.xmin AS extra_xmin
      FROM pg_namespace n
      JOIN pg_proc l ON l.pronamespace = n.oid AND l.proname = 'mig_versions_const' AND l.pronargs = 0
      LEFT JOIN pg_proc x ON x.pronamespace = n.oid AND x.proname = 'shoal_stamp_const' AND x.pronargs = 0
     WHERE n.nspname::text !~ '^pg_' AND n.nspname <> 'information_schema'
       AND (only_schema IS NULL OR n.nspname = only_schema)
  ), stamp AS MATERIALIZED (
    SELECT s.schema,
           shoal.const_value(s.schema, 'mig_versions_const', s.version_list)::jsonb AS versions,
           shoal.stamp_data(s.version_list, s.version_list_xmin, s.extra, s.extra_xmin)::jsonb AS data
      FROM source s
     WHERE shoal.stamp_problem(s.schema, s.version_list, s.extra) IS NULL
  )
  SELECT s.schema, v.ordinal::integer, v.version,
         coalesce(s.data -> v.version ->> 'checksum', ''),
         (s.data -> v.version ->> 'applied_at')::timestamptz
    FROM stamp s
   CROSS JOIN LATERAL jsonb_array_elements_text(s.versions) WITH ORDINALITY AS v(version, ordinal);
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.stamp_sources(target_schema text, OUT version_list text, OUT extra text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.const_value(n.nspname, 'mig_versions_const', l.prosrc),
         shoal.stamp_data(l.prosrc, l.xmin, x.prosrc, x.xmin)
    FROM pg_catalog.pg_namespace n
    JOIN pg_catalog.pg_proc l ON l.pronamespace OPERATOR(pg_catalog.=) n.oid
     AND l.proname OPERATOR(pg_catalog.=) 'mig_versions_const' AND l.pronargs OPERATOR(pg_catalog.=) 0
    LEFT JOIN pg_catalog.pg_proc x ON x.pronamespace OPERATOR(pg_catalog.=) n.oid
     AND x.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const' AND x.pronargs OPERATOR(pg_catalog.=) 0
   WHERE n.nspname OPERATOR(pg_catalog.=) target_schema;
$fn$;
COMMENT ON FUNCTION shoal.stamp_sources(text) IS
  'shoal (internal): one schema''s stamp as texts: the value of its mig_versions_const() and shoal''s per-version data, NULL where missing';

-- The same stamp writer as add_version's (C), so that undo and forget write the
-- new form too and fold a stamp from before 1.5.
CREATE OR REPLACE FUNCTION shoal.write_stamp_text(target_schema text, version_list text, extra text) RETURNS void
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_write_stamp_text';
COMMENT ON FUNCTION shoal.write_stamp_text(text, text, text) IS
  'shoal (internal): write a schema''s stamp, mig_versions_const() with shoal''s per-version data (extra, NULL for none) after its value, in the current transaction';

-- Versions without a checksum get no entry: no entry is what unknown means.
CREATE OR REPLACE FUNCTION shoal.write_stamp(target_schema text, versions text[], checksums text[], applied_at timestamptz[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- array_to_json writes no spaces, like JSON.stringify.
  PERFORM shoal.write_stamp_text(target_schema, array_to_json(versions)::text,
    (SELECT jsonb_object_agg(v.version, jsonb_build_object('checksum', v.checksum, 'applied_at', v.applied_at))
       FROM unnest(versions, checksums, applied_at) AS v(version, checksum, applied_at)
      WHERE v.checksum <> '')::text);
END
$fn$;
COMMENT ON FUNCTION shoal.write_stamp(text, text[], text[], timestamptz[]) IS
  'shoal (internal): rewrite a schema''s stamp from parallel arrays (checksum '''' for unknown) in the current transaction';

-- Folding every stamp now rather than at each schema's next write: a stamp not
-- written for months would otherwise be read from two functions all that time, and
-- whatever touches mig_versions_const()'s catalog row meanwhile (a GRANT, an owner
-- change) would look like another tool's rewrite and cost the stamp its checksums.
-- fold_old_stamp (stamp.cpp) rewrites mig_versions_const() in place, which takes
-- no lock; the old function stays until the next write drops it under the schema
-- lock (a DROP here takes a lock per schema, more than max_locks_per_transaction
-- allows on a node with thousands). A stamp that cannot be read stays as it is.
CREATE FUNCTION shoal.fold_old_stamp(target_schema text) RETURNS boolean
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_fold_old_stamp';
COMMENT ON FUNCTION shoal.fold_old_stamp(text) IS
  'shoal (internal, 1.4 to 1.5): move a schema''s shoal_stamp_const() data into its mig_versions_const(); false when there is nothing to move';
REVOKE ALL ON FUNCTION shoal.fold_old_stamp(text) FROM PUBLIC;

SELECT pg_catalog.count(*) FILTER (WHERE shoal.fold_old_stamp(n.nspname))
  FROM pg_catalog.pg_namespace n
  JOIN pg_catalog.pg_proc l ON l.pronamespace OPERATOR(pg_catalog.=) n.oid
   AND l.proname OPERATOR(pg_catalog.=) 'mig_versions_const' AND l.pronargs OPERATOR(pg_catalog.=) 0
  JOIN pg_catalog.pg_proc x ON x.pronamespace OPERATOR(pg_catalog.=) n.oid
   AND x.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const' AND x.pronargs OPERATOR(pg_catalog.=) 0
 WHERE n.nspname OPERATOR(pg_catalog.!~) '^pg_' AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'
   AND shoal.stamp_problem(n.nspname, l.prosrc, x.prosrc) IS NULL;

-- pg-mig's settings on the functions in public (item 8) ----------------------------
--
-- pg-mig writes public.mig_digest_const() and public.mig_rerun_fingerprint_const()
-- with SET search_path FROM CURRENT in its session's own search_path, so their
-- settings are that path ("$user", public for a role with no setting of its own).
-- set_digest and set_rerun_fingerprint pin their own search_path, which FROM
-- CURRENT stored instead. The statement now runs with the session's reset value of
-- search_path (what a new session of the same role, database and connection
-- options starts with, as pg-mig's does), and is built before the path changes,
-- with every name in it qualified.
CREATE FUNCTION shoal.write_public_const(fn_name text, value text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  statement text := format('CREATE OR REPLACE FUNCTION public.%I() RETURNS pg_catalog.text LANGUAGE sql '
                           'SET search_path FROM CURRENT AS %L', fn_name, shoal.const_source(value));
BEGIN
  -- Local to this call: the function's own SET restores the path when it returns.
  PERFORM set_config('search_path', s.reset_val, true) FROM pg_settings s WHERE s.name = 'search_path';
  EXECUTE statement;
END
$fn$;
COMMENT ON FUNCTION shoal.write_public_const(text, text) IS
  'shoal (internal): write public.<fn_name>() returning value as pg-mig''s saveDigest writes it, settings included';
REVOKE ALL ON FUNCTION shoal.write_public_const(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.set_digest(digest text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF digest IS NULL THEN
    RAISE EXCEPTION 'digest must not be null' USING ERRCODE = '22004';
  END IF;
  -- pg-mig's deploy gates read public.mig_digest_const().
  PERFORM shoal.write_public_const('mig_digest_const', digest);
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.set_rerun_fingerprint(fingerprint text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF fingerprint IS NULL THEN
    RAISE EXCEPTION 'fingerprint must not be null' USING ERRCODE = '22004';
  END IF;
  PERFORM shoal.write_public_const('mig_rerun_fingerprint_const', fingerprint);
END
$fn$;

-- Staging from any checkout ---------------------------------------------------------
-- The same checksum staged again is never a conflict: it is the same resolved
-- body, whether the directory was read from another checkout or CI workspace
-- (other locations) or by a shoal that splits or masks otherwise. What was
-- staged first stays: every schema runs the same statements for a checksum,
-- the row records what ran, and migrating roles hold INSERT on shoal.script,
-- not UPDATE (docs/operators.md). Locations only name file:line in errors.

CREATE OR REPLACE FUNCTION shoal.stage(version text, direction text, checksum text, statements text[], locations text[])
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM shoal.check_version(version);
  IF checksum IS NULL OR statements IS NULL OR locations IS NULL THEN
    RAISE EXCEPTION 'checksum, statements and locations must not be null' USING ERRCODE = '22004';
  END IF;
  IF direction IS NULL OR direction NOT IN ('up', 'dn') THEN
    RAISE EXCEPTION 'direction must be ''up'' or ''dn'', not %', coalesce(quote_literal(direction), 'NULL')
      USING ERRCODE = '22023';
  END IF;
  IF cardinality(statements) <> cardinality(locations) THEN
    RAISE EXCEPTION '% statements but % locations', cardinality(statements), cardinality(locations)
      USING ERRCODE = '22023';
  END IF;
  INSERT INTO shoal.script (checksum, version, direction, statements, locations)
  VALUES (checksum, version, direction, statements, locations)
  ON CONFLICT ON CONSTRAINT script_pkey DO NOTHING;
  RETURN FOUND;
END
$fn$;
COMMENT ON FUNCTION shoal.stage(text, text, text, text[], text[]) IS
  'shoal: store one resolved script (up or dn) of a version unless its checksum is staged for it already; true when newly stored';
