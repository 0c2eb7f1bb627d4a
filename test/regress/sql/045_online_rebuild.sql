-- Extension 1.10, in one schema without the coordinator: a computed column
-- (expand, backfill through 1.8's batches, the final check, contract; abort;
-- an expression that fails on a row; hostile names), and a column type change
-- of a column under the primary key, a unique constraint and indexes (each
-- rebuilt on the new column from the catalog; what the contract could not
-- rebuild refused by name). The CONCURRENTLY builds run here as the
-- coordinator runs them: each alone, outside a transaction.
CREATE SCHEMA "t045 Shard";
CREATE TABLE "t045 Shard"."Odd Items" ("Item ID" int PRIMARY KEY, "Unit Price" int NOT NULL, "QTY" int NOT NULL);
INSERT INTO "t045 Shard"."Odd Items" SELECT g, 10 * g, g % 5 FROM generate_series(1, 12) g;
-- Refused before anything changes: an unknown column, an existing one, no key.
SELECT error_of($$SELECT shoal.online_compute('t045 Shard', '045.a.t045', 'c', 'Odd Items', 'x', 'int', 'nope + 1', false)$$)
  AS unknown_column;
SELECT error_of($$SELECT shoal.online_compute('t045 Shard', '045.a.t045', 'c', 'Odd Items', 'QTY', 'int', '1', false)$$)
  AS exists_already;
CREATE TABLE "t045 Shard".keyless (a int);
SELECT error_of($$SELECT shoal.online_compute('t045 Shard', '045.a.t045', 'c', 'keyless', 'x', 'int', 'a', false)$$)
  AS no_key;
SELECT count(*) AS nothing_expanded FROM shoal.online;
SELECT shoal.online_compute('t045 Shard', '045.a.t045', 'c', 'Odd Items', 'Per "Unit"', 'numeric(12,2)',
                            '"Unit Price"::numeric / "QTY"', true);
SELECT shoal.online_compute('t045 Shard', '045.a.t045', 'c', 'Odd Items', 'Per "Unit"', 'numeric(12,2)',
                            '"Unit Price"::numeric / "QTY"', true) AS rerun;
-- Written from now on through the trigger, whatever the writer puts there.
INSERT INTO "t045 Shard"."Odd Items" VALUES (100, 7, 2, 99);
SELECT "Per ""Unit""" FROM "t045 Shard"."Odd Items" WHERE "Item ID" = 100;
-- A row the expression fails on fails its batch; nothing moves.
SELECT error_of($$SELECT shoal.online_backfill('t045 Shard', '045.a.t045', 5)$$) AS divides_by_zero;
SELECT state, rows_done FROM shoal.online_state;
UPDATE "t045 Shard"."Odd Items" SET "QTY" = 1 WHERE "QTY" = 0;
SELECT * FROM shoal.online_backfill('t045 Shard', '045.a.t045', 5);
SELECT * FROM shoal.online_backfill('t045 Shard', '045.a.t045', 5);
SELECT * FROM shoal.online_backfill('t045 Shard', '045.a.t045', 5);
SELECT * FROM shoal.online_backfill('t045 Shard', '045.a.t045', 5);
SELECT shoal.online_mismatches('t045 Shard', '045.a.t045') AS out_of_step;
SET session_replication_role = replica;
UPDATE "t045 Shard"."Odd Items" SET "Per ""Unit""" = 0 WHERE "Item ID" = 5;
RESET session_replication_role;
SELECT shoal.online_mismatches('t045 Shard', '045.a.t045') AS changed_with_triggers_off;
UPDATE "t045 Shard"."Odd Items" SET "QTY" = "QTY" WHERE "Item ID" = 5;
-- Abort (rolled back here) drops the column and the trigger.
BEGIN;
SELECT shoal.online_abort('t045 Shard', '045.a.t045');
SELECT count(*) AS columns_left FROM pg_attribute WHERE attrelid = '"t045 Shard"."Odd Items"'::regclass AND attnum > 0 AND NOT attisdropped;
ROLLBACK;
SELECT shoal.online_contract('t045 Shard', '045.a.t045');
SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
 WHERE attrelid = '"t045 Shard"."Odd Items"'::regclass AND attname = 'Per "Unit"';
SELECT count(*) AS triggers_and_checks_left
  FROM (SELECT tgname FROM pg_trigger WHERE tgrelid = '"t045 Shard"."Odd Items"'::regclass
        UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = '"t045 Shard"."Odd Items"'::regclass AND contype = 'c') x;

