-- shoal 1.3 -> 1.4: exactly once, on every path (issue 14). What changed and why
-- is in docs/architecture.md, "Extension 1.4"; this script holds the SQL side.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.4'" to load this file. \quit

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

-- Only candidate schemas count ----------------------------------------------------
--
-- Any login role may create pg_temp.mig_versions_const() (the default TEMP
-- privilege), and 1.3 read every schema's stamp, so one such function made
-- stamps() and applied fail with SH006 for the whole node. pg_* schemas
-- (pg_temp_N, pg_toast*) and information_schema are never candidates, and a
-- schema whose stamp cannot be read fails alone: stamps() names it in its new
-- last column, problem, and applied leaves it out.

CREATE FUNCTION shoal.stamp_problem(target_schema text, version_list_source text, extra_source text) RETURNS text
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_stamp_problem';
COMMENT ON FUNCTION shoal.stamp_problem(text, text, text) IS
  'shoal (internal): why a schema''s stamp (the sources of its two functions) cannot be read, as SH006 says it; NULL when it can';
REVOKE ALL ON FUNCTION shoal.stamp_problem(text, text, text) FROM PUBLIC;

-- One row per (schema, applied version) of every readable stamp of a candidate
-- schema, in the stamp's order.
CREATE OR REPLACE FUNCTION shoal.stamp_rows(only_schema text DEFAULT NULL)
RETURNS TABLE (schema text, ordinal integer, version text, checksum text, applied_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH source AS MATERIALIZED (
    SELECT n.nspname::text AS schema,
           max(p.prosrc) FILTER (WHERE p.proname = 'mig_versions_const') AS version_list,
           max(p.prosrc) FILTER (WHERE p.proname = 'shoal_stamp_const') AS extra
      FROM pg_namespace n
      JOIN pg_proc p ON p.pronamespace = n.oid
     WHERE p.proname IN ('mig_versions_const', 'shoal_stamp_const') AND p.pronargs = 0
       AND n.nspname::text !~ '^pg_' AND n.nspname <> 'information_schema'
       AND (only_schema IS NULL OR n.nspname = only_schema)
     GROUP BY n.nspname
  ), stamp AS MATERIALIZED (
    SELECT s.schema,
           shoal.const_value(s.schema, 'mig_versions_const', s.version_list)::jsonb AS versions,
           CASE WHEN s.extra IS NOT NULL
                THEN shoal.const_value(s.schema, 'shoal_stamp_const', s.extra)::jsonb END AS extra
      FROM source s
     WHERE s.version_list IS NOT NULL AND shoal.stamp_problem(s.schema, s.version_list, s.extra) IS NULL
  )
  SELECT s.schema, v.ordinal::integer, v.version,
         coalesce(s.extra -> v.version ->> 'checksum', ''),
         (s.extra -> v.version ->> 'applied_at')::timestamptz
    FROM stamp s
   CROSS JOIN LATERAL jsonb_array_elements_text(s.versions) WITH ORDINALITY AS v(version, ordinal);
END
$fn$;
COMMENT ON FUNCTION shoal.stamp_rows(text) IS
  'shoal (internal): applied versions of every candidate schema with a readable stamp (or of one), read from the stamps';

COMMENT ON VIEW shoal.applied IS
  'shoal: schema, version, checksum ('''' when unknown) and applied_at of every applied version in the database; a schema whose stamp cannot be read is left out (shoal.stamps() names it)';

-- A new last column: the signature changes, so the function is replaced.
DROP FUNCTION shoal.stamps();
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
REVOKE ALL ON FUNCTION shoal.stamps() FROM PUBLIC;

-- The run lock covers every connection of a run -----------------------------------
--
-- Up to 1.3 only the control connection held the run lock, so terminating it (as
-- the lock error's hint advised for a stuck holder) let a second run start while
-- the first run's worker connections were still migrating. Now every connection
-- of a run is a *member*: it holds the member key (1936224097 = 'shoa', 1) as a
-- shared session advisory lock. lock_run() makes its session a member, and starts
-- a run only when it can take the member key exclusively, that is when no member
-- of any run is alive (exclusive, then shared, then the exclusive released: one
-- backend's locks never conflict with each other). join_run(holder) makes a worker
-- connection a member of the run whose control session holds the lock now.
-- Session locks are not transactional: every refusal releases what it took first.

CREATE OR REPLACE VIEW shoal.run_lock AS
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
REVOKE ALL ON FUNCTION shoal.is_run_member() FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.lock_run(holder text, digest text) RETURNS void
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
REVOKE ALL ON FUNCTION shoal.join_run(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION shoal.unlock_run() RETURNS boolean
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
