#!/usr/bin/env bash
# The machine-readable run log (--log-json FILE: one JSON object per line per
# event) and metrics (--metrics FILE: Prometheus text), parsed and compared with
# what the servers recorded: a run with waves, one with a failure, one
# interrupted with SIGINT, one that loses a node; and outputs that cannot be
# written refused before anything runs.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V4=20250101000004.next.sh
LOG=$WORK/run.log
PROM=$WORK/shoal.prom

with_v4() {  # NAME UP_SQL → a copy of basic plus V4 with that body
  local dir=$WORK/$1
  cp -r "$BASIC" "$dir"
  printf '%s\n' "$2" >"$dir/$V4.up.sql"
  printf 'DROP TABLE IF EXISTS t4;\n' >"$dir/$V4.dn.sql"
  echo "$dir"
}
FAILING=$(with_v4 failing "CREATE TABLE t4 (id int);
DO \$\$ BEGIN IF to_regclass('broken') IS NOT NULL THEN RAISE EXCEPTION 'broken in %', current_schema(); END IF; END \$\$;")
GATED=$(with_v4 gated "$GATE_SQL
CREATE TABLE t4 (id int);")

# Evaluates a Python expression over the last run in $LOG (`log`, `events(name)`)
# and $PROM (`metric(name, node)`), after checking that every line of both parses:
# ISO 8601 UTC times, one JSON object per line, HELP and TYPE for every metric.
cat >"$WORK/read.py" <<'EOF'
import json, re, sys
log_path, prom_path, expr = sys.argv[1:4]
runs = []
for line in open(log_path):
    event = json.loads(line)
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', event['time']), event
    if not runs or runs[-1][0]['run'] != event['run']:
        runs.append([])
    runs[-1].append(event)
log = runs[-1]
def events(name):
    return [e for e in log if e['event'] == name]
values, described = {}, set()
for line in open(prom_path):
    line = line.rstrip('\n')
    if line.startswith('# '):
        kind, name = line.split()[1:3]
        described.add((kind, name))
        continue
    match = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
    assert match, line
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ''))
    assert ('HELP', match.group(1)) in described and ('TYPE', match.group(1)) in described, line
    values[(match.group(1), labels.get('node'))] = float(match.group(3))
def metric(name, node=None):
    return values[(name, node)]
print(eval(expr))
EOF
read_outputs() { python3 "$WORK/read.py" "$LOG" "$PROM" "$1"; }
node_of() { echo "127.0.0.1:${PORT[$1]}"; }
applies_on() {  # NODE DB VERSION → apply events of VERSION there
  q "$1" "$2" "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version = '$3'"
}

echo "# 1. outputs that cannot be written: usage error, nothing runs"
fleet_create refused 2
run_shoal refused "$BASIC" apply --log-json "$WORK/no/such/dir/run.log"
is "$RC" 2 "--log-json in a missing directory: exit 2"
like "$OUT" "--log-json $WORK/no/such/dir/run.log: No such file or directory" "naming the file and why"
run_shoal refused "$BASIC" apply --metrics "$WORK/no/such/dir/shoal.prom"
is "$RC" 2 "--metrics in a missing directory: exit 2"
is "$(sum_all refused "SELECT count(*) FROM shoal.event") $(sum_all refused "SELECT count(*) FROM shoal.run")" "0 0" \
  "no event, the run lock never taken"

echo "# 2. a run in waves, then a run with a failure"
fleet_create logged 4
run_shoal logged "$BASIC" apply --waves 50,100 --log-json "$LOG" --metrics "$PROM"
is "$RC" 0 "apply in waves exits 0"
is "$(read_outputs "[e['wave'] for e in events('wave_started')]")" "['wave 1 (50%)', 'wave 2 (100%)']" "both waves logged"
is "$(read_outputs "len(events('step_finished')), len(events('step_started'))")" \
  "($(sum_all logged "SELECT count(*) FROM shoal.event WHERE action = 'apply'"), $(sum_all logged "SELECT count(*) FROM shoal.event WHERE action = 'apply'"))" \
  "a started and a finished line per apply the servers recorded"
