-- shoal: per-schema migration state and the one-schema-one-version transaction.
--
-- This is the whole current definition of the extension (pgvector's layout): the
-- Makefile installs it as sql/shoal--<default_version>.sql, which CREATE EXTENSION
-- runs. An installed extension reaches the same objects through the released
-- scripts, shoal--1.0.sql and the upgrade scripts shoal--A--B.sql, which are never
-- edited; test/regress/026_upgrade compares the two object by object. A change is
-- made here and in a new upgrade script, with a new default_version.
--
-- The state of a schema lives in the schema itself, in one constant function
-- rewritten in the same transaction as the migration it records:
-- <schema>.mig_versions_const(), pg-mig's stamp (the JSON array of applied
-- versions, byte for byte, so pg-mig and shoal read each other), with shoal's
-- per-version data in a comment after the value (extension/stamp.cpp). It travels
-- with `pg_dump --schema`. Everything else (staged scripts, history, run lock,
-- steering) lives in schema shoal.
--
-- Safety rules for every function below: SECURITY INVOKER (migrations run as the
-- caller), `SET search_path = pg_catalog, pg_temp`, identifiers reach dynamic SQL only
-- through format('%I'), EXECUTE revoked from PUBLIC (docs/operators.md shows the grants
-- a migrating role needs).

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
  action      text NOT NULL CHECK (action IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume', 'cancel')),
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
WITH lock AS (
  SELECT l.pid, l.objid, l.mode
    FROM pg_catalog.pg_locks l
   WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted
     AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                            WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
     AND l.classid OPERATOR(pg_catalog.=) 1936224097::oid AND l.objsubid OPERATOR(pg_catalog.=) 2
     AND l.objid IN (0::oid, 1::oid)
), control AS (
  SELECT k.pid FROM lock k WHERE k.objid OPERATOR(pg_catalog.=) 0::oid
), members AS (
  SELECT pg_catalog.array_agg(k.pid ORDER BY k.pid) AS pids
    FROM lock k WHERE k.objid OPERATOR(pg_catalog.=) 1::oid AND k.mode OPERATOR(pg_catalog.=) 'ShareLock'
)
SELECT r.holder, c.pid, r.client_addr, r.since, r.digest, m.pids AS member_pids
  FROM control c
  LEFT JOIN shoal.run r ON r.pid OPERATOR(pg_catalog.=) c.pid
 CROSS JOIN members m
UNION ALL
-- The control session is gone but connections of its run live: the lock is not free.
SELECT r.holder, NULL::integer, r.client_addr, r.since, r.digest, m.pids
  FROM members m
  LEFT JOIN shoal.run r ON true
 WHERE m.pids IS NOT NULL AND NOT EXISTS (SELECT FROM control);
COMMENT ON VIEW shoal.run_lock IS
  'shoal: the run holding the run lock: its control session (pid NULL when that session is gone but members live) and the pids of all its live connections (member_pids); no row when the lock is free';

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
      SELECT * INTO other FROM shoal.run_lock l WHERE l.pid IS NOT NULL;
      RAISE EXCEPTION 'shoal run lock is held by %', coalesce(other.holder, 'an unknown holder')
        USING ERRCODE = '55P03',
              DETAIL = format('holder %s, pid %s, client address %s, since %s',
                              coalesce(other.holder, '(unknown)'), coalesce(other.pid::text, '(gone)'),
                              coalesce(host(other.client_addr), 'local'), coalesce(other.since::text, '(unknown)')),
              HINT = 'Wait for that run to end. If it is stuck, end every connection of the run: '
                     'SELECT pg_terminate_backend(p) FROM shoal.run_lock, unnest(member_pids) p; '
                     'the lock goes with the last one.';
    END IF;
    -- A worker of an earlier run that starts a run of its own leaves that run
    -- first: its own membership must not hide the other live members.
    IF shoal.is_run_member() THEN
      PERFORM pg_advisory_unlock_shared(1936224097, 1);
    END IF;
    -- Connections of an earlier run may outlive its control session.
    IF NOT pg_try_advisory_lock(1936224097, 1) THEN
      PERFORM pg_advisory_unlock(1936224097, 0);
      SELECT * INTO other FROM shoal.run_lock l;
      RAISE EXCEPTION 'shoal run lock is held by %: its control session is gone, but % of its connections are alive',
                      coalesce(other.holder, 'an unknown holder'), coalesce(cardinality(other.member_pids), 0)
        USING ERRCODE = '55P03',
              DETAIL = format('holder %s, since %s, member pids %s',
                              coalesce(other.holder, '(unknown)'), coalesce(other.since::text, '(unknown)'),
                              coalesce(array_to_string(other.member_pids, ', '), '(gone)')),
              HINT = 'Wait for those connections to end, or end them: '
                     'SELECT pg_terminate_backend(p) FROM shoal.run_lock, unnest(member_pids) p;';
    END IF;
    PERFORM pg_advisory_lock_shared(1936224097, 1);
    PERFORM pg_advisory_unlock(1936224097, 1);
    PERFORM shoal.steer('{cancelled}', 'running', 'resume', format('run lock taken by %s', holder));
  ELSIF NOT shoal.is_run_member() THEN
    -- The lock taken by 1.3's lock_run in this session, before the update.
    PERFORM pg_advisory_lock_shared(1936224097, 1);
  END IF;
  -- Rows of holders that died are stale: only the live holder's row is kept.
  DELETE FROM shoal.run;
  INSERT INTO shoal.run (pid, holder, client_addr, since, digest)
  VALUES (pg_backend_pid(), lock_run.holder, inet_client_addr(), clock_timestamp(), lock_run.digest);
END
$fn$;
COMMENT ON FUNCTION shoal.lock_run(text, text) IS
  'shoal: take the run lock for this session and make it a member of the run (ERROR 55P03 naming the holder when another session has it, or when connections of an earlier run are alive)';

CREATE FUNCTION shoal.unlock_run() RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  released boolean := false;
BEGIN
  IF EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid = pg_backend_pid()) THEN
    DELETE FROM shoal.run r WHERE r.pid = pg_backend_pid();
    released := pg_advisory_unlock(1936224097, 0);
  END IF;
  IF shoal.is_run_member() THEN
    released := pg_advisory_unlock_shared(1936224097, 1) OR released;
  END IF;
  RETURN released;
END
$fn$;
COMMENT ON FUNCTION shoal.unlock_run() IS
  'shoal: release the run lock and the run membership held by this session; false when it held neither';

-- Reading stamps ------------------------------------------------------------------

-- The text a constant function returns, read from its source: the body must be
-- `SELECT '<literal>';` as pg-mig and shoal write it. Reading instead of calling
-- makes 10 000 stamps one cheap query, and never runs code that a schema's owner
-- put there with the rights of whoever reads the stamps.
CREATE FUNCTION shoal.const_value(fn_schema name, fn_name name, fn_source text) RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_const_value';
COMMENT ON FUNCTION shoal.const_value(name, name, text) IS
  'shoal (internal): the value of a constant function (body SELECT ''<text>'';), read from its source';

-- One row per (schema, applied version) of every readable stamp of a candidate
-- schema, in the stamp's order. A schema counts as stamped when it has
-- mig_versions_const(); shoal's data only adds checksum and applied_at, '' and NULL
-- where unknown (a version applied by pg-mig or by hand).
CREATE FUNCTION shoal.stamp_rows(only_schema text DEFAULT NULL)
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
COMMENT ON FUNCTION shoal.stamp_rows(text) IS
  'shoal (internal): applied versions of every candidate schema with a readable stamp (or of one), read from the stamps';

CREATE VIEW shoal.applied AS
SELECT s.schema, s.version, s.checksum, s.applied_at
  FROM shoal.stamp_rows() s;
COMMENT ON VIEW shoal.applied IS
  'shoal: schema, version, checksum ('''' when unknown) and applied_at of every applied version in the database; a schema whose stamp cannot be read is left out (shoal.stamps() names it)';

CREATE FUNCTION shoal.stamps()
RETURNS TABLE (schema text, versions text[], checksums text[], problem text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  WITH source AS (
    SELECT p.pronamespace,
           pg_catalog.max(p.prosrc) FILTER (WHERE p.proname OPERATOR(pg_catalog.=) 'mig_versions_const') AS version_list,
           pg_catalog.max(p.prosrc) FILTER (WHERE p.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const') AS extra
      FROM pg_catalog.pg_proc p
     WHERE p.proname IN ('mig_versions_const', 'shoal_stamp_const') AND p.pronargs OPERATOR(pg_catalog.=) 0
     GROUP BY p.pronamespace
  )
  SELECT n.nspname::text,
         CASE WHEN c.problem IS NULL THEN coalesce(a.versions, '{}') END,
         CASE WHEN c.problem IS NULL THEN coalesce(a.checksums, '{}') END,
         c.problem
    FROM pg_catalog.pg_namespace n
    LEFT JOIN source s ON s.pronamespace OPERATOR(pg_catalog.=) n.oid
    CROSS JOIN LATERAL (SELECT shoal.stamp_problem(n.nspname::text, s.version_list, s.extra) AS problem) c
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
  'shoal: every candidate schema with its applied versions in order and their checksums ('''' when unknown), in one round trip; problem names a stamp that cannot be read (versions and checksums NULL), NULL otherwise';

