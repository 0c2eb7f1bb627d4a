#!/usr/bin/env bash
# Ctrl-C always works (issue 15, item 3): with one node frozen mid-run (its
# postmaster and backends stopped with SIGSTOP), the first SIGINT ends shoal
# within its documented wind-down (30 s) and a second one at once. After SIGCONT
# every schema is whole (stamp, objects and data agree) and a rerun completes.
# Bounds are generous: these tests fail only on a hang.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'thaw; kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
doubling_dir "$MIG"
HEAD=$DOUBLING_HEAD

applies() { sum_all "$1" "SELECT count(*) FROM shoal.event WHERE action = 'apply'"; }
progressed_to() { [ "$(applies "$1")" -ge "$2" ] || ! kill -0 "$SHOAL_PID" 2>/dev/null; }
ended() { ! kill -0 "$SHOAL_PID" 2>/dev/null; }
lock_free() { [ "$(sum_all "$1" "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]; }
echo "# 3. one node frozen mid-run, one SIGINT"
fleet_create frozen 50
start_shoal frozen "$MIG" "$WORK/first.log" apply --parallelism 2
wait_for 60 progressed_to frozen 40
freeze node2
started=$SECONDS
kill -INT "$SHOAL_PID"
wait_for 90 ended
ok $? "shoal ended after one SIGINT although node2 is frozen"
ended || kill -9 "$SHOAL_PID"  # a hang fails the test, not the suite
wait "$SHOAL_PID"
is "$?" 130 "an interrupted run exits 130"
elapsed=$((SECONDS - started))
ok "$([ "$elapsed" -le 60 ]; echo $?)" "within the wind-down (30 s) and its rounds: $elapsed s"
like "$(cat "$WORK/first.log")" "wind-down" "it says what it gave up on"
like "$(cat "$WORK/first.log")" "not done" "and what is not done"
thaw
wait_for 60 lock_free frozen
ok $? "after SIGCONT the frozen node's sessions end and free the run lock"
is "$(doubling_violations frozen)" 0 "every schema is whole: stamps, data and history agree"
run_shoal frozen "$MIG" apply
is "$RC" 0 "a rerun completes"
is "$(count_at frozen "$HEAD")" 150 "every schema at head"
is "$(doubling_violations frozen)" 0 "every version exactly once"

echo "# 3b. a second SIGINT exits at once"
fleet_create frozen2 50
start_shoal frozen2 "$MIG" "$WORK/second.log" apply --parallelism 2
wait_for 60 progressed_to frozen2 40
freeze node2
started=$SECONDS
kill -INT "$SHOAL_PID"
wait_for 10 grep -q interrupted "$WORK/second.log"
kill -INT "$SHOAL_PID"
wait_for 20 ended
ok $? "shoal ended at the second SIGINT"
ended || kill -9 "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 130 "exit 130"
ok "$([ $((SECONDS - started)) -le 20 ]; echo $?)" "at once, without waiting for the wind-down"
thaw
wait_for 60 lock_free frozen2
ok $? "the sessions end and free the run lock"
is "$(doubling_violations frozen2)" 0 "every schema is whole"
run_shoal frozen2 "$MIG" apply
is "$RC" 0 "a rerun completes"
is "$(doubling_violations frozen2)" 0 "every version exactly once"

done_testing