-- A key column's type.
CREATE TABLE "t045 Shard"."It ems" (id serial PRIMARY KEY, "Code" int NOT NULL, note text COLLATE "C", other int);
CREATE UNIQUE INDEX "items code" ON "t045 Shard"."It ems" ("Code" DESC) INCLUDE (other);
CREATE INDEX items_noted ON "t045 Shard"."It ems" ("Code", note text_pattern_ops) WITH (fillfactor = 70) WHERE note IS NOT NULL;
ALTER TABLE "t045 Shard"."It ems" ADD CONSTRAINT items_code_unique UNIQUE ("Code") DEFERRABLE INITIALLY DEFERRED;
INSERT INTO "t045 Shard"."It ems" ("Code", note, other) SELECT g, CASE WHEN g % 2 = 0 THEN 'n' END, g FROM generate_series(1, 20) g;
CREATE INDEX expr ON "t045 Shard"."It ems" ((other + 1));
ALTER TABLE "t045 Shard"."It ems" ADD CONSTRAINT positive CHECK ("Code" > 0);
CREATE TABLE "t045 Shard".refs (code int REFERENCES "t045 Shard"."It ems" ("Code"));
CREATE VIEW "t045 Shard".v AS SELECT "Code" FROM "t045 Shard"."It ems";
-- What the contract could not rebuild is named.
CREATE FUNCTION pg_temp.refused(col text) RETURNS text LANGUAGE sql AS $$
  SELECT error_of(format($q$SELECT shoal.online_expand('t045 Shard', '045.b.t045', 'c', 'It ems', %L, 'bigint', %L, %L)$q$,
                         col, quote_ident(col) || '::bigint', quote_ident(col) || '::int'))
$$;
SELECT pg_temp.refused('other') AS in_an_expression, pg_temp.refused('note') AS in_a_predicate;
SELECT pg_temp.refused('Code') AS in_a_check;
ALTER TABLE "t045 Shard"."It ems" DROP CONSTRAINT positive;
SELECT pg_temp.refused('Code') AS referenced;
DROP TABLE "t045 Shard".refs;
SELECT pg_temp.refused('Code') AS in_a_view;
DROP VIEW "t045 Shard".v;
SELECT count(*) AS nothing_expanded FROM shoal.online;
SELECT shoal.online_expand('t045 Shard', '045.b.t045', 'c', 'It ems', 'Code', 'bigint', '"Code"::bigint', '"Code"::int');
SELECT * FROM shoal.online_backfill('t045 Shard', '045.b.t045', 100);
SELECT * FROM shoal.online_backfill('t045 Shard', '045.b.t045', 100);
SELECT state FROM shoal.online_state WHERE version = '045.b.t045';
SELECT * FROM shoal.online_index_builds('t045 Shard', '045.b.t045');
SELECT error_of($$SELECT shoal.online_contract('t045 Shard', '045.b.t045')$$) AS not_built;
-- A build that failed leaves an INVALID index: listed to be dropped first.
INSERT INTO "t045 Shard"."It ems" ("Code", note) VALUES (1000, 'x');
SET session_replication_role = replica;
UPDATE "t045 Shard"."It ems" SET "Code_shoal_new" = 1 WHERE "Code" = 1000;
RESET session_replication_role;
CREATE UNIQUE INDEX CONCURRENTLY "items code_shoal_new" ON "t045 Shard"."It ems" ("Code_shoal_new" DESC) INCLUDE (other);
DELETE FROM "t045 Shard"."It ems" WHERE "Code" = 1000;
SELECT * FROM shoal.online_index_builds('t045 Shard', '045.b.t045') LIMIT 2;
SELECT * FROM shoal.online_index_builds('t045 Shard', '045.b.t045') \gexec
SELECT * FROM shoal.online_index_builds('t045 Shard', '045.b.t045');
SELECT state FROM shoal.online_state WHERE version = '045.b.t045';
CREATE TEMP TABLE before AS
SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = '"t045 Shard"."It ems"'::regclass
 UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '"t045 Shard"."It ems"'::regclass AND contype <> 'c';
SELECT shoal.online_contract('t045 Shard', '045.b.t045');
SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute WHERE attrelid = '"t045 Shard"."It ems"'::regclass AND attname = 'Code';
-- The same indexes and constraints, on the new column, under their names.
(SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = '"t045 Shard"."It ems"'::regclass
 UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '"t045 Shard"."It ems"'::regclass)
EXCEPT SELECT definition FROM before;
SELECT conname, contype, condeferrable, condeferred FROM pg_constraint WHERE conrelid = '"t045 Shard"."It ems"'::regclass ORDER BY conname;
-- The primary key: its sequence goes with the column.
SELECT shoal.online_expand('t045 Shard', '045.c.t045', 'c', 'It ems', 'id', 'bigint', 'id::bigint', 'id::int');
SELECT state FROM shoal.online_backfill('t045 Shard', '045.c.t045', 100);
SELECT state FROM shoal.online_backfill('t045 Shard', '045.c.t045', 100);
SELECT * FROM shoal.online_index_builds('t045 Shard', '045.c.t045') \gexec
SELECT shoal.online_contract('t045 Shard', '045.c.t045');
SELECT pg_get_constraintdef(oid), conname FROM pg_constraint WHERE conrelid = '"t045 Shard"."It ems"'::regclass AND contype = 'p';
SELECT format_type(atttypid, atttypmod), pg_get_serial_sequence('"t045 Shard"."It ems"', 'id') FROM pg_attribute
 WHERE attrelid = '"t045 Shard"."It ems"'::regclass AND attname = 'id';
INSERT INTO "t045 Shard"."It ems" ("Code") VALUES (2000) RETURNING id;
DROP SCHEMA "t045 Shard" CASCADE;
SELECT count(*) AS online_left FROM shoal.online;
