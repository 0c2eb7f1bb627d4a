#!/usr/bin/env bash
# shoal dump and shoal generate on one shard per node (docs/generate.md): a
# dump read under a hostile search_path is the same dump, and generating from
# it says "no changes"; then the corpus of test/generate/, each case a desired
# schema: generate → the golden files → lint → apply → verify clean and
# `generate --check` clean → undo → the original fingerprint → apply again for
# the next case (04-07: enums, domains and composite types created, altered
# and dropped, and a dump of them under a hostile search_path; 08-10:
# routines, views, triggers, policies and comments, and a dump of them that
# generates no changes; 11-12: exclusion constraints; 12-13: storage
# parameters, column storage, compression, statistics targets; 13-14:
# privileges, with hostile role names, a role missing, a role with fewer
# rights, and a dump of them that generates no changes; 21-26 are
# 33_generate_renames_partitions.sh's, on a fleet of their own).
# Also: hazards refused by name, an object kind nobody models
# blocks the plan by name, a drifted shard is named and never planned from.
# GOLDEN_UPDATE=1 rewrites the golden files instead of comparing them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/generate_lib.sh"
# pg_stat_statements: which of shoal's queries JIT compiled (1b).
PGSERVER_EXTRA_CONF="shared_preload_libraries = 'pg_stat_statements'" cluster_start
CORPUS=$CLUSTER_ROOT/test/generate
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
base_fleet generate

echo "# 1. dump: deterministic, independent of search_path, and a round trip"
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "the base applies"
run_shoal "$DB" "$MIG" dump --out "$WORK/dump"
is "$RC" 0 "dump exits 0"
like "$OUT" "^Wrote 2 files to $WORK/dump from " "dump names what it wrote and from where"
is "$(ls "$WORK/dump" | tr '\n' ' ')" "10_table_legacy.sql 10_table_users.sql " "one file per table"
like "$(cat "$WORK/dump/10_table_users.sql")" "^    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,$" \
  "an identity column is dumped as one"
