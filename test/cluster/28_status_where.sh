#!/usr/bin/env bash
# status answers "what is missing where" (issue 18, item 3): per node, the
# pending versions with the schemas lacking them collapsed into one line per
# group, the failed schemas with their recorded error, the role of the last
# event; all of it in --json. A node that cannot be reached is named while the
# others answer (exit 5); a hostile schema name cannot forge a line.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V3=20250101000003.email-idx.sh V4=20250101000004.email-check.sh V5=20250101000005.nick.sh
MIG=$WORK/mig
cp -r "$DIRS/basic" "$MIG"
N1=127.0.0.1:${PORT[node1]} N2=127.0.0.1:${PORT[node2]} N3=127.0.0.1:${PORT[node3]}

fleet_create app 10  # node1: sh0000, sh0003, …, sh0027; node2: sh0001, sh0004, …
run_shoal app "$MIG" apply
is "$RC" 0 "the basic chain applies"
q node2 app "INSERT INTO sh0001.users VALUES (2, 'UPPER@example.com');
             INSERT INTO sh0004.users VALUES (2, 'UPPER@example.com')" >/dev/null
printf 'ALTER TABLE users ADD CONSTRAINT email_lower CHECK (email = lower(email));\n' >"$MIG/$V4.up.sql"
printf 'ALTER TABLE users DROP CONSTRAINT email_lower;\n' >"$MIG/$V4.dn.sql"
run_shoal app "$MIG" apply
is "$RC" 1 "V4 fails on sh0001 and sh0004"
printf 'ALTER TABLE users ADD COLUMN nick text;\n' >"$MIG/$V5.up.sql"
printf 'ALTER TABLE users DROP COLUMN nick;\n' >"$MIG/$V5.dn.sql"

echo "# one line per group of schemas lacking the same versions"
run_shoal app "$MIG" status
is "$RC" 0 "status exits 0"
like "$OUT" "^  pending: sh0000,0003,0006,0009,0012,0015,0018,0021,0024,0027 \(10\) lack $V5$" \
  "node1: its ten schemas lack V5, on one line"
like "$OUT" "^  pending: sh0007,0010,0013,0016,0019,0022,0025,0028 \(8\) lack $V5$" \
  "node2: eight schemas lack V5 only"
like "$OUT" "^  pending: sh0001,0004 \(2\) lack $V4, $V5$" "node2: the failed two lack V4 and V5"
like "$OUT" "^  failed: $V4: check constraint \"email_lower\" of relation \"users\" is violated by some row \(SQLSTATE 23514\) — 2 schemas: $N2:sh0001,0004$" \
  "node2: the failed schemas with their recorded error, grouped"
is "$(grep -c '^  pending: ' <<<"$OUT")" 4 "four pending lines in all (node3: one group)"
like "$OUT" "^  last run: failed in .* by postgres \(apply, " "the last run's outcome and role"

echo "# --json: every group and failure"
OUT=$("$SHOAL" status --json --migdir "$MIG" --hosts "$(hosts app)" --user postgres 2>/dev/null)
is "$(python3 -c '
import json, sys
n = json.loads(sys.argv[1])["nodes"][1]
print(n["pending"], [(f["schema"], f["version"], f["message"][:31]) for f in n["failures"]], n["last_role"])' "$OUT")" \
  "[{'versions': ['$V5'], 'schemas': 8, 'where': ['sh0007,0010,0013,0016,0019,0022,0025,0028']}, {'versions': ['$V4', '$V5'], 'schemas': 2, 'where': ['sh0001,0004']}] [('sh0001', '$V4', 'check constraint \"email_lower\" '), ('sh0004', '$V4', 'check constraint \"email_lower\" ')] postgres" \
  "node2's pending groups, failures and last role"

echo "# a hostile schema name is one escaped line"
q node1 app "CREATE SCHEMA \"sh9
  pending: sh0000 lacks nothing\"" >/dev/null
run_shoal app "$MIG" status
like "$OUT" '^  pending: "sh9\\n  pending: sh0000 lacks nothing" lacks 5 versions: ' \
  "the name is quoted and escaped: it cannot pass for a line of its own"
is "$(grep -c 'lacks nothing' <<<"$OUT")" 1 "and appears once"

echo "# an unreachable node: named, the others still answer, exit 5"
DOWN=127.0.0.1:$(free_port)
OUT=$("$SHOAL" status --migdir "$MIG" --hosts "$(hosts app),$DOWN/app" --user postgres 2>&1)
is "$?" 5 "exit 5"
like "$OUT" "^$DOWN: not read: " "the unreachable node is named"
like "$OUT" "^  pending: sh0001,0004 \(2\) lack $V4, $V5$" "the reachable nodes still answer"

done_testing
