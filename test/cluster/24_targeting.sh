#!/usr/bin/env bash
# Targeting (issue 18, item 1): --schemas, --to, --nodes and named canaries narrow
# what a run, status or verify covers; what they name must exist (exit 2, nothing
# ran); a narrowed run stores neither the digest nor the rerun fingerprint, so
# `shoal check` keeps failing until a run covers everything.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V0=20250101000000.settings.public V1=20250101000001.users.sh
V2=20250101000002.posts.sh V3=20250101000003.email-idx.sh V4=20250101000004.next.sh

events() {  # DB → events over the fleet
  sum_all "$1" "SELECT count(*) FROM shoal.event"
}
schemas_at() {  # DB VERSION → the schemas whose stamp ends with VERSION, sorted, comma separated
  q_all "$1" "SELECT schema FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$2'" | sort | paste -sd, -
}
stored() {  # DB → per node, the digest and whether a rerun fingerprint is stored (a run clears it to '')
  q_all "$1" "SELECT coalesce(shoal.digest(), 'none') || ' ' || (coalesce(shoal.rerun_fingerprint(), '') <> '')" | sort -u | paste -sd, -
}

# 12 shards: node1 sh0000,0003,0006,0009; node2 sh0001,…; node3 sh0002,….
fleet_create tgt 4

echo "# 1. what a target names must exist; nothing runs otherwise"
run_shoal tgt "$BASIC" apply --schemas 'sh0000-0002' --schemas 'zz*'
is "$RC" 2 "a --schemas item matching no schema is a usage error"
like "$OUT" '"zz\*" matches no schema on any node; nothing ran' "the error names the item"
run_shoal tgt "$BASIC" apply --to 20990101000000.nope.sh
is "$RC" 2 "--to naming no version is a usage error"
like "$OUT" "--to: no such version .*20990101000000.nope.sh" "the error names the version"
run_shoal tgt "$BASIC" apply --nodes 127.0.0.1:1/tgt
is "$RC" 2 "--nodes naming no node of --hosts is a usage error"
like "$OUT" "1 127.0.0.1:${PORT[node1]}, 2 127.0.0.1:${PORT[node2]}, 3 127.0.0.1:${PORT[node3]}" "the error lists the valid nodes"
run_shoal tgt "$BASIC" apply --canary sh0001,sh0042
is "$RC" 2 "a named canary that is no schema is a usage error"
like "$OUT" "--canary: sh0042 is no targeted schema" "the error names it"
run_shoal tgt "$BASIC" status --schemas 'nope*'
is "$RC" 2 "status: a pattern matching nothing is a usage error"
run_shoal tgt "$BASIC" verify --schemas 'nope*'
is "$RC" 2 "verify: likewise"
is "$(events tgt)" 0 "nothing ran"

echo "# 2. --schemas and --to: exactly the targeted set, in the dry run and the run"
run_shoal tgt "$BASIC" apply --dry-run --schemas sh0000-0003 --schemas sh0011 --to $V2
is "$RC" 0 "the dry run exits 0"
v1=$(grep "apply $V1: 5 schemas" <<<"$OUT")
ok "$(grep -q ":${PORT[node1]}:sh0000,0003," <<<"$v1, " && grep -q ":${PORT[node2]}:sh0001," <<<"$v1, " &&
  grep -q ":${PORT[node3]}:sh0002,0011," <<<"$v1, "; echo $?)" "the dry plan has exactly the 5 targeted schemas for V1"
like "$OUT" "apply $V2: 5 schemas" "and for V2"
ok "$(grep -Eq "$V3|$V0|sh0004" <<<"$OUT"; [ $? -ne 0 ]; echo $?)" "nothing past --to, nothing untargeted"
run_shoal tgt "$BASIC" apply --schemas sh0000-0003 --schemas sh0011 --to $V2
is "$RC" 0 "the narrowed run exits 0"
is "$(schemas_at tgt $V2)" "sh0000,sh0001,sh0002,sh0003,sh0011" "exactly the targeted schemas reached --to"
is "$(schemas_at tgt $V3)" "" "none went past it"
is "$(stored tgt)" "none false" "no digest, no rerun fingerprint"
run_shoal tgt "$BASIC" check
is "$RC" 6 "check still fails after a narrowed run"
run_shoal tgt "$BASIC" apply --to $V1 --schemas 'sh000*'
is "$RC" 0 "a run whose --to some schemas are past exits 0"
like "$OUT" "--to $V1: 4 schema\(s\) already past it, left as they are" "those schemas are reported"
is "$(schemas_at tgt $V1)" "sh0004,sh0005,sh0006,sh0007,sh0008,sh0009" "the others reached --to"
is "$(schemas_at tgt $V2)" "sh0000,sh0001,sh0002,sh0003,sh0011" "the ones past it are untouched"
run_shoal tgt "$BASIC" status --json --schemas sh0000-0005
is "$(python3 -c 'import json,sys; print(sum(n["schemas"] for n in json.load(sys.stdin)["nodes"]))' <<<"$OUT")" 6 \
  "status --schemas counts only the targeted schemas"

echo "# 3. --nodes: only those nodes"
run_shoal tgt "$BASIC" apply --nodes 2
is "$RC" 0 "a run on node 2 exits 0"
is "$(q node2 tgt "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] IN ('$V3', '$V0')")" 5 \
  "node 2: every schema at its head"
is "$(q_all tgt "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'" | paste -sd, -)" "0,4,0" \
  "nodes 1 and 3 untouched"
is "$(stored tgt)" "none false" "no digest, no rerun fingerprint anywhere"

echo "# 4. named canaries: the canary wave is exactly those schemas"
mig=$WORK/canary
cp -r "$BASIC" "$mig"
printf '%s\n' "DO \$\$ BEGIN IF to_regclass('broken') IS NOT NULL THEN RAISE EXCEPTION 'broken'; END IF; END \$\$;" >"$mig/$V4.up.sql"
printf 'SELECT 1;\n' >"$mig/$V4.dn.sql"
q node3 tgt "CREATE TABLE sh0011.broken ()"
run_shoal tgt "$mig" apply --canary sh0003,sh0011
is "$RC" 1 "a failure in the named canary halts the run"
like "$OUT" "canary: 2 schema\(s\)" "the canary is the two schemas named"
is "$(q_all tgt "SELECT DISTINCT schema FROM shoal.event WHERE version = '$V4'" | sort | paste -sd, -)" "sh0003,sh0011" \
  "only they ran the new version"
q node3 tgt "DROP TABLE sh0011.broken"

echo "# 5. a run that covers everything stores the digest"
run_shoal tgt "$mig" apply --to $V4
is "$RC" 0 "--to the newest version covers everything"
is "$(stored tgt)" "$(code_digest "$mig") true" "the digest and the rerun fingerprint are stored"
run_shoal tgt "$mig" check
is "$RC" 0 "check passes"

done_testing
