#!/usr/bin/env bash
# Faults during a long run: the coordinator SIGKILLed at five random moments,
# interrupted with SIGINT, and a node stopped under it. After each, no schema
# may be half applied (its stamp must match its DDL) and a rerun must finish.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V4=20250101000004.c4.sh V5=20250101000005.t5.sh V6=20250101000006.c4-idx.sh

# basic + three slow versions ($delay keeps the run long enough to hit).
LONG=$WORK/long
cp -r "$DIRS/basic" "$LONG"
printf -- '-- $delay=30\nALTER TABLE users ADD COLUMN c4 int;\nUPDATE users SET c4 = 4;\n' >"$LONG/$V4.up.sql"
printf 'ALTER TABLE users DROP COLUMN c4;\n' >"$LONG/$V4.dn.sql"
printf -- '-- $delay=30\nCREATE TABLE t5 (id int);\nINSERT INTO t5 VALUES (5);\n' >"$LONG/$V5.up.sql"
printf 'DROP TABLE t5;\n' >"$LONG/$V5.dn.sql"
printf -- '-- $delay=30\nCREATE INDEX users_c4 ON users (c4);\n' >"$LONG/$V6.up.sql"
printf 'DROP INDEX users_c4;\n' >"$LONG/$V6.dn.sql"

# Schemas on NODE whose stamp and DDL disagree about V4, V5 or V6.
half_applied_on() {  # NODE DB
  q "$1" "$2" "SELECT count(*) FROM shoal.stamps() s WHERE s.schema LIKE 'sh%' AND (
      ('$V4' = ANY (s.versions)) <> EXISTS (SELECT FROM information_schema.columns
          WHERE table_schema = s.schema AND table_name = 'users' AND column_name = 'c4')
   OR ('$V5' = ANY (s.versions)) <> (to_regclass(format('%I.t5', s.schema)) IS NOT NULL)
   OR ('$V6' = ANY (s.versions)) <> (to_regclass(format('%I.users_c4', s.schema)) IS NOT NULL))"
}
half_applied() {  # DB → over the fleet
  local node total=0
  for node in "${NODES[@]}"; do total=$((total + $(half_applied_on "$node" "$1"))); done
  echo "$total"
}
applies() {  # DB → apply events of the slow versions over the fleet
  sum_all "$1" "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version >= '$V4'"
}
progressed_to() {  # DB COUNT → true once COUNT applies happened, or the run ended
  [ "$(applies "$1")" -ge "$2" ] || ! kill -0 "$SHOAL_PID" 2>/dev/null
}
lock_free() {  # DB → no live holder of the run lock on any node
  [ "$(sum_all "$1" "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]
}

echo "# 3. SIGKILL at five random moments"
fleet_create killed
run_shoal killed "$DIRS/basic" apply
for round in 1 2 3 4 5; do
  target=$(( $(applies killed) + 1 + RANDOM % 100 ))
  start_shoal killed "$LONG" "$WORK/kill$round.log" apply --parallelism 2
  wait_for 60 progressed_to killed "$target"
  kill -9 "$SHOAL_PID" 2>/dev/null
  wait "$SHOAL_PID" 2>/dev/null
  is "$(half_applied killed)" 0 "kill $round (after $(applies killed) applies): no schema half applied"
  wait_for 30 lock_free killed
  ok $? "kill $round: the dead run's lock went with its sessions"
done
run_shoal killed "$LONG" apply
is "$RC" 0 "the rerun after five kills completes"
is "$(count_at killed $V6)" 300 "every schema at head"
is "$(half_applied killed)" 0 "and consistent"
applied_matches_stamps killed
ok $? "shoal.applied agrees with the stamps"

echo "# 3b. SIGINT: cancel, roll back, report"
fleet_create interrupted
run_shoal interrupted "$DIRS/basic" apply
start_shoal interrupted "$LONG" "$WORK/int.log" apply --parallelism 2
wait_for 60 progressed_to interrupted 50
kill -INT "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 130 "an interrupted run exits 130"
like "$(cat "$WORK/int.log")" "interrupted" "it says it was interrupted"
like "$(cat "$WORK/int.log")" "not done" "and what is not done"
is "$(half_applied interrupted)" 0 "no schema half applied"
is "$(sum_all interrupted "SELECT count(*) FROM shoal.run_lock")" 0 "the lock is released"
is "$(sum_all interrupted "SELECT count(*) FROM shoal.event WHERE action = 'fail'")" 0 "a cancel is not recorded as a failure"
run_shoal interrupted "$LONG" apply
is "$RC" 0 "the rerun completes"
is "$(count_at interrupted $V6)" 300 "every schema at head"

echo "# 3c. a second SIGINT exits at once"
fleet_create twice
run_shoal twice "$DIRS/basic" apply
start_shoal twice "$LONG" "$WORK/twice.log" apply --parallelism 2
wait_for 60 progressed_to twice 30
kill -INT "$SHOAL_PID"
kill -INT "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 130 "two interrupts exit 130 at once"
wait_for 30 lock_free twice
ok $? "the lock goes with the sessions"
is "$(half_applied twice)" 0 "no schema half applied"
run_shoal twice "$LONG" apply
is "$RC" 0 "the rerun completes"
is "$(count_at twice $V6)" 300 "every schema at head"

echo "# 4. a node stops mid-run"
fleet_create nodedown
run_shoal nodedown "$DIRS/basic" apply
node2_progressed() {
  [ "$(q node2 nodedown "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version >= '$V4'")" -ge 20 ]
}
start_shoal nodedown "$LONG" "$WORK/down.log" apply --parallelism 2
wait_for 60 node2_progressed
pgserver_kill node2
wait "$SHOAL_PID"
is "$?" 5 "the run exits with the partial-run code"
like "$(cat "$WORK/down.log")" "lost during the run: 127.0.0.1:${PORT[node2]}" "it names the lost node"
for node in node1 node3; do
  is "$(q "$node" nodedown "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V6'")" 100 \
    "$node finished every schema"
  is "$(half_applied_on "$node" nodedown)" 0 "$node consistent"
done
pgserver_restart node2
is "$(half_applied_on node2 nodedown)" 0 "node2 has no half-applied schema after its crash"
run_shoal nodedown "$LONG" apply
is "$RC" 0 "the rerun after restarting node2 completes"
is "$(count_at nodedown $V6)" 300 "every schema at head"
is "$(q_all nodedown "SELECT shoal.digest()" | sort -u)" "$(code_digest "$LONG")" "the digest is stored everywhere"

done_testing