if grep -q 'sh000' "$WORK"/dump/*; then ok 1 "the dump is free of the shard's name"; else ok 0 "the dump is free of the shard's name"; fi
OUT=$(PGOPTIONS="-c search_path=sh0001,public" "$SHOAL" dump --out "$WORK/dump-hostile" --migdir "$MIG" \
  --hosts "$(hosts "$DB")" --user postgres 2>&1)
is "$?" 0 "dump under a hostile search_path exits 0"
is "$(diff -r "$WORK/dump" "$WORK/dump-hostile" && echo same)" "same" "and writes the same files"
run_shoal "$DB" "$MIG" dump --out "$WORK/dump"
is "$RC" 2 "dump refuses a directory that is not empty"

echo "# 1b. the catalog reads run without JIT, also where every other query is compiled"
if [ "$(q node1 postgres "SELECT pg_jit_available()")" = t ]; then
  q node1 postgres "CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null
  OUT=$(PGOPTIONS="-c jit_above_cost=0" "$SHOAL" dump --out "$WORK/dump-jit" --migdir "$MIG" \
    --hosts "$(hosts "$DB")" --user postgres 2>&1)
  is "$?" 0 "dump with jit_above_cost=0 exits 0"
  read -r snapshot others <<<"$(q node1 postgres "SELECT
      coalesce(sum(jit_functions) FILTER (WHERE query LIKE 'WITH ns AS (SELECT n.oid FROM pg_catalog.pg_namespace n%'), -1),
      coalesce(sum(jit_functions) FILTER (WHERE query NOT LIKE 'WITH ns AS %'), 0)
    FROM pg_stat_statements" | tr '|' ' ')"
  ok "$([ "$others" -gt 0 ]; echo $?)" "JIT compiled shoal's other queries in that session ($others functions)"
  is "$snapshot" 0 "but not the schema snapshot, which it ran"
else
  ok 0 "# SKIP this server has no JIT"
  ok 0 "# SKIP this server has no JIT"
fi
gen "$WORK/dump" roundtrip@sh
is "$RC" 0 "generate from the dump exits 0"
like "$OUT" "^No changes: " "and finds no changes"
gen "$WORK/dump" roundtrip@sh --check
is "$RC" 0 "generate --check agrees"

echo "# 2. what blocks a plan, and what it refuses"
mkdir -p "$WORK/rule"
cp "$WORK"/dump/* "$WORK/rule"
echo "CREATE RULE named AS ON INSERT TO users DO INSTEAD NOTHING;" >"$WORK/rule/50_rule.sql"
gen "$WORK/rule" rule@sh
is "$RC" 3 "an object of a kind not modelled blocks generate"
like "$OUT" "^  rule users\.named \(in $WORK/rule\)$" "naming it and its kind"
gen "$WORK/rule" rule@sh --check
is "$RC" 3 "and --check"
gen "$CORPUS/03_drop/schema" drop@sh
is "$RC" 3 "hazards are refused"
like "$OUT" "drop-table: table legacy is dropped: its rows are lost; allow it with --allow-hazard drop-table" \
  "each named with its reason and KIND"
is "$(new_versions)" "" "nothing was written"
gen "$CORPUS/01_create/schema" create@sh --check
is "$RC" 6 "generate --check exits 6 when the desired schema is not the head"
like "$OUT" "^  create table orders$" "naming what differs"

echo "# 3. the corpus"
DONE=()
run_case 01_create
run_case 02_alter
run_case 03_drop --allow-hazard drop-table --allow-hazard drop-column --allow-hazard type-change
like "$(cat "$MIG/${VERSIONS[0]}.up.sql")" "^-- shoal:hazard drop-table: table archive is dropped" \
  "an allowed hazard is named at the top of its file"
run_case 04_types_create
run_case 05_types_alter
like "$(cat "$MIG/${VERSIONS[0]}.up.sql")" "^ALTER TYPE status RENAME TO invoice_status;$" \
  "05_types_alter: the enum is renamed in the first version, before its comment is removed"
like "$(cat "$MIG/${VERSIONS[1]}.up.sql")" "^ALTER TYPE invoice_status ADD VALUE 'draft' BEFORE 'new';$" \
  "05_types_alter: new labels are added in a version of their own, after the enum's rename"
run_case 06_types_drop --allow-hazard enum-label --allow-hazard type-change --allow-hazard drop-column

echo "# 3b. dump with enums, domains and composite types: a round trip, whatever the search_path"
run_shoal "$DB" "$MIG" dump --out "$WORK/dump-types"
is "$RC" 0 "dump of a shard with types exits 0"
is "$(grep -c '^CREATE \(TYPE\|DOMAIN\)' "$WORK/dump-types/03_types.sql")" 3 "its types come in a file of their own"
OUT=$(PGOPTIONS="-c search_path=sh0001,public" "$SHOAL" dump --out "$WORK/dump-types-hostile" --migdir "$MIG" \
  --hosts "$(hosts "$DB")" --user postgres 2>&1)
is "$(diff -r "$WORK/dump-types" "$WORK/dump-types-hostile" && echo same)" "same" \
  "the same files under a hostile search_path"
gen "$WORK/dump-types" roundtrip@sh
like "$OUT" "^No changes: " "generate from that dump finds no changes"
run_case 07_types_gone --allow-hazard drop-table --allow-hazard drop-column
run_case 08_code_create
run_shoal "$DB" "$MIG" dump --out "$WORK/dump-code"
is "$RC" 0 "dump writes routines, views, triggers, policies and comments"
is "$(ls "$WORK/dump-code" | tr '\n' ' ')" \
  "00_sequences.sql 05_routines.sql 10_table_coupons.sql 10_table_orders.sql 10_table_users.sql 50_routines.sql 55_views.sql 60_triggers.sql 70_row_security.sql 90_foreign_keys.sql 95_comments.sql " \
  "routines around the tables, then views, triggers, row level security, foreign keys, comments"
gen "$WORK/dump-code" roundtrip@sh --check
is "$RC" 0 "generate --check from that dump finds no changes"
run_case 09_code_alter --allow-hazard matview-recreate
run_case 10_code_drop --allow-hazard drop-table

echo "# 3d. exclusion constraints (btree_gist's opclasses, in public)"
for node in "${NODES[@]}"; do q "$node" "$DB" "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public"; done
gen "$CORPUS/11_exclusion/schema" exclusion@sh
is "$RC" 3 "an exclusion constraint added to an existing table is refused"
like "$OUT" "exclusion-constraint-scan: exclusion constraint orders\.orders_one_note_per_user is added to an existing table" \
  "naming it and its KIND"
run_case 11_exclusion --allow-hazard exclusion-constraint-scan

echo "# 3e. storage: parameters (the TOAST table's too), column storage, compression, statistics"
run_case 12_storage --allow-hazard exclusion-constraint-scan
is "$(q node1 "$DB" "SELECT attstorage::text || attcompression::text FROM pg_attribute
      WHERE attrelid = 'sh0000.users'::regclass AND attname = 'full_name'")" "el" \
  "12_storage: the column's storage and compression are on the shard"
is "$(q node1 "$DB" "SELECT reloptions FROM pg_class WHERE oid = (SELECT reltoastrelid FROM pg_class
      WHERE oid = 'sh0000.bookings'::regclass)")" "{autovacuum_enabled=false}" \
  "12_storage: and the TOAST table's storage parameter"

echo "# 3f. privileges: hostile role names, a role missing, a role with fewer rights"
for node in "${NODES[@]}"; do
  q "$node" "$DB" "CREATE ROLE app_reader; CREATE ROLE \"Report \"\"Writer\"\" X\"; CREATE ROLE nobody"
done
q node1 "$DB" "CREATE ROLE only_on_node1"
mkdir -p "$WORK/ghost" "$WORK/partial"
cp "$CORPUS"/13_grants/schema/* "$WORK/ghost"
cp "$CORPUS"/13_grants/schema/* "$WORK/partial"
echo "GRANT SELECT ON users TO ghost;" >"$WORK/ghost/99_ghost.sql"
gen "$WORK/ghost" ghost@sh
is "$RC" 3 "a grant to a role that does not exist fails the desired schema's load"
like "$OUT" "99_ghost\.sql:1: .*role \"ghost\" does not exist" "naming the file, the line and the role"
echo "GRANT SELECT ON users TO only_on_node1;" >"$WORK/partial/99_partial.sql"
gen "$WORK/partial" partial@sh
is "$RC" 3 "a role missing on another node than the reference's is refused"
like "$OUT" "^  role only_on_node1 does not exist on 127\.0\.0\.1:${PORT[node2]}(/$DB)?$" \
  "naming the role and the node"
is "$(new_versions | grep -c '\.partial\.' || true)" 0 "and nothing was written"
run_case 13_grants
q node1 "$DB" "GRANT USAGE ON SCHEMA sh0000 TO app_reader, nobody"
is "$(q node1 "$DB" "SET ROLE app_reader; SELECT count(*) FROM sh0000.users")" "2" \
  "13_grants: the role with fewer rights reads what was granted to it"
is "$(q node1 "$DB" "SELECT has_function_privilege('app_reader', 'sh0000.room_count()', 'EXECUTE'),
      has_type_privilege('app_reader', 'sh0000.booking_kind', 'USAGE')")" "t|t" \
  "13_grants: and may call the function and use the type"
like "$(q node1 "$DB" "SET ROLE app_reader; UPDATE sh0000.users SET full_name = full_name" 2>&1)" \
  "permission denied for table users" "13_grants: and nothing more"
like "$(q node1 "$DB" "SET ROLE nobody; SELECT sh0000.room_count()" 2>&1)" \
  "permission denied for function room_count" "13_grants: PUBLIC's EXECUTE was taken away"
run_shoal "$DB" "$MIG" dump --out "$WORK/dump-grants"
is "$RC" 0 "dump of a shard with privileges and storage exits 0"
like "$(cat "$WORK/dump-grants/97_grants.sql")" '^GRANT UPDATE \(full_name\) ON TABLE users TO "Report ""Writer"" X";$' \
  "privileges come last, roles quoted"
gen "$WORK/dump-grants" roundtrip@sh --check
is "$RC" 0 "generate --check from that dump finds no changes"
run_case 14_grants_alter

echo "# 4. a drifted shard is named and not planned from"
q node2 "$DB" "CREATE INDEX drift_idx ON sh0001.users (email)"
gen "$CORPUS/03_drop/schema" drift@sh --check
is "$RC" 6 "generate --check exits 6 when shards at head differ"
like "$OUT" "^shard 127\.0\.0\.1:${PORT[node2]}:sh0001 differs from 127\.0\.0\.1:[0-9]+:sh000[02]$" \
  "naming the drifted shard and planning from another"

done_testing
