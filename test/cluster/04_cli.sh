#!/usr/bin/env bash
# The command line around a run: unreachable nodes (refused, or skipped with
# --skip-unreachable), a node without the extension (named, with the SQL that
# fixes it, or --install-extension), --dry-run and --json documents, status.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
V3=20250101000003.email-idx.sh
trap 'pgserver_cleanup' EXIT

closed_port() {  # a loopback port nothing listens on
  local port
  for port in $(seq 20000 20100); do _pgserver_port_free "$port" && { echo "$port"; return; }; done
}

echo "# unreachable nodes"
fleet_create reach 10
dead=127.0.0.1:$(closed_port)
OUT=$("$SHOAL" apply --migdir "$BASIC" --hosts "$(hosts reach),$dead/reach" --user postgres 2>&1)
RC=$?
is "$RC" 5 "a run with an unreachable node refuses to start"
like "$OUT" "$dead.*unreachable" "it names the node"
is "$(count_at reach $V3)" 0 "nothing ran"
OUT=$("$SHOAL" apply --migdir "$BASIC" --hosts "$(hosts reach),$dead/reach" --user postgres --skip-unreachable 2>&1)
RC=$?
is "$RC" 5 "--skip-unreachable runs and exits with the partial code"
like "$OUT" "skipped \(unreachable\): $dead" "the summary says which node was skipped"
is "$(count_at reach $V3)" 30 "the reachable nodes are at head"

echo "# two databases on one server are two nodes"
fleet_create twin_a 1
fleet_create twin_b 1
p1=${PORT[node1]}
OUT=$("$SHOAL" apply --migdir "$BASIC" --hosts "127.0.0.1:$p1/twin_a,127.0.0.1:$p1/twin_b" --user postgres 2>&1)
is "$?" 0 "apply on two databases of one server succeeds"
is "$(q node1 twin_a "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")/$(
      q node1 twin_b "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")" "1/1" \
  "each database's schemas are at head"
OUT=$("$SHOAL" apply --migdir "$BASIC" --hosts "127.0.0.1:$p1/twin_a,127.0.0.1:$p1/twin_a" --user postgres 2>&1)
is "$?" 2 "one database listed twice is a usage error"
like "$OUT" "listed twice" "and says so"

echo "# the extension"
fleet_create noext 1
q node3 noext "DROP EXTENSION shoal"
run_shoal noext "$BASIC" apply
is "$RC" 7 "a node without the extension stops the run with its own exit code"
like "$OUT" "127.0.0.1:${PORT[node3]}.*CREATE EXTENSION shoal" "the error names the node and the SQL to fix it"
is "$(q node1 noext "SELECT count(*) FROM shoal.event")" 0 "nothing ran"
run_shoal noext "$BASIC" apply --install-extension
is "$RC" 0 "--install-extension creates it and the run goes on"
is "$(q node3 noext "SELECT extversion FROM pg_extension WHERE extname = 'shoal'")" \
  "$(q node3 postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'shoal'")" "at the newest version"
is "$(count_at noext $V3)" 3 "every schema at head"

echo "# --dry-run and --json"
fleet_create js 10
run_shoal js "$BASIC" apply --dry-run
is "$RC" 0 "--dry-run exits 0"
like "$OUT" "$V3.*30 schemas" "the plan counts schemas per version"
is "$(count_at js $V3)" 0 "--dry-run changes nothing"
json=$("$SHOAL" apply --dry-run --json --migdir "$BASIC" --hosts "$(hosts js)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["steps"], len(d["versions"]))' "$json")" "93 4" \
  "--dry-run --json is one document with the steps and versions"
json=$("$SHOAL" apply --json --migdir "$BASIC" --hosts "$(hosts js)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["exit_code"], d["done"], d["failed"])' "$json")" "0 93 0" \
  "apply --json reports exit code, done and failed"
json=$("$SHOAL" apply --json --migdir "$BASIC" --hosts "$(hosts js)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["nothing_to_do"])' "$json")" "True" \
  "a rerun with --json says nothing to do"

echo "# status"
q node2 js "INSERT INTO sh0001.users VALUES (2, 'X')"
bad=$(mktemp -d)
cp -r "$BASIC"/. "$bad"
printf 'ALTER TABLE users ADD CONSTRAINT lower_email CHECK (email = lower(email));\n' >"$bad/20250101000004.check.sh.up.sql"
printf 'ALTER TABLE users DROP CONSTRAINT lower_email;\n' >"$bad/20250101000004.check.sh.dn.sql"
run_shoal js "$bad" apply
run_shoal js "$bad" status
is "$RC" 0 "status exits 0"
like "$OUT" "127.0.0.1:${PORT[node2]}.*: 11 schemas: 10 up to date, 1 behind \(1 of them failed: sh0001\)" \
  "status counts up to date and behind schemas per node, and the failed ones among the behind"
like "$OUT" "run lock: free" "and shows the run lock"
json=$("$SHOAL" status --json --migdir "$bad" --hosts "$(hosts js)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(n["behind"] for n in d["nodes"]), sum(n["failed"] for n in d["nodes"]))' "$json")" \
  "1 1" "status --json has the same counts"
# A version in a stamp that the directory does not have: not "up to date".
q node3 js "SELECT shoal.mig_mark('sh0002', '20250101000009.from-another-branch.sh', 'x')" >/dev/null
run_shoal js "$bad" status
like "$OUT" "127.0.0.1:${PORT[node3]}.*: 11 schemas: 10 up to date, 0 behind, 1 at odds with the directory" \
  "a schema holding a version not on disk is counted apart, not up to date"
like "$OUT" "problem: 20250101000009.from-another-branch.sh: .* — 1 schema: .*:sh0002" "and the problem names the version and the schema, grouped"
rm -rf "$bad"

done_testing
