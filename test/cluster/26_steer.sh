#!/usr/bin/env bash
# Steering the fleet from the command line (issue 18, item 2): shoal pause,
# resume and cancel act on every node, say what they did (--dry-run: what they
# would do; --json), record the role and the reason; status shows the
# steering; an apply started on a paused fleet says so at once and waits; a
# per-node shoal.resume() cannot be taken for the fleet's.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V4=20250101000004.next.sh
SLOW=$WORK/slow
cp -r "$BASIC" "$SLOW"
printf -- '-- $delay=300\nCREATE TABLE t4 (id int);\n' >"$SLOW/$V4.up.sql"
printf 'DROP TABLE t4;\n' >"$SLOW/$V4.dn.sql"

steer() {  # DB ARGS… → OUT, RC (no migration directory needed)
  local db=$1
  shift
  OUT=$("$SHOAL" "$@" --hosts "$(hosts "$db")" --user postgres 2>&1)
  RC=$?
}
states() {  # DB → each node's steering state, comma separated
  q_all "$1" "SELECT state FROM shoal.control_state()" | paste -sd, -
}
json() {  # PYTHON_EXPRESSION over the JSON document d in $OUT
  python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$OUT"
}
applies() {  # DB → apply events of V4 over the fleet
  sum_all "$1" "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version = '$V4'"
}

fleet_create steer 4
run_shoal steer "$BASIC" apply
is "$RC" 0 "setup: the fleet is at the basic head"

echo "# 1. pause --dry-run says what it would do and changes nothing"
steer steer pause --reason "deploy hold" --dry-run
is "$RC" 0 "exit 0"
is "$(grep -c 'now running; would pause' <<<"$OUT")" 3 "every node: running now, would pause"
like "$OUT" "dry run: 3 of 3 node\(s\) would change; nothing changed" "and nothing changed"
is "$(states steer)" "running,running,running" "every node still running"
is "$(sum_all steer "SELECT count(*) FROM shoal.event WHERE action = 'pause'")" 0 "no pause event"

echo "# 2. pause without a run: every node, role and reason recorded"
steer steer pause --reason "deploy hold" --json
is "$RC" 0 "exit 0"
is "$(json "[n['after']['state'] for n in d['nodes']] == ['paused']*3 and all(n['changed'] for n in d['nodes'])")" True \
  "the JSON says every node changed to paused"
is "$(json "[{n['after']['by'] for n in d['nodes']}, {n['after']['reason'] for n in d['nodes']}, d['reason']]")" \
  "[{'postgres'}, {'deploy hold'}, 'deploy hold']" "by the role, with the reason"
is "$(json "all(n['after']['since'].endswith('Z') and 'T' in n['after']['since'] for n in d['nodes'])")" True \
  "since is ISO 8601 UTC"
is "$(python3 "$CLUSTER_ROOT/test/cluster/json_shape.py" "$CLUSTER_ROOT/docs/json.md" pause <<<"$OUT" 2>&1)" "" \
  "the document has the shape of docs/json.md's example"
is "$(states steer)" "paused,paused,paused" "every node is paused"
is "$(q_all steer "SELECT role || ':' || detail FROM shoal.event WHERE action = 'pause'" | sort -u)" "postgres:deploy hold" \
  "each node's pause event has the role and the reason"
steer steer pause --reason "again"
like "$OUT" "paused by postgres since [0-9T:.-]+Z: deploy hold \(unchanged\)" "a second pause changes nothing and says whose pause holds"

echo "# 3. status shows the steering of every node"
run_shoal steer "$BASIC" status
is "$(grep -c 'steering: paused by postgres since .*: deploy hold' <<<"$OUT")" 3 "a steering line per node"
run_shoal steer "$BASIC" status --json
is "$(json "[n['steering']['state'] + '/' + n['steering']['reason'] for n in d['nodes']]")" \
  "['paused/deploy hold', 'paused/deploy hold', 'paused/deploy hold']" "and in the JSON"

echo "# 4. an apply on a paused fleet says so at once and waits; psql's resume on one node does not resume the fleet"
start_shoal steer "$SLOW" "$WORK/paused.log" apply --parallelism 1
run=$SHOAL_PID
said_paused() { grep -q "the fleet is paused: 127.0.0.1:[0-9]* paused by postgres since .*: deploy hold" "$WORK/paused.log"; }
wait_for 30 said_paused
ok $? "the apply says the fleet is paused, by whom, since when and why"
waits() { grep -q "nothing new starts until resumed" "$WORK/paused.log"; }
wait_for 30 waits
ok $? "and that it waits"
resumed_one=$(psql -X -At -h 127.0.0.1 -p "${PORT[node1]}" -U postgres -d steer -c "SELECT shoal.resume('just node1')" 2>&1)
like "$resumed_one" "NOTICE: +shoal.resume\(\) resumes this node only; a run stays paused while any node of its fleet is paused" \
  "shoal.resume() in psql says it resumed its node only"
said_still() { grep -q "resumed on 127.0.0.1:${PORT[node1]}, but the run stays paused by postgres on" "$WORK/paused.log"; }
wait_for 30 said_still
ok $? "the run says it stays paused for the other nodes"
is "$(applies steer)" 0 "nothing started while paused"
ok "$(kill -0 "$run" 2>/dev/null; echo $?)" "the run is still waiting"
steer steer resume --reason go
is "$RC" 0 "shoal resume exits 0"
like "$OUT" "resumed: every node reached is running" "and says the fleet runs"
is "$(states steer)" "running,running,running" "every node running"
wait "$run"
is "$?" 0 "the waiting apply completes"
is "$(count_at steer $V4)" 12 "every schema at head"

echo "# 5. cancel: nothing to cancel without a run; a running apply ends with exit 8"
steer steer cancel --reason "no run"
is "$RC" 0 "exit 0"
like "$OUT" "no run in progress: nothing cancelled" "without a run there is nothing to cancel"
is "$(states steer)" "running,running,running" "and nothing changed"
run_shoal steer "$SLOW" undo $V4
is "$RC" 0 "setup: undo the version again"
# Held by a pause, the run is certainly in progress when the cancel comes.
steer steer pause --reason "hold"
start_shoal steer "$SLOW" "$WORK/cancel.log" apply --parallelism 1
run=$SHOAL_PID
held() { grep -q "nothing new starts until resumed" "$WORK/cancel.log"; }
wait_for 30 held
ok $? "the run is in progress, held"
steer steer cancel --reason "wrong build" --json
is "$RC" 0 "shoal cancel exits 0"
is "$(json "sum(n['changed'] for n in d['nodes'])")" 3 "it cancelled the run on every node"
wait "$run"
is "$?" 8 "the run exits with the cancelled code"
like "$(cat "$WORK/cancel.log")" "cancelled by postgres on 127.0.0.1:[0-9]+: wrong build" "saying by whom and why"
is "$(q_all steer "SELECT role || ':' || detail FROM shoal.event WHERE action = 'cancel'" | sort -u)" "postgres:wrong build" \
  "each node's cancel event has the role and the reason"

echo "# 6. a node that cannot be reached: the others are steered, exit 5"
pgserver_stop node3
steer steer resume --reason "node3 down"
is "$RC" 5 "exit 5"
like "$OUT" "shoal: 127.0.0.1:${PORT[node3]}: " "the unreachable node is named"
is "$(q node1 steer "SELECT state FROM shoal.control_state()"),$(q node2 steer "SELECT state FROM shoal.control_state()")" \
  "running,running" "the nodes reached are resumed from the cancel"

done_testing