CREATE FUNCTION shoal.stamp_arrays(target_schema text,
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
COMMENT ON FUNCTION shoal.stamp_arrays(text) IS
  'shoal (internal): one schema''s stamp as parallel arrays, oldest version first';

-- Writing stamps ------------------------------------------------------------------

-- The SQL text of a constant function returning value, exactly as pg-mig writes it:
-- ` SELECT '<value with '' doubled>'; ` (standard-conforming string, no E'' form).
CREATE FUNCTION shoal.const_source(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RETURN ' SELECT ''' || replace(value, '''', '''''') || '''; ';
END
$fn$;
COMMENT ON FUNCTION shoal.const_source(text) IS
  'shoal (internal): the body of a constant function returning the given text, in pg-mig''s form';

CREATE FUNCTION shoal.write_stamp(target_schema text, versions text[], checksums text[], applied_at timestamptz[])
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

-- Building blocks of the migration functions ---------------------------------------

CREATE FUNCTION shoal.lock_schema(target_schema text) RETURNS void
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_lock_schema';
COMMENT ON FUNCTION shoal.lock_schema(text) IS
  'shoal (internal): check that the schema exists and lock it until the end of the transaction';

CREATE FUNCTION shoal.check_version(version text) RETURNS void
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_check_version';
COMMENT ON FUNCTION shoal.check_version(text) IS
  'shoal (internal): reject a version name that is not TIMESTAMP.title.prefix';

CREATE FUNCTION shoal.log_event(target_schema text, version text, action text, checksum text,
                                           started_at timestamptz, detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)
  VALUES (target_schema, log_event.version, log_event.action, log_event.checksum, CURRENT_USER,
          log_event.started_at, clock_timestamp(), log_event.detail);
END
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
-- mig_mark() records it as run elsewhere. Returns 'applied', 'marked' or 'already
-- applied' (extension/versions.cpp).
CREATE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_add_version';
COMMENT ON FUNCTION shoal.add_version(text, text, text, text) IS
  'shoal (internal): the shared body of mig_apply (action apply) and mig_mark (action mark)';

-- Removes a schema's latest version from its stamp: mig_undo() runs its staged dn
-- script first, mig_forget() runs nothing. Returns 'undone', 'forgotten' or 'not
-- applied' (extension/versions.cpp).
CREATE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_remove_version';
COMMENT ON FUNCTION shoal.remove_version(text, text, text, text) IS
  'shoal (internal): the shared body of mig_undo (action undo) and mig_forget (action forget)';

-- The interface -------------------------------------------------------------------

CREATE FUNCTION shoal.stage(version text, direction text, checksum text, statements text[], locations text[])
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

CREATE FUNCTION shoal.mig_apply(schema text, version text, checksum text) RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_mig_apply';
COMMENT ON FUNCTION shoal.mig_apply(text, text, text) IS
  'shoal: apply a staged version to one schema in the caller''s transaction; ''applied'' or ''already applied''';

CREATE FUNCTION shoal.mig_mark(schema text, version text, checksum text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  result text := shoal.add_version(schema, version, checksum, 'mark', shoal.run_command());
BEGIN
  IF result = 'marked' THEN
    PERFORM shoal.digest_after_repair();
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.mig_mark(text, text, text) IS
  'shoal: record a version as applied to a schema without running anything (repair; solo versions); ''marked''; by hand, the stored digest becomes after-repair';

CREATE FUNCTION shoal.mig_undo(schema text, version text, checksum text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, checksum, 'undo');
$fn$;
COMMENT ON FUNCTION shoal.mig_undo(text, text, text) IS
  'shoal: run the staged dn script (by its checksum) of a schema''s latest version and drop it from the stamp; ''undone'' or ''not applied''';

CREATE FUNCTION shoal.mig_forget(schema text, version text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, NULL, 'forget', shoal.run_command());
$fn$;
COMMENT ON FUNCTION shoal.mig_forget(text, text) IS
  'shoal: drop a schema''s latest version from its stamp without running anything (repair); ''forgotten'' or ''not applied''; the stored digest becomes after-repair';

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
  PERFORM shoal.write_public_const('mig_digest_const', digest);
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
-- Steering a run ------------------------------------------------------------------
--
-- An operator pauses, resumes or cancels the coordinator's run on a node; the
-- coordinator reads shoal.control_state() between schema transactions (paused:
-- start nothing new until resumed; cancelled: start nothing new and end the run).
-- The state is one row in shoal.control, each change an event in shoal.event.
-- A pause outlives runs (pause before a deploy to hold it); a cancel is meant for
-- the run in progress, so the next shoal.lock_run() clears it.

CREATE TABLE shoal.control (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  state      text NOT NULL CHECK (state IN ('running', 'paused', 'cancelled')),
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL,
  reason     text
);
COMMENT ON TABLE shoal.control IS
  'shoal: the steering state of runs on this node (one row); changed by shoal.pause(), resume(), cancel()';
INSERT INTO shoal.control (state, changed_by, changed_at) VALUES ('running', CURRENT_USER, pg_catalog.now());

-- Moves the state to new_state when it is one of from_states, recording the change
-- as an event; returns the state after the call.
CREATE FUNCTION shoal.steer(from_states text[], new_state text, action text, reason text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  result text;
BEGIN
  UPDATE shoal.control c
     SET state = new_state, changed_by = CURRENT_USER, changed_at = started, reason = steer.reason
   WHERE c.state = ANY (from_states);
  IF FOUND THEN
    PERFORM shoal.log_event(NULL, NULL, action, NULL, started, reason);
  END IF;
  SELECT c.state INTO STRICT result FROM shoal.control c;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.steer(text[], text, text, text) IS
  'shoal (internal): change the steering state and record the change';

CREATE FUNCTION shoal.pause(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{running}', 'paused', 'pause', reason);
$fn$;
COMMENT ON FUNCTION shoal.pause(text) IS
  'shoal: ask the coordinator to start no new schema transaction until shoal.resume(); returns the state';

-- Its answer is this node's state: a run holds while any node of its fleet is
-- paused, which only the coordinator sees, so the notice says so every time.
CREATE FUNCTION shoal.resume(reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RAISE NOTICE 'shoal.resume() resumes this node only; a run stays paused while any node of its fleet is paused'
    USING HINT = 'shoal resume resumes every node; shoal status shows each node''s steering.';
  RETURN shoal.steer('{paused,cancelled}', 'running', 'resume', reason);
END
$fn$;
COMMENT ON FUNCTION shoal.resume(text) IS
  'shoal: end a pause (or a cancel) on this node; returns this node''s state';

CREATE FUNCTION shoal.cancel(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{running,paused}', 'cancelled', 'cancel', reason);
$fn$;
COMMENT ON FUNCTION shoal.cancel(text) IS
  'shoal: ask the run in progress to start nothing new and stop; the next shoal.lock_run() clears it; returns the state';

CREATE FUNCTION shoal.control_state()
RETURNS TABLE (state text, changed_by text, changed_at timestamptz, reason text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT c.state, c.changed_by, c.changed_at, c.reason FROM shoal.control c;
$fn$;
COMMENT ON FUNCTION shoal.control_state() IS
  'shoal: the steering state (running, paused, cancelled), who set it, when and why';

-- The rerun fingerprint --------------------------------------------------------------
--
-- pg-mig skips before.sql and after.sql when nothing is pending and the node's
-- fingerprint (its schemas, the two scripts' hash) is what the last clean run
-- saved in public.mig_rerun_fingerprint_const(). Written here in pg-mig's exact
-- form (Dest.saveRerunFingerprint), so pg-mig and shoal read each other's. An
-- empty fingerprint means "run them next time".

CREATE FUNCTION shoal.set_rerun_fingerprint(fingerprint text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF fingerprint IS NULL THEN
    RAISE EXCEPTION 'fingerprint must not be null' USING ERRCODE = '22004';
  END IF;
  PERFORM shoal.write_public_const('mig_rerun_fingerprint_const', fingerprint);
END
$fn$;
COMMENT ON FUNCTION shoal.set_rerun_fingerprint(text) IS
  'shoal: store the rerun fingerprint as public.mig_rerun_fingerprint_const() (pg-mig''s format; empty: rerun before/after)';

CREATE FUNCTION shoal.rerun_fingerprint() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.const_value(n.nspname, p.proname, p.prosrc)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
   WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
     AND p.proname OPERATOR(pg_catalog.=) 'mig_rerun_fingerprint_const'
     AND p.pronargs OPERATOR(pg_catalog.=) 0;
$fn$;
COMMENT ON FUNCTION shoal.rerun_fingerprint() IS
  'shoal: the rerun fingerprint (public.mig_rerun_fingerprint_const()), NULL when none was saved';

-- Comparing schemas (shoal verify) -------------------------------------------------
--
-- Every microshard of a version list should be structurally identical. Each object
-- of a schema becomes one row with a canonical text: built from pg_get_*def and the
-- catalogs, never from OIDs, and with the schema's own name removed (the qualifier
-- "<schema>." everywhere, the schema in a function's search_path setting), so two
-- identical shards give identical rows. The stamp functions (mig_*_const,
-- shoal_stamp_const) differ by design and are left out. The coordinator fetches the
-- fingerprints of all schemas of a node in one query, and the rows only for the
-- few schemas it has to explain.

CREATE FUNCTION shoal.schema_objects(schemas text[])
RETURNS TABLE (schema text, kind text, name text, definition text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  WITH ns AS (
    SELECT n.oid, n.nspname::text AS schema,
           pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.') AS qualifier
      FROM pg_catalog.pg_namespace n
     WHERE CASE WHEN schemas IS NULL
                THEN n.nspname::text OPERATOR(pg_catalog.!~) '^pg_'
                     AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'
                ELSE n.nspname::text IN (SELECT pg_catalog.unnest(schemas)) END
  ), rel AS (
    SELECT ns.schema, ns.qualifier, c.*
      FROM ns JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) ns.oid
  ), object AS (
    -- One marker row per schema, so that an empty schema is listed too.
    SELECT ns.schema, 'schema' AS kind, '' AS name, '' AS definition, '' AS qualifier FROM ns
    UNION ALL
    SELECT r.schema,
           CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'table' END,
           pg_catalog.quote_ident(r.relname),
           pg_catalog.concat_ws(' ',
             CASE WHEN r.relpersistence OPERATOR(pg_catalog.=) 'u' THEN 'unlogged' END,
             CASE WHEN r.relkind OPERATOR(pg_catalog.=) 'p'
                  THEN pg_catalog.concat('partition by ', pg_catalog.pg_get_partkeydef(r.oid)) END,
             CASE WHEN r.relispartition
                  THEN pg_catalog.concat('partition of ',
                         (SELECT pg_catalog.string_agg(i.inhparent::pg_catalog.regclass::text, ', ')
                            FROM pg_catalog.pg_inherits i WHERE i.inhrelid OPERATOR(pg_catalog.=) r.oid),
                         ' ', pg_catalog.pg_get_expr(r.relpartbound, r.oid)) END,
             CASE WHEN r.relrowsecurity THEN 'row level security' END,
             CASE WHEN r.relforcerowsecurity THEN 'forced' END,
             CASE WHEN r.reloptions IS NOT NULL
                  THEN pg_catalog.concat('with (', pg_catalog.array_to_string(r.reloptions, ', '), ')') END,
             CASE WHEN r.relkind IN ('v', 'm') THEN pg_catalog.concat('as ', pg_catalog.pg_get_viewdef(r.oid)) END,
             (SELECT pg_catalog.concat('as ', pg_catalog.format_type(s.seqtypid, NULL),
                       ' increment ', s.seqincrement, ' minvalue ', s.seqmin, ' maxvalue ', s.seqmax,
                       ' start ', s.seqstart, ' cache ', s.seqcache,
                       CASE WHEN s.seqcycle THEN ' cycle' END)
                FROM pg_catalog.pg_sequence s WHERE s.seqrelid OPERATOR(pg_catalog.=) r.oid)),
           r.qualifier
      FROM rel r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
    UNION ALL
    SELECT r.schema, 'column',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(a.attname)),
           pg_catalog.concat_ws(' ', 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
             CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation
                  THEN pg_catalog.concat('collate ', pg_catalog.quote_ident(co.collname)) END,
             CASE WHEN a.attnotnull THEN 'not null' END,
             CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) 's'
                  THEN pg_catalog.concat('generated always as (', pg_catalog.pg_get_expr(d.adbin, d.adrelid), ') stored')
                  WHEN d.adbin IS NOT NULL THEN pg_catalog.concat('default ', pg_catalog.pg_get_expr(d.adbin, d.adrelid)) END,
             CASE a.attidentity WHEN 'a' THEN 'generated always as identity'
                                WHEN 'd' THEN 'generated by default as identity' END),
           r.qualifier
      FROM rel r
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
      JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
      LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid
       AND d.adnum OPERATOR(pg_catalog.=) a.attnum
     WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
    SELECT r.schema, 'constraint',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(k.conname)),
           pg_catalog.pg_get_constraintdef(k.oid), r.qualifier
      FROM rel r JOIN pg_catalog.pg_constraint k ON k.conrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT r.schema, 'index', pg_catalog.quote_ident(r.relname),
           pg_catalog.concat(pg_catalog.pg_get_indexdef(r.oid), CASE WHEN NOT i.indisvalid THEN ' INVALID' END),
           r.qualifier
      FROM rel r JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT r.schema, 'trigger',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(g.tgname)),
           pg_catalog.pg_get_triggerdef(g.oid), r.qualifier
      FROM rel r JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) r.oid AND NOT g.tgisinternal
    UNION ALL
    SELECT r.schema, 'policy',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(p.polname)),
           pg_catalog.concat_ws(' ', CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
             'for', CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                                  WHEN 'd' THEN 'delete' ELSE 'all' END,
             'to', (SELECT pg_catalog.string_agg(CASE WHEN role_oid OPERATOR(pg_catalog.=) 0 THEN 'public'
                                                      ELSE role_oid::pg_catalog.regrole::text END, ', '
                                                 ORDER BY role_oid::pg_catalog.regrole::text)
                      FROM pg_catalog.unnest(p.polroles) AS role_oid),
             CASE WHEN p.polqual IS NOT NULL
                  THEN pg_catalog.concat('using (', pg_catalog.pg_get_expr(p.polqual, p.polrelid), ')') END,
             CASE WHEN p.polwithcheck IS NOT NULL
                  THEN pg_catalog.concat('with check (', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ')') END),
           r.qualifier
      FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT ns.schema, 'type', pg_catalog.quote_ident(t.typname),
           CASE WHEN t.typtype OPERATOR(pg_catalog.=) 'e'
                THEN pg_catalog.concat('enum (', (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', '
                                                                                ORDER BY e.enumsortorder)
                                                    FROM pg_catalog.pg_enum e
                                                   WHERE e.enumtypid OPERATOR(pg_catalog.=) t.oid), ')')
                ELSE pg_catalog.concat_ws(' ', 'domain', pg_catalog.format_type(t.typbasetype, t.typtypmod),
                       CASE WHEN t.typnotnull THEN 'not null' END,
                       CASE WHEN t.typdefault IS NOT NULL THEN pg_catalog.concat('default ', t.typdefault) END,
                       (SELECT pg_catalog.string_agg(pg_catalog.concat('constraint ', pg_catalog.quote_ident(k.conname),
                                                       ' ', pg_catalog.pg_get_constraintdef(k.oid)), ' '
                                                     ORDER BY k.conname COLLATE "C")
                          FROM pg_catalog.pg_constraint k WHERE k.contypid OPERATOR(pg_catalog.=) t.oid)) END,
           ns.qualifier
      FROM ns JOIN pg_catalog.pg_type t ON t.typnamespace OPERATOR(pg_catalog.=) ns.oid AND t.typtype IN ('e', 'd')
    UNION ALL
    SELECT ns.schema, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
           pg_catalog.concat(pg_catalog.quote_ident(p.proname), '(', pg_catalog.pg_get_function_identity_arguments(p.oid), ')'),
           pg_catalog.concat_ws(' ', 'returns', pg_catalog.pg_get_function_result(p.oid), 'language', l.lanname,
             CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' END,
             CASE WHEN p.proisstrict THEN 'strict' END,
             CASE WHEN p.prosecdef THEN 'security definer' END,
             -- The schema in its own search_path setting (pg-mig's SET search_path FROM CURRENT) is normalized too.
             (SELECT pg_catalog.string_agg(pg_catalog.concat('set ',
                       CASE WHEN pg_catalog.starts_with(setting, 'search_path=')
                            THEN (SELECT pg_catalog.concat('search_path=', pg_catalog.string_agg(
                                           CASE WHEN item OPERATOR(pg_catalog.=) ANY (ARRAY[ns.schema, pg_catalog.quote_ident(ns.schema)])
                                                THEN '$schema' ELSE item END, ', ' ORDER BY position))
                                    FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(setting, 13), ', '))
                                         WITH ORDINALITY AS path(item, position))
                            ELSE setting END), ' ' ORDER BY setting_position)
                FROM pg_catalog.unnest(p.proconfig) WITH ORDINALITY AS config(setting, setting_position)),
             'as', p.prosrc),
           ns.qualifier
      FROM ns
      JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) ns.oid
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE NOT (p.pronargs OPERATOR(pg_catalog.=) 0
                AND (p.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const'
                     OR p.proname OPERATOR(pg_catalog.~) '^mig_.*_const$'))
  )
  SELECT o.schema, o.kind,
         pg_catalog.replace(o.name, o.qualifier, ''),
         pg_catalog.replace(o.definition, o.qualifier, '')
    FROM object o
$fn$;
COMMENT ON FUNCTION shoal.schema_objects(text[]) IS
  'shoal: every object of the given schemas (NULL: all candidate schemas) as (schema, kind, name, canonical definition without the schema''s own name)';

CREATE FUNCTION shoal.schema_fingerprints(schemas text[])
RETURNS TABLE (schema text, fingerprint text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT o.schema,
         pg_catalog.md5(pg_catalog.string_agg(pg_catalog.concat_ws(E'\t', o.kind, o.name, o.definition), E'\n'
                                              ORDER BY o.kind COLLATE "C", o.name COLLATE "C"))
    FROM shoal.schema_objects(schemas) o
   GROUP BY o.schema
   ORDER BY o.schema COLLATE "C";
$fn$;
COMMENT ON FUNCTION shoal.schema_fingerprints(text[]) IS
  'shoal: per schema (NULL: all candidate schemas) the md5 of its sorted shoal.schema_objects() rows; equal structure, equal fingerprint';
-- One schema's stamp, fast -----------------------------------------------------------
--
-- stamp_rows() is built for reading every schema at once; one schema's stamp is
-- read from the catalog cache (const_of, C) and written in place (rewrite_const).
CREATE FUNCTION shoal.const_of(target_schema text, fn_name text) RETURNS text
LANGUAGE c STRICT STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_const_of';
COMMENT ON FUNCTION shoal.const_of(text, text) IS
  'shoal (internal): the text the constant function <schema>.<name>() returns, read from its source; NULL when there is none';

CREATE FUNCTION shoal.stamp_sources(target_schema text, OUT version_list text, OUT extra text)
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

CREATE FUNCTION shoal.rewrite_const(target_schema text, fn_name text, source text) RETURNS boolean
LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_rewrite_const';
COMMENT ON FUNCTION shoal.rewrite_const(text, text, text) IS
  'shoal (internal): replace the source of an existing constant function in place; false when there is none to replace';

-- The stamp writer of apply, mark, undo and forget (extension/stamp.cpp), for
-- write_stamp(): rewritten in place, created only the first time.
CREATE FUNCTION shoal.write_stamp_text(target_schema text, version_list text, extra text) RETURNS void
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_write_stamp_text';
COMMENT ON FUNCTION shoal.write_stamp_text(text, text, text) IS
  'shoal (internal): write a schema''s stamp, mig_versions_const() with shoal''s per-version data (extra, NULL for none) after its value, in the current transaction';

-- What the coordinator's default parallelism is chosen from (extension/server_shape.cpp).
CREATE FUNCTION shoal.server_cpus() RETURNS integer
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_server_cpus';
COMMENT ON FUNCTION shoal.server_cpus() IS
  'shoal: how many CPUs this server may run on (its affinity mask, else the CPUs online)';

CREATE FUNCTION shoal.server_machine() RETURNS text
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_server_machine';
COMMENT ON FUNCTION shoal.server_machine() IS
  'shoal: an id of the machine this server runs on (the kernel''s boot id), shared by servers on one machine; NULL when unknown';
-- Repair by hand -------------------------------------------------------------------
--
-- A forget or mark by hand changes what a schema has without a run, so the digest
-- of the last full run no longer describes the node. It is replaced by the marker
-- 'after-repair': like pg-mig's 'after-undo' it holds no '.', so `shoal check`
-- reads that node's digest as below every code digest until the next full run
-- stores a real digest again (pg-mig's gates, which take the best digest of all
-- nodes, see it only when every node has a marker). Nothing is written when no digest is
-- stored, when it already is a marker, or while a run holds the run lock on the
-- node (shoal.run_lock, below: the coordinator marking a solo version, from a
-- worker connection that may not own the digest function), since that run stores
-- the digest itself, and only once every schema is at the head.
CREATE FUNCTION shoal.digest_after_repair() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  stored text := shoal.digest();
BEGIN
  IF stored IS NOT NULL AND strpos(stored, '.') > 0 AND NOT EXISTS (SELECT FROM shoal.run_lock) THEN
    PERFORM shoal.set_digest('after-repair');
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.digest_after_repair() IS
  'shoal (internal): replace a stored digest by the marker after-repair, which deploy gates read as not up to date';

-- Only candidate schemas count ----------------------------------------------------
--
-- Any login role may create pg_temp.mig_versions_const() (the default TEMP
-- privilege), so pg_* schemas (pg_temp_N, pg_toast*) and information_schema are
-- never candidates, and a schema whose stamp cannot be read fails alone:
-- stamps() names it in its last column, problem, and applied leaves it out.

CREATE FUNCTION shoal.stamp_problem(target_schema text, version_list_source text, extra_source text) RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_stamp_problem';
COMMENT ON FUNCTION shoal.stamp_problem(text, text, text) IS
  'shoal (internal): why a schema''s stamp (the sources of its two functions) cannot be read, as SH006 says it; NULL when it can';

-- Whether this session holds the member key (shared).
CREATE FUNCTION shoal.is_run_member() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT EXISTS (
    SELECT FROM pg_catalog.pg_locks l
     WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted
       AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
       AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                              WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
       AND l.classid OPERATOR(pg_catalog.=) 1936224097::oid AND l.objid OPERATOR(pg_catalog.=) 1::oid
       AND l.objsubid OPERATOR(pg_catalog.=) 2 AND l.mode OPERATOR(pg_catalog.=) 'ShareLock');
$fn$;
COMMENT ON FUNCTION shoal.is_run_member() IS
  'shoal (internal): whether this session is a member of a run (holds the run''s member key)';

CREATE FUNCTION shoal.join_run(holder text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  joined boolean := false;
  other shoal.run_lock;
BEGIN
  IF holder IS NULL THEN
    RAISE EXCEPTION 'holder must not be null' USING ERRCODE = '22004';
  END IF;
  -- Member first, then the check: a run that takes the lock after the check finds
  -- this member and is refused; a lock_run in progress holds the key exclusively
  -- for an instant only.
  IF NOT shoal.is_run_member() THEN
    PERFORM pg_advisory_lock_shared(1936224097, 1);
    joined := true;
  END IF;
  IF NOT EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid IS NOT NULL AND l.holder = join_run.holder) THEN
    IF joined THEN
      PERFORM pg_advisory_unlock_shared(1936224097, 1);
    END IF;
    SELECT * INTO other FROM shoal.run_lock l;
    RAISE EXCEPTION 'cannot join %: its control session does not hold the run lock', holder
      USING ERRCODE = '55P03',
            DETAIL = CASE WHEN other.holder IS NULL AND other.member_pids IS NULL THEN 'Nobody holds the run lock.'
                          WHEN other.pid IS NULL THEN format('The control session of %s is gone.', coalesce(other.holder, '(unknown)'))
                          ELSE format('It is held by %s, pid %s.', coalesce(other.holder, '(unknown)'), other.pid) END,
            HINT = 'A worker connection joins only the run whose control session holds the lock now; stop this one.';
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.join_run(text) IS
  'shoal: make this session a member of the run whose control session (holder) holds the run lock, so no other run starts while it lives (ERROR 55P03 otherwise)';
-- The stamp in one function -----------------------------------------------------------
--
-- shoal's per-version data (checksum, applied_at) is a comment after pg-mig's
-- value in mig_versions_const()'s own body (extension/stamp.cpp):
--    SELECT '["v1","v2"]'; -- shoal {"v1":{"checksum":"…","applied_at":"…"}}
-- pg-mig's rewrite of a stamp drops the comment, so what pg-mig wrote counts as an
-- unknown checksum, never as drift; and a version costs one catalog write. Up to
-- 1.4 the data was a second function, <schema>.shoal_stamp_const(): such a stamp
-- (a shard restored from an older dump) is read from it until shoal writes the
-- stamp next, which folds it under that schema's lock, unless mig_versions_const()
-- was written after it (shoal wrote both in one transaction: a later write was
-- another tool's).

CREATE FUNCTION shoal.stamp_data(version_list_source text, version_list_xmin xid, extra_source text, extra_xmin xid)
RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_stamp_data';
COMMENT ON FUNCTION shoal.stamp_data(text, xid, text, xid) IS
  'shoal (internal): a stamp''s per-version data, from the sources and xmins of its mig_versions_const() and (before 1.5) shoal_stamp_const(); NULL when none';

-- What the upgrade to 1.5 runs for every schema (shoal--1.4--1.5.sql).
CREATE FUNCTION shoal.fold_old_stamp(target_schema text) RETURNS boolean
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_fold_old_stamp';
COMMENT ON FUNCTION shoal.fold_old_stamp(text) IS
  'shoal (internal, 1.4 to 1.5): move a schema''s shoal_stamp_const() data into its mig_versions_const(); false when there is nothing to move';

-- pg-mig's settings on the functions in public -------------------------------------
--
-- pg-mig writes public.mig_digest_const() and public.mig_rerun_fingerprint_const()
-- with SET search_path FROM CURRENT in its session's own search_path, so their
-- settings are that path ("$user", public for a role with no setting of its own).
-- set_digest and set_rerun_fingerprint pin their own search_path, so the statement
-- runs with the session's reset value of search_path (what a new session of the
-- same role, database and connection options starts with, as pg-mig's does), and
-- is built before the path changes, with every name in it qualified.
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

-- Privileges: nothing for PUBLIC; see docs/operators.md for a migrating role.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA shoal FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA shoal FROM PUBLIC;
REVOKE ALL ON SCHEMA shoal FROM PUBLIC;

-- issue 18 run log: each run's outcome and duration per node (status), and which
-- marks and forgets a run wrote (history). Why: docs/architecture.md, "Extension 1.8".

-- One row per run of the coordinator on this node, begun when it took the run
-- lock and closed by the coordinator with the outcome. A row nobody closed is
-- read through shoal.recent_runs, which derives 'running' or 'did not finish'
-- from the live run lock instead of trusting it.
CREATE TABLE shoal.run_record (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  holder        text NOT NULL,
  command       text NOT NULL,
  scope         text,
  role          text NOT NULL DEFAULT CURRENT_USER,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  outcome       text CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'interrupted')),
  steps_done    bigint,
  steps_failed  bigint,
  digest_stored boolean,
  CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
COMMENT ON TABLE shoal.run_record IS
  'shoal: the newest runs on this node (shoal.begin_run, shoal.end_run); read them through shoal.recent_runs';

-- Which run wrote a mark or a forget: the coordinator records a version it ran
-- itself (CREATE INDEX CONCURRENTLY) with mig_mark, and undoes it with
-- mig_forget; history shows those as the apply and the undo they were.
ALTER TABLE shoal.event ADD COLUMN run_command text;
COMMENT ON COLUMN shoal.event.run_command IS
  'shoal: for a mark or forget since 1.8, the command of the run whose connection wrote it (apply, undo), none when no such run did (by hand, shoal mark, forget, baseline); NULL for other actions and older events';

-- How many runs a node keeps: status reads the newest; a few more show an
-- operator what came before in SQL, and the table never grows with the fleet's age.
CREATE FUNCTION shoal.begin_run(command text, scope text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  held shoal.run;
BEGIN
  IF command IS NULL THEN
    RAISE EXCEPTION 'command must not be null' USING ERRCODE = '22004';
  END IF;
  SELECT r.* INTO held FROM shoal.run r JOIN shoal.run_lock l ON l.pid = r.pid WHERE r.pid = pg_backend_pid();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'this session does not hold the run lock' USING ERRCODE = '55000',
      HINT = 'Take it with shoal.lock_run() first.';
  END IF;
  DELETE FROM shoal.run_record r
   WHERE r.id <= (SELECT k.id FROM shoal.run_record k ORDER BY k.id DESC OFFSET 19 LIMIT 1);
  INSERT INTO shoal.run_record (holder, command, scope, started_at)
  VALUES (held.holder, begin_run.command, begin_run.scope, held.since);
END
$fn$;
COMMENT ON FUNCTION shoal.begin_run(text, text) IS
  'shoal: record that the run holding the run lock in this session began (its command; scope NULL for the whole fleet, else what it was narrowed to); keeps the newest 20 runs';

CREATE FUNCTION shoal.end_run(outcome text, steps_done bigint, steps_failed bigint, digest_stored boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF outcome IS NULL OR outcome NOT IN ('succeeded', 'failed', 'cancelled', 'interrupted') THEN
    RAISE EXCEPTION 'outcome must be succeeded, failed, cancelled or interrupted, not %',
                    coalesce(quote_literal(outcome), 'NULL') USING ERRCODE = '22023';
  END IF;
  UPDATE shoal.run_record r
     SET finished_at = clock_timestamp(), outcome = end_run.outcome, steps_done = end_run.steps_done,
         steps_failed = end_run.steps_failed, digest_stored = end_run.digest_stored
   WHERE r.finished_at IS NULL
     AND r.holder = (SELECT l.holder FROM shoal.run l WHERE l.pid = pg_backend_pid());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no run begun in this session is open' USING ERRCODE = '55000',
      HINT = 'shoal.begin_run() records a run; shoal.end_run() closes it once, before shoal.unlock_run().';
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.end_run(text, bigint, bigint, boolean) IS
  'shoal: close the run this session began with its outcome (succeeded, failed, cancelled, interrupted), the steps done and failed on this node, and whether it stored the digest';

CREATE VIEW shoal.recent_runs AS
SELECT r.id, r.holder, r.command, r.scope, r.role, r.started_at, r.finished_at,
       coalesce(r.outcome,
                CASE WHEN EXISTS (SELECT FROM shoal.run_lock l
                                   WHERE l.pid IS NOT NULL AND l.holder OPERATOR(pg_catalog.=) r.holder)
                     THEN 'running' ELSE 'did not finish' END) AS outcome,
       r.steps_done, r.steps_failed, r.digest_stored
  FROM shoal.run_record r;
COMMENT ON VIEW shoal.recent_runs IS
  'shoal: the newest runs on this node with their outcome; a run nobody closed is running while its control session holds the run lock, else did not finish (killed, crashed, terminated)';

-- What a mark or forget writes into its event's run_command: the command of
-- the run this session is a connection of, if that run recorded one.
CREATE FUNCTION shoal.run_command() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  -- A mark by hand reads nothing more (a role without the 1.8 grants can still mark).
  IF NOT shoal.is_run_member() THEN
    RETURN 'none';
  END IF;
  RETURN coalesce((SELECT k.command FROM shoal.run r JOIN shoal.run_record k ON k.holder = r.holder
                    WHERE k.finished_at IS NULL ORDER BY k.id DESC LIMIT 1), 'none');
END
$fn$;
COMMENT ON FUNCTION shoal.run_command() IS
  'shoal (internal): the command (apply, undo) of the run this session is a connection of, none when it is in no run that recorded one';

-- add_version and remove_version as 1.8's mig_mark and mig_forget call them:
-- the same C functions, which write run_command into the event when given it.
CREATE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text,
                                  run_command text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_add_version';
COMMENT ON FUNCTION shoal.add_version(text, text, text, text, text) IS
  'shoal (internal): add_version, writing run_command into the event';
CREATE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text,
                                     run_command text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_remove_version';
COMMENT ON FUNCTION shoal.remove_version(text, text, text, text, text) IS
  'shoal (internal): remove_version, writing run_command into the event';

REVOKE ALL ON FUNCTION shoal.begin_run(text, text), shoal.end_run(text, bigint, bigint, boolean),
                       shoal.run_command(), shoal.add_version(text, text, text, text, text),
                       shoal.remove_version(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON shoal.run_record, shoal.recent_runs FROM PUBLIC;

-- online changes (issue 21): expand, backfill, contract and abort of a column type change.
-- What and why: docs/online.md. One row per (schema, version) in shoal.online
-- from the expand until the contract or the abort; the stamp gets the version
-- only at the contract.

ALTER TABLE shoal.event DROP CONSTRAINT event_action_check;
ALTER TABLE shoal.event ADD CONSTRAINT event_action_check
  CHECK (action IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume', 'cancel',
                    'expand', 'backfilled', 'contract', 'abort'));

CREATE TABLE shoal.online (
  schema       text NOT NULL,
  version      text NOT NULL,
  checksum     text NOT NULL,
  table_name   text NOT NULL,
  column_name  text NOT NULL,
  new_column   text NOT NULL,
  new_type     text NOT NULL,
  up_expr      text NOT NULL,
  down_expr    text NOT NULL,
  sync_function text NOT NULL,
  not_null_check text,
  state        text NOT NULL CHECK (state IN ('expanded', 'backfilling', 'backfilled')),
  key_columns  text[] NOT NULL,
  high_key     text[],
  last_key     text[],
  rows_total   bigint,
  rows_done    bigint NOT NULL DEFAULT 0,
  batches      bigint NOT NULL DEFAULT 0,
  expanded_at  timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  CONSTRAINT online_pkey PRIMARY KEY (schema, version)
);
COMMENT ON TABLE shoal.online IS
  'shoal: online versions between expand and contract, per schema: the change, its state and the backfill''s cursor (written in each batch''s transaction)';

-- "(SELECT <expr> FROM (SELECT <value> AS <column>) AS shoal_value)": an up or
-- down expression, written over the column's own name, applied to one value.
CREATE FUNCTION shoal.online_apply_expr(expr text, value_sql text, column_name text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT pg_catalog.format('(SELECT (%s) FROM (SELECT %s AS %I) AS shoal_value)', expr, value_sql, column_name);
$fn$;
COMMENT ON FUNCTION shoal.online_apply_expr(text, text, text) IS
  'shoal (internal): an online version''s up or down expression applied to one value, as SQL text';

-- A key's columns for the backfill's statements: "p.k1, p.k2"; a stored cursor
-- (text[] parameter $n) as "($n[1])::t1, ($n[2])::t2"; "p.k1::text, p.k2::text";
-- and "p.k1 DESC, p.k2 DESC".
CREATE FUNCTION shoal.online_key_sql(keys text[], types text[], prefix text, param text) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT ARRAY[pg_catalog.string_agg(prefix OPERATOR(pg_catalog.||) pg_catalog.quote_ident(k), ', ' ORDER BY i),
               pg_catalog.string_agg(pg_catalog.format('(%s[%s])::%s', param, i, types[i]), ', ' ORDER BY i),
               pg_catalog.string_agg(pg_catalog.format('%s%I::text', prefix, k), ', ' ORDER BY i),
               pg_catalog.string_agg(prefix OPERATOR(pg_catalog.||) pg_catalog.quote_ident(k) OPERATOR(pg_catalog.||) ' DESC', ', ' ORDER BY i)]
    FROM pg_catalog.unnest(keys) WITH ORDINALITY AS u(k, i);
$fn$;
COMMENT ON FUNCTION shoal.online_key_sql(text[], text[], text, text) IS
  'shoal (internal): a key''s column list, its cursor casts and its columns as text, for the backfill''s statements';

-- Expand: in the caller's transaction (short; the coordinator sets lock_timeout
-- and retries). Adds the new column, the trigger keeping it and the old one in
-- step on every write, and the row that carries the backfill's cursor.
CREATE FUNCTION shoal.online_expand(target_schema text, version text, checksum text, table_name text,
                                    column_name text, new_type text, up_expr text, down_expr text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  rel oid;
  col record;
  keys text[];
  key_types text[];
  key_sql text[];
  high text[];
  new_col text := pg_catalog.left(column_name, 50) OPERATOR(pg_catalog.||) '_shoal_new';
  sync_fn text := pg_catalog.left('shoal_sync_' OPERATOR(pg_catalog.||) table_name OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) column_name, 63);
  not_null text;
  what text;
  up_new text;
  down_new text;
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  IF EXISTS (SELECT FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) target_schema
                AND a.version OPERATOR(pg_catalog.=) online_expand.version) THEN
    RETURN 'already applied';
  END IF;
  IF EXISTS (SELECT FROM shoal.online o WHERE o.schema OPERATOR(pg_catalog.=) target_schema
                AND o.version OPERATOR(pg_catalog.=) online_expand.version) THEN
    RETURN 'already expanded';
  END IF;
  rel := (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
           WHERE n.nspname OPERATOR(pg_catalog.=) target_schema AND c.relname OPERATOR(pg_catalog.=) table_name
             AND c.relkind OPERATOR(pg_catalog.=) 'r');
  IF rel IS NULL THEN
    RAISE EXCEPTION 'online version %: table %.% does not exist', version, pg_catalog.quote_ident(target_schema),
      pg_catalog.quote_ident(table_name) USING ERRCODE = '42P01';
  END IF;
  SELECT a.attnum, a.attnotnull, a.attidentity, a.attgenerated,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql
    INTO col FROM pg_catalog.pg_attribute a
   WHERE a.attrelid OPERATOR(pg_catalog.=) rel AND a.attname OPERATOR(pg_catalog.=) column_name
     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version %: column %.% does not exist', version, pg_catalog.quote_ident(table_name),
      pg_catalog.quote_ident(column_name) USING ERRCODE = '42703';
  END IF;
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.i), pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY k.i)
    INTO keys, key_types
    FROM pg_catalog.pg_index x
   CROSS JOIN LATERAL pg_catalog.unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, i)
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) rel AND a.attnum OPERATOR(pg_catalog.=) k.attnum
   WHERE x.indrelid OPERATOR(pg_catalog.=) rel AND x.indisprimary;
  IF keys IS NULL THEN
    RAISE EXCEPTION 'online version %: table %.% has no primary key', version, pg_catalog.quote_ident(target_schema),
      pg_catalog.quote_ident(table_name)
      USING ERRCODE = '0A000', DETAIL = 'The backfill walks the table in batches by primary key and stores its cursor as a key.';
  END IF;
  -- What the contract would have to rebuild on the new column is refused here,
  -- before anything changed.
  what := CASE
    WHEN column_name OPERATOR(pg_catalog.=) ANY (keys) THEN 'it is part of the primary key'
    WHEN col.attidentity OPERATOR(pg_catalog.<>) '' THEN 'it is an identity column'
    WHEN col.attgenerated OPERATOR(pg_catalog.<>) '' THEN 'it is a generated column'
    WHEN EXISTS (SELECT FROM pg_catalog.pg_index x WHERE x.indrelid OPERATOR(pg_catalog.=) rel
                    AND col.attnum OPERATOR(pg_catalog.=) ANY (x.indkey::int2[])) THEN 'an index uses it'
    WHEN EXISTS (SELECT FROM pg_catalog.pg_index x WHERE x.indrelid OPERATOR(pg_catalog.=) rel
                    AND (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL)) THEN 'the table has an index on an expression or a partial index'
    WHEN EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conrelid OPERATOR(pg_catalog.=) rel
                    AND col.attnum OPERATOR(pg_catalog.=) ANY (k.conkey)) THEN 'a constraint uses it'
    WHEN EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.confrelid OPERATOR(pg_catalog.=) rel
                    AND col.attnum OPERATOR(pg_catalog.=) ANY (k.confkey)) THEN 'a foreign key references it'
    WHEN EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.refobjid OPERATOR(pg_catalog.=) rel
                    AND d.refobjsubid OPERATOR(pg_catalog.=) col.attnum
                    AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass) THEN 'a view uses it'
  END;
  IF what IS NOT NULL THEN
    RAISE EXCEPTION 'online version %: column %.% cannot change online yet: %', version,
      pg_catalog.quote_ident(table_name), pg_catalog.quote_ident(column_name), what USING ERRCODE = '0A000';
  END IF;
  -- Both expressions must give the types they are for; checked on a NULL of the
  -- right type, so a mistake fails here and not in the application's writes.
  up_new := shoal.online_apply_expr(up_expr, pg_catalog.format('NULL::%s', col.type_sql), column_name);
  down_new := shoal.online_apply_expr(down_expr, pg_catalog.format('NULL::%s', new_type), column_name);
  -- The user's expressions see the schema, as the version's statements would.
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('SELECT (%s)::%s, (%s)::%s', up_new, new_type, down_new, col.type_sql);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD COLUMN %I %s', target_schema, table_name, new_col, new_type);
  IF col.attnotnull THEN
    not_null := shoal.online_not_null_check(target_schema, table_name, new_col);
  END IF;
  -- Old writers set the old column (new := up(old)); a writer that sets only the
  -- new one gets old := down(new). Rows written since the expand are in step.
  EXECUTE pg_catalog.format($body$
    CREATE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SET search_path = %1$I AS $sync$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.%3$I IS NULL AND NEW.%4$I IS NOT NULL THEN
          NEW.%3$I := %6$s;
          RETURN NEW;
        END IF;
      ELSIF NEW.%4$I IS DISTINCT FROM OLD.%4$I AND NEW.%3$I IS NOT DISTINCT FROM OLD.%3$I THEN
        NEW.%3$I := %6$s;
        RETURN NEW;
      END IF;
      NEW.%4$I := %5$s;
      RETURN NEW;
    END
    $sync$$body$,
    target_schema, sync_fn, column_name, new_col,
    shoal.online_apply_expr(up_expr, pg_catalog.format('NEW.%I', column_name), column_name),
    shoal.online_apply_expr(down_expr, pg_catalog.format('NEW.%I', new_col), column_name));
  EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.%I()',
                            sync_fn, target_schema, table_name, target_schema, sync_fn);
  -- The greatest key now: every row that existed before the trigger is at or
  -- below it (the ADD COLUMN's lock waited for every earlier writer), so the
  -- backfill ends there however many rows the application inserts meanwhile.
  key_sql := shoal.online_key_sql(keys, key_types, '', '$1');
  EXECUTE pg_catalog.format('SELECT ARRAY[%s] FROM %I.%I ORDER BY %s LIMIT 1',
                            key_sql[3], target_schema, table_name, key_sql[4])
    INTO high;
  INSERT INTO shoal.online (schema, version, checksum, table_name, column_name, new_column, new_type, up_expr,
                            down_expr, sync_function, not_null_check, state, key_columns, high_key, rows_total,
                            expanded_at, updated_at)
  VALUES (target_schema, version, checksum, table_name, column_name, new_col, new_type, up_expr, down_expr,
          sync_fn, not_null, CASE WHEN high IS NULL THEN 'backfilled' ELSE 'expanded' END, keys, high,
          CASE WHEN high IS NULL THEN 0 END, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I.%I %s -> %s', table_name, column_name, col.type_sql, new_type));
  RETURN 'expanded';
END
$fn$;
COMMENT ON FUNCTION shoal.online_expand(text, text, text, text, text, text, text, text) IS
  'shoal: expand an online column type change in one schema, in the caller''s transaction; ''expanded'', ''already expanded'' or ''already applied''';

-- One batch of the backfill, in the caller's transaction: the next batch_size
-- rows after the cursor (and at or below the expand's greatest key) are
-- rewritten through the trigger, and the cursor moves in the same transaction.
CREATE FUNCTION shoal.online_backfill(target_schema text, version text, batch_size integer)
RETURNS TABLE (state text, rows_done bigint, rows_total bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  key_types text[];
  cols text[];
  t_cols text[];
  changed bigint;
  last text[];
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_backfill.version FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  IF o.state OPERATOR(pg_catalog.<>) 'backfilled' THEN
    SELECT pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY u.i) INTO key_types
      FROM pg_catalog.unnest(o.key_columns) WITH ORDINALITY AS u(k, i)
      JOIN pg_catalog.pg_attribute a ON a.attname OPERATOR(pg_catalog.=) u.k
       AND a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass;
    cols := shoal.online_key_sql(o.key_columns, key_types, '', '$1');
    t_cols := shoal.online_key_sql(o.key_columns, key_types, 'b.', '$2');
    IF o.rows_total IS NULL THEN
      EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I WHERE (%s) <= (%s)', o.schema, o.table_name,
                                cols[1], t_cols[2])
        USING NULL::text[], o.high_key INTO o.rows_total;
    END IF;
    EXECUTE pg_catalog.format($q$
      WITH batch AS (
        SELECT %1$s FROM %3$I.%4$I
         WHERE ($1 IS NULL OR (%1$s) > (%2$s)) AND (%1$s) <= (%5$s)
         ORDER BY %1$s LIMIT $3),
      changed AS (
        UPDATE %3$I.%4$I t SET %6$I = t.%6$I FROM batch b WHERE (%7$s) = (%8$s) RETURNING 1)
      SELECT (SELECT pg_catalog.count(*) FROM changed),
             (SELECT ARRAY[%9$s] FROM batch b ORDER BY %10$s LIMIT 1)$q$,
      cols[1], cols[2], o.schema, o.table_name, t_cols[2], o.column_name,
      (shoal.online_key_sql(o.key_columns, key_types, 't.', '$1'))[1], t_cols[1], t_cols[3], t_cols[4])
      USING o.last_key, o.high_key, batch_size INTO changed, last;
    o.rows_done := o.rows_done OPERATOR(pg_catalog.+) changed;
    o.batches := o.batches OPERATOR(pg_catalog.+) 1;
    o.state := 'backfilling';
    IF last IS NULL THEN
      o.state := 'backfilled';
      IF o.not_null_check IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', o.schema, o.table_name, o.not_null_check);
      END IF;
      PERFORM shoal.log_event(o.schema, o.version, 'backfilled', o.checksum, o.expanded_at,
                              pg_catalog.format('%s rows in %s batches', o.rows_done, o.batches));
    END IF;
    UPDATE shoal.online x
       SET state = o.state, last_key = coalesce(last, x.last_key), rows_done = o.rows_done,
           rows_total = o.rows_total, batches = o.batches, updated_at = clock_timestamp()
     WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
  END IF;
  RETURN QUERY SELECT o.state, o.rows_done, o.rows_total;
END
$fn$;
COMMENT ON FUNCTION shoal.online_backfill(text, text, integer) IS
  'shoal: one backfill batch of an expanded online version in one schema, its cursor moved in the caller''s transaction; the state and rows done/total after it';

-- The contract's precondition: rows whose new column is not up(old). A full scan
-- that takes no lock stronger than a reader's.
CREATE FUNCTION shoal.online_mismatches(target_schema text, version text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  result bigint;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_mismatches.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I t WHERE t.%I IS DISTINCT FROM (%s)::%s',
                            o.schema, o.table_name, o.new_column,
                            shoal.online_apply_expr(o.up_expr, pg_catalog.format('t.%I', o.column_name), o.column_name),
                            o.new_type)
    INTO result;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.online_mismatches(text, text) IS
  'shoal: rows of an expanded online version''s table whose new column differs from up(old column)';

-- Removes what the expand added, then the row; keep_new_column swaps it in.
CREATE FUNCTION shoal.online_finish(o shoal.online, keep_new_column boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  seq record;
  default_sql text;
BEGIN
  EXECUTE pg_catalog.format('DROP TRIGGER %I ON %I.%I', o.sync_function, o.schema, o.table_name);
  EXECUTE pg_catalog.format('DROP FUNCTION %I.%I()', o.schema, o.sync_function);
  IF keep_new_column THEN
    default_sql := (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid
                       AND a.attnum OPERATOR(pg_catalog.=) d.adnum
                     WHERE d.adrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                       AND a.attname OPERATOR(pg_catalog.=) o.column_name);
    -- A serial's sequence belongs to the old column and would go with it.
    FOR seq IN SELECT d.objid::pg_catalog.regclass AS name FROM pg_catalog.pg_depend d
                 JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid
                  AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid
                WHERE d.refobjid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                  AND a.attname OPERATOR(pg_catalog.=) o.column_name AND d.deptype OPERATOR(pg_catalog.=) 'a'
                  AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass LOOP
      EXECUTE pg_catalog.format('ALTER SEQUENCE %s OWNED BY %I.%I.%I', seq.name, o.schema, o.table_name, o.new_column);
    END LOOP;
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I DROP COLUMN %I', o.schema, o.table_name, o.column_name);
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', o.schema, o.table_name, o.new_column, o.column_name);
    IF default_sql IS NOT NULL THEN
      EXECUTE pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT %s', o.schema, o.table_name, o.column_name, default_sql);
    END IF;
    IF o.not_null_check IS NOT NULL THEN
      -- The validated check proves it: no scan under the lock.
      EXECUTE pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET NOT NULL', o.schema, o.table_name, o.column_name);
    END IF;
  ELSE
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I DROP COLUMN %I', o.schema, o.table_name, o.new_column);
  END IF;
  IF o.not_null_check IS NOT NULL THEN
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT IF EXISTS %I', o.schema, o.table_name, o.not_null_check);
  END IF;
  DELETE FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
END
$fn$;
COMMENT ON FUNCTION shoal.online_finish(shoal.online, boolean) IS
  'shoal (internal): drop an online version''s trigger and one of its two columns (the new one, or the old one with the new one renamed in its place)';

-- The schema lock, then the schema's shoal.online row of the version, locked
-- (all NULL when there is none).
CREATE FUNCTION shoal.online_lock(target_schema text, version text) RETURNS shoal.online
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_lock.version FOR UPDATE;
  RETURN o;
END
$fn$;
COMMENT ON FUNCTION shoal.online_lock(text, text) IS
  'shoal (internal): take the schema lock and lock the schema''s online row of a version';

-- Contract, in the caller's transaction (short; lock-timed by the coordinator):
-- only after the backfill (the coordinator has checked online_mismatches() on
-- every schema first, and the trigger keeps it so); the version is then in the
-- stamp, as mig_mark writes it.
CREATE FUNCTION shoal.online_contract(target_schema text, version text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  o shoal.online;
BEGIN
  o := shoal.online_lock(target_schema, version);
  IF o.schema IS NULL THEN
    IF EXISTS (SELECT FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) target_schema
                  AND a.version OPERATOR(pg_catalog.=) online_contract.version) THEN
      RETURN 'already applied';
    END IF;
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  IF o.state OPERATOR(pg_catalog.<>) 'backfilled' THEN
    RAISE EXCEPTION 'online version % is still % in schema %', version, o.state, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000', HINT = 'shoal apply finishes the backfill.';
  END IF;
  PERFORM shoal.online_finish(o, true);
  PERFORM shoal.add_version(target_schema, version, o.checksum, 'mark');
  PERFORM shoal.log_event(target_schema, version, 'contract', o.checksum, started, NULL);
  RETURN 'applied';
END
$fn$;
COMMENT ON FUNCTION shoal.online_contract(text, text) IS
  'shoal: contract a backfilled online version in one schema, in the caller''s transaction; ''applied'' or ''already applied''';

-- Abort before the contract: everything the expand added goes.
CREATE FUNCTION shoal.online_abort(target_schema text, version text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  o shoal.online;
BEGIN
  o := shoal.online_lock(target_schema, version);
  IF o.schema IS NULL THEN
    RETURN 'not expanded';
  END IF;
  PERFORM shoal.online_finish(o, false);
  PERFORM shoal.log_event(target_schema, version, 'abort', o.checksum, started, NULL);
  RETURN 'aborted';
END
$fn$;
COMMENT ON FUNCTION shoal.online_abort(text, text) IS
  'shoal: remove what an online version''s expand added to one schema, in the caller''s transaction; ''aborted'' or ''not expanded''';

CREATE VIEW shoal.online_state AS
SELECT o.schema, o.version, o.state, o.table_name, o.column_name, o.new_type, o.rows_done, o.rows_total,
       o.expanded_at, o.updated_at
  FROM shoal.online o;
COMMENT ON VIEW shoal.online_state IS
  'shoal: online versions expanded and not yet contracted or aborted, per schema: state (expanded, backfilling, backfilled) and rows done/total';

REVOKE ALL ON shoal.online, shoal.online_state FROM PUBLIC;
REVOKE ALL ON FUNCTION shoal.online_apply_expr(text, text, text), shoal.online_key_sql(text[], text[], text, text),
  shoal.online_expand(text, text, text, text, text, text, text, text), shoal.online_backfill(text, text, integer),
  shoal.online_mismatches(text, text), shoal.online_finish(shoal.online, boolean), shoal.online_lock(text, text),
  shoal.online_contract(text, text), shoal.online_abort(text, text) FROM PUBLIC;

-- online constraints (issue 21): set_not_null, check and foreign_key as online
-- versions. The constraint is added NOT VALID at the expand (a short lock, no
-- scan), validated in the backfill phase (a scan under SHARE UPDATE EXCLUSIVE,
-- which lets the application write), and at the contract kept (set_not_null:
-- the column's NOT NULL, which the validated check proves without a scan,
-- then the check dropped) or, at an abort, dropped. docs/online.md.

ALTER TABLE shoal.online
  ADD COLUMN operation text NOT NULL DEFAULT 'column_type'
    CONSTRAINT online_operation_check CHECK (operation IN ('column_type', 'set_not_null', 'check', 'foreign_key')),
  ADD COLUMN constraint_name text,
  ALTER COLUMN column_name DROP NOT NULL,
  ALTER COLUMN new_column DROP NOT NULL,
  ALTER COLUMN new_type DROP NOT NULL,
  ALTER COLUMN up_expr DROP NOT NULL,
  ALTER COLUMN down_expr DROP NOT NULL,
  ALTER COLUMN sync_function DROP NOT NULL,
  ALTER COLUMN key_columns DROP NOT NULL;

-- Expand of an online constraint, in the caller's transaction: the constraint
-- NOT VALID, so the application's writes are checked from now on and the rows
-- already there are left to online_validate.
CREATE FUNCTION shoal.online_add_constraint(target_schema text, version text, checksum text, operation text,
                                            table_name text, constraint_name text, columns text[], definition text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  constraint_sql text;
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  IF EXISTS (SELECT FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) target_schema
                AND a.version OPERATOR(pg_catalog.=) online_add_constraint.version) THEN
    RETURN 'already applied';
  END IF;
  IF EXISTS (SELECT FROM shoal.online o WHERE o.schema OPERATOR(pg_catalog.=) target_schema
                AND o.version OPERATOR(pg_catalog.=) online_add_constraint.version) THEN
    RETURN 'already expanded';
  END IF;
  constraint_sql := CASE operation
    WHEN 'set_not_null' THEN pg_catalog.format('CHECK (%I IS NOT NULL)', columns[1])
    WHEN 'check' THEN pg_catalog.format('CHECK (%s)', definition)
    WHEN 'foreign_key' THEN pg_catalog.format('FOREIGN KEY (%s) REFERENCES %s',
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY i)
         FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, i)), definition)
  END;
  IF constraint_sql IS NULL THEN
    RAISE EXCEPTION 'online version %: operation % needs its columns or definition', version, operation
      USING ERRCODE = '22023';
  END IF;
  -- The definition's names are the shard's, as a version's statements' would be.
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s NOT VALID', target_schema, table_name,
                            constraint_name, constraint_sql);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  INSERT INTO shoal.online (schema, version, checksum, operation, table_name, column_name, constraint_name, state,
                            rows_done, rows_total, expanded_at, updated_at)
  VALUES (target_schema, version, checksum, operation, table_name,
          CASE WHEN operation OPERATOR(pg_catalog.=) 'set_not_null' THEN columns[1] END, constraint_name,
          'expanded', 0, 0, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I ADD CONSTRAINT %I %s NOT VALID', table_name, constraint_name,
                                            constraint_sql));
  RETURN 'expanded';
