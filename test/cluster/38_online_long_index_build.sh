#!/usr/bin/env bash
# An online key column's index build that outlasts the 60 s round deadline
# (issue 21): a build is a step's own statement, bounded only by its
# statement_timeout (DESIGN.md, "Liveness"), so a big table's build is never
# cut off at every retry. A REPEATABLE READ transaction's snapshot makes the
# CREATE UNIQUE INDEX CONCURRENTLY on node1 wait (the version's lock_timeout is
# 90 s) until the build has run for longer than the round deadline; then the
# snapshot goes, the build ends, and the change completes on every shard.
# Meanwhile the other nodes' backfills, a hundred batches each, run to their
# end: a long statement holds only its own worker.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
DB=longbuild
MIG=$WORK/mig
mkdir -p "$MIG"
V1=20250101000001.items.sh
V2=20250101000002.items-id-bigint.sh
cat >"$MIG/$V1.up.sql" <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO items SELECT g, g
  FROM generate_series(1, CASE WHEN current_schema() = 'sh0000' THEN 100 ELSE 2000 END) g;
SQL
echo "DROP TABLE items;" >"$MIG/$V1.dn.sql"
cat >"$MIG/$V2.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=items
-- shoal $online_column=id
-- shoal $online_type=bigint
-- shoal $online_up=id::bigint
-- shoal $online_down=id::integer
-- shoal $lock_timeout=90s
-- shoal $online_batch_rows=20
SQL
echo "ALTER TABLE items ALTER COLUMN id TYPE integer;" >"$MIG/$V2.dn.sql"
fleet_create "$DB" 1

# A transaction holding a snapshot in the database: every CREATE INDEX
# CONCURRENTLY there waits for it to end.
mkfifo "$WORK/hold"
psql -X -q -h 127.0.0.1 -p "${PORT[node1]}" -U postgres -d "$DB" <"$WORK/hold" >/dev/null &
exec {HOLD}>"$WORK/hold"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;" >&"$HOLD"
snapshot_held() {
  [ "$(q node1 "$DB" "SELECT count(*) FROM pg_stat_activity WHERE backend_xmin IS NOT NULL
        AND state = 'idle in transaction' AND pid <> pg_backend_pid()")" -ge 1 ]
}
wait_for 10 snapshot_held
ok $? "a transaction holds its snapshot on node1"
# The build on node1 has been running for longer than the round deadline.
build_outlasted_deadline() {
  [ "$(q node1 "$DB" "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'CREATE%INDEX CONCURRENTLY%'
        AND clock_timestamp() - query_start > interval '62 s'")" -ge 1 ]
}
start_shoal "$DB" "$MIG" "$WORK/apply.log" apply
wait_for 100 build_outlasted_deadline
ok $? "the index build is still running 62 s after it started"
is "$(q node2 "$DB" "SELECT state || ' ' || rows_done FROM shoal.online_state")" "backfilled 2000" \
  "meanwhile node2's shard ran its hundred batches to the end"
is "$(q node3 "$DB" "SELECT state || ' ' || rows_done FROM shoal.online_state")" "backfilled 2000" \
  "… and node3's"
echo "COMMIT;" >&"$HOLD"
exec {HOLD}>&-
wait "$SHOAL_PID"
is "$?" 0 "apply exits 0 once the snapshot is gone"
[ -s "$WORK/apply.log" ] && grep -i "error\|deadline\|not backfilled" "$WORK/apply.log" | head -5 | sed 's/^/# /'
is "$(q_all "$DB" "SELECT DISTINCT state FROM shoal.online" | sort -u)" "backfilled" "every shard is backfilled, its index built"
is "$(sum_all "$DB" "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index"
run_shoal "$DB" "$MIG" complete "$V2"
is "$RC" 0 "complete: exit 0"
is "$(q_all "$DB" "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_index i
      ON i.indrelid = a.attrelid AND a.attnum = ANY (i.indkey) WHERE i.indisprimary
      AND a.attrelid::regclass::text LIKE '%.items'" | sort -u)" "bigint" "every shard's primary key is bigint"
done_testing