is "$(read_outputs "[log[0]['event'], log[-1]['event'], log[-1]['exit_code'], log[-1]['done']]")" \
  "['run_started', 'run_finished', 0, $(sum_all logged "SELECT count(*) FROM shoal.event WHERE action = 'apply'")]" \
  "the run's first and last lines"
q node2 logged "CREATE TABLE sh0001.broken ()"
run_shoal logged "$FAILING" apply --log-json "$LOG" --metrics "$PROM"
is "$RC" 1 "the run with a failure exits 1"
is "$(read_outputs "[(e['node'], e['schema'], e['version'], e['sqlstate']) for e in events('step_failed')]")" \
  "[('$(node_of node2)', 'sh0001', '$V4', 'P0001')]" "the failure is logged with node, schema, version and SQLSTATE"
is "$(read_outputs "len(events('step_finished')), log[-1]['exit_code'], log[-1]['failed']")" \
  "($(sum_all logged "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version = '$V4'"), 1, 1)" \
  "a finished line per apply of the version, and the run's end"
for node in node1 node2 node3; do
  is "$(read_outputs "int(metric('shoal_run_steps_done', '$(node_of $node)'))")" "$(applies_on $node logged $V4)" \
    "metrics: steps done on $node as its server recorded them"
done
is "$(read_outputs "[int(metric('shoal_run_schemas_failed', '$(node_of node2)')), int(metric('shoal_run_exit_code'))]")" \
  "[1, 1]" "metrics: the failed schema on node2 and the exit code"
is "$(find "$WORK" -name 'shoal.prom.tmp*' | wc -l)" 0 "no temporary metrics file left"

echo "# 3. SIGINT: what happened is logged and measured"
fleet_create interrupted 4
run_shoal interrupted "$BASIC" apply
close_gate interrupted node2
start_shoal interrupted "$GATED" "$WORK/int.out" apply --parallelism 1 --log-json "$LOG" --metrics "$PROM"
others_done_node2_waits() {  # nodes 1 and 3 finished their four schemas; node2 is at the gate
  [ "$(applies_on node1 interrupted $V4)" -eq 4 ] && [ "$(applies_on node3 interrupted $V4)" -eq 4 ] &&
    [ "$(waiting_at_gate interrupted)" -eq 1 ]
}
wait_for 60 others_done_node2_waits
kill -INT "$SHOAL_PID"
wait "$SHOAL_PID"
is "$?" 130 "the interrupted run exits 130"
open_gate interrupted
done_v4=$(sum_all interrupted "SELECT count(*) FROM shoal.event WHERE action = 'apply' AND version = '$V4'")
is "$(read_outputs "len(events('interrupted')), len(events('step_finished')), log[-1]['exit_code']")" "(1, $done_v4, 130)" \
  "the log has the interrupt, a finished line per committed step, and the end"
is "$(read_outputs "int(sum(v for (n, _), v in values.items() if n == 'shoal_run_steps_done')), int(metric('shoal_run_exit_code'))")" \
  "($done_v4, 130)" "metrics: the committed steps and exit code 130"
ok "$([ "$done_v4" -lt 12 ]; echo $?)" "the run stopped early ($done_v4 of 12)"

echo "# 4. a node lost mid-run appears in both"
fleet_create lost 4
run_shoal lost "$BASIC" apply
close_gate lost node2
start_shoal lost "$GATED" "$WORK/lost.out" apply --parallelism 1 --log-json "$LOG" --metrics "$PROM"
node2_waits() { [ "$(waiting_at_gate lost)" -eq 1 ]; }
wait_for 60 node2_waits
pgserver_kill node2
wait "$SHOAL_PID"
is "$?" 5 "the run exits with the partial-run code"
is "$(read_outputs "[e['node'] for e in events('node_lost')]")" "['$(node_of node2)']" "the log names the lost node"
is "$(read_outputs "[int(metric('shoal_run_node_lost', n)) for n in ['$(node_of node1)', '$(node_of node2)', '$(node_of node3)']]")" \
  "[0, 1, 0]" "metrics: node2 lost, the others not"
pgserver_restart node2

done_testing
