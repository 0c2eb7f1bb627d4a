#!/usr/bin/env bash
# A node frozen (SIGSTOP) in the middle of an online backfill (issue 21): the
# round that waits on it ends at the round deadline, the node is lost for the
# run and each of its shards named, and the other nodes' backfills finish
# without waiting another deadline for it (a liveness bound: the run ends well
# before two deadlines). After SIGCONT the next apply resumes the node's shards
# from their cursors and complete contracts every shard.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'thaw; kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
DB=frozen_backfill
MIG=$WORK/mig
mkdir -p "$MIG"
V1=20250101000001.acct.sh
V2=20250101000002.widen.sh
cat >"$MIG/$V1.up.sql" <<'SQL'
CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL);
-- node2's shards (sh0001, sh0004) ten times the others': their backfill is
-- still under way, however fast the machine, when the others' are done.
INSERT INTO acct SELECT g, g
  FROM generate_series(1, CASE WHEN current_schema() IN ('sh0001', 'sh0004') THEN 2000 ELSE 200 END) g;
SQL
echo "DROP TABLE acct;" >"$MIG/$V1.dn.sql"
# 20-row batches 100 ms apart: node2's 100 batches last long enough to freeze
# it in their middle.
cat >"$MIG/$V2.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=acct
-- shoal $online_column=balance
-- shoal $online_type=bigint
-- shoal $online_up=balance::bigint
-- shoal $online_down=balance::integer
-- shoal $online_batch_rows=20
-- shoal $online_batch_delay=100ms
SQL
echo "ALTER TABLE acct ALTER COLUMN balance TYPE integer;" >"$MIG/$V2.dn.sql"
states() {  # NODE → its shards' online states, one line "schema state"
  q "$1" "$DB" "SELECT schema || ' ' || state FROM shoal.online_state ORDER BY schema"
}
under_way() { [ "$(q node2 "$DB" "SELECT coalesce(sum(rows_done), 0) FROM shoal.online")" -gt 0 ]; }
ended() { ! kill -0 "$SHOAL_PID" 2>/dev/null; }
run_lock_free() { [ "$(sum_all "$DB" "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]; }

fleet_create "$DB" 2
run_shoal "$DB" "$MIG" apply --to "$V1"
is "$RC" 0 "setup: acct on every shard"
start=$SECONDS
start_shoal "$DB" "$MIG" "$WORK/apply.log" apply
wait_for 60 under_way
ok $? "the backfill is under way on node2"
freeze node2
# Bounded for liveness only: one 60 s round deadline and the rest of the
# backfill fit well inside it; two deadlines (120 s) do not.
wait_for 110 ended
ok $? "apply ends with node2 frozen, before a second round deadline"
ended || kill -9 "$SHOAL_PID"
wait "$SHOAL_PID"
RC=$?
echo "# frozen mid-backfill: exit $RC after $((SECONDS - start)) s"
thaw
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply exits non-zero ($RC)"
LOG=$(cat "$WORK/apply.log")
like "$LOG" "lost 127.0.0.1:${PORT[node2]}" "names the lost node"
like "$LOG" "shoal: 127.0.0.1:${PORT[node2]}: connection to 127.0.0.1:${PORT[node2]} lost: no answer within 60 s" \
  "… and why, once more among the nodes' problems"
like "$LOG" "no answer within 60 s.* 2 schemas: 127.0.0.1:${PORT[node2]}:sh0001,0004" "… and both of its shards"
is "$(states node1 | tr '\n' ',')" "sh0000 backfilled,sh0003 backfilled," "node1's shards backfilled"
is "$(states node3 | tr '\n' ',')" "sh0002 backfilled,sh0005 backfilled," "node3's shards backfilled"
wait_for 60 run_lock_free
ok $? "after SIGCONT the run lock is free"
done_before=$(q node2 "$DB" "SELECT sum(rows_done) FROM shoal.online")
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "the rerun backfills node2: exit 0"
is "$(states node2 | tr '\n' ',')" "sh0001 backfilled,sh0004 backfilled," "node2's shards backfilled"
ok "$([ "$done_before" -gt 0 ]; echo $?)" "node2 had rows done before the rerun ($done_before), kept by its cursors"
run_shoal "$DB" "$MIG" complete "$V2"
is "$RC" 0 "complete: exit 0"
is "$(count_at "$DB" "$V2")" 6 "every shard contracted"
done_testing
