-- shoal 1.0: per-schema migration state and the one-schema-one-version transaction.
--
-- The state of a schema lives in the schema itself, in two constant functions
-- rewritten in the same transaction as the migration they record:
--   <schema>.mig_versions_const()  pg-mig's stamp, byte for byte: the JSON array of
--                                  applied versions, so pg-mig and shoal read each other
--   <schema>.shoal_stamp_const()   shoal's own: {"<version>": {"checksum": …, "applied_at": …}}
-- Both travel with `pg_dump --schema`. Everything else (staged scripts, history, run
-- lock) lives in schema shoal.
--
-- Safety rules for every function below: SECURITY INVOKER (migrations run as the
-- caller), `SET search_path = pg_catalog, pg_temp`, identifiers reach dynamic SQL only
-- through format('%I'), EXECUTE revoked from PUBLIC (docs/operators.md shows the grants
-- a migrating role needs). Released scripts are never edited: changes ship as
-- shoal--A--B.sql.

\echo Use "CREATE EXTENSION shoal" to load this file. \quit

-- A schema "shoal" that existed before and belongs to a role that is neither the
-- installer nor a superuser would let that role drop or replace what follows.
DO $guard$
DECLARE
  owner_name name;
BEGIN
  SELECT r.rolname INTO owner_name
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
   WHERE n.nspname OPERATOR(pg_catalog.=) 'shoal' AND r.rolname OPERATOR(pg_catalog.<>) CURRENT_USER AND NOT r.rolsuper;
  IF FOUND THEN
    RAISE EXCEPTION 'schema shoal already exists and belongs to role %', pg_catalog.quote_ident(owner_name)
      USING ERRCODE = '42501', HINT = 'Drop that schema or have a superuser take it over, then CREATE EXTENSION shoal again.';
  END IF;
END
$guard$;

-- Tables ---------------------------------------------------------------------------

CREATE TABLE shoal.script (
  checksum   text NOT NULL,
  version    text NOT NULL,
  direction  text NOT NULL CHECK (direction IN ('up', 'dn')),
  statements text[] NOT NULL,
  locations  text[] NOT NULL,
  staged_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- Not the checksum alone: two versions may have byte-identical bodies (empty dn
  -- files), and each keeps its own file:line locations.
  CONSTRAINT script_pkey PRIMARY KEY (checksum, version, direction),
  CHECK (pg_catalog.cardinality(statements) = pg_catalog.cardinality(locations))
);
COMMENT ON TABLE shoal.script IS
  'shoal: staged migration scripts, one row per (checksum, version, direction); written by shoal.stage()';

CREATE TABLE shoal.event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  schema      text,
  version     text,
  action      text NOT NULL CHECK (action IN ('apply', 'undo', 'mark', 'forget', 'fail')),
  checksum    text,
  role        text NOT NULL DEFAULT CURRENT_USER,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  detail      text
);
COMMENT ON TABLE shoal.event IS
  'shoal: append-only history of applies, undos, marks, forgets and failures';
