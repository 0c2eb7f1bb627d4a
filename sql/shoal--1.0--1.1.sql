-- shoal 1.0 -> 1.1: steering a run from psql.
--
-- An operator pauses, resumes or cancels the coordinator's run on a node; the
-- coordinator reads shoal.control_state() between schema transactions (paused:
-- start nothing new until resumed; cancelled: start nothing new and end the run).
-- The state is one row in shoal.control, each change an event in shoal.event.
-- A pause outlives runs (pause before a deploy to hold it); a cancel is meant for
-- the run in progress, so the next shoal.lock_run() clears it.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.1'" to load this file. \quit

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

ALTER TABLE shoal.event
  DROP CONSTRAINT event_action_check,
  ADD CONSTRAINT event_action_check
    CHECK (action IN ('apply', 'undo', 'mark', 'forget', 'fail', 'pause', 'resume', 'cancel'));

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

CREATE FUNCTION shoal.resume(reason text DEFAULT NULL) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.steer('{paused,cancelled}', 'running', 'resume', reason);
$fn$;
COMMENT ON FUNCTION shoal.resume(text) IS
  'shoal: end a pause (or a cancel); returns the state';

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

-- 1.0's lock_run, plus: a new run clears the cancel meant for the previous one.
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
      SELECT * INTO other FROM shoal.run_lock;
      RAISE EXCEPTION 'shoal run lock is held by %', coalesce(other.holder, 'an unknown holder')
        USING ERRCODE = '55P03',
              DETAIL = format('holder %s, pid %s, client address %s, since %s',
                              coalesce(other.holder, '(unknown)'), coalesce(other.pid::text, '(gone)'),
                              coalesce(host(other.client_addr), 'local'), coalesce(other.since::text, '(unknown)')),
              HINT = 'Wait for that run to end. If its session is stuck, end it with pg_terminate_backend(pid); the lock goes with it.';
    END IF;
    PERFORM shoal.steer('{cancelled}', 'running', 'resume', format('run lock taken by %s', holder));
  END IF;
  -- Rows of holders that died are stale: only the live holder's row is kept.
  DELETE FROM shoal.run;
  INSERT INTO shoal.run (pid, holder, client_addr, since, digest)
  VALUES (pg_backend_pid(), lock_run.holder, inet_client_addr(), clock_timestamp(), lock_run.digest);
END
$fn$;

REVOKE ALL ON FUNCTION shoal.steer(text[], text, text, text), shoal.pause(text), shoal.resume(text),
  shoal.cancel(text), shoal.control_state() FROM PUBLIC;
REVOKE ALL ON TABLE shoal.control FROM PUBLIC;

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
  EXECUTE format('CREATE OR REPLACE FUNCTION public.mig_rerun_fingerprint_const() RETURNS text '
                 'LANGUAGE sql SET search_path FROM CURRENT AS %L', shoal.const_source(fingerprint));
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

REVOKE ALL ON FUNCTION shoal.set_rerun_fingerprint(text), shoal.rerun_fingerprint() FROM PUBLIC;

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

REVOKE ALL ON FUNCTION shoal.schema_objects(text[]), shoal.schema_fingerprints(text[]) FROM PUBLIC;