END
$fn$;
COMMENT ON FUNCTION shoal.online_add_constraint(text, text, text, text, text, text, text[], text) IS
  'shoal: expand an online set_not_null, check or foreign_key in one schema (the constraint NOT VALID), in the caller''s transaction; ''expanded'', ''already expanded'' or ''already applied''';

-- The backfill phase of an online constraint, in the caller's transaction.
-- A row that breaks a check stops this schema with the count of such rows;
-- nothing changes (the rows are the application's to fix, or shoal abort).
CREATE FUNCTION shoal.online_validate(target_schema text, version text)
RETURNS TABLE (state text, rows_done bigint, rows_total bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  broken bigint;
  violation text;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_validate.version FOR UPDATE;
  IF NOT FOUND OR o.operation OPERATOR(pg_catalog.=) 'column_type' THEN
    RAISE EXCEPTION 'online version % has no constraint expanded in schema %', version,
      pg_catalog.quote_ident(target_schema) USING ERRCODE = '55000';
  END IF;
  IF o.state OPERATOR(pg_catalog.<>) 'backfilled' THEN
    BEGIN
      EXECUTE pg_catalog.format('ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', o.schema, o.table_name, o.constraint_name);
    EXCEPTION WHEN check_violation THEN
      GET STACKED DIAGNOSTICS violation = MESSAGE_TEXT;
      EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I WHERE NOT (%s)', o.schema, o.table_name,
                                (SELECT pg_catalog.pg_get_expr(k.conbin, k.conrelid) FROM pg_catalog.pg_constraint k
                                  WHERE k.conrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                                    AND k.conname OPERATOR(pg_catalog.=) o.constraint_name))
        INTO broken;
      RAISE EXCEPTION 'online version %: % row(s) of %.% break constraint %', version, broken,
        pg_catalog.quote_ident(o.schema), pg_catalog.quote_ident(o.table_name), pg_catalog.quote_ident(o.constraint_name)
        USING ERRCODE = 'check_violation', DETAIL = violation,
              HINT = 'Fix those rows and rerun shoal apply, or shoal abort the version.';
    END;
    o.state := 'backfilled';
    UPDATE shoal.online x SET state = o.state, updated_at = clock_timestamp()
     WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
    PERFORM shoal.log_event(o.schema, o.version, 'backfilled', o.checksum, o.expanded_at,
                            pg_catalog.format('constraint %I validated', o.constraint_name));
  END IF;
  RETURN QUERY SELECT o.state, o.rows_done, o.rows_total;
END
$fn$;
COMMENT ON FUNCTION shoal.online_validate(text, text) IS
  'shoal: validate an expanded online constraint in one schema (SHARE UPDATE EXCLUSIVE: writes go on), in the caller''s transaction; the state and rows done/total after it';

-- online_contract and online_abort finish every operation through
-- online_finish: a column type's is 1.8's, renamed.
ALTER FUNCTION shoal.online_finish(shoal.online, boolean) RENAME TO online_finish_column;

CREATE FUNCTION shoal.online_finish(o shoal.online, keep boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF o.operation OPERATOR(pg_catalog.=) 'column_type' THEN
    PERFORM shoal.online_finish_column(o, keep);
    RETURN;
  END IF;
  IF keep AND o.operation OPERATOR(pg_catalog.=) 'set_not_null' THEN
    -- The validated check proves it: no scan under the lock.
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET NOT NULL', o.schema, o.table_name, o.column_name);
  END IF;
  IF NOT keep OR o.operation OPERATOR(pg_catalog.=) 'set_not_null' THEN
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT IF EXISTS %I', o.schema, o.table_name, o.constraint_name);
  END IF;
  DELETE FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
END
$fn$;
COMMENT ON FUNCTION shoal.online_finish(shoal.online, boolean) IS
  'shoal (internal): contract (keep) or abort an online version in one schema: a constraint kept or dropped, a column type''s through online_finish_column';

REVOKE ALL ON FUNCTION shoal.online_add_constraint(text, text, text, text, text, text, text[], text),
  shoal.online_validate(text, text), shoal.online_finish(shoal.online, boolean) FROM PUBLIC;

-- online computed columns (issue 21): a new column computed from the row's
-- other columns, kept by a trigger on every write from the expand on, filled
-- for the earlier rows by 1.8's backfill (its cursor in shoal.online), checked
-- at complete and then left to the application (the trigger goes). The
-- expand's shared steps are helpers, which online_expand now uses too.
-- docs/online.md.

ALTER TABLE shoal.online DROP CONSTRAINT online_operation_check;
ALTER TABLE shoal.online ADD CONSTRAINT online_operation_check
  CHECK (operation IN ('column_type', 'set_not_null', 'check', 'foreign_key', 'computed_column'));

-- The schema lock, then why there is nothing to expand: 'already applied',
-- 'already expanded', or NULL when the expand should run.
CREATE FUNCTION shoal.online_expanded_already(target_schema text, version text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  IF EXISTS (SELECT FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) target_schema
                AND a.version OPERATOR(pg_catalog.=) online_expanded_already.version) THEN
    RETURN 'already applied';
  END IF;
  IF EXISTS (SELECT FROM shoal.online o WHERE o.schema OPERATOR(pg_catalog.=) target_schema
                AND o.version OPERATOR(pg_catalog.=) online_expanded_already.version) THEN
    RETURN 'already expanded';
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION shoal.online_expanded_already(text, text) IS
  'shoal (internal): take the schema lock; ''already applied'' or ''already expanded'' when an online version has nothing to expand, else NULL';

-- The table an online version backfills, with its primary key's columns and
-- their types; refused, naming it, when it does not exist or has no key.
CREATE FUNCTION shoal.online_keyed_table(target_schema text, version text, table_name text,
                                         OUT rel oid, OUT keys text[], OUT key_types text[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  rel := (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
           WHERE n.nspname OPERATOR(pg_catalog.=) target_schema AND c.relname OPERATOR(pg_catalog.=) table_name
             AND c.relkind OPERATOR(pg_catalog.=) 'r');
  IF rel IS NULL THEN
    RAISE EXCEPTION 'online version %: table %.% does not exist', version, pg_catalog.quote_ident(target_schema),
      pg_catalog.quote_ident(table_name) USING ERRCODE = '42P01';
  END IF;
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.i), pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY k.i)
    INTO keys, key_types
    FROM pg_catalog.pg_index x
   CROSS JOIN LATERAL pg_catalog.unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, i)
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) rel AND a.attnum OPERATOR(pg_catalog.=) k.attnum
   WHERE x.indrelid OPERATOR(pg_catalog.=) rel AND x.indisprimary;
  IF keys IS NULL THEN
    RAISE EXCEPTION 'online version %: table %.% has no primary key', version, pg_catalog.quote_ident(target_schema),
      pg_catalog.quote_ident(table_name)
      USING ERRCODE = '0A000', DETAIL = 'The backfill walks the table in batches by primary key and stores its cursor as a key.';
  END IF;