-- History is worth keeping in a pg_dump of the database, unlike the other tables;
-- its id sequence too, or a restored database would hand out used ids again.
SELECT pg_catalog.pg_extension_config_dump('shoal.event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('shoal.event', 'id'), '');

CREATE TABLE shoal.run (
  pid         integer PRIMARY KEY,
  holder      text NOT NULL,
  client_addr inet,
  since       timestamptz NOT NULL,
  digest      text
);
COMMENT ON TABLE shoal.run IS
  'shoal: who took the run lock; a row counts only while its pid holds the advisory lock (see shoal.run_lock)';

-- The run lock --------------------------------------------------------------------
-- A session advisory lock on the key (1936224097 = ''shoa'', 0), so a holder that
-- crashes or disconnects releases it with its session. Per-schema locks use the key
-- (1936224108 = ''shol'', hashtext(schema)) and are transaction-scoped.

CREATE VIEW shoal.run_lock AS
SELECT r.holder, l.pid, r.client_addr, r.since, r.digest
  FROM pg_catalog.pg_locks l
  LEFT JOIN shoal.run r ON r.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted
   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
   AND l.classid = 1936224097::oid AND l.objid = 0::oid AND l.objsubid = 2;
COMMENT ON VIEW shoal.run_lock IS
  'shoal: the session holding the run lock (no row when nobody holds it)';

CREATE FUNCTION shoal.lock_run(holder text, digest text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  other shoal.run_lock;
BEGIN
  IF holder IS NULL THEN
    RAISE EXCEPTION 'holder must not be null' USING ERRCODE = '22004';
  END IF;
  -- Taking it twice in one session must not stack: one unlock_run() frees it.
  IF NOT EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid = pg_backend_pid()) THEN
    IF NOT pg_try_advisory_lock(1936224097, 0) THEN
      SELECT * INTO other FROM shoal.run_lock;
      RAISE EXCEPTION 'shoal run lock is held by %', coalesce(other.holder, 'an unknown holder')
        USING ERRCODE = '55P03',
              DETAIL = format('holder %s, pid %s, client address %s, since %s',
                              coalesce(other.holder, '(unknown)'), coalesce(other.pid::text, '(gone)'),
                              coalesce(host(other.client_addr), 'local'), coalesce(other.since::text, '(unknown)')),
              HINT = 'Wait for that run to end. If its session is stuck, end it with pg_terminate_backend(pid); the lock goes with it.';
    END IF;
  END IF;
  -- Rows of holders that died are stale: only the live holder's row is kept.
  DELETE FROM shoal.run;
  INSERT INTO shoal.run (pid, holder, client_addr, since, digest)
  VALUES (pg_backend_pid(), lock_run.holder, inet_client_addr(), clock_timestamp(), lock_run.digest);
END
$fn$;
COMMENT ON FUNCTION shoal.lock_run(text, text) IS
  'shoal: take the run lock for this session (ERROR 55P03 naming the holder when another session has it)';

CREATE FUNCTION shoal.unlock_run() RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF NOT EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid = pg_backend_pid()) THEN
    RETURN false;
  END IF;
  DELETE FROM shoal.run r WHERE r.pid = pg_backend_pid();
  RETURN pg_advisory_unlock(1936224097, 0);
END
$fn$;
COMMENT ON FUNCTION shoal.unlock_run() IS
  'shoal: release the run lock held by this session; false when it did not hold it';

-- Reading stamps ------------------------------------------------------------------

