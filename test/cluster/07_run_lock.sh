#!/usr/bin/env bash
# The run lock covers every connection of a run (issue 14, item 2). The holder's
# control connection is terminated mid-run (pg_terminate_backend, what an
# operator does to a stuck holder) on one node, then on every node, and a second
# run is started at once. Each version doubles a balance, so a version applied
# twice shows in the data. Afterwards one check over every schema: every version
# exactly once in its stamp, once in the history, the balance 2^5.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/double
doubling_dir "$MIG"
HEAD=$DOUBLING_HEAD

doubles() {  # DB → applies of the doubling versions over the fleet
  sum_all "$1" "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version > '20250101000000'"
}
progressed_to() {  # DB COUNT → true once COUNT doubling applies happened, or the run ended
  [ "$(doubles "$1")" -ge "$2" ] || ! kill -0 "$SHOAL_PID" 2>/dev/null
}
members() {  # NODE DB → how many sessions are members of a run there
  q "$1" "$2" "SELECT coalesce(sum(cardinality(member_pids)), 0) FROM shoal.run_lock"
}

for scope in one every; do
  db=lock_$scope
  echo "# 2. the holder's connection terminated on $scope node(s), a second run at once"
  fleet_create "$db" 50
  targets=(node1)
  [ "$scope" = every ] && targets=("${NODES[@]}")
  start_shoal "$db" "$MIG" "$WORK/first_$scope.log" apply --parallelism 2
  wait_for 60 progressed_to "$db" 30
  ok $? "$scope: the first run is under way"
  for node in "${targets[@]}"; do
    q "$node" "$db" "SELECT pg_terminate_backend(pid, 10000) FROM shoal.run_lock" >/dev/null
  done
  run_shoal "$db" "$MIG" apply
  second_rc=$RC second_out=$OUT
  wait "$SHOAL_PID"
  first_rc=$?
  first_out=$(cat "$WORK/first_$scope.log")
  is "$first_rc" 5 "$scope: the run that lost its lock exits 5"
  like "$first_out" "run lock was lost|does not hold the run lock" "$scope: it says it lost the run lock"
  like "$first_out" "not done" "$scope: and reports what it did not do"
  if [ "$second_rc" -eq 4 ]; then
    like "$second_out" "member|still" "$scope: the second run was refused while the first one's connections lived, and says why"
  else
    is "$second_rc" 0 "$scope: the second run, started after the first one's connections ended, completed"
  fi
  run_shoal "$db" "$MIG" apply
  is "$RC" 0 "$scope: a later run completes the fleet"
  is "$(count_at "$db" "$HEAD")" 150 "$scope: every schema at head"
  is "$(doubling_violations "$db")" 0 "$scope: every version exactly once: stamps, history and data agree"
done

echo "# 2b. while any connection of a run lives, no other run starts"
fleet_create lock_members 50
start_shoal lock_members "$MIG" "$WORK/members.log" apply --parallelism 2
wait_for 60 progressed_to lock_members 10
# Paused, the first run keeps its connections and starts nothing new.
q node2 lock_members "SELECT shoal.pause('test: hold the first run')" >/dev/null
q node1 lock_members "SELECT pg_terminate_backend(pid, 10000) FROM shoal.run_lock" >/dev/null
is "$(q node1 lock_members "SELECT count(*) FROM shoal.run_lock WHERE cardinality(member_pids) > 0")" 1 \
  "node1: the run's control connection is gone, its workers are still members"
run_shoal lock_members "$MIG" apply
is "$RC" 4 "a second run is refused while the first run's workers live on node1"
like "$OUT" "node1|127.0.0.1:${PORT[node1]}" "the refusal names node1"
like "$OUT" "member" "and says the run's members are still alive there"
q node2 lock_members "SELECT shoal.resume('test: go on')" >/dev/null
wait "$SHOAL_PID"
is "$?" 5 "the first run, having lost node1, exits 5"
run_shoal lock_members "$MIG" apply
is "$RC" 0 "once it ended, the next run completes"
is "$(count_at lock_members "$HEAD")" 150 "every schema at head"
is "$(doubling_violations lock_members)" 0 "every version exactly once"

echo "# 2c. two runs started at the same moment: one wins, the other is told and exits 4"
both_refused=0 not_one_each=0
for try in 1 2 3 4 5 6 7 8 9 10; do
  fleet_create "together$try" 2
  start_shoal "together$try" "$MIG" "$WORK/a$try.log" apply; A=$SHOAL_PID
  start_shoal "together$try" "$MIG" "$WORK/b$try.log" apply; B=$SHOAL_PID
  wait "$A"; a=$?
  wait "$B"; b=$?
  [ "$a" -eq 4 ] && [ "$b" -eq 4 ] && both_refused=$((both_refused + 1))
  [ "$((a + b))" -eq 4 ] && [ "$((a * b))" -eq 0 ] || not_one_each=$((not_one_each + 1))
  [ "$(doubling_violations "together$try")" -eq 0 ] || not_one_each=$((not_one_each + 1))
done
is "$both_refused" 0 "in 10 tries, never both refused"
is "$not_one_each" 0 "each time one exit 0 and one exit 4, every version exactly once"

done_testing
