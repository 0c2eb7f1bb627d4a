#!/usr/bin/env bash
# `shoal check` is pg-mig's deploy gate (issue 16, item 9): it needs nothing but
# public.mig_digest_const() on each node, so it gates a fleet pg-mig migrates,
# without the extension. Every command that does need the extension says so
# with exit code 7, naming the node and the SQL that fixes it.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
trap 'pgserver_cleanup' EXIT
V3=20250101000003.email-idx.sh

closed_port() {  # a loopback port nothing listens on
  local port
  for port in $(seq 20000 20100); do _pgserver_port_free "$port" && { echo "$port"; return; }; done
}

# What pg-mig's saveDigest leaves on a node.
pgmig_saves_digest() {  # NODE DB DIGEST
  q "$1" "$2" "CREATE OR REPLACE FUNCTION public.mig_digest_const() RETURNS text
      LANGUAGE sql SET search_path FROM CURRENT AS
      \$\$ SELECT '$3'; \$\$;" >/dev/null
}

# A fleet pg-mig migrated: shards, no extension.
for node in "${NODES[@]}"; do
  q "$node" postgres "CREATE DATABASE pgmig" >/dev/null
  q "$node" pgmig "CREATE SCHEMA sh0001" >/dev/null
done
digest=$(code_digest "$BASIC")
for node in "${NODES[@]}"; do pgmig_saves_digest "$node" pgmig "$digest"; done

echo "# check on a fleet without the extension"
run_shoal pgmig "$BASIC" check
is "$RC" 0 "check exits 0 on an up-to-date pg-mig fleet"
is "$(tail -n 1 <<<"$OUT")" "up to date" "and says up to date"
is "$(q_all pgmig "SELECT count(*) FROM pg_extension WHERE extname = 'shoal'" | sort -u)" 0 \
  "and needs no extension"
json=$("$SHOAL" check --json --migdir "$BASIC" --hosts "$(hosts pgmig)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["exit_code"], [n["up_to_date"] for n in d["nodes"]])' "$json")" \
  "0 [True, True, True]" "check --json says the same"

old=$(printf '%s\n' 20250101000000.settings.public 20250101000001.users.sh | \
      (cd "$(mktemp -d)" && while read -r v; do : >"$v.up.sql"; : >"$v.dn.sql"; done && "$SHOAL" digest --migdir .))
pgmig_saves_digest node2 pgmig "$old"
run_shoal pgmig "$BASIC" check
is "$RC" 6 "a node with an older digest: exit 6"
is "$(tail -n 1 <<<"$OUT")" "NOT up to date" "and says NOT up to date"
like "$OUT" "127.0.0.1:${PORT[node2]}: $old \(behind\)" "naming the node"
pgmig_saves_digest node2 pgmig after-undo
run_shoal pgmig "$BASIC" check
is "$RC" 6 "pg-mig's after-undo marker on a node: exit 6"
q node2 pgmig "DROP FUNCTION public.mig_digest_const()" >/dev/null
run_shoal pgmig "$BASIC" check
is "$RC" 6 "a node without a digest: exit 6"
like "$OUT" "127.0.0.1:${PORT[node2]}: no digest \(behind\)" "it has no digest"
pgmig_saves_digest node2 pgmig "$digest"
dead=127.0.0.1:$(closed_port)
OUT=$("$SHOAL" check --migdir "$BASIC" --hosts "$(hosts pgmig),$dead/pgmig" --user postgres 2>&1)
is "$?" 5 "an unreachable node: exit 5"
like "$OUT" "$dead.*unreachable" "naming it"

echo "# the commands that need the extension: exit 7, the node and the fix"
n3="127.0.0.1:${PORT[node3]}"
for command in "status" "apply" "undo $V3" "verify" "lint --trace"; do
  run_shoal pgmig "$BASIC" $command
  is "$RC" 7 "$command without the extension: exit 7"
  like "$OUT" "$n3: .*CREATE EXTENSION shoal" "$command names the node and the SQL"
done
for node in node1 node2; do q "$node" pgmig "CREATE EXTENSION shoal" >/dev/null; done
q node3 pgmig "CREATE EXTENSION shoal VERSION '1.4'" >/dev/null
for command in "status" "apply" "verify"; do
  run_shoal pgmig "$BASIC" $command
  is "$RC" 7 "$command with an old extension on one node: exit 7"
  like "$OUT" "$n3: .*ALTER EXTENSION shoal UPDATE" "$command names the node and the SQL"
done
is "$(count_at pgmig $V3)" 0 "nothing ran"

done_testing
