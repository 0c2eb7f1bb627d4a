#!/usr/bin/env bash
# Canary and waves (which schemas a halted run touched, from their stamps) and
# steering a running apply from psql with shoal.pause(), resume() and cancel()
# (from the servers' own timestamps in shoal.event, never the client's clock).
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V3=20250101000003.email-idx.sh V4=20250101000004.next.sh
POLL_MS=250  # the driver's control poll interval (kControlPoll in coordinator/fleet/driver.h)

migdir() {  # NAME UP_SQL → a copy of basic plus version V4 with that body
  local dir=$WORK/$1
  rm -rf "$dir" && cp -r "$BASIC" "$dir"
  printf '%s\n' "$2" >"$dir/$V4.up.sql"
  printf 'DROP TABLE IF EXISTS t4;\n' >"$dir/$V4.dn.sql"
  echo "$dir"
}

# V4 fails in a schema that holds a table "broken" (search_path is the schema),
# so dropping that table fixes the schema without changing the file.
FAILS_WHERE_BROKEN="CREATE TABLE t4 (id int);
DO \$\$ BEGIN IF to_regclass('broken') IS NOT NULL THEN RAISE EXCEPTION 'broken in %', current_schema(); END IF; END \$\$;"

# The schemas, over the fleet, whose stamp ends with VERSION, sorted, comma separated.
schemas_at() {  # DB VERSION
  q_all "$1" "SELECT schema FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$2'" | sort | paste -sd, -
}

# Schemas with any event of VERSION, sorted, comma separated.
schemas_with_events() {  # DB VERSION
  q_all "$1" "SELECT DISTINCT schema FROM shoal.event WHERE version = '$2'" | sort | paste -sd, -
}

echo "# 1. a failing canary touches no other schema"
fleet_create canary 10
run_shoal canary "$BASIC" apply
canary=$(migdir canary "$FAILS_WHERE_BROKEN")
q node2 canary "CREATE TABLE sh0001.broken ()"
run_shoal canary "$canary" apply --canary 3
is "$RC" 1 "a failure in the canary exits with the failure code"
like "$OUT" "canary: 3 schema" "the canary is announced"
like "$OUT" "halted: 1 of 3 schemas failed in the canary" "and the halt says why"
is "$(schemas_with_events canary $V4)" "sh0000,sh0001,sh0002" "only the canary schemas (one per node) ran the version"
is "$(schemas_at canary $V4)" "sh0000,sh0002" "the canary schemas that passed have it"
is "$(count_at canary $V3)" 28 "every other schema is still at the previous version"
is "$(sum_all canary "SELECT count(*) FROM pg_tables WHERE tablename = 't4'")" 2 "no other schema has its table"
q node2 canary "DROP TABLE sh0001.broken"
run_shoal canary "$canary" apply --canary 3
is "$RC" 0 "once the schema is fixed, the canary passes and the rest follows"
is "$(count_at canary $V4)" 30 "every schema at head"

echo "# 2. waves halt on --max-failures"
fleet_create waves 10
run_shoal waves "$BASIC" apply
waves=$(migdir waves "$FAILS_WHERE_BROKEN")
q node2 waves "CREATE TABLE sh0004.broken ()"
run_shoal waves "$waves" apply --waves 10,20,100 --max-failures 0
is "$RC" 1 "a failure in wave 2 exits with the failure code"
like "$OUT" "wave 2 \(20%\): 3 schema" "wave 2 ran"
like "$OUT" "halted: 1 of 6 schemas failed in the waves up to wave 2" "the halt names the wave and the count"
is "$(schemas_with_events waves $V4)" "sh0000,sh0001,sh0002,sh0003,sh0004,sh0005" "waves 1 and 2 ran, wave 3 never started"
is "$(count_at waves $V3)" 25 "wave 3's schemas (and the failed one) are at the previous version"
run_shoal waves "$waves" apply --waves 10,20,100 --max-failures 1
is "$RC" 1 "with --max-failures 1 the one failure does not halt"
is "$(count_at waves $V4)" 29 "every schema but the broken one reached the version"
run_shoal waves "$waves" apply --max-failures 1
is "$RC" 2 "--max-failures without --waves is a usage error"