END
$fn$;
COMMENT ON FUNCTION shoal.online_keyed_table(text, text, text) IS
  'shoal (internal): an online version''s table, its primary key''s columns and their types; an error naming it when it has none';

-- The sync trigger: its function in the shard (search_path pinned to it, so
-- the user's expressions mean what the version's statements would), BEFORE
-- INSERT OR UPDATE on every row. body: the function's plpgsql body.
CREATE FUNCTION shoal.online_sync_trigger(target_schema text, table_name text, sync_fn text, body text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  EXECUTE pg_catalog.format('CREATE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SET search_path = %1$I AS %3$L',
                            target_schema, sync_fn, body);
  EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.%I()',
                            sync_fn, target_schema, table_name, target_schema, sync_fn);
END
$fn$;
COMMENT ON FUNCTION shoal.online_sync_trigger(text, text, text, text) IS
  'shoal (internal): create an online version''s sync trigger and its function in the shard';

-- A NOT NULL column's check, NOT VALID: no scan now; validated by the
-- backfill's last batch, so that the contract's SET NOT NULL finds it proven
-- and does not scan under its lock. Returns its name.
CREATE FUNCTION shoal.online_not_null_check(target_schema text, table_name text, column_name text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  name text := pg_catalog.left(column_name, 50) OPERATOR(pg_catalog.||) '_not_null';
BEGIN
  EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID',
                            target_schema, table_name, name, column_name);
  RETURN name;