-- The text a constant function returns, read from its source: the body must be
-- `SELECT '<literal>';` as pg-mig and shoal write it. Reading instead of calling
-- makes 10 000 stamps one cheap query, and never runs code that a schema's owner
-- put there with the rights of whoever reads the stamps.
CREATE FUNCTION shoal.const_value(fn_schema name, fn_name name, fn_source text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  literal text := substring(fn_source FROM
    '(?i)^[[:space:]]*SELECT[[:space:]]+''((?:[^'']|'''')*)''[[:space:]]*;?[[:space:]]*$');
BEGIN
  IF literal IS NULL THEN
    RAISE EXCEPTION 'shoal cannot read %.%(): its body is not a constant', quote_ident(fn_schema), quote_ident(fn_name)
      USING ERRCODE = 'SH006',
            DETAIL = 'shoal reads stamps from their source and never runs them; it expects the body SELECT ''<text>''; that pg-mig writes.',
            HINT = 'Recreate the function in that form with the same value.';
  END IF;
  RETURN replace(literal, '''''', '''');
END
$fn$;
COMMENT ON FUNCTION shoal.const_value(name, name, text) IS
  'shoal (internal): the value of a constant function (body SELECT ''<text>'';), read from its source';

-- One row per (schema, applied version), in the stamp's order. A schema counts as
-- stamped when it has mig_versions_const(); shoal_stamp_const() only adds checksum
-- and applied_at, '' and NULL where unknown (a version applied by pg-mig or by hand).
CREATE FUNCTION shoal.stamp_rows(only_schema text DEFAULT NULL)
RETURNS TABLE (schema text, ordinal integer, version text, checksum text, applied_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH stamp AS (
    SELECT n.nspname::text AS schema,
           max(shoal.const_value(n.nspname, p.proname, p.prosrc))
             FILTER (WHERE p.proname = 'mig_versions_const')::jsonb AS versions,
           max(shoal.const_value(n.nspname, p.proname, p.prosrc))
             FILTER (WHERE p.proname = 'shoal_stamp_const')::jsonb AS extra
      FROM pg_namespace n
      JOIN pg_proc p ON p.pronamespace = n.oid
     WHERE p.proname IN ('mig_versions_const', 'shoal_stamp_const') AND p.pronargs = 0
       AND (only_schema IS NULL OR n.nspname = only_schema)
     GROUP BY n.nspname
  )
  SELECT s.schema, v.ordinal::integer, v.version,
         coalesce(s.extra -> v.version ->> 'checksum', ''),
         (s.extra -> v.version ->> 'applied_at')::timestamptz
    FROM stamp s
   CROSS JOIN LATERAL jsonb_array_elements_text(s.versions) WITH ORDINALITY AS v(version, ordinal)
   WHERE s.versions IS NOT NULL;
END
$fn$;
COMMENT ON FUNCTION shoal.stamp_rows(text) IS
  'shoal (internal): applied versions of every stamped schema (or of one), read from the stamps';

CREATE VIEW shoal.applied AS
SELECT s.schema, s.version, s.checksum, s.applied_at
  FROM shoal.stamp_rows() s;
COMMENT ON VIEW shoal.applied IS
  'shoal: schema, version, checksum ('''' when unknown) and applied_at of every applied version in the database';

CREATE FUNCTION shoal.stamps()
RETURNS TABLE (schema text, versions text[], checksums text[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT n.nspname::text,
         coalesce(a.versions, '{}'),
         coalesce(a.checksums, '{}')
    FROM pg_catalog.pg_namespace n
    LEFT JOIN (SELECT r.schema,
                      pg_catalog.array_agg(r.version ORDER BY r.ordinal) AS versions,
                      pg_catalog.array_agg(r.checksum ORDER BY r.ordinal) AS checksums
                 FROM shoal.stamp_rows() r
                GROUP BY r.schema) a ON a.schema OPERATOR(pg_catalog.=) n.nspname::text
   WHERE n.nspname::text OPERATOR(pg_catalog.!~) '^pg_'
     AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'
   ORDER BY n.nspname::text COLLATE "C";
$fn$;
COMMENT ON FUNCTION shoal.stamps() IS
  'shoal: every candidate schema with its applied versions in order and their checksums ('''' when unknown), in one round trip';

CREATE FUNCTION shoal.stamp_arrays(target_schema text,
  OUT versions text[], OUT checksums text[], OUT applied_at timestamptz[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT coalesce(pg_catalog.array_agg(r.version ORDER BY r.ordinal), '{}'),
         coalesce(pg_catalog.array_agg(r.checksum ORDER BY r.ordinal), '{}'),
         coalesce(pg_catalog.array_agg(r.applied_at ORDER BY r.ordinal), '{}')
    FROM shoal.stamp_rows(target_schema) r;
$fn$;
COMMENT ON FUNCTION shoal.stamp_arrays(text) IS
  'shoal (internal): one schema''s stamp as parallel arrays, oldest version first';

-- Writing stamps ------------------------------------------------------------------

-- The SQL text of a constant function returning value, exactly as pg-mig writes it:
-- ` SELECT '<value with '' doubled>'; ` (standard-conforming string, no E'' form).
CREATE FUNCTION shoal.const_source(value text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT ' SELECT ''' OPERATOR(pg_catalog.||) pg_catalog.replace(value, '''', '''''') OPERATOR(pg_catalog.||) '''; ';
$fn$;
COMMENT ON FUNCTION shoal.const_source(text) IS
  'shoal (internal): the body of a constant function returning the given text, in pg-mig''s form';

CREATE FUNCTION shoal.write_stamp(target_schema text, versions text[], checksums text[], applied_at timestamptz[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
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
  EXECUTE format('CREATE OR REPLACE FUNCTION %I.mig_versions_const() RETURNS text '
                 'LANGUAGE sql SET search_path TO %I AS %L',
                 target_schema, target_schema, shoal.const_source(version_list));
  EXECUTE format('CREATE OR REPLACE FUNCTION %I.shoal_stamp_const() RETURNS text '
                 'LANGUAGE sql SET search_path TO %I AS %L',
                 target_schema, target_schema, shoal.const_source(extra));
END
$fn$;
COMMENT ON FUNCTION shoal.write_stamp(text, text[], text[], timestamptz[]) IS
  'shoal (internal): rewrite a schema''s stamp (mig_versions_const and shoal_stamp_const) in the current transaction';

-- Building blocks of the migration functions ---------------------------------------

CREATE FUNCTION shoal.lock_schema(target_schema text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- Under REPEATABLE READ the snapshot may predate the lock wait, and the stamp read
  -- after it would miss what the session we waited for committed.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'shoal migrates only in READ COMMITTED transactions, not %',
                    upper(current_setting('transaction_isolation'))
      USING ERRCODE = '25000';
  END IF;
  IF target_schema IS NULL OR NOT EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = target_schema) THEN
    RAISE EXCEPTION 'schema % does not exist', coalesce(quote_ident(target_schema), 'NULL')
      USING ERRCODE = '3F000';
  END IF;
  PERFORM pg_advisory_xact_lock(1936224108, hashtext(target_schema));
END
$fn$;
COMMENT ON FUNCTION shoal.lock_schema(text) IS
  'shoal (internal): check that the schema exists and lock it until the end of the transaction';

CREATE FUNCTION shoal.check_version(version text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- pg-mig's version format: TIMESTAMP.title.prefix, no dot in title or prefix.
  IF version IS NULL OR version !~ '^[0-9]+[.][^.]+[.][^.]+$' THEN
    RAISE EXCEPTION 'invalid version name: %', coalesce(quote_literal(version), 'NULL')
      USING ERRCODE = '22023', HINT = 'A version is TIMESTAMP.title.prefix, the migration file name without .up.sql.';
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.check_version(text) IS
  'shoal (internal): reject a version name that is not TIMESTAMP.title.prefix';

CREATE FUNCTION shoal.log_event(target_schema text, version text, action text, checksum text,
                                started_at timestamptz, detail text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)
  VALUES (target_schema, version, action, checksum, CURRENT_USER, started_at, pg_catalog.clock_timestamp(), detail);
$fn$;
COMMENT ON FUNCTION shoal.log_event(text, text, text, text, timestamptz, text) IS
  'shoal (internal): append one row to shoal.event, as the current role';

CREATE FUNCTION shoal.staged_script(version text, direction text, checksum text) RETURNS shoal.script
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  found_script shoal.script;
BEGIN
  SELECT * INTO found_script FROM shoal.script s
   WHERE s.checksum = staged_script.checksum AND s.version = staged_script.version
     AND s.direction = staged_script.direction;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no staged % script for version % with checksum %', direction, version, checksum
      USING ERRCODE = 'SH003', HINT = 'Stage it first with shoal.stage().';
  END IF;
  RETURN found_script;
END
$fn$;
COMMENT ON FUNCTION shoal.staged_script(text, text, text) IS
  'shoal (internal): the staged script of a version, or an error saying it was not staged';

CREATE FUNCTION shoal.run_script(target_schema text, version text, statements text[], locations text[])
RETURNS integer
LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_run_script';
COMMENT ON FUNCTION shoal.run_script(text, text, text[], text[]) IS
  'shoal (internal): run statements one by one with search_path set to the schema, naming file:line of a failure; returns how many ran';

-- Adds a version to a schema's stamp: mig_apply() runs its staged up script first,
-- mig_mark() records it as run elsewhere. Returns 'applied', 'marked' or 'already applied'.
CREATE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  stamp record;
  position integer;
  newest text;
  started timestamptz;
  up shoal.script;
  ran integer;
BEGIN
  PERFORM shoal.check_version(new_version);
  IF new_checksum IS NULL THEN
    RAISE EXCEPTION 'checksum must not be null' USING ERRCODE = '22004';
  END IF;
  PERFORM shoal.lock_schema(target_schema);
  started := clock_timestamp();
  stamp := shoal.stamp_arrays(target_schema);

  position := array_position(stamp.versions, new_version);
  IF position IS NOT NULL THEN
    IF stamp.checksums[position] IN (new_checksum, '') THEN
      RETURN 'already applied';
    END IF;
    RAISE EXCEPTION 'version % of schema % was applied with checksum %, not %',
                    new_version, quote_ident(target_schema), stamp.checksums[position], new_checksum
      USING ERRCODE = 'SH001',
            HINT = 'The migration file changed after it was applied: restore it, or write a new version.';
  END IF;

  SELECT max(v COLLATE "C") INTO newest FROM unnest(stamp.versions) AS v;
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
  PERFORM shoal.write_stamp(target_schema, stamp.versions || new_version, stamp.checksums || new_checksum,
                            stamp.applied_at || clock_timestamp());
  PERFORM shoal.log_event(target_schema, new_version, action, new_checksum, started,
                          CASE WHEN action = 'apply' THEN format('statements: %s', ran) END);
  RETURN CASE action WHEN 'apply' THEN 'applied' ELSE 'marked' END;
END
$fn$;
COMMENT ON FUNCTION shoal.add_version(text, text, text, text) IS
  'shoal (internal): the shared body of mig_apply (action apply) and mig_mark (action mark)';

-- Removes a version from a schema's stamp: mig_undo() runs its staged dn script
-- first and only takes the latest version, mig_forget() runs nothing and takes any.
-- Returns 'undone', 'forgotten' or 'not applied'.
CREATE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text)
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

  IF action = 'undo' THEN
    IF position <> last THEN
      RAISE EXCEPTION 'cannot undo version % of schema %: its latest version is %',
                      old_version, quote_ident(target_schema), stamp.versions[last]
        USING ERRCODE = 'SH004', HINT = 'Only the latest version of a schema can be undone; undo the newer ones first.';
    END IF;
    dn := shoal.staged_script(old_version, 'dn', dn_checksum);
    ran := shoal.run_script(target_schema, old_version, dn.statements, dn.locations);
  END IF;
  PERFORM shoal.write_stamp(target_schema,
                            stamp.versions[:position - 1] || stamp.versions[position + 1:],
                            stamp.checksums[:position - 1] || stamp.checksums[position + 1:],
                            stamp.applied_at[:position - 1] || stamp.applied_at[position + 1:]);
  PERFORM shoal.log_event(target_schema, old_version, action,
                          CASE WHEN action = 'undo' THEN dn_checksum ELSE stamp.checksums[position] END,
                          started,
                          CASE WHEN action = 'undo' THEN format('statements: %s', ran) END);
  RETURN CASE action WHEN 'undo' THEN 'undone' ELSE 'forgotten' END;
END
$fn$;
COMMENT ON FUNCTION shoal.remove_version(text, text, text, text) IS
  'shoal (internal): the shared body of mig_undo (action undo) and mig_forget (action forget)';

-- The interface -------------------------------------------------------------------

CREATE FUNCTION shoal.stage(version text, direction text, checksum text, statements text[], locations text[])
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  existing shoal.script;
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
  INSERT INTO shoal.script AS s (checksum, version, direction, statements, locations)
  VALUES (checksum, version, direction, statements, locations)
  ON CONFLICT ON CONSTRAINT script_pkey DO NOTHING;
  IF FOUND THEN
    RETURN true;
  END IF;
  SELECT * INTO STRICT existing FROM shoal.script s
   WHERE s.checksum = stage.checksum AND s.version = stage.version AND s.direction = stage.direction;
  IF existing.statements IS DISTINCT FROM statements OR existing.locations IS DISTINCT FROM locations THEN
    RAISE EXCEPTION 'checksum % of version % (%) is already staged with other statements', checksum, version, direction
      USING ERRCODE = 'SH005', HINT = 'A checksum must be the SHA-256 of the script''s resolved body.';
  END IF;
  RETURN false;
END
$fn$;
COMMENT ON FUNCTION shoal.stage(text, text, text, text[], text[]) IS
  'shoal: store one resolved script (up or dn) of a version; true when newly stored';

CREATE FUNCTION shoal.mig_apply(schema text, version text, checksum text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.add_version(schema, version, checksum, 'apply');
$fn$;
COMMENT ON FUNCTION shoal.mig_apply(text, text, text) IS
  'shoal: apply a staged version to one schema in the caller''s transaction; ''applied'' or ''already applied''';

CREATE FUNCTION shoal.mig_mark(schema text, version text, checksum text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.add_version(schema, version, checksum, 'mark');
$fn$;
COMMENT ON FUNCTION shoal.mig_mark(text, text, text) IS
  'shoal: record a version as applied to a schema without running anything (repair; solo versions); ''marked''';

CREATE FUNCTION shoal.mig_undo(schema text, version text, checksum text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, checksum, 'undo');
$fn$;
COMMENT ON FUNCTION shoal.mig_undo(text, text, text) IS
  'shoal: run the staged dn script (by its checksum) of a schema''s latest version and drop it from the stamp; ''undone'' or ''not applied''';

CREATE FUNCTION shoal.mig_forget(schema text, version text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, NULL, 'forget');
$fn$;
COMMENT ON FUNCTION shoal.mig_forget(text, text) IS
  'shoal: drop a version from a schema''s stamp without running anything (repair); ''forgotten'' or ''not applied''';

CREATE FUNCTION shoal.record_failure(schema text, version text, checksum text, message text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.log_event(schema, version, 'fail', checksum, pg_catalog.clock_timestamp(), message);
$fn$;
COMMENT ON FUNCTION shoal.record_failure(text, text, text, text) IS
  'shoal: append a fail event (called after the schema''s own transaction rolled back)';

CREATE FUNCTION shoal.set_digest(digest text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF digest IS NULL THEN
    RAISE EXCEPTION 'digest must not be null' USING ERRCODE = '22004';
  END IF;
  -- pg-mig's deploy gates read public.mig_digest_const().
  EXECUTE format('CREATE OR REPLACE FUNCTION public.mig_digest_const() RETURNS text '
                 'LANGUAGE sql SET search_path FROM CURRENT AS %L', shoal.const_source(digest));
END
$fn$;
COMMENT ON FUNCTION shoal.set_digest(text) IS
  'shoal: store the digest of the last fully successful run as public.mig_digest_const() (pg-mig''s format)';

CREATE FUNCTION shoal.digest() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.const_value(n.nspname, p.proname, p.prosrc)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
   WHERE n.nspname OPERATOR(pg_catalog.=) 'public' AND p.proname OPERATOR(pg_catalog.=) 'mig_digest_const'
     AND p.pronargs OPERATOR(pg_catalog.=) 0;
$fn$;
COMMENT ON FUNCTION shoal.digest() IS
  'shoal: the digest of the last fully successful run (public.mig_digest_const()), NULL when none';

-- Privileges: nothing for PUBLIC; see docs/operators.md for a migrating role.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA shoal FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA shoal FROM PUBLIC;
REVOKE ALL ON SCHEMA shoal FROM PUBLIC;
