#!/usr/bin/env bash
# Which schemas are candidates, decided twice: by the extension (shoal.stamps(),
# sql/: every schema but pg_* and information_schema) and by the coordinator
# (is_candidate_schema, schema_prefix.h: the same, less debug_* and the
# extension's own schema). Both sides are asked about the same hostile names on
# one server: each schema gets a stamp that cannot be read, so stamps() lists it
# with a problem, and `shoal status --json` names it as unread exactly when the
# coordinator takes it as a candidate. The two answers must be the table's, and
# the coordinator's a subset of the extension's, short only of what it leaves
# out by design.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgserver.sh
source test/extension/lib.sh
SHOAL=${SHOAL:-build/shoal}
pgserver_start candidates || { echo "not ok - start a server"; exit 1; }

sql postgres -c "CREATE DATABASE hostile"
# name, whether stamps() lists it, whether the coordinator takes it.
sql hostile <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION shoal;
CREATE TABLE hostile (name text PRIMARY KEY, extension_lists boolean, coordinator_takes boolean);
INSERT INTO hostile VALUES
  ('public', true, true),
  ('sh0001', true, true),
  -- PostgreSQL's reserved prefix (only a superuser with allow_system_table_mods
  -- can make one; pg_temp_N and pg_toast_temp_N appear for any login role).
  ('pg_hostile', false, false),
  ('pg_temp_hostile', false, false),
  ('pg_', false, false),
  ('information_schema', false, false),
  -- left out by the coordinator only
  ('shoal', true, false),
  ('debug_', true, false),
  ('debug_sh0001', true, false),
  -- look-alikes: other names
  ('PG_TEMP_3', true, true),
  ('Pg_hostile', true, true),
  (' pg_hostile', true, true),
  (E'sh0002\npg_hostile', true, true),
  ('pg', true, true),
  ('pgx_hostile', true, true),
  ('information_schema2', true, true),
  ('Information_Schema', true, true),
  ('informationXschema', true, true),
  ('shoal2', true, true),
  ('SHOAL', true, true),
  ('Public', true, true),
  ('debug', true, true),
  ('Debug_sh0001', true, true),
  ('debugXsh0001', true, true),
  -- quotes, spaces, dots, backslashes
  ('a"b', true, true),
  ('it''s', true, true),
  ('sh 0003', true, true),
  ('a.b', true, true),
  (E'pg\\_hostile', true, true),
  (E'back\\slash', true, true),
  -- LIKE's metacharacters, which a filter written with LIKE would take as patterns
  ('pg%', true, true),
  ('%', true, true),
  ('_', true, true),
  ('p_g_hostile', true, true),
  ('pg%_x', true, true),
  -- non-ASCII, and the longest name PostgreSQL keeps (63 bytes)
  ('schéma', true, true),
  ('δ_shard', true, true),
  ('pg＿hostile', true, true),
  (repeat('x', 63), true, true),
  (repeat('é', 31), true, true);

SET allow_system_table_mods = on;  -- for the pg_ names
DO $$
DECLARE
  name text;
BEGIN
  FOR name IN SELECT h.name FROM hostile h LOOP
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', name);
    -- A stamp whose body is not a literal: never run, reported by name (SH006).
    EXECUTE format('CREATE FUNCTION %I.mig_versions_const() RETURNS text LANGUAGE sql'
                   ' AS $f$ SELECT pg_catalog.version() $f$', name);
  END LOOP;
END
$$;
SQL

is "$(sql hostile -c "SELECT count(*) FROM hostile h JOIN pg_namespace n ON n.nspname = h.name")" \
  "$(sql hostile -c "SELECT count(*) FROM hostile")" "every hostile schema exists under its own name"

json=$("$SHOAL" status --json --migdir test/cluster/dirs/basic --hosts "127.0.0.1:$PGSERVER_PORT/hostile" \
  --user postgres 2>/dev/null)
unread=$(python3 -c '
import json, sys
print(json.dumps([u["schema"] for u in json.loads(sys.argv[1])["unread"] if u["schema"] is not None]))
' "$json") || { echo "not ok - shoal status --json printed JSON"; echo "# $json"; exit 1; }

# Every row of the table the two sides disagree with, named.
sql hostile -v unread="$unread" <<'SQL'
CREATE TABLE taken_by_coordinator AS SELECT jsonb_array_elements_text(:'unread'::jsonb) AS name;
CREATE TABLE listed_by_extension AS SELECT schema AS name FROM shoal.stamps() WHERE problem IS NOT NULL;
SQL
wrong() {  # SIDE_TABLE EXPECTED_COLUMN → the names where the side and the table differ
  sql hostile -c "SELECT string_agg(format('%L', name), ', ' ORDER BY name) FROM (
    SELECT h.name FROM hostile h WHERE h.$2 <> EXISTS (SELECT FROM $1 s WHERE s.name = h.name)
    UNION ALL SELECT s.name FROM $1 s WHERE s.name NOT IN (SELECT name FROM hostile)) d"
}
is "$(wrong listed_by_extension extension_lists)" "" "shoal.stamps() lists exactly the names the table says"
is "$(wrong taken_by_coordinator coordinator_takes)" "" "the coordinator takes exactly the names the table says"
is "$(sql hostile -c "SELECT count(*) FROM taken_by_coordinator")" \
  "$(sql hostile -c "SELECT count(*) FROM hostile WHERE coordinator_takes")" "the coordinator names each schema once"
is "$(sql hostile -c "SELECT string_agg(name, ', ' ORDER BY name COLLATE \"C\") FROM (
      SELECT name FROM listed_by_extension EXCEPT SELECT name FROM taken_by_coordinator) d")" \
  "debug_, debug_sh0001, shoal" "the coordinator's schemas are the extension's less debug_* and shoal"
is "$(sql hostile -c "SELECT count(*) FROM (
      SELECT name FROM taken_by_coordinator EXCEPT SELECT name FROM listed_by_extension) d")" \
  0 "the coordinator takes no schema the extension leaves out"
tap_done