END
$fn$;
COMMENT ON FUNCTION shoal.online_not_null_check(text, text, text) IS
  'shoal (internal): add an online version''s NOT VALID check that a column is not null; its name';

-- The greatest key now: every row that existed before the trigger is at or
-- below it (the ADD COLUMN's lock waited for every earlier writer), so the
-- backfill ends there however many rows the application inserts meanwhile.
CREATE FUNCTION shoal.online_high_key(target_schema text, table_name text, keys text[], key_types text[]) RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  key_sql text[] := shoal.online_key_sql(keys, key_types, '', '$1');
  high text[];
BEGIN
  EXECUTE pg_catalog.format('SELECT ARRAY[%s] FROM %I.%I ORDER BY %s LIMIT 1',
                            key_sql[3], target_schema, table_name, key_sql[4])
    INTO high;
  RETURN high;
END
$fn$;
COMMENT ON FUNCTION shoal.online_high_key(text, text, text[], text[]) IS
  'shoal (internal): the greatest primary key of a table, as text, where an online version''s backfill ends';

-- "(SELECT (<expr>)::<type> FROM (SELECT <row>.*) AS shoal_row)": a computed
-- column's expression, written over the row's column names, applied to one row.
CREATE FUNCTION shoal.online_row_expr(expr text, type_sql text, row_sql text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT pg_catalog.format('(SELECT (%s)::%s FROM (SELECT %s.*) AS shoal_row)', expr, type_sql, row_sql);
$fn$;
COMMENT ON FUNCTION shoal.online_row_expr(text, text, text) IS
  'shoal (internal): a computed column''s expression applied to one row, as SQL text';

CREATE OR REPLACE FUNCTION shoal.online_expand(target_schema text, version text, checksum text, table_name text,
                                               column_name text, new_type text, up_expr text, down_expr text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  answer text := shoal.online_expanded_already(target_schema, version);
  t record;
  col record;
  high text[];
  new_col text := pg_catalog.left(column_name, 50) OPERATOR(pg_catalog.||) '_shoal_new';
  sync_fn text := pg_catalog.left('shoal_sync_' OPERATOR(pg_catalog.||) table_name OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) column_name, 63);
  not_null text;
  what text;
  up_new text;
  down_new text;
BEGIN
  IF answer IS NOT NULL THEN
    RETURN answer;
  END IF;
  SELECT * INTO t FROM shoal.online_keyed_table(target_schema, version, table_name);
  SELECT a.attnum, a.attnotnull, a.attidentity, a.attgenerated,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql
    INTO col FROM pg_catalog.pg_attribute a
   WHERE a.attrelid OPERATOR(pg_catalog.=) t.rel AND a.attname OPERATOR(pg_catalog.=) column_name
     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version %: column %.% does not exist', version, pg_catalog.quote_ident(table_name),
      pg_catalog.quote_ident(column_name) USING ERRCODE = '42703';
  END IF;
  -- The contract rebuilds the column's plain indexes, its primary key and its
  -- unique constraints on the new column; what it could not rebuild is refused
  -- here, naming it, before anything changed.
  what := coalesce(
    CASE WHEN col.attidentity OPERATOR(pg_catalog.<>) '' THEN 'it is an identity column'
         WHEN col.attgenerated OPERATOR(pg_catalog.<>) '' THEN 'it is a generated column' END,
    -- An expression or a predicate is a node tree: its Vars name the column's
    -- number (0: the whole row).
    (SELECT pg_catalog.format('index %I uses it in an expression or a predicate', i.relname)
       FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid
      WHERE x.indrelid OPERATOR(pg_catalog.=) t.rel
        AND pg_catalog.concat(x.indexprs, x.indpred) OPERATOR(pg_catalog.~) pg_catalog.format(':varattno (%s|0) ', col.attnum)
      ORDER BY i.relname LIMIT 1),
    (SELECT pg_catalog.format('%s constraint %I uses it',
                              CASE k.contype WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' WHEN 'f' THEN 'foreign key'
                                             ELSE 'a' END, k.conname)
       FROM pg_catalog.pg_constraint k
      WHERE k.conrelid OPERATOR(pg_catalog.=) t.rel AND col.attnum OPERATOR(pg_catalog.=) ANY (k.conkey)
        AND k.contype OPERATOR(pg_catalog.<>) ALL (ARRAY['p', 'u']::"char"[])
      ORDER BY k.conname LIMIT 1),
    (SELECT pg_catalog.format('foreign key %I of table %s references it', k.conname, k.conrelid::pg_catalog.regclass)
       FROM pg_catalog.pg_constraint k
      WHERE k.confrelid OPERATOR(pg_catalog.=) t.rel AND col.attnum OPERATOR(pg_catalog.=) ANY (k.confkey)
      ORDER BY k.conname LIMIT 1),
    (SELECT pg_catalog.format('view %s uses it', r.ev_class::pg_catalog.regclass)
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.refobjid OPERATOR(pg_catalog.=) t.rel AND d.refobjsubid OPERATOR(pg_catalog.=) col.attnum
      ORDER BY 1 LIMIT 1));
  IF what IS NOT NULL THEN
    RAISE EXCEPTION 'online version %: column %.% cannot change online yet: %', version,
      pg_catalog.quote_ident(table_name), pg_catalog.quote_ident(column_name), what USING ERRCODE = '0A000';
  END IF;
  -- Both expressions must give the types they are for; checked on a NULL of the
  -- right type, so a mistake fails here and not in the application's writes.
  up_new := shoal.online_apply_expr(up_expr, pg_catalog.format('NULL::%s', col.type_sql), column_name);
  down_new := shoal.online_apply_expr(down_expr, pg_catalog.format('NULL::%s', new_type), column_name);
  -- The user's expressions see the schema, as the version's statements would.
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('SELECT (%s)::%s, (%s)::%s', up_new, new_type, down_new, col.type_sql);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD COLUMN %I %s', target_schema, table_name, new_col, new_type);
  IF col.attnotnull THEN
    not_null := shoal.online_not_null_check(target_schema, table_name, new_col);
  END IF;
  -- Old writers set the old column (new := up(old)); a writer that sets only the
  -- new one gets old := down(new). Rows written since the expand are in step.
  PERFORM shoal.online_sync_trigger(target_schema, table_name, sync_fn, pg_catalog.format($body$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.%1$I IS NULL AND NEW.%2$I IS NOT NULL THEN
          NEW.%1$I := %4$s;
          RETURN NEW;
        END IF;
      ELSIF NEW.%2$I IS DISTINCT FROM OLD.%2$I AND NEW.%1$I IS NOT DISTINCT FROM OLD.%1$I THEN
        NEW.%1$I := %4$s;
        RETURN NEW;
      END IF;
      NEW.%2$I := %3$s;
      RETURN NEW;
    END
    $body$,
    column_name, new_col,
    shoal.online_apply_expr(up_expr, pg_catalog.format('NEW.%I', column_name), column_name),
    shoal.online_apply_expr(down_expr, pg_catalog.format('NEW.%I', new_col), column_name)));
  high := shoal.online_high_key(target_schema, table_name, t.keys, t.key_types);
  INSERT INTO shoal.online (schema, version, checksum, table_name, column_name, new_column, new_type, up_expr,
                            down_expr, sync_function, not_null_check, state, key_columns, high_key, rows_total,
                            expanded_at, updated_at)
  VALUES (target_schema, version, checksum, table_name, column_name, new_col, new_type, up_expr, down_expr,
          sync_fn, not_null, CASE WHEN high IS NULL THEN 'backfilled' ELSE 'expanded' END, t.keys, high,
          CASE WHEN high IS NULL THEN 0 END, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I.%I %s -> %s', table_name, column_name, col.type_sql, new_type));
  RETURN 'expanded';
END
$fn$;

-- The indexes a column type change rebuilds on the new column: each index
-- whose key or INCLUDE list has the column (the expand refused those with it in
-- an expression or a predicate), its name on the new column (<name>_shoal_new,
-- built or not, or an INVALID leftover of a build that was killed), the
-- constraint it backs (primary key, unique) and the CREATE INDEX CONCURRENTLY
-- that builds it: the same index, the new column in the old one's place (its
-- type's default operator class).
CREATE FUNCTION shoal.online_indexes(o shoal.online)
RETURNS TABLE (index_name text, new_index text, constraint_name text, constraint_type "char",
               constraint_deferral text, build_sql text, built boolean, leftover boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  WITH t AS (
    SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', o.schema, o.table_name)) AS rel),
  col AS (
    SELECT a.attnum FROM pg_catalog.pg_attribute a, t
     WHERE a.attrelid OPERATOR(pg_catalog.=) t.rel AND a.attname OPERATOR(pg_catalog.=) o.column_name)
  SELECT i.relname::text, nn.new_index,
         k.conname::text, k.contype,
         CASE WHEN k.condeferred THEN ' DEFERRABLE INITIALLY DEFERRED' WHEN k.condeferrable THEN ' DEFERRABLE' ELSE '' END,
         pg_catalog.format('CREATE %sINDEX CONCURRENTLY %I ON %I.%I USING %I (%s)%s%s%s%s',
           CASE WHEN x.indisunique THEN 'UNIQUE ' END,
           nn.new_index, o.schema, o.table_name, am.amname,
           (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(CASE WHEN u.attnum OPERATOR(pg_catalog.=) col.attnum THEN o.new_column ELSE a.attname END)
                     OPERATOR(pg_catalog.||) CASE WHEN u.coll OPERATOR(pg_catalog.<>) 0 AND u.coll OPERATOR(pg_catalog.<>) a.attcollation
                                                  THEN ' COLLATE ' OPERATOR(pg_catalog.||) u.coll::pg_catalog.regcollation::text ELSE '' END
                     OPERATOR(pg_catalog.||) CASE WHEN u.attnum OPERATOR(pg_catalog.<>) col.attnum AND NOT oc.opcdefault
                                                  THEN ' ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(ocn.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(oc.opcname) ELSE '' END
                     OPERATOR(pg_catalog.||) CASE WHEN u.opt OPERATOR(pg_catalog.&) 1 OPERATOR(pg_catalog.=) 1 THEN ' DESC' ELSE '' END
                     OPERATOR(pg_catalog.||) CASE WHEN u.opt OPERATOR(pg_catalog.&) 3 OPERATOR(pg_catalog.=) 2 THEN ' NULLS FIRST'
                                                  WHEN u.opt OPERATOR(pg_catalog.&) 3 OPERATOR(pg_catalog.=) 1 THEN ' NULLS LAST' ELSE '' END,
                     ', ' ORDER BY u.n)
              FROM ROWS FROM (pg_catalog.unnest(x.indkey::int2[]), pg_catalog.unnest(x.indclass::oid[]),
                             pg_catalog.unnest(x.indcollation::oid[]), pg_catalog.unnest(x.indoption::int2[]))
                   WITH ORDINALITY AS u(attnum, cls, coll, opt, n)
              JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.rel AND a.attnum OPERATOR(pg_catalog.=) u.attnum
              JOIN pg_catalog.pg_opclass oc ON oc.oid OPERATOR(pg_catalog.=) u.cls
              JOIN pg_catalog.pg_namespace ocn ON ocn.oid OPERATOR(pg_catalog.=) oc.opcnamespace
             WHERE u.n OPERATOR(pg_catalog.<=) x.indnkeyatts),
           (SELECT ' INCLUDE (' OPERATOR(pg_catalog.||) pg_catalog.string_agg(pg_catalog.quote_ident(
                     CASE WHEN u.attnum OPERATOR(pg_catalog.=) col.attnum THEN o.new_column ELSE a.attname END), ', ' ORDER BY u.n) OPERATOR(pg_catalog.||) ')'
              FROM pg_catalog.unnest(x.indkey::int2[]) WITH ORDINALITY AS u(attnum, n)
              JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.rel AND a.attnum OPERATOR(pg_catalog.=) u.attnum
             WHERE u.n OPERATOR(pg_catalog.>) x.indnkeyatts),
           CASE WHEN x.indnullsnotdistinct THEN ' NULLS NOT DISTINCT' ELSE '' END,
           ' WITH (' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(i.reloptions, ', ') OPERATOR(pg_catalog.||) ')',
           ' WHERE ' OPERATOR(pg_catalog.||) pg_catalog.pg_get_expr(x.indpred, x.indrelid)),
         coalesce(n.indisvalid, false), n.indexrelid IS NOT NULL AND NOT n.indisvalid
    FROM t CROSS JOIN col
    JOIN pg_catalog.pg_index x ON x.indrelid OPERATOR(pg_catalog.=) t.rel
    JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid
    JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) i.relam
   CROSS JOIN LATERAL (SELECT pg_catalog.left(i.relname, 52) OPERATOR(pg_catalog.||) '_shoal_new' AS new_index) nn
    LEFT JOIN pg_catalog.pg_constraint k ON k.conindid OPERATOR(pg_catalog.=) x.indexrelid
     AND k.conrelid OPERATOR(pg_catalog.=) t.rel AND k.contype OPERATOR(pg_catalog.=) ANY (ARRAY['p', 'u']::"char"[])
    LEFT JOIN pg_catalog.pg_index n ON n.indrelid OPERATOR(pg_catalog.=) t.rel
     AND n.indexrelid OPERATOR(pg_catalog.=) (SELECT c.oid FROM pg_catalog.pg_class c
                                              WHERE c.relnamespace OPERATOR(pg_catalog.=) i.relnamespace
                                                AND c.relname OPERATOR(pg_catalog.=) nn.new_index)
   WHERE col.attnum OPERATOR(pg_catalog.=) ANY (x.indkey::int2[])
   ORDER BY i.relname;
$fn$;
COMMENT ON FUNCTION shoal.online_indexes(shoal.online) IS
  'shoal (internal): the indexes an online column type change rebuilds on the new column, and how far';

-- The statements that build what is missing of an expanded column type
-- change's indexes on its new column, in order: each runs alone, outside a
-- transaction (CONCURRENTLY: the application writes meanwhile); an INVALID
-- leftover of a killed build is dropped first.
CREATE FUNCTION shoal.online_index_builds(target_schema text, version text) RETURNS SETOF text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_index_builds.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  RETURN QUERY
    SELECT s.sql FROM shoal.online_indexes(o) i
     CROSS JOIN LATERAL pg_catalog.unnest(ARRAY[CASE WHEN i.leftover THEN pg_catalog.format(
                          'DROP INDEX CONCURRENTLY IF EXISTS %I.%I', o.schema, i.new_index) END, i.build_sql])
                        WITH ORDINALITY AS s(sql, n)
     WHERE NOT i.built AND s.sql IS NOT NULL
     ORDER BY i.index_name, s.n;
END
$fn$;
COMMENT ON FUNCTION shoal.online_index_builds(text, text) IS
  'shoal: the statements (each alone, outside a transaction) that build an online column type change''s indexes on its new column in one schema';

-- A column type change whose rows are backfilled shows ''indexing'' until
-- every index is built on the new column.
CREATE OR REPLACE VIEW shoal.online_state AS
SELECT o.schema, o.version,
       CASE WHEN o.state OPERATOR(pg_catalog.=) 'backfilled' AND o.operation OPERATOR(pg_catalog.=) 'column_type'
                 AND EXISTS (SELECT FROM shoal.online_indexes(o) i WHERE NOT i.built) THEN 'indexing'
            ELSE o.state END AS state,
       o.table_name, o.column_name, o.new_type, o.rows_done, o.rows_total, o.expanded_at, o.updated_at
  FROM shoal.online o;
COMMENT ON VIEW shoal.online_state IS
  'shoal: online versions expanded and not yet contracted or aborted, per schema: state (expanded, backfilling, indexing, backfilled) and rows done/total';

-- Expand of a computed column, in the caller's transaction (short; lock-timed
-- by the coordinator): the column (nullable, no default: no rewrite), for NOT
-- NULL a check NOT VALID (validated by the backfill's last batch), and the
-- trigger that computes it on every INSERT and UPDATE from now on; the
-- application's own value for it is overwritten until the contract.
CREATE FUNCTION shoal.online_compute(target_schema text, version text, checksum text, table_name text,
                                     column_name text, new_type text, up_expr text, not_null boolean)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  answer text := shoal.online_expanded_already(target_schema, version);
  t record;
  high text[];
  sync_fn text := pg_catalog.left('shoal_sync_' OPERATOR(pg_catalog.||) table_name OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) column_name, 63);
  not_null_check text;
BEGIN
  IF answer IS NOT NULL THEN
    RETURN answer;
  END IF;
  SELECT * INTO t FROM shoal.online_keyed_table(target_schema, version, table_name);
  IF EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) t.rel
                AND a.attname OPERATOR(pg_catalog.=) column_name AND NOT a.attisdropped) THEN
    RAISE EXCEPTION 'online version %: column %.% already exists', version, pg_catalog.quote_ident(table_name),
      pg_catalog.quote_ident(column_name) USING ERRCODE = '42701';
  END IF;
  -- The expression is planned against the table (its names, its type) before
  -- anything changes, with the shard's names as the version's statements see them.
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('SELECT %s FROM %I.%I AS t LIMIT 0', shoal.online_row_expr(up_expr, new_type, 't'),
                            target_schema, table_name);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD COLUMN %I %s', target_schema, table_name, column_name, new_type);
  IF not_null THEN
    not_null_check := shoal.online_not_null_check(target_schema, table_name, column_name);
  END IF;
  PERFORM shoal.online_sync_trigger(target_schema, table_name, sync_fn, pg_catalog.format($body$
    BEGIN
      NEW.%I := %s;
      RETURN NEW;
    END
    $body$, column_name, shoal.online_row_expr(up_expr, new_type, 'NEW')));
  high := shoal.online_high_key(target_schema, table_name, t.keys, t.key_types);
  -- column_name and new_column are both the new column: the backfill rewrites
  -- it (SET column = column) and the trigger computes it.
  INSERT INTO shoal.online (schema, version, checksum, operation, table_name, column_name, new_column, new_type,
                            up_expr, sync_function, not_null_check, state, key_columns, high_key, rows_total,
                            expanded_at, updated_at)
  VALUES (target_schema, version, checksum, 'computed_column', table_name, column_name, column_name, new_type,
          up_expr, sync_fn, not_null_check, CASE WHEN high IS NULL THEN 'backfilled' ELSE 'expanded' END, t.keys,
          high, CASE WHEN high IS NULL THEN 0 END, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I ADD COLUMN %I %s computed as %s', table_name, column_name, new_type,
                                            up_expr));
  RETURN 'expanded';
