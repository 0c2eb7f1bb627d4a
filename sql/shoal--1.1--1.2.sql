-- shoal 1.1 -> 1.2: a cheaper mig_apply. Same interface, same stamps, same results;
-- the bookkeeping around each version applied costs a fraction of what it did.
--
-- Measured (1 000 schemas, one session, a three-statement migration; bench/ and
-- docs/architecture.md "What an apply costs the server"): the bookkeeping around a
-- migration's own statements went from about 0.55 ms to about 0.18 ms per version.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.2'" to load this file. \quit

-- One schema's stamp, read straight from that schema's two constant functions.
-- 1.1 went through stamp_rows(), which is built for reading every schema at once
-- (a join over all namespaces, grouped) and cost more than the migration's own
-- CREATE TABLE when asked for one schema. The JSON is read as stamp_rows reads it.
CREATE OR REPLACE FUNCTION shoal.stamp_arrays(target_schema text,
  OUT versions text[], OUT checksums text[], OUT applied_at timestamptz[])
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  version_source text;
  extra_source text;
  version_list jsonb;
  extra jsonb;
BEGIN
  SELECT max(p.prosrc) FILTER (WHERE p.proname = 'mig_versions_const'),
         max(p.prosrc) FILTER (WHERE p.proname = 'shoal_stamp_const')
    INTO version_source, extra_source
    FROM pg_proc p
   WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = target_schema)
     AND p.proname IN ('mig_versions_const', 'shoal_stamp_const') AND p.pronargs = 0;
  versions := '{}';
  checksums := '{}';
  applied_at := '{}';
  IF version_source IS NULL THEN
    RETURN;
  END IF;
  version_list := shoal.const_value(target_schema, 'mig_versions_const', version_source)::jsonb;
  extra := CASE WHEN extra_source IS NULL THEN '{}'
                ELSE shoal.const_value(target_schema, 'shoal_stamp_const', extra_source)::jsonb END;
  SELECT coalesce(array_agg(v.version ORDER BY v.ordinal), '{}'),
         coalesce(array_agg(coalesce(extra -> v.version ->> 'checksum', '') ORDER BY v.ordinal), '{}'),
         coalesce(array_agg((extra -> v.version ->> 'applied_at')::timestamptz ORDER BY v.ordinal), '{}')
    INTO versions, checksums, applied_at
    FROM jsonb_array_elements_text(version_list) WITH ORDINALITY AS v(version, ordinal);
END
$fn$;

CREATE FUNCTION shoal.rewrite_const(target_schema text, fn_name text, source text) RETURNS boolean
LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_rewrite_const';
COMMENT ON FUNCTION shoal.rewrite_const(text, text, text) IS
  'shoal (internal): replace the source of an existing constant function in place; false when there is none to replace';
REVOKE ALL ON FUNCTION shoal.rewrite_const(text, text, text) FROM PUBLIC;

-- A stamp write rewrites the two constant functions in place (rewrite_const) and
-- creates them only the first time. CREATE OR REPLACE FUNCTION is the costliest
-- part of an apply's bookkeeping; creating without check_function_bodies skips
-- the parse and analysis of a body that const_source() builds as a constant SELECT
-- (pg_dump restores functions the same way).
CREATE OR REPLACE FUNCTION shoal.write_stamp(target_schema text, versions text[], checksums text[], applied_at timestamptz[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET check_function_bodies = off AS $fn$
DECLARE
  -- array_to_json writes no spaces, like JSON.stringify.
  version_list text := array_to_json(versions)::text;
  extra text := coalesce(
    (SELECT jsonb_object_agg(v.version, jsonb_build_object('checksum', v.checksum, 'applied_at', v.applied_at))
       FROM unnest(versions, checksums, applied_at) AS v(version, checksum, applied_at)),
    '{}')::text;
BEGIN
  -- pg-mig: `SET search_path TO <schema>` then `... SET search_path FROM CURRENT`;
  -- naming the schema directly stores the same proconfig.
  IF NOT shoal.rewrite_const(target_schema, 'mig_versions_const', shoal.const_source(version_list)) THEN
    EXECUTE format('CREATE OR REPLACE FUNCTION %I.mig_versions_const() RETURNS text '
                   'LANGUAGE sql SET search_path TO %I AS %L',
                   target_schema, target_schema, shoal.const_source(version_list));
  END IF;
  IF NOT shoal.rewrite_const(target_schema, 'shoal_stamp_const', shoal.const_source(extra)) THEN
    EXECUTE format('CREATE OR REPLACE FUNCTION %I.shoal_stamp_const() RETURNS text '
                   'LANGUAGE sql SET search_path TO %I AS %L',
                   target_schema, target_schema, shoal.const_source(extra));
  END IF;
END
$fn$;

-- The functions every apply calls, in PL/pgSQL instead of SQL: a SQL function
-- called from a query is parsed and planned again on every call, a PL/pgSQL one
-- is compiled once per session and keeps its plans (pg_stat_user_functions:
-- mig_apply, log_event and the two const_source calls went from about 0.08 ms to
-- 0.03 ms per version). Same signatures, results and comments.
CREATE OR REPLACE FUNCTION shoal.const_source(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RETURN ' SELECT ''' || replace(value, '''', '''''') || '''; ';
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.log_event(target_schema text, version text, action text, checksum text,
                                           started_at timestamptz, detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)
  VALUES (target_schema, log_event.version, log_event.action, log_event.checksum, CURRENT_USER,
          log_event.started_at, clock_timestamp(), log_event.detail);
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.mig_apply(schema text, version text, checksum text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RETURN shoal.add_version(mig_apply.schema, mig_apply.version, mig_apply.checksum, 'apply');
END
$fn$;

-- Reading a stamp's literal in C (extension/const_value.cpp) instead of with a
-- regular expression in PL/pgSQL: the same forms accepted, the same error SH006,
-- about a tenth of the cost, paid twice per apply and twice per schema in status.
CREATE OR REPLACE FUNCTION shoal.const_value(fn_schema name, fn_name name, fn_source text) RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_const_value';

-- What the coordinator's default parallelism is chosen from (extension/server_shape.cpp).
CREATE FUNCTION shoal.server_cpus() RETURNS integer
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_server_cpus';
COMMENT ON FUNCTION shoal.server_cpus() IS
  'shoal: how many CPUs this server may run on (its affinity mask, else the CPUs online)';
REVOKE ALL ON FUNCTION shoal.server_cpus() FROM PUBLIC;

CREATE FUNCTION shoal.server_machine() RETURNS text
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_server_machine';
COMMENT ON FUNCTION shoal.server_machine() IS
  'shoal: an id of the machine this server runs on (the kernel''s boot id), shared by servers on one machine; NULL when unknown';
REVOKE ALL ON FUNCTION shoal.server_machine() FROM PUBLIC;
