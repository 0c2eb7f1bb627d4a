#!/usr/bin/env bash
# The generate corpus's second fleet (docs/generate.md), from the base, beside
# 33_generate.sh's: indexes and constraints renamed by marker (21-23), a marker
# naming what the reference does not have stopping generate; partitioned tables
# and partitions (24-26) with their dump round trip, a partition key that
# changes and a sub-partitioned table blocking generate by name.
# GOLDEN_UPDATE=1 rewrites the golden files instead of comparing them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/generate_lib.sh"
cluster_start
CORPUS=$CLUSTER_ROOT/test/generate
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
base_fleet generate_renames
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "the base applies"
DONE=()

echo "# 1. renames of indexes and constraints (21-23)"
run_case 21_renames_create
mkdir -p "$WORK/bad-renames"
sed 's/renamed-from users_mail/renamed-from users_nothing/' "$CORPUS/22_renames_alter/schema/10_users.sql" \
  >"$WORK/bad-renames/10_users.sql"
cp "$CORPUS/22_renames_alter/schema/20_legacy.sql" "$WORK/bad-renames"
gen "$WORK/bad-renames" renames@sh
is "$RC" 3 "a marker naming an index the reference does not have stops generate"
like "$OUT" "^  $WORK/bad-renames/10_users\.sql:7: index users_email renamed from users_nothing: " \
  "naming the marker's file and line"
sed 's/renamed-from legacy_by_payload/renamed-from payload_unique/' \
  "$CORPUS/22_renames_alter/schema/20_legacy.sql" >"$WORK/bad-renames/20_legacy.sql"
cp "$CORPUS/22_renames_alter/schema/10_users.sql" "$WORK/bad-renames"
gen "$WORK/bad-renames" renames@sh
is "$RC" 3 "a marker naming a constraint's index as an index stops generate"
like "$OUT" "20_legacy\.sql:9: index legacy_payload_lower renamed from payload_unique: " "naming it"
run_case 22_renames_alter
like "$(cat "$MIG/${VERSIONS[0]}.up.sql")" "^ALTER INDEX legacy_by_payload RENAME TO legacy_payload_lower;$" \
  "22_renames_alter: an index is renamed in place"
like "$(cat "$MIG/${VERSIONS[0]}.up.sql")" "^ALTER TABLE legacy RENAME CONSTRAINT legacy_pkey TO legacy_id;$" \
  "22_renames_alter: a key is renamed in place, its index with it"
is "$(q node1 "$DB" "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'sh0000.legacy'::regclass AND indisprimary")" \
  "sh0000.legacy_id" "22_renames_alter: the key's index has the key's new name"
run_case 23_renames_drop

echo "# 2. partitioned tables and partitions (24-26, on the same fleet)"
run_case 24_partitions_create
run_case 25_partitions_alter --allow-hazard drop-table
like "$(cat "$MIG/${VERSIONS[2]}.up.sql")" "^CREATE INDEX events_user_day ON ONLY events USING btree \(user_id, day\);$" \
  "25_partitions_alter: the partitioned table's index is created ON ONLY it, after its partitions'"
run_shoal "$DB" "$MIG" dump --out "$WORK/dump-partitions"
is "$RC" 0 "dump of partitioned tables exits 0"
like "$(cat "$WORK/dump-partitions/10_table_events.sql")" "^ALTER INDEX events_user_day ATTACH PARTITION events_2025_user_id_day_idx;$" \
  "a partitioned table's file holds its partitions, their indexes attached by name"
gen "$WORK/dump-partitions" roundtrip@sh --check
is "$RC" 0 "generate --check from that dump finds no changes"
mkdir -p "$WORK/repartitioned"
cp "$CORPUS/25_partitions_alter/schema/10_tables.sql" "$WORK/repartitioned"
sed 's/PARTITION BY LIST (code)/PARTITION BY HASH (code)/; s/FOR VALUES IN (.de., .fr.)/FOR VALUES WITH (MODULUS 1, REMAINDER 0)/; /regions_other/d' \
  "$CORPUS/25_partitions_alter/schema/20_partitioned.sql" >"$WORK/repartitioned/20_partitioned.sql"
gen "$WORK/repartitioned" repartition@sh
is "$RC" 3 "a partition key that changes blocks generate"
like "$OUT" "^  partitioning of table regions changes \(partitioned by LIST \(code\) to partitioned by HASH \(code\)\): no online recipe" \
  "naming the table, the old key and the new"
cp "$CORPUS/25_partitions_alter/schema/20_partitioned.sql" "$WORK/repartitioned/20_partitioned.sql"
echo "CREATE TABLE regions_asia PARTITION OF regions FOR VALUES IN ('jp') PARTITION BY LIST (code);" \
  >>"$WORK/repartitioned/20_partitioned.sql"
gen "$WORK/repartitioned" subpartition@sh
is "$RC" 3 "a sub-partitioned table blocks generate"
like "$OUT" "^  sub-partitioned table regions_asia \(in $WORK/repartitioned\)$" "naming it and its kind"
run_case 26_partitions_drop --allow-hazard drop-table

done_testing