END
$fn$;
COMMENT ON FUNCTION shoal.online_compute(text, text, text, text, text, text, text, boolean) IS
  'shoal: expand an online computed column in one schema (the column and the trigger computing it), in the caller''s transaction; ''expanded'', ''already expanded'' or ''already applied''';

-- The final check of a computed column compares it with its expression over
-- the row; a column type's, the new column with up(old).
CREATE OR REPLACE FUNCTION shoal.online_mismatches(target_schema text, version text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  result bigint;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_mismatches.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  PERFORM pg_catalog.set_config('search_path', pg_catalog.quote_ident(target_schema), true);
  EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I t WHERE t.%I IS DISTINCT FROM %s',
                            o.schema, o.table_name, o.new_column,
                            CASE WHEN o.operation OPERATOR(pg_catalog.=) 'computed_column'
                                 THEN shoal.online_row_expr(o.up_expr, o.new_type, 't')
                                 ELSE pg_catalog.format('(%s)::%s', shoal.online_apply_expr(o.up_expr,
                                        pg_catalog.format('t.%I', o.column_name), o.column_name), o.new_type) END)
    INTO result;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION shoal.online_mismatches(text, text) IS
  'shoal: rows of an expanded online version''s table whose new column differs from up(old column), or a computed column from its expression';

-- A computed column at the contract: kept, the application maintains it from
-- now on (the trigger goes), NOT NULL when declared (proven by the validated
-- check: no scan); at an abort it goes with its trigger, as a column type's
-- new column.
CREATE OR REPLACE FUNCTION shoal.online_finish(o shoal.online, keep boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  unbuilt text;
  drops text[];
  renames text[];
  constraints text[];
  statement text;
BEGIN
  IF o.operation OPERATOR(pg_catalog.=) 'column_type' AND keep THEN
    -- The old column's indexes and constraints go; the ones built on the new
    -- column take their names (a primary key or unique constraint
    -- USING INDEX: no scan, the new column being NOT NULL by then).
    unbuilt := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(i.index_name), ', ') FROM shoal.online_indexes(o) i
                 WHERE NOT i.built);
    IF unbuilt IS NOT NULL THEN
      RAISE EXCEPTION 'online version %: index % not built on the new column in schema % yet', o.version, unbuilt,
        pg_catalog.quote_ident(o.schema) USING ERRCODE = '55000', HINT = 'shoal apply builds it.';
    END IF;
    SELECT pg_catalog.array_agg(CASE WHEN i.constraint_name IS NULL
                                     THEN pg_catalog.format('DROP INDEX %I.%I', o.schema, i.index_name)
                                     ELSE pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT %I', o.schema, o.table_name,
                                                            i.constraint_name) END),
           pg_catalog.array_agg(pg_catalog.format('ALTER INDEX %I.%I RENAME TO %I', o.schema, i.new_index, i.index_name)),
           pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s USING INDEX %I%s', o.schema,
                                                  o.table_name, i.constraint_name,
                                                  CASE i.constraint_type WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                                                  i.index_name, i.constraint_deferral))
             FILTER (WHERE i.constraint_name IS NOT NULL)
      INTO drops, renames, constraints FROM shoal.online_indexes(o) i;
    -- Dropped before the column, so that only its sequence still depends on it.
    FOREACH statement IN ARRAY coalesce(drops, '{}') LOOP
      EXECUTE statement;
    END LOOP;
  END IF;
  IF o.operation OPERATOR(pg_catalog.=) 'column_type'
     OR (o.operation OPERATOR(pg_catalog.=) 'computed_column' AND NOT keep) THEN
    PERFORM shoal.online_finish_column(o, keep);
    FOREACH statement IN ARRAY coalesce(renames, '{}') OPERATOR(pg_catalog.||) coalesce(constraints, '{}') LOOP
      EXECUTE statement;
    END LOOP;
    RETURN;
  END IF;
  IF o.operation OPERATOR(pg_catalog.=) 'computed_column' THEN
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %I.%I', o.sync_function, o.schema, o.table_name);
    EXECUTE pg_catalog.format('DROP FUNCTION %I.%I()', o.schema, o.sync_function);
    o.constraint_name := o.not_null_check;  -- NULL when nullable: nothing more to do
  END IF;
  IF o.constraint_name IS NOT NULL THEN
    IF keep AND o.operation OPERATOR(pg_catalog.=) ANY (ARRAY['set_not_null', 'computed_column']) THEN
      -- The validated check proves it: no scan under the lock.
      EXECUTE pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET NOT NULL', o.schema, o.table_name, o.column_name);
    END IF;
    IF NOT keep OR o.operation OPERATOR(pg_catalog.=) ANY (ARRAY['set_not_null', 'computed_column']) THEN
      EXECUTE pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT IF EXISTS %I', o.schema, o.table_name, o.constraint_name);
    END IF;
  END IF;
  DELETE FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
END
$fn$;
COMMENT ON FUNCTION shoal.online_finish(shoal.online, boolean) IS
  'shoal (internal): contract (keep) or abort an online version in one schema: a constraint or a computed column kept or dropped, a column type''s through online_finish_column';

REVOKE ALL ON FUNCTION shoal.online_expanded_already(text, text), shoal.online_keyed_table(text, text, text),
  shoal.online_sync_trigger(text, text, text, text), shoal.online_not_null_check(text, text, text),
  shoal.online_high_key(text, text, text[], text[]),
  shoal.online_row_expr(text, text, text), shoal.online_indexes(shoal.online), shoal.online_index_builds(text, text),
  shoal.online_compute(text, text, text, text, text, text, text, boolean) FROM PUBLIC;

-- 1.10: shoal.event.action without a table CHECK. A CHECK is read back from its stored
-- text and planned again at the executor start of every INSERT: the IN list's
-- array constant was 2.7 % of an apply step's server instructions, for its one
-- event row (a domain is no cheaper: every CREATE TABLE with a constraint
-- invalidates a domain's cached checks; a checking function would need EXECUTE
-- granted to every migrating role). The writers keep the vocabulary: the C
-- functions write constants, shoal.log_event refuses any other action.
ALTER TABLE shoal.event DROP CONSTRAINT event_action_check;
CREATE OR REPLACE FUNCTION shoal.log_event(target_schema text, version text, action text, checksum text,
                                           started_at timestamptz, detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF log_event.action IS NULL OR log_event.action NOT IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume',
                                                          'cancel', 'expand', 'backfilled', 'contract', 'abort') THEN
    RAISE EXCEPTION 'not an event action: %', coalesce(log_event.action, 'NULL') USING ERRCODE = '22023';
  END IF;
  INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)
  VALUES (target_schema, log_event.version, log_event.action, log_event.checksum, CURRENT_USER,
          log_event.started_at, clock_timestamp(), log_event.detail);
END
$fn$;

-- Online changes run as the schema's owner (issue 21), as a version's steps do
-- since 1.4: every statement of an online change that touches the shard's
-- objects (the user's up, down and computed expressions, the backfill's
-- UPDATEs that fire the shard's triggers, the constraints' validation, the
-- final check, the DDL of expand, contract and abort) goes through
-- execute_in_step, which runs it as the owner when a superuser changes a shard
-- a lesser role owns (shoal.run_as_owner). Before, they ran as the caller, so a
-- trigger the owner planted on its own table ran with superuser rights. The
-- change's state (shoal.online, the events, the stamp) is still written as the
-- caller.

CREATE FUNCTION shoal.execute_in_step(target_schema text, query text, args text[] DEFAULT '{}') RETURNS text[]
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_execute_in_step';
COMMENT ON FUNCTION shoal.execute_in_step(text, text, text[]) IS
  'shoal (internal): one statement run as a version''s step runs (search_path the schema, as its owner under shoal.run_as_owner), args as text parameters; its first row as text[]';
