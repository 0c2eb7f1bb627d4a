-- shoal 1.8 -> 1.9. What changed and why is in docs/architecture.md, "Extension 1.9".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.9'" to load this file. \quit

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
