#!/usr/bin/env bash
# While nothing moves, shoal says what it waits for (issue 15, item 5): a lock
# held by another session on one shard is named, with the shard, the lock and
# the blocking pid, before the version's lock timeout fires; a paused run says
# PAUSED and by whom on a terminal instead of a decaying rate.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
printf 'CREATE TABLE acct (balance bigint);\nINSERT INTO acct VALUES (1);\n' >"$MIG/20250101000000.acct.sh.up.sql"
printf 'DROP TABLE acct;\n' >"$MIG/20250101000000.acct.sh.dn.sql"
fleet_create waiting 10
run_shoal waiting "$MIG" apply
is "$RC" 0 "the tables exist"
printf -- '-- $lock_timeout=120s\nUPDATE acct SET balance = balance + 1;\n' >"$MIG/20250101000001.add.sh.up.sql"
printf 'UPDATE acct SET balance = balance - 1;\n' >"$MIG/20250101000001.add.sh.dn.sql"

ended() { ! kill -0 "$SHOAL_PID" 2>/dev/null; }
blocker_pid() { q node2 waiting "SELECT pid FROM pg_stat_activity WHERE query LIKE '%hold the lock%' AND pid <> pg_backend_pid()"; }

echo "# 5. a lock held by another session is named"
# sh0001 is on node2 (shards go round-robin). The blocker holds the lock until terminated.
psql -X -q -h 127.0.0.1 -p "${PORT[node2]}" -U postgres -d waiting \
  -c "BEGIN; LOCK TABLE sh0001.acct IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600) /* hold the lock */;" \
  >/dev/null 2>&1 &
wait_for 30 test -n "$(blocker_pid)"
BLOCKER=$(blocker_pid)
start_shoal waiting "$MIG" "$WORK/wait.log" apply
wait_for 60 grep -q "waiting: .*sh0001.*lock held by pid $BLOCKER" "$WORK/wait.log"
ok $? "the output names the shard, the lock wait and the blocking pid ($BLOCKER)"
like "$(grep waiting: "$WORK/wait.log" | head -1)" "127.0.0.1:${PORT[node2]}" "and the node"
ok "$(ended && echo 1 || echo 0)" "while the lock timeout (120 s) has not fired"
q node2 waiting "SELECT pg_terminate_backend($BLOCKER)" >/dev/null
wait_for 60 ended || kill -9 "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 0 "once the blocker is gone the run completes"
is "$(count_at waiting 20250101000001.add.sh)" 30 "every schema at head"

echo "# 5b. paused, on a terminal"
printf 'UPDATE acct SET balance = balance + 1;\n' >"$MIG/20250101000002.more.sh.up.sql"
printf 'UPDATE acct SET balance = balance - 1;\n' >"$MIG/20250101000002.more.sh.dn.sql"
q node3 waiting "SELECT shoal.pause('deploy freeze')" >/dev/null
script -qfc "'$SHOAL' apply --migdir '$MIG' --hosts '$(hosts waiting)' --user postgres" "$WORK/tty.log" >/dev/null 2>&1 &
SHOAL_PID=$!
wait_for 60 grep -qs "PAUSED by .*deploy freeze" "$WORK/tty.log"
ok $? "the live line says PAUSED, by whom and why"
q node3 waiting "SELECT shoal.resume('go')" >/dev/null
wait_for 60 ended || kill -9 "$SHOAL_PID"
is "$(count_at waiting 20250101000002.more.sh)" 30 "resumed, the run completes"

done_testing