REVOKE ALL ON FUNCTION shoal.execute_in_step(text, text, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.online_sync_trigger(target_schema text, table_name text, sync_fn text, body text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format(
    'CREATE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SET search_path = %1$I AS %3$L',
    target_schema, sync_fn, body));
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format(
    'CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.%I()',
    sync_fn, target_schema, table_name, target_schema, sync_fn));
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_not_null_check(target_schema text, table_name text, column_name text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  name text := pg_catalog.left(column_name, 50) OPERATOR(pg_catalog.||) '_not_null';
BEGIN
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format(
    'ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID', target_schema, table_name, name, column_name));
  RETURN name;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_high_key(target_schema text, table_name text, keys text[], key_types text[]) RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  key_sql text[] := shoal.online_key_sql(keys, key_types, '', '$1');
BEGIN
  RETURN (shoal.execute_in_step(target_schema, pg_catalog.format('SELECT ARRAY[%s] FROM %I.%I ORDER BY %s LIMIT 1',
                                                                 key_sql[3], target_schema, table_name, key_sql[4])))[1]::text[];
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_expand(target_schema text, version text, checksum text, table_name text,
                                               column_name text, new_type text, up_expr text, down_expr text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  answer text := shoal.online_expanded_already(target_schema, version);
  t record;
  col record;
  high text[];
  new_col text := pg_catalog.left(column_name, 50) OPERATOR(pg_catalog.||) '_shoal_new';
  sync_fn text := pg_catalog.left('shoal_sync_' OPERATOR(pg_catalog.||) table_name OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) column_name, 63);
  not_null text;
  what text;
  up_new text;
  down_new text;
BEGIN
  IF answer IS NOT NULL THEN
    RETURN answer;
  END IF;
  SELECT * INTO t FROM shoal.online_keyed_table(target_schema, version, table_name);
  SELECT a.attnum, a.attnotnull, a.attidentity, a.attgenerated,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql
    INTO col FROM pg_catalog.pg_attribute a
   WHERE a.attrelid OPERATOR(pg_catalog.=) t.rel AND a.attname OPERATOR(pg_catalog.=) column_name
     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version %: column %.% does not exist', version, pg_catalog.quote_ident(table_name),
      pg_catalog.quote_ident(column_name) USING ERRCODE = '42703';
  END IF;
  -- The contract rebuilds the column's plain indexes, its primary key and its
  -- unique constraints on the new column; what it could not rebuild is refused
  -- here, naming it, before anything changed.
  what := coalesce(
    CASE WHEN col.attidentity OPERATOR(pg_catalog.<>) '' THEN 'it is an identity column'
         WHEN col.attgenerated OPERATOR(pg_catalog.<>) '' THEN 'it is a generated column' END,
    -- An expression or a predicate is a node tree: its Vars name the column's
    -- number (0: the whole row).
    (SELECT pg_catalog.format('index %I uses it in an expression or a predicate', i.relname)
       FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid
      WHERE x.indrelid OPERATOR(pg_catalog.=) t.rel
        AND pg_catalog.concat(x.indexprs, x.indpred) OPERATOR(pg_catalog.~) pg_catalog.format(':varattno (%s|0) ', col.attnum)
      ORDER BY i.relname LIMIT 1),
    (SELECT pg_catalog.format('%s constraint %I uses it',
                              CASE k.contype WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' WHEN 'f' THEN 'foreign key'
                                             ELSE 'a' END, k.conname)
       FROM pg_catalog.pg_constraint k
      WHERE k.conrelid OPERATOR(pg_catalog.=) t.rel AND col.attnum OPERATOR(pg_catalog.=) ANY (k.conkey)
        AND k.contype OPERATOR(pg_catalog.<>) ALL (ARRAY['p', 'u']::"char"[])
      ORDER BY k.conname LIMIT 1),
    (SELECT pg_catalog.format('foreign key %I of table %s references it', k.conname, k.conrelid::pg_catalog.regclass)
       FROM pg_catalog.pg_constraint k
      WHERE k.confrelid OPERATOR(pg_catalog.=) t.rel AND col.attnum OPERATOR(pg_catalog.=) ANY (k.confkey)
      ORDER BY k.conname LIMIT 1),
    (SELECT pg_catalog.format('view %s uses it', r.ev_class::pg_catalog.regclass)
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.refobjid OPERATOR(pg_catalog.=) t.rel AND d.refobjsubid OPERATOR(pg_catalog.=) col.attnum
      ORDER BY 1 LIMIT 1));
  IF what IS NOT NULL THEN
    RAISE EXCEPTION 'online version %: column %.% cannot change online yet: %', version,
      pg_catalog.quote_ident(table_name), pg_catalog.quote_ident(column_name), what USING ERRCODE = '0A000';
  END IF;
  -- Both expressions must give the types they are for; checked on a NULL of the
  -- right type, so a mistake fails here and not in the application's writes.
  up_new := shoal.online_apply_expr(up_expr, pg_catalog.format('NULL::%s', col.type_sql), column_name);
  down_new := shoal.online_apply_expr(down_expr, pg_catalog.format('NULL::%s', new_type), column_name);
  PERFORM shoal.execute_in_step(target_schema,
                                pg_catalog.format('SELECT (%s)::%s, (%s)::%s', up_new, new_type, down_new, col.type_sql));
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format('ALTER TABLE %I.%I ADD COLUMN %I %s', target_schema,
                                                                 table_name, new_col, new_type));
  IF col.attnotnull THEN
    not_null := shoal.online_not_null_check(target_schema, table_name, new_col);
  END IF;
  -- Old writers set the old column (new := up(old)); a writer that sets only the
  -- new one gets old := down(new). Rows written since the expand are in step.
  PERFORM shoal.online_sync_trigger(target_schema, table_name, sync_fn, pg_catalog.format($body$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.%1$I IS NULL AND NEW.%2$I IS NOT NULL THEN
          NEW.%1$I := %4$s;
          RETURN NEW;
        END IF;
      ELSIF NEW.%2$I IS DISTINCT FROM OLD.%2$I AND NEW.%1$I IS NOT DISTINCT FROM OLD.%1$I THEN
        NEW.%1$I := %4$s;
        RETURN NEW;
      END IF;
      NEW.%2$I := %3$s;
      RETURN NEW;
    END
    $body$,
    column_name, new_col,
    shoal.online_apply_expr(up_expr, pg_catalog.format('NEW.%I', column_name), column_name),
    shoal.online_apply_expr(down_expr, pg_catalog.format('NEW.%I', new_col), column_name)));
  high := shoal.online_high_key(target_schema, table_name, t.keys, t.key_types);
  INSERT INTO shoal.online (schema, version, checksum, table_name, column_name, new_column, new_type, up_expr,
                            down_expr, sync_function, not_null_check, state, key_columns, high_key, rows_total,
                            expanded_at, updated_at)
  VALUES (target_schema, version, checksum, table_name, column_name, new_col, new_type, up_expr, down_expr,
          sync_fn, not_null, CASE WHEN high IS NULL THEN 'backfilled' ELSE 'expanded' END, t.keys, high,
          CASE WHEN high IS NULL THEN 0 END, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I.%I %s -> %s', table_name, column_name, col.type_sql, new_type));
  RETURN 'expanded';
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_compute(target_schema text, version text, checksum text, table_name text,
                                     column_name text, new_type text, up_expr text, not_null boolean)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  answer text := shoal.online_expanded_already(target_schema, version);
  t record;
  high text[];
  sync_fn text := pg_catalog.left('shoal_sync_' OPERATOR(pg_catalog.||) table_name OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) column_name, 63);
  not_null_check text;
BEGIN
  IF answer IS NOT NULL THEN
    RETURN answer;
  END IF;
  SELECT * INTO t FROM shoal.online_keyed_table(target_schema, version, table_name);
  IF EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) t.rel
                AND a.attname OPERATOR(pg_catalog.=) column_name AND NOT a.attisdropped) THEN
    RAISE EXCEPTION 'online version %: column %.% already exists', version, pg_catalog.quote_ident(table_name),
      pg_catalog.quote_ident(column_name) USING ERRCODE = '42701';
  END IF;
  -- The expression is planned against the table (its names, its type) before
  -- anything changes, with the shard's names as the version's statements see them.
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format('SELECT %s FROM %I.%I AS t LIMIT 0',
                                shoal.online_row_expr(up_expr, new_type, 't'), target_schema, table_name));
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format('ALTER TABLE %I.%I ADD COLUMN %I %s', target_schema,
                                                                 table_name, column_name, new_type));
  IF not_null THEN
    not_null_check := shoal.online_not_null_check(target_schema, table_name, column_name);
  END IF;
  PERFORM shoal.online_sync_trigger(target_schema, table_name, sync_fn, pg_catalog.format($body$
    BEGIN
      NEW.%I := %s;
      RETURN NEW;
    END
    $body$, column_name, shoal.online_row_expr(up_expr, new_type, 'NEW')));
  high := shoal.online_high_key(target_schema, table_name, t.keys, t.key_types);
  -- column_name and new_column are both the new column: the backfill rewrites
  -- it (SET column = column) and the trigger computes it.
  INSERT INTO shoal.online (schema, version, checksum, operation, table_name, column_name, new_column, new_type,
                            up_expr, sync_function, not_null_check, state, key_columns, high_key, rows_total,
                            expanded_at, updated_at)
  VALUES (target_schema, version, checksum, 'computed_column', table_name, column_name, column_name, new_type,
          up_expr, sync_fn, not_null_check, CASE WHEN high IS NULL THEN 'backfilled' ELSE 'expanded' END, t.keys,
          high, CASE WHEN high IS NULL THEN 0 END, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I ADD COLUMN %I %s computed as %s', table_name, column_name, new_type,
                                            up_expr));
  RETURN 'expanded';
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_backfill(target_schema text, version text, batch_size integer)
RETURNS TABLE (state text, rows_done bigint, rows_total bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  key_types text[];
  cols text[];
  t_cols text[];
  result text[];
  changed bigint;
  last text[];
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_backfill.version FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  IF o.state OPERATOR(pg_catalog.<>) 'backfilled' THEN
    SELECT pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY u.i) INTO key_types
      FROM pg_catalog.unnest(o.key_columns) WITH ORDINALITY AS u(k, i)
      JOIN pg_catalog.pg_attribute a ON a.attname OPERATOR(pg_catalog.=) u.k
       AND a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass;
    -- The cursors reach execute_in_step as text parameters: $1 the last key,
    -- $2 the greatest, $3 the batch size.
    cols := shoal.online_key_sql(o.key_columns, key_types, '', '($1::text[])');
    t_cols := shoal.online_key_sql(o.key_columns, key_types, 'b.', '($2::text[])');
    IF o.rows_total IS NULL THEN
      o.rows_total := (shoal.execute_in_step(o.schema,
                         pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I WHERE (%s) <= (%s)', o.schema,
                                           o.table_name, cols[1], t_cols[2]),
                         ARRAY[NULL, o.high_key::text]))[1]::bigint;
    END IF;
    result := shoal.execute_in_step(o.schema, pg_catalog.format($q$
      WITH batch AS (
        SELECT %1$s FROM %3$I.%4$I
         WHERE ($1 IS NULL OR (%1$s) > (%2$s)) AND (%1$s) <= (%5$s)
         ORDER BY %1$s LIMIT $3::integer),
      changed AS (
        UPDATE %3$I.%4$I t SET %6$I = t.%6$I FROM batch b WHERE (%7$s) = (%8$s) RETURNING 1)
      SELECT (SELECT pg_catalog.count(*) FROM changed),
             (SELECT ARRAY[%9$s] FROM batch b ORDER BY %10$s LIMIT 1)$q$,
      cols[1], cols[2], o.schema, o.table_name, t_cols[2], o.column_name,
      (shoal.online_key_sql(o.key_columns, key_types, 't.', '$1'))[1], t_cols[1], t_cols[3], t_cols[4]),
      ARRAY[o.last_key::text, o.high_key::text, batch_size::text]);
    changed := result[1]::bigint;
    last := result[2]::text[];
    o.rows_done := o.rows_done OPERATOR(pg_catalog.+) changed;
    o.batches := o.batches OPERATOR(pg_catalog.+) 1;
    o.state := 'backfilling';
    IF last IS NULL THEN
      o.state := 'backfilled';
      IF o.not_null_check IS NOT NULL THEN
        PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', o.schema,
                                                                  o.table_name, o.not_null_check));
      END IF;
      PERFORM shoal.log_event(o.schema, o.version, 'backfilled', o.checksum, o.expanded_at,
                              pg_catalog.format('%s rows in %s batches', o.rows_done, o.batches));
    END IF;
    UPDATE shoal.online x
       SET state = o.state, last_key = coalesce(last, x.last_key), rows_done = o.rows_done,
           rows_total = o.rows_total, batches = o.batches, updated_at = clock_timestamp()
     WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
  END IF;
  RETURN QUERY SELECT o.state, o.rows_done, o.rows_total;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_mismatches(target_schema text, version text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_mismatches.version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'online version % is not expanded in schema %', version, pg_catalog.quote_ident(target_schema)
      USING ERRCODE = '55000';
  END IF;
  RETURN (shoal.execute_in_step(o.schema, pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.%I t WHERE t.%I IS DISTINCT FROM %s',
                            o.schema, o.table_name, o.new_column,
                            CASE WHEN o.operation OPERATOR(pg_catalog.=) 'computed_column'
                                 THEN shoal.online_row_expr(o.up_expr, o.new_type, 't')
                                 ELSE pg_catalog.format('(%s)::%s', shoal.online_apply_expr(o.up_expr,
                                        pg_catalog.format('t.%I', o.column_name), o.column_name), o.new_type) END)))[1]::bigint;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_add_constraint(target_schema text, version text, checksum text, operation text,
                                            table_name text, constraint_name text, columns text[], definition text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  started timestamptz := clock_timestamp();
  constraint_sql text;
BEGIN
  PERFORM shoal.lock_schema(target_schema);
  IF EXISTS (SELECT FROM shoal.applied a WHERE a.schema OPERATOR(pg_catalog.=) target_schema
                AND a.version OPERATOR(pg_catalog.=) online_add_constraint.version) THEN
    RETURN 'already applied';
  END IF;
  IF EXISTS (SELECT FROM shoal.online o WHERE o.schema OPERATOR(pg_catalog.=) target_schema
                AND o.version OPERATOR(pg_catalog.=) online_add_constraint.version) THEN
    RETURN 'already expanded';
  END IF;
  constraint_sql := CASE operation
    WHEN 'set_not_null' THEN pg_catalog.format('CHECK (%I IS NOT NULL)', columns[1])
    WHEN 'check' THEN pg_catalog.format('CHECK (%s)', definition)
    WHEN 'foreign_key' THEN pg_catalog.format('FOREIGN KEY (%s) REFERENCES %s',
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY i)
         FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, i)), definition)
  END;
  IF constraint_sql IS NULL THEN
    RAISE EXCEPTION 'online version %: operation % needs its columns or definition', version, operation
      USING ERRCODE = '22023';
  END IF;
  -- The definition's names are the shard's, as a version's statements' would be.
  PERFORM shoal.execute_in_step(target_schema, pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s NOT VALID',
                                                                 target_schema, table_name, constraint_name, constraint_sql));
  INSERT INTO shoal.online (schema, version, checksum, operation, table_name, column_name, constraint_name, state,
                            rows_done, rows_total, expanded_at, updated_at)
  VALUES (target_schema, version, checksum, operation, table_name,
          CASE WHEN operation OPERATOR(pg_catalog.=) 'set_not_null' THEN columns[1] END, constraint_name,
          'expanded', 0, 0, started, clock_timestamp());
  PERFORM shoal.log_event(target_schema, version, 'expand', checksum, started,
                          pg_catalog.format('%I ADD CONSTRAINT %I %s NOT VALID', table_name, constraint_name,
                                            constraint_sql));
  RETURN 'expanded';
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_validate(target_schema text, version text)
RETURNS TABLE (state text, rows_done bigint, rows_total bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  o shoal.online;
  broken bigint;
  violation text;
BEGIN
  SELECT * INTO o FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) target_schema
     AND x.version OPERATOR(pg_catalog.=) online_validate.version FOR UPDATE;
  IF NOT FOUND OR o.operation OPERATOR(pg_catalog.=) 'column_type' THEN
    RAISE EXCEPTION 'online version % has no constraint expanded in schema %', version,
      pg_catalog.quote_ident(target_schema) USING ERRCODE = '55000';
  END IF;
  IF o.state OPERATOR(pg_catalog.<>) 'backfilled' THEN
    BEGIN
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', o.schema, o.table_name, o.constraint_name));
    EXCEPTION WHEN check_violation THEN
      GET STACKED DIAGNOSTICS violation = MESSAGE_TEXT;
      broken := (shoal.execute_in_step(o.schema, pg_catalog.format(
                   'SELECT pg_catalog.count(*) FROM %I.%I WHERE NOT (%s)', o.schema, o.table_name,
                   (SELECT pg_catalog.pg_get_expr(k.conbin, k.conrelid) FROM pg_catalog.pg_constraint k
                     WHERE k.conrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                       AND k.conname OPERATOR(pg_catalog.=) o.constraint_name))))[1]::bigint;
      RAISE EXCEPTION 'online version %: % row(s) of %.% break constraint %', version, broken,
        pg_catalog.quote_ident(o.schema), pg_catalog.quote_ident(o.table_name), pg_catalog.quote_ident(o.constraint_name)
        USING ERRCODE = 'check_violation', DETAIL = violation,
              HINT = 'Fix those rows and rerun shoal apply, or shoal abort the version.';
    END;
    o.state := 'backfilled';
    UPDATE shoal.online x SET state = o.state, updated_at = clock_timestamp()
     WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
    PERFORM shoal.log_event(o.schema, o.version, 'backfilled', o.checksum, o.expanded_at,
                            pg_catalog.format('constraint %I validated', o.constraint_name));
  END IF;
  RETURN QUERY SELECT o.state, o.rows_done, o.rows_total;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_finish(o shoal.online, keep boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  unbuilt text;
  drops text[];
  renames text[];
  constraints text[];
  statement text;
BEGIN
  IF o.operation OPERATOR(pg_catalog.=) 'column_type' AND keep THEN
    -- The old column's indexes and constraints go; the ones built on the new
    -- column take their names (a primary key or unique constraint
    -- USING INDEX: no scan, the new column being NOT NULL by then).
    unbuilt := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(i.index_name), ', ') FROM shoal.online_indexes(o) i
                 WHERE NOT i.built);
    IF unbuilt IS NOT NULL THEN
      RAISE EXCEPTION 'online version %: index % not built on the new column in schema % yet', o.version, unbuilt,
        pg_catalog.quote_ident(o.schema) USING ERRCODE = '55000', HINT = 'shoal apply builds it.';
    END IF;
    SELECT pg_catalog.array_agg(CASE WHEN i.constraint_name IS NULL
                                     THEN pg_catalog.format('DROP INDEX %I.%I', o.schema, i.index_name)
                                     ELSE pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT %I', o.schema, o.table_name,
                                                            i.constraint_name) END),
           pg_catalog.array_agg(pg_catalog.format('ALTER INDEX %I.%I RENAME TO %I', o.schema, i.new_index, i.index_name)),
           pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s USING INDEX %I%s', o.schema,
                                                  o.table_name, i.constraint_name,
                                                  CASE i.constraint_type WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                                                  i.index_name, i.constraint_deferral))
             FILTER (WHERE i.constraint_name IS NOT NULL)
      INTO drops, renames, constraints FROM shoal.online_indexes(o) i;
    -- Dropped before the column, so that only its sequence still depends on it.
    FOREACH statement IN ARRAY coalesce(drops, '{}') LOOP
      PERFORM shoal.execute_in_step(o.schema, statement);
    END LOOP;
  END IF;
  IF o.operation OPERATOR(pg_catalog.=) 'column_type'
     OR (o.operation OPERATOR(pg_catalog.=) 'computed_column' AND NOT keep) THEN
    PERFORM shoal.online_finish_column(o, keep);
    FOREACH statement IN ARRAY coalesce(renames, '{}') OPERATOR(pg_catalog.||) coalesce(constraints, '{}') LOOP
      PERFORM shoal.execute_in_step(o.schema, statement);
    END LOOP;
    RETURN;
  END IF;
  IF o.operation OPERATOR(pg_catalog.=) 'computed_column' THEN
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('DROP TRIGGER %I ON %I.%I', o.sync_function, o.schema, o.table_name));
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('DROP FUNCTION %I.%I()', o.schema, o.sync_function));
    o.constraint_name := o.not_null_check;  -- NULL when nullable: nothing more to do
  END IF;
  IF o.constraint_name IS NOT NULL THEN
    IF keep AND o.operation OPERATOR(pg_catalog.=) ANY (ARRAY['set_not_null', 'computed_column']) THEN
      -- The validated check proves it: no scan under the lock.
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET NOT NULL', o.schema, o.table_name, o.column_name));
    END IF;
    IF NOT keep OR o.operation OPERATOR(pg_catalog.=) ANY (ARRAY['set_not_null', 'computed_column']) THEN
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT IF EXISTS %I', o.schema, o.table_name, o.constraint_name));
    END IF;
  END IF;
  DELETE FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
