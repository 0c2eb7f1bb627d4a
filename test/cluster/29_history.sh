#!/usr/bin/env bash
# shoal history (issue 18, item 4): shoal.event of every node, newest first,
# filtered by --version, --action, --since and cut at --limit; a CREATE INDEX
# CONCURRENTLY version (recorded with mig_mark) shown as the apply it was, a
# mark by hand as a mark; bad filters are usage errors naming what is valid; an
# unreachable node or one without the extension is named while the others
# answer; hostile names and bytes in shoal.event stay on their line.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=$USERS_V1 V2=$USERS_V2 V3=20250101000003.by-hand.sh
MIG=$WORK/mig
users_email_dir "$MIG"
N1=127.0.0.1:${PORT[node1]}
history() {  # DB ARGS… → OUT (stdout only) and RC
  local db=$1
  shift
  OUT=$("$SHOAL" history "$@" --migdir "$MIG" --hosts "$(hosts "$db")" --user postgres 2>"$WORK/err")
  RC=$?
}

fleet_create app 2  # two schemas per node
run_shoal app "$MIG" apply
is "$RC" 0 "V1 and the CONCURRENTLY V2 apply to six schemas"
printf 'ALTER TABLE users ADD COLUMN nick text;\n' >"$MIG/$V3.up.sql"
printf 'ALTER TABLE users DROP COLUMN nick;\n' >"$MIG/$V3.dn.sql"
q node1 app "SELECT shoal.mig_mark('sh0000', '$V3', '');
             SELECT shoal.pause('deploy freeze'); SELECT shoal.resume('thaw')" >/dev/null

echo "# newest first across the nodes"
history app
is "$RC" 0 "history exits 0"
is "$(wc -l <<<"$OUT")" 15 "12 applies, a mark, a pause and a resume"
like "$(head -1 <<<"$OUT")" "^[0-9-]{10}T[0-9:]{8}Z  $N1  -  +-  +resume  postgres  thaw$" \
  "the newest first: the resume, with its time in UTC"
is "$(cut -d' ' -f1 <<<"$OUT" | sort -r)" "$(cut -d' ' -f1 <<<"$OUT")" "times never increase down the list"
is "$(grep -cE " $V2 +apply +postgres  recorded as mark: shoal runs this version itself$" <<<"$OUT")" 6 \
  "the CONCURRENTLY version: six applies, each saying it was recorded as a mark"
is "$(grep -cE " sh0000 +$V3 +mark +postgres" <<<"$OUT")" 1 "the mark by hand is a mark"

echo "# filters"
history app --action apply
is "$(wc -l <<<"$OUT")" 12 "--action apply: the six of V1 and the six of V2"
history app --action mark
is "$(awk '{print $3, $4, $5}' <<<"$OUT")" "sh0000 $V3 mark" "--action mark: only the hand-made one"
history app --version "$V2.up.sql"
is "$(awk '{print $5}' <<<"$OUT" | sort | uniq -c | awk '{print $1, $2}')" "6 apply" \
  "--version (a file name works too): V2's six events"
history app --since 1h
is "$(wc -l <<<"$OUT")" 15 "--since 1h: everything"
history app --since 2099-01-01
is "$OUT" "no events" "--since a future date: nothing, and it says so"
history app --limit 3
is "$(wc -l <<<"$OUT")" 3 "--limit 3: three lines"
like "$(head -1 <<<"$OUT")" " resume " "the three newest"

echo "# usage errors"
history app --action applied
is "$RC" 2 "an unknown action: exit 2"
like "$(cat "$WORK/err")" "--action must be one of apply, undo, mark, forget, fail, pause, resume, cancel, expand, backfilled, contract, abort, not \"applied\"" \
  "naming the valid ones"
history app --since yesterday
is "$RC" 2 "an unreadable --since: exit 2"
like "$(cat "$WORK/err")" "--since takes a UTC date or time" "saying what it takes"

echo "# --json"
history app --json --limit 100
is "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
e = d["events"]
times = [x["time"] for x in e]
v2 = {(x["action"], x["recorded_action"]) for x in e if x["version"] == sys.argv[2]}
print(d["complete"], len(e), times == sorted(times, reverse=True), v2, e[0]["schema"], e[0]["action"], e[0]["detail"])' "$OUT" "$V2")" \
  "True 15 True {('apply', 'mark')} None resume thaw" "every event, newest first, the CONCURRENTLY apply with what was recorded"
is "$(python3 "$CLUSTER_ROOT/test/cluster/json_shape.py" "$CLUSTER_ROOT/docs/json.md" history <<<"$OUT" 2>&1)" "" \
  "the document has docs/json.md's shape"

echo "# hostile names and bytes in shoal.event"
q node2 app "INSERT INTO shoal.event (schema, version, action, role, started_at, finished_at, detail)
             VALUES (E'sh0001\n2099-01-01T00:00:00Z  forged', E'v\\x1b[2J', 'fail', 'postgres', now(), now(),
                     E'line one\nline two\\x07')" >/dev/null
history app --action fail
is "$(wc -l <<<"$OUT")" 1 "one failure, one line"
like "$OUT" '"sh0001\\n2099-01-01T00:00:00Z  forged"' "the schema name is quoted and escaped"
like "$OUT" 'line one\\nline two\\x07$' "the detail stays on its line"
like "$OUT" '"v\\x1b\[2J"' "the version's escape byte is shown, not sent to the terminal"

echo "# an unreachable node and a node without the extension"
DOWN=127.0.0.1:$(free_port)
OUT=$("$SHOAL" history --migdir "$MIG" --hosts "$(hosts app),$DOWN/app" --user postgres 2>&1)
is "$?" 5 "an unreachable node: exit 5"
like "$OUT" "^$DOWN: not read: " "it is named"
like "$OUT" " resume " "the others still answer"
q node3 app "DROP EXTENSION shoal" >/dev/null
history app
is "$RC" 7 "a node without the extension: exit 7"
like "$(cat "$WORK/err")" "CREATE EXTENSION shoal" "naming the SQL"
like "$OUT" " resume " "the others still answer"

echo "# an empty fleet"
fleet_create empty 0
history empty
is "$RC" 0 "no events anywhere: exit 0"
is "$OUT" "no events" "and it says so"

done_testing
