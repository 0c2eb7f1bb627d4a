-- shoal 1.9 -> 1.10. What changed and why is in docs/architecture.md, "Extension 1.10".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.10'" to load this file. \quit

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

-- shoal.event.action without a table CHECK. A CHECK is read back from its stored
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