END
$fn$;

CREATE OR REPLACE FUNCTION shoal.online_finish_column(o shoal.online, keep_new_column boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  seq record;
  default_sql text;
BEGIN
  PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('DROP TRIGGER %I ON %I.%I', o.sync_function, o.schema, o.table_name));
  PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('DROP FUNCTION %I.%I()', o.schema, o.sync_function));
  IF keep_new_column THEN
    default_sql := (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid
                       AND a.attnum OPERATOR(pg_catalog.=) d.adnum
                     WHERE d.adrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                       AND a.attname OPERATOR(pg_catalog.=) o.column_name);
    -- A serial's sequence belongs to the old column and would go with it.
    FOR seq IN SELECT d.objid::pg_catalog.regclass AS name FROM pg_catalog.pg_depend d
                 JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid
                  AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid
                WHERE d.refobjid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', o.schema, o.table_name)::pg_catalog.regclass
                  AND a.attname OPERATOR(pg_catalog.=) o.column_name AND d.deptype OPERATOR(pg_catalog.=) 'a'
                  AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass LOOP
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER SEQUENCE %s OWNED BY %I.%I.%I', seq.name, o.schema, o.table_name, o.new_column));
    END LOOP;
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I DROP COLUMN %I', o.schema, o.table_name, o.column_name));
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I RENAME COLUMN %I TO %I', o.schema, o.table_name, o.new_column, o.column_name));
    IF default_sql IS NOT NULL THEN
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT %s', o.schema, o.table_name, o.column_name, default_sql));
    END IF;
    IF o.not_null_check IS NOT NULL THEN
      -- The validated check proves it: no scan under the lock.
      PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I ALTER COLUMN %I SET NOT NULL', o.schema, o.table_name, o.column_name));
    END IF;
  ELSE
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I DROP COLUMN %I', o.schema, o.table_name, o.new_column));
  END IF;
  IF o.not_null_check IS NOT NULL THEN
    PERFORM shoal.execute_in_step(o.schema, pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT IF EXISTS %I', o.schema, o.table_name, o.not_null_check));
  END IF;
  DELETE FROM shoal.online x WHERE x.schema OPERATOR(pg_catalog.=) o.schema AND x.version OPERATOR(pg_catalog.=) o.version;
END
$fn$;

-- shoal.schema_objects (verify, generate) removed the text "<schema>." from a
-- row's name and definition wherever it appeared: a table named like its own
-- schema lost its name from its columns' rows, a name ending with the schema's
-- name lost that end (data_sh0000.id became data_id), so such a shard looked
-- drifted and generate failed with a misleading "column missing". Now names
-- are left as the catalogs give them, and in definitions the qualifier goes
-- only where it begins a name.

-- sql_text without the qualifier ("<quoted schema>.") where it qualifies a
-- name: not where it ends another name or a quoted one ('data_sh0000.'), nor
-- where it follows one ("sh0000.sh0000.": the second is a table's). Each
-- occurrence becomes a marker; a marker after a name's character is put back.
CREATE FUNCTION shoal.unqualified(sql_text text, qualifier text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT pg_catalog.replace(
           pg_catalog.regexp_replace(pg_catalog.replace(sql_text, qualifier, E'\x01'),
                                     E'([[:alnum:]_$."\x01\u0080-\U0010ffff])\x01',
                                     E'\\1' OPERATOR(pg_catalog.||) pg_catalog.replace(qualifier, E'\\', E'\\\\'), 'g'),
           E'\x01', '');
$fn$;
COMMENT ON FUNCTION shoal.unqualified(text, text) IS
  'shoal (internal): a definition without its schema''s qualifier where that qualifies a name';
REVOKE ALL ON FUNCTION shoal.unqualified(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.schema_objects(schemas text[])
RETURNS TABLE (schema text, kind text, name text, definition text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  WITH ns AS (
    SELECT n.oid, n.nspname::text AS schema,
           pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.') AS qualifier
      FROM pg_catalog.pg_namespace n
     WHERE CASE WHEN schemas IS NULL
                THEN n.nspname::text OPERATOR(pg_catalog.!~) '^pg_'
                     AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'
                ELSE n.nspname::text IN (SELECT pg_catalog.unnest(schemas)) END
  ), rel AS (
    SELECT ns.schema, ns.qualifier, c.*
      FROM ns JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) ns.oid
  ), object AS (
    -- One marker row per schema, so that an empty schema is listed too.
    SELECT ns.schema, 'schema' AS kind, '' AS name, '' AS definition, '' AS qualifier FROM ns
    UNION ALL
    SELECT r.schema,
           CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'table' END,
           pg_catalog.quote_ident(r.relname),
           pg_catalog.concat_ws(' ',
             CASE WHEN r.relpersistence OPERATOR(pg_catalog.=) 'u' THEN 'unlogged' END,
             CASE WHEN r.relkind OPERATOR(pg_catalog.=) 'p'
                  THEN pg_catalog.concat('partition by ', pg_catalog.pg_get_partkeydef(r.oid)) END,
             CASE WHEN r.relispartition
                  THEN pg_catalog.concat('partition of ',
                         (SELECT pg_catalog.string_agg(i.inhparent::pg_catalog.regclass::text, ', ')
                            FROM pg_catalog.pg_inherits i WHERE i.inhrelid OPERATOR(pg_catalog.=) r.oid),
                         ' ', pg_catalog.pg_get_expr(r.relpartbound, r.oid)) END,
             CASE WHEN r.relrowsecurity THEN 'row level security' END,
             CASE WHEN r.relforcerowsecurity THEN 'forced' END,
             CASE WHEN r.reloptions IS NOT NULL
                  THEN pg_catalog.concat('with (', pg_catalog.array_to_string(r.reloptions, ', '), ')') END,
             CASE WHEN r.relkind IN ('v', 'm') THEN pg_catalog.concat('as ', pg_catalog.pg_get_viewdef(r.oid)) END,
             (SELECT pg_catalog.concat('as ', pg_catalog.format_type(s.seqtypid, NULL),
                       ' increment ', s.seqincrement, ' minvalue ', s.seqmin, ' maxvalue ', s.seqmax,
                       ' start ', s.seqstart, ' cache ', s.seqcache,
                       CASE WHEN s.seqcycle THEN ' cycle' END)
                FROM pg_catalog.pg_sequence s WHERE s.seqrelid OPERATOR(pg_catalog.=) r.oid)),
           r.qualifier
      FROM rel r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
    UNION ALL
    SELECT r.schema, 'column',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(a.attname)),
           pg_catalog.concat_ws(' ', 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
             CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation
                  THEN pg_catalog.concat('collate ', pg_catalog.quote_ident(co.collname)) END,
             CASE WHEN a.attnotnull THEN 'not null' END,
             CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) 's'
                  THEN pg_catalog.concat('generated always as (', pg_catalog.pg_get_expr(d.adbin, d.adrelid), ') stored')
                  WHEN d.adbin IS NOT NULL THEN pg_catalog.concat('default ', pg_catalog.pg_get_expr(d.adbin, d.adrelid)) END,
             CASE a.attidentity WHEN 'a' THEN 'generated always as identity'
                                WHEN 'd' THEN 'generated by default as identity' END),
           r.qualifier
      FROM rel r
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
      JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
      LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid
       AND d.adnum OPERATOR(pg_catalog.=) a.attnum
     WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
    SELECT r.schema, 'constraint',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(k.conname)),
           pg_catalog.pg_get_constraintdef(k.oid), r.qualifier
      FROM rel r JOIN pg_catalog.pg_constraint k ON k.conrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT r.schema, 'index', pg_catalog.quote_ident(r.relname),
           pg_catalog.concat(pg_catalog.pg_get_indexdef(r.oid), CASE WHEN NOT i.indisvalid THEN ' INVALID' END),
           r.qualifier
      FROM rel r JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT r.schema, 'trigger',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(g.tgname)),
           pg_catalog.pg_get_triggerdef(g.oid), r.qualifier
      FROM rel r JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) r.oid AND NOT g.tgisinternal
    UNION ALL
    SELECT r.schema, 'policy',
           pg_catalog.concat(pg_catalog.quote_ident(r.relname), '.', pg_catalog.quote_ident(p.polname)),
           pg_catalog.concat_ws(' ', CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
             'for', CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                                  WHEN 'd' THEN 'delete' ELSE 'all' END,
             'to', (SELECT pg_catalog.string_agg(CASE WHEN role_oid OPERATOR(pg_catalog.=) 0 THEN 'public'
                                                      ELSE role_oid::pg_catalog.regrole::text END, ', '
                                                 ORDER BY role_oid::pg_catalog.regrole::text)
                      FROM pg_catalog.unnest(p.polroles) AS role_oid),
             CASE WHEN p.polqual IS NOT NULL
                  THEN pg_catalog.concat('using (', pg_catalog.pg_get_expr(p.polqual, p.polrelid), ')') END,
             CASE WHEN p.polwithcheck IS NOT NULL
                  THEN pg_catalog.concat('with check (', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ')') END),
           r.qualifier
      FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) r.oid
    UNION ALL
    SELECT ns.schema, 'type', pg_catalog.quote_ident(t.typname),
           CASE WHEN t.typtype OPERATOR(pg_catalog.=) 'e'
                THEN pg_catalog.concat('enum (', (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', '
                                                                                ORDER BY e.enumsortorder)
                                                    FROM pg_catalog.pg_enum e
                                                   WHERE e.enumtypid OPERATOR(pg_catalog.=) t.oid), ')')
                ELSE pg_catalog.concat_ws(' ', 'domain', pg_catalog.format_type(t.typbasetype, t.typtypmod),
                       CASE WHEN t.typnotnull THEN 'not null' END,
                       CASE WHEN t.typdefault IS NOT NULL THEN pg_catalog.concat('default ', t.typdefault) END,
                       (SELECT pg_catalog.string_agg(pg_catalog.concat('constraint ', pg_catalog.quote_ident(k.conname),
                                                       ' ', pg_catalog.pg_get_constraintdef(k.oid)), ' '
                                                     ORDER BY k.conname COLLATE "C")
                          FROM pg_catalog.pg_constraint k WHERE k.contypid OPERATOR(pg_catalog.=) t.oid)) END,
           ns.qualifier
      FROM ns JOIN pg_catalog.pg_type t ON t.typnamespace OPERATOR(pg_catalog.=) ns.oid AND t.typtype IN ('e', 'd')
    UNION ALL
    SELECT ns.schema, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
           pg_catalog.concat(pg_catalog.quote_ident(p.proname), '(',
                             shoal.unqualified(pg_catalog.pg_get_function_identity_arguments(p.oid), ns.qualifier), ')'),
           pg_catalog.concat_ws(' ', 'returns', pg_catalog.pg_get_function_result(p.oid), 'language', l.lanname,
             CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' END,
             CASE WHEN p.proisstrict THEN 'strict' END,
             CASE WHEN p.prosecdef THEN 'security definer' END,
             -- The schema in its own search_path setting (pg-mig's SET search_path FROM CURRENT) is normalized too.
             (SELECT pg_catalog.string_agg(pg_catalog.concat('set ',
                       CASE WHEN pg_catalog.starts_with(setting, 'search_path=')
                            THEN (SELECT pg_catalog.concat('search_path=', pg_catalog.string_agg(
                                           CASE WHEN item OPERATOR(pg_catalog.=) ANY (ARRAY[ns.schema, pg_catalog.quote_ident(ns.schema)])
                                                THEN '$schema' ELSE item END, ', ' ORDER BY position))
                                    FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(setting, 13), ', '))
                                         WITH ORDINALITY AS path(item, position))
                            ELSE setting END), ' ' ORDER BY setting_position)
                FROM pg_catalog.unnest(p.proconfig) WITH ORDINALITY AS config(setting, setting_position)),
             'as', p.prosrc),
           ns.qualifier
      FROM ns
      JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) ns.oid
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE NOT (p.pronargs OPERATOR(pg_catalog.=) 0
                AND (p.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const'
                     OR p.proname OPERATOR(pg_catalog.~) '^mig_.*_const$'))
  )
  -- Names are the catalogs' own, never qualified (a function's argument types
  -- are, above); the definitions are pg_get_*def's, which qualify the schema's
  -- objects.
  SELECT o.schema, o.kind, o.name, shoal.unqualified(o.definition, o.qualifier)
    FROM object o
$fn$;
