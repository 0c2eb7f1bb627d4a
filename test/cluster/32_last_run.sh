#!/usr/bin/env bash
# The last run in status (issue 18, item 3): every node records each run's
# outcome, duration, role, steps and whether it stored the digest (extension
# 1.8). A run that failed on one node, was cancelled, interrupted or killed, or
# was narrowed with --schemas never reads as a success of the fleet; a killed
# run reads as "did not finish" with no one to say so. And history (item 4):
# the marks a run writes for a CONCURRENTLY version are its applies, the same
# version marked by hand is a mark, exactly.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=$USERS_V1 V2=$USERS_V2 V3=20250101000003.email-lower.sh
MIG=$WORK/mig
users_email_dir "$MIG"
TIME='[0-9-]{10}T[0-9:.]{12}Z'
last_runs() {  # → every node's "last run:" line, in fleet order
  run_shoal app "$MIG" status
  grep '^  last run: ' <<<"$OUT"
}
locks_free() { [ "$(sum_all app "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]; }
# Starts an apply on a paused fleet, so that it is certainly in progress (held)
# when the test acts on it; SHOAL_PID is its pid.
held_apply() {  # LOG
  "$SHOAL" pause --reason hold --hosts "$(hosts app)" --user postgres >/dev/null 2>&1
  start_shoal app "$MIG" "$1" apply
  held() { grep -qs "nothing new starts until resumed" "$1"; }
  wait_for 30 held "$1"
}

fleet_create app 2  # node1: sh0000, sh0003; node2: sh0001, sh0004; node3: sh0002, sh0005

echo "# 1. a full run: succeeded, how long, when, by whom, its steps and the digest"
run_shoal app "$MIG" apply
is "$RC" 0 "V1 and the CONCURRENTLY V2 apply"
is "$(last_runs | grep -cE "^  last run: succeeded in [0-9.]+ s at $TIME by postgres \(apply, 4 steps, digest stored\)$")" 3 \
  "every node: succeeded, with its duration, time, role, its 4 steps and the digest stored"

echo "# 2. history: the run's marks of the CONCURRENTLY version are applies, a mark by hand is a mark"
q node1 app "CREATE SCHEMA sh9000;
             SELECT shoal.mig_mark('sh9000', '$V1', '');
             SELECT shoal.mig_mark('sh9000', '$V2', (SELECT checksum FROM shoal.event WHERE version = '$V2' LIMIT 1))" >/dev/null
is "$(q node1 app "SELECT count(*) FROM shoal.event WHERE version = '$V2' AND action = 'mark'")" 3 \
  "node1 recorded three marks of V2: two by the run, one by hand with the run's checksum"
OUT=$("$SHOAL" history --version "$V2" --migdir "$MIG" --hosts "$(hosts app)" --user postgres 2>&1)
is "$(awk '{print $5}' <<<"$OUT" | sort | uniq -c | awk '{print $1, $2}')" "6 apply
1 mark" "six applies by the run and the one mark by hand"
like "$OUT" " sh9000 +$V2 +mark +postgres$" "the mark by hand is sh9000's"
q node1 app "DROP SCHEMA sh9000 CASCADE" >/dev/null 2>&1

echo "# 3. a narrowed run says what it covered"
printf 'ALTER TABLE users ADD CONSTRAINT email_lower CHECK (email = lower(email));\n' >"$MIG/$V3.up.sql"
printf 'ALTER TABLE users DROP CONSTRAINT email_lower;\n' >"$MIG/$V3.dn.sql"
q node2 app "INSERT INTO sh0001.users VALUES (1, 'UPPER@example.com')" >/dev/null
run_shoal app "$MIG" apply --schemas sh0000,sh0002
is "$RC" 0 "V3 applies to sh0000 and sh0002"
OUT=$(last_runs)
like "$(sed -n 1p <<<"$OUT")" "^  last run: succeeded for --schemas sh0000,sh0002 only in [0-9.]+ s at $TIME by postgres \(apply, 1 step, digest not stored\)$" \
  "node1: succeeded for the schemas named only, the digest not stored"
like "$(sed -n 2p <<<"$OUT")" "for --schemas sh0000,sh0002 only .*\(apply, 0 steps, " "node2: nothing of its own ran"

echo "# 4. a run that fails on one node failed on all of them"
run_shoal app "$MIG" apply
is "$RC" 1 "V3 fails on sh0001"
OUT=$(last_runs)
like "$(sed -n 2p <<<"$OUT")" "^  last run: failed in [0-9.]+ s at $TIME by postgres \(apply, 1 step, 1 failed on this node, digest not stored\)$" \
  "node2: failed, one step done and one failed there"
like "$(sed -n 1p <<<"$OUT")" "^  last run: failed .*\(apply, 1 step, none failed on this node, digest not stored\)$" \
  "node1: failed too, though nothing failed there"
is "$(grep -c succeeded <<<"$OUT")" 0 "no node says succeeded"
OUT=$("$SHOAL" status --json --migdir "$MIG" --hosts "$(hosts app)" --user postgres 2>/dev/null)
is "$(json_eval '[(n["recorded_run"]["outcome"], n["recorded_run"]["steps_done"], n["recorded_run"]["steps_failed"], n["recorded_run"]["digest_stored"]) for n in d["nodes"]]' "$OUT")" \
  "[('failed', 1, 0, False), ('failed', 1, 1, False), ('failed', 1, 0, False)]" "--json: each node's outcome and steps"
is "$(json_shape status "$OUT")" "" "the document has docs/json.md's shape"

echo "# 5. a cancelled run"
held_apply "$WORK/cancel.log"
ok $? "the apply is held by a pause"
is "$(last_runs | grep -cE "^  last run: running since $TIME by postgres \(apply\)$")" 3 "while it waits, status says it is running"
"$SHOAL" cancel --reason "wrong build" --hosts "$(hosts app)" --user postgres >/dev/null 2>&1
wait "$SHOAL_PID"
is "$?" 8 "the run ends cancelled"
is "$(last_runs | grep -c "^  last run: cancelled in ")" 3 "every node: cancelled"
"$SHOAL" resume --hosts "$(hosts app)" --user postgres >/dev/null 2>&1  # a cancelled node takes no pause

echo "# 6. an interrupted run (SIGINT)"
held_apply "$WORK/interrupt.log"
ok $? "the apply is held by a pause"
kill -INT "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 130 "the run ends interrupted"
is "$(last_runs | grep -c "^  last run: interrupted in ")" 3 "every node: interrupted"

echo "# 7. a run killed with SIGKILL: nobody closes its record, and status says it did not finish"
held_apply "$WORK/kill.log"
ok $? "the apply is held by a pause"
kill -9 "$SHOAL_PID"
wait "$SHOAL_PID" 2>/dev/null
wait_for 30 locks_free
ok $? "its sessions end and the run lock is free"
is "$(last_runs | grep -cE "^  last run: did not finish: started $TIME by postgres \(apply\), its session ended without closing the run")" 3 \
  "every node: did not finish, with when it started"
is "$(q node1 app "SELECT count(*) FROM shoal.run_record WHERE finished_at IS NULL")" 1 "its row is still open: the outcome is derived"
"$SHOAL" resume --hosts "$(hosts app)" --user postgres >/dev/null 2>&1

echo "# 8. a node whose runs all predate extension 1.8 shows its last event"
q node3 app "DELETE FROM shoal.run_record" >/dev/null
like "$(last_runs | sed -n 3p)" "^  last run: $TIME by postgres$" "node3: when its last event finished, and the role"

done_testing
