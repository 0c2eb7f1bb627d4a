#!/usr/bin/env bash
# --dry-run changes nothing (issue 16, item 10), --install-extension included:
# it says per node what it would create or upgrade. A catalog snapshot of every
# node (extensions, functions, relations, the stamps, the digest and the rerun
# fingerprint, shoal.event and shoal.script) is the same before and after; and
# a dry run never needs the run lock, so it plans while another run holds it.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
trap 'kill -9 $(jobs -p) 2>/dev/null; pgserver_cleanup' EXIT
V3=20250101000003.email-idx.sh
NEWEST=$(q node1 postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'shoal'")

snapshot() {  # DB → one line per node
  q_all "$1" "SELECT concat_ws(' | ',
      (SELECT string_agg(extname || '=' || extversion, ',' ORDER BY extname) FROM pg_extension),
      (SELECT count(*) FROM pg_proc),
      (SELECT md5(string_agg(p.oid || n.nspname || '.' || p.proname || ':' || p.prosrc, ',' ORDER BY p.oid))
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')),
      (SELECT md5(string_agg(c.oid || c.relname, ',' ORDER BY c.oid)) FROM pg_class c),
      CASE WHEN to_regclass('shoal.event') IS NULL THEN 'no shoal.event' ELSE
        (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM shoal.event', false, true, '')))[1]::text END,
      CASE WHEN to_regclass('shoal.script') IS NULL THEN 'no shoal.script' ELSE
        (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM shoal.script', false, true, '')))[1]::text END)"
}

echo "# --install-extension --dry-run: one node without the extension, one with 1.4"
fleet_create dry 2
q node1 dry "DROP EXTENSION shoal" >/dev/null
q node2 dry "DROP EXTENSION shoal; CREATE EXTENSION shoal VERSION '1.4'" >/dev/null
n1="127.0.0.1:${PORT[node1]}" n2="127.0.0.1:${PORT[node2]}" n3="127.0.0.1:${PORT[node3]}"
before=$(snapshot dry)
run_shoal dry "$BASIC" apply --install-extension --dry-run
after=$(snapshot dry)
is "$RC" 0 "the dry run exits 0: the run it previews would install what is missing"
is "$after" "$before" "nothing changed on any node"
is "$(q node1 dry "SELECT count(*) FROM pg_extension WHERE extname = 'shoal'")/$(
      q node2 dry "SELECT extversion FROM pg_extension WHERE extname = 'shoal'")" "0/1.4" \
  "node1 still has no extension, node2 still 1.4"
like "$OUT" "$n1: would run CREATE EXTENSION shoal" "it names what it would create on node1"
like "$OUT" "$n2: would run ALTER EXTENSION shoal UPDATE \(1\.4 to $NEWEST\)" "and what it would upgrade on node2"
like "$OUT" "$V3.*: 2 schemas: $n3" "the node with the extension is planned"
like "$OUT" "dry run: nothing was changed" "and it says nothing was changed"
json=$("$SHOAL" apply --install-extension --dry-run --json --migdir "$BASIC" --hosts "$(hosts dry)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sorted(d["extension"].values()))' "$json")" \
  "['ALTER EXTENSION shoal UPDATE', 'CREATE EXTENSION shoal']" "--json names the SQL per node"
is "$(snapshot dry)" "$before" "nothing changed after the --json dry run either"
run_shoal dry "$BASIC" apply --dry-run
is "$RC" 7 "without --install-extension, a dry run names what is missing: exit 7"
like "$OUT" "$n1: .*CREATE EXTENSION shoal" "naming node1's fix"

echo "# a dry run takes no run lock, stages nothing, writes no digest or fingerprint"
q node1 dry "CREATE EXTENSION shoal" >/dev/null
q node2 dry "ALTER EXTENSION shoal UPDATE" >/dev/null
run_shoal dry "$BASIC" apply
is "$RC" 0 "a real run brings the fleet to the head"
q node2 dry "CREATE SCHEMA sh9999" >/dev/null
psql -X -q -At -h 127.0.0.1 -p "${PORT[node2]}" -U postgres -d dry \
  -c "SELECT shoal.lock_run('another run', 'x')" -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
holder=$!
lock_held() { [ "$(q node2 dry "SELECT count(*) FROM shoal.run_lock WHERE holder = 'another run'")" = 1 ]; }
wait_for 30 lock_held
ok $? "another run holds the run lock on node2"
before=$(snapshot dry)
run_shoal dry "$BASIC" apply --dry-run
after=$(snapshot dry)
is "$RC" 0 "the dry run plans while another run holds the lock"
like "$OUT" "$V3.*1 schema: $n2:sh9999" "and plans the new schema"
like "$OUT" "before\.sql, after\.sql: would run" "and says before.sql and after.sql would run"
is "$after" "$before" "nothing changed: no stage, no event, no digest, no fingerprint"
is "$(q node2 dry "SELECT count(*) FROM shoal.run_lock WHERE holder <> 'another run'")" 0 "no lock of the dry run is left"
kill "$holder"

done_testing
