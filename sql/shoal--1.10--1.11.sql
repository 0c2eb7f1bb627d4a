-- shoal 1.10 -> 1.11. What changed and why is in docs/architecture.md, "Extension 1.11".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.11'" to load this file. \quit

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
