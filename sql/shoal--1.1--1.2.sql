-- shoal 1.1 -> 1.2: a cheaper mig_apply. Same interface, same stamps, same results;
-- the bookkeeping around each version applied costs a fraction of what it did.
--
-- Measured (pg_stat_user_functions in bench scenario 2/1n, 1 000 schemas x 10
-- versions, two sessions; table in docs/architecture.md, "Extension 1.2"): the
-- bookkeeping around a migration's own statements went from about 0.45 ms to
-- about 0.18 ms per version, and no longer grows with the length of the history.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.2'" to load this file. \quit

-- One schema's stamp as the text its two constant functions return (NULL where a
-- function is missing), read from the catalog cache (const_of, in C). 1.1 went
-- through stamp_rows(), which is built for reading every schema at once (a join
-- over all namespaces, grouped) and cost more than the migration's own CREATE
-- TABLE when asked for one schema.
CREATE FUNCTION shoal.const_of(target_schema text, fn_name text) RETURNS text
LANGUAGE c STRICT STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_const_of';
COMMENT ON FUNCTION shoal.const_of(text, text) IS
  'shoal (internal): the text the constant function <schema>.<name>() returns, read from its source; NULL when there is none';
REVOKE ALL ON FUNCTION shoal.const_of(text, text) FROM PUBLIC;

CREATE FUNCTION shoal.stamp_sources(target_schema text, OUT version_list text, OUT extra text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  version_list := shoal.const_of(target_schema, 'mig_versions_const');
  extra := shoal.const_of(target_schema, 'shoal_stamp_const');
END
$fn$;
COMMENT ON FUNCTION shoal.stamp_sources(text) IS
  'shoal (internal): the texts of one schema''s mig_versions_const() and shoal_stamp_const(), NULL where missing';
REVOKE ALL ON FUNCTION shoal.stamp_sources(text) FROM PUBLIC;

-- The JSON is read as stamp_rows reads it.
CREATE OR REPLACE FUNCTION shoal.stamp_arrays(target_schema text,
  OUT versions text[], OUT checksums text[], OUT applied_at timestamptz[])
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  source record := shoal.stamp_sources(target_schema);
  extra jsonb := coalesce(source.extra::jsonb, '{}');
BEGIN
  SELECT coalesce(array_agg(v.version ORDER BY v.ordinal), '{}'),
         coalesce(array_agg(coalesce(extra -> v.version ->> 'checksum', '') ORDER BY v.ordinal), '{}'),
         coalesce(array_agg((extra -> v.version ->> 'applied_at')::timestamptz ORDER BY v.ordinal), '{}')
    INTO versions, checksums, applied_at
    FROM jsonb_array_elements_text(coalesce(source.version_list::jsonb, '[]')) WITH ORDINALITY AS v(version, ordinal);
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
CREATE FUNCTION shoal.write_stamp_text(target_schema text, version_list text, extra text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET check_function_bodies = off AS $fn$
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
COMMENT ON FUNCTION shoal.write_stamp_text(text, text, text) IS
  'shoal (internal): write a schema''s stamp (mig_versions_const and shoal_stamp_const) from their texts, in the current transaction';
REVOKE ALL ON FUNCTION shoal.write_stamp_text(text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.write_stamp(target_schema text, versions text[], checksums text[], applied_at timestamptz[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- array_to_json writes no spaces, like JSON.stringify.
  PERFORM shoal.write_stamp_text(target_schema, array_to_json(versions)::text,
    coalesce((SELECT jsonb_object_agg(v.version, jsonb_build_object('checksum', v.checksum, 'applied_at', v.applied_at))
                FROM unnest(versions, checksums, applied_at) AS v(version, checksum, applied_at)),
             '{}')::text);
END
$fn$;

-- Adding a version costs the same with 10 versions in the stamp as with 1 000: the
-- stamp is not taken apart and rebuilt (1.1 turned both into arrays and back, 0.4 +
-- 0.8 ms per version at 300 versions), the new version is appended to both texts.
-- shoal_stamp_const's object is only parsed when the version is already there.
-- A key that is already in it (a version pg-mig undid) is written again, and the
-- last one is what JSON readers keep.
CREATE OR REPLACE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  source record;
  version_list jsonb;
  applied_checksum text;
  newest text;
  started timestamptz;
  up shoal.script;
  ran integer;
  entry text;
BEGIN
  PERFORM shoal.check_version(new_version);
  IF new_checksum IS NULL THEN
    RAISE EXCEPTION 'checksum must not be null' USING ERRCODE = '22004';
  END IF;
  PERFORM shoal.lock_schema(target_schema);
  started := clock_timestamp();
  source := shoal.stamp_sources(target_schema);
  version_list := coalesce(source.version_list::jsonb, '[]');

  IF version_list ? new_version THEN
    applied_checksum := coalesce(source.extra::jsonb -> new_version ->> 'checksum', '');
    IF applied_checksum IN (new_checksum, '') THEN
      RETURN 'already applied';
    END IF;
    RAISE EXCEPTION 'version % of schema % was applied with checksum %, not %',
                    new_version, quote_ident(target_schema), applied_checksum, new_checksum
      USING ERRCODE = 'SH001',
            HINT = 'The migration file changed after it was applied: restore it, or write a new version.';
  END IF;

  SELECT max(v COLLATE "C") INTO newest FROM jsonb_array_elements_text(version_list) AS v;
  IF newest COLLATE "C" > new_version THEN
    RAISE EXCEPTION 'timeline violation: schema % already has version %, which is newer than %',
                    quote_ident(target_schema), newest, new_version
      USING ERRCODE = 'SH002',
            HINT = 'Versions apply in name order; rename the new migration so it sorts after the newest applied one.';
  END IF;

  IF action = 'apply' THEN
    up := shoal.staged_script(new_version, 'up', new_checksum);
    ran := shoal.run_script(target_schema, new_version, up.statements, up.locations);
  END IF;
  -- `"<version>": {...}` as jsonb writes it.
  entry := jsonb_build_object(new_version, jsonb_build_object('checksum', new_checksum, 'applied_at', clock_timestamp()))::text;
  entry := substr(entry, 2, length(entry) - 2);
  PERFORM shoal.write_stamp_text(target_schema,
    CASE WHEN jsonb_array_length(version_list) = 0 THEN '[' || to_json(new_version)::text || ']'
         ELSE left(rtrim(source.version_list), -1) || ',' || to_json(new_version)::text || ']' END,
    CASE WHEN source.extra ~ '^\s*\{.*[^{\s].*\}\s*$' THEN left(rtrim(source.extra), -1) || ', ' || entry || '}'
         ELSE '{' || entry || '}' END);
  PERFORM shoal.log_event(target_schema, new_version, action, new_checksum, started,
                          CASE WHEN action = 'apply' THEN format('statements: %s', ran) END);
  RETURN CASE action WHEN 'apply' THEN 'applied' ELSE 'marked' END;
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
