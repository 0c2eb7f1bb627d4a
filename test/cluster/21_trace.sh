#!/usr/bin/env bash
# lint --trace across three nodes × 20 microshards + public: a fleet at the
# basic directory's head, four pending versions (dirs/trace): one rewrites a
# table with rows (flagged: ACCESS EXCLUSIVE and rewrite), one is harmless
# (CREATE TABLE), one fails (an error at its file:line, exit 3), one is
# CONCURRENTLY (not traceable). The text and --json reports say so, a single
# named version is traced on the state its predecessors leave, and afterwards
# nothing has changed: stamps, fingerprints, relfilenodes, events, no leftover
# object, no lock held. Times are reported, never asserted.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-trace.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
MIG=$WORK/mig
cp -r "$DIRS/basic" "$MIG" && cp "$DIRS"/trace/*.sql "$MIG"/
TOKEN=20250101000004.token.sh AUDIT=20250101000005.audit.sh BROKEN=20250101000006.broken.sh
IDX=20250101000007.users-name-idx.sh

json_field() {  # PYTHON_EXPRESSION (on j; t = the traces by version) ← JSON on stdin
  python3 -c "import json,sys; j=json.load(sys.stdin); t={x['version']: x for x in j['trace']}; print($1)"
}

# Everything the trace must leave as it was, on every node.
state() {
  q_all trace "SELECT schema, array_to_string(versions, ',') FROM shoal.stamps() ORDER BY 1"
  q_all trace "SELECT schema, fingerprint FROM shoal.schema_fingerprints(NULL) ORDER BY 1"
  q_all trace "SELECT n.nspname, c.relname, c.relfilenode FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'sh%' ORDER BY 1, 2"
  q_all trace "SELECT count(*), max(id) FROM shoal.event"
  q_all trace "SELECT count(*) FROM shoal.script"
}

echo "# 1. a fleet at the basic head; four versions pending"
fleet_create trace 20
run_shoal trace "$DIRS/basic" apply
is "$RC" 0 "apply of the basic directory exits 0"
BEFORE=$(state)

echo "# 2. the text report"
run_shoal trace "$MIG" lint --trace
is "$RC" 3 "lint --trace exits 3: a version failed on its canary"
at1="127\.0\.0\.1:${PORT[node1]}"
like "$OUT" "^trace $TOKEN on $at1, schema sh0000:$" "the rewrite is traced on the first schema lacking it"
like "$OUT" "^  [^ ]*/mig/$TOKEN\.up\.sql:3  [0-9.]+ ms  ALTER TABLE users ADD COLUMN token" \
  "its statement is timed at its own line, past the leading comments"
like "$OUT" "^    lock ACCESS EXCLUSIVE on users \(table with rows\)$" "ACCESS EXCLUSIVE on a table with rows is seen"
like "$OUT" "^    rewrote users$" "the rewrite is seen (relfilenode changed)"
like "$OUT" "^[^ ]*/mig/$TOKEN\.up\.sql:3: warning \[trace-access-exclusive\]" "and flagged as a warning"
like "$OUT" "^[^ ]*/mig/$TOKEN\.up\.sql:3: warning \[trace-rewrite\]" "the rewrite too"
like "$OUT" "^  [0-9.]+ ms per schema x 60 schemas pending / parallelism [0-9]+ = about [0-9.]+ s over the fleet$" \
  "the fleet estimate counts the 60 schemas lacking it"
like "$OUT" "^trace $AUDIT on $at1, schema sh0000:$" "the harmless version is traced after it, in the same transaction"
like "$OUT" "^    lock ACCESS EXCLUSIVE on audit$" "its new table's lock is reported, without rows"
is "$(grep -c "^[^ ]*/mig/$AUDIT.*\[trace-" <<<"$OUT")" 0 "and it has no finding"
like "$OUT" "^[^ ]*/mig/$BROKEN\.up\.sql:2: error \[trace-failed\] INSERT INTO no_such_table" \
  "the failing version is an error at the failing statement's file:line"
like "$OUT" "relation \"no_such_table\" does not exist \(SQLSTATE 42P01\)" "with PostgreSQL's message"
like "$OUT" "^trace $IDX on $at1, schema sh0000: not traceable: a solo version" "CONCURRENTLY is not traceable"
like "$OUT" "^shoal lint: 4 versions, 1 error, 2 warnings, 1 waived$" \
  "the summary counts the pending versions and the trace's findings with lint's"
is "$(state)" "$BEFORE" "nothing changed: stamps, fingerprints, relfilenodes, events, staged scripts"

echo "# 3. --json"
run_shoal trace "$MIG" lint --trace --json
is "$RC" 3 "lint --trace --json exits 3"
is "$(json_field "t['$TOKEN']['state'], t['$TOKEN']['statements'][0]['rewrote'], t['$TOKEN']['schemas_pending']" <<<"$OUT")" \
  "traced ['users'] 60" "--json: the rewrite, and the schemas pending"
is "$(json_field "[l['mode'] for l in t['$TOKEN']['statements'][0]['locks'] if l['relation'] == 'users' and l['table_with_rows']]" <<<"$OUT")" \
  "['ACCESS EXCLUSIVE']" "--json: ACCESS EXCLUSIVE on users, a table with rows"
is "$(json_field "t['$AUDIT']['state'], t['$BROKEN']['state'], t['$BROKEN']['statements'][-1]['line'], t['$IDX']['state']" <<<"$OUT")" \
  "traced failed 2 not-traceable" "--json: harmless traced, broken failed at line 2, CONCURRENTLY not traceable"
is "$(json_field "sorted(f['rule'] for f in j['findings'] if f['rule'].startswith('trace-'))" <<<"$OUT")" \
  "['trace-access-exclusive', 'trace-failed', 'trace-rewrite']" "--json: the trace's findings"
is "$(state)" "$BEFORE" "nothing changed after the --json trace either"

echo "# 4. one named version, traced on the state its predecessor leaves"
run_shoal trace "$MIG" lint --trace "$AUDIT"
is "$RC" 0 "tracing only the harmless version exits 0"
like "$OUT" "^trace $AUDIT on $at1, schema sh0000:$" "it is traced"
is "$(grep -c '^trace ' <<<"$OUT")" 1 "and only it (its predecessor ran untraced in the same transaction)"
run_shoal trace "$MIG" lint --trace 20250101000001.users.sh
like "$OUT" "^trace 20250101000001\.users\.sh: not traced: no schema of the reachable fleet lacks it$" \
  "an applied version is reported as not pending"

echo "# 5. nothing remains"
is "$(state)" "$BEFORE" "stamps, fingerprints and relfilenodes are what they were"
is "$(sum_all trace "SELECT count(*) FROM pg_tables WHERE tablename = 'audit'")" 0 "no audit table anywhere"
is "$(sum_all trace "SELECT count(*) FROM information_schema.columns WHERE column_name = 'token'")" 0 "no token column anywhere"
is "$(sum_all trace "SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid()")" 0 "no lock held by any other session"
is "$(sum_all trace "SELECT count(*) FROM pg_stat_activity WHERE datname = 'trace' AND pid <> pg_backend_pid()")" 0 \
  "no session left behind"

done_testing
