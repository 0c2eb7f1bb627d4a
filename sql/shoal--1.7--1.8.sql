-- shoal 1.7 -> 1.8. What changed and why is in docs/architecture.md, "Extension 1.8".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.8'" to load this file. \quit

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

-- mig_mark and mig_forget say in their event which run command wrote it.
CREATE OR REPLACE FUNCTION shoal.mig_mark(schema text, version text, checksum text) RETURNS text
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
CREATE OR REPLACE FUNCTION shoal.mig_forget(schema text, version text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT shoal.remove_version(schema, version, NULL, 'forget', shoal.run_command());
$fn$;

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
    -- NOT VALID: no scan now; validated by the backfill's last batch, so that the
    -- contract's SET NOT NULL finds it proven and does not scan under its lock.
    not_null := pg_catalog.left(new_col, 50) OPERATOR(pg_catalog.||) '_not_null';
    EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID',
                              target_schema, table_name, not_null, new_col);
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