echo "# 2b. a worker takes its next step at once, not at the next control poll"
fleet_create turns 10
run_shoal turns "$BASIC" apply --parallelism 1
is "$RC" 0 "apply with one connection per node exits 0"
# Per node, the gap between one step's end and the next one's start, from the
# server's own timestamps; a worker that waited for a timer would show the poll.
gaps=$(q_all turns "SELECT round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)))::int
  FROM (SELECT started_at - lag(finished_at) OVER (ORDER BY started_at) AS gap
          FROM shoal.event WHERE action = 'apply' AND schema LIKE 'sh%') g WHERE gap IS NOT NULL")
for gap in $gaps; do
  ok "$([ "$gap" -lt $((POLL_MS / 2)) ]; echo $?)" "median gap between steps on a node ${gap} ms, under half a poll interval"
done

slow=$(migdir slow "$GATE_SQL
CREATE TABLE t4 (id int);")
at_gate() { [ "$(waiting_at_gate "$1")" -eq 3 ]; }  # a step on every node

echo "# 3. pause from SQL holds new transactions, resume goes on"
fleet_create steer 10
run_shoal steer "$BASIC" apply
close_gate steer "${NODES[@]}"
start_shoal steer "$slow" "$WORK/pause.log" apply --parallelism 1
run=$SHOAL_PID
wait_for 60 at_gate steer
ok $? "the run started: a step on every node waits at the gate"
is "$(q node2 steer "SELECT shoal.pause('deploy hold')")" paused "shoal.pause() on node2"
paused_at=$(q node2 steer "SELECT changed_at FROM shoal.control_state()")
said_paused() { grep -q "paused by postgres on 127.0.0.1:${PORT[node2]}: deploy hold" "$WORK/pause.log"; }
wait_for 30 said_paused
ok $? "the coordinator says who paused it, where and why"
open_gate steer
# Let the pause last a second by the servers' clock, then look at what started.
pause_lasted() { [ "$(q node2 steer "SELECT clock_timestamp() > '$paused_at'::timestamptz + interval '1 s'")" = t ]; }
wait_for 30 pause_lasted
late=$(sum_all steer "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version = '$V4'
  AND started_at > '$paused_at'::timestamptz + interval '$((2 * POLL_MS)) ms'")
is "$late" 0 "no transaction started later than two poll intervals after the pause"
ok "$(kill -0 "$run" 2>/dev/null; echo $?)" "the run waits while paused"
ok "$([ "$(count_at steer $V4)" -lt 30 ]; echo $?)" "with schemas left to do"
is "$(q node2 steer "SELECT shoal.resume('go')")" running "shoal.resume()"
wait "$run"
is "$?" 0 "the resumed run completes"
like "$(cat "$WORK/pause.log")" "resumed" "and says it resumed"
is "$(count_at steer $V4)" 30 "every schema at head"
is "$(q node2 steer "SELECT string_agg(action, ',' ORDER BY id) FROM shoal.event WHERE schema IS NULL")" "pause,resume" \
  "the pause and the resume are events"

echo "# 4. cancel from SQL ends the run; nothing half applied; a rerun completes"
fleet_create cancel 10
run_shoal cancel "$BASIC" apply
close_gate cancel "${NODES[@]}"
start_shoal cancel "$slow" "$WORK/cancel.log" apply --parallelism 1
run=$SHOAL_PID
wait_for 60 at_gate cancel
ok $? "the run started: a step on every node waits at the gate"
is "$(q node3 cancel "SELECT shoal.cancel('wrong build')")" cancelled "shoal.cancel() on node3"
open_gate cancel
wait "$run"
is "$?" 8 "the run exits with the cancelled code"
like "$(cat "$WORK/cancel.log")" "cancelled by postgres on 127.0.0.1:${PORT[node3]}: wrong build" "it says who cancelled, where and why"
done_now=$(count_at cancel $V4)
ok "$([ "$done_now" -lt 30 ]; echo $?)" "it stopped early ($done_now of 30 done)"
is "$(sum_all cancel "SELECT count(*) FROM pg_tables WHERE tablename = 't4'")" "$done_now" \
  "every schema with the table has the version in its stamp, and no other"
applied_matches_stamps cancel
ok $? "shoal.applied agrees with the stamps"
is "$(q_all cancel "SELECT digest FROM shoal.run_lock" | wc -l)" 0 "the run lock is released"
run_shoal cancel "$slow" apply
is "$RC" 0 "a rerun (whose run lock clears the cancel) completes"
is "$(count_at cancel $V4)" 30 "every schema at head"

done_testing
