#!/usr/bin/env bash
# Repair and adoption from the command line (issue 18, item 5): shoal mark and
# shoal forget over the targeted schemas of every node (refused as a whole where
# a schema cannot take it), and shoal baseline, which records versions as
# applied only in schemas whose structure equals the reference's. Each takes
# the run lock (exit 4 while another run holds it), writes events with the role,
# and leaves a stored digest stale (after-repair) where a stamp changed.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=20250101000001.users.sh V2=20250101000002.posts.sh V3=20250101000003.email-idx.sh
HEAD_STAMP=$V1,$V2,$V3

stamps() {  # DB → every shard's stamp over the fleet, "schema=versions" sorted
  q_all "$1" "SELECT schema || '=' || array_to_string(versions, ',') FROM shoal.stamps() WHERE schema LIKE 'sh%'" | sort | md5sum
}
# An ordinary session holding the run lock on node1 until killed.
hold_run_lock() {  # DB
  psql -X -q -h 127.0.0.1 -p "${PORT[node1]}" -U postgres -d "$1" \
    -c "SELECT shoal.lock_run('someone else', 'x')" -c "SELECT pg_sleep(300)" >/dev/null 2>&1 &
  HOLDER=$!
  wait_for 30 test "$(q node1 "$1" "SELECT count(*) FROM shoal.run_lock")" = 1
}
release_run_lock() {  # DB: ends the holder's session (its backend, then its psql)
  q node1 "$1" "SELECT pg_terminate_backend(pid, 10000) FROM shoal.run_lock" >/dev/null
  wait "$HOLDER" 2>/dev/null
}

# 9 shards, 3 a node; node1: sh0000,0003,0006.
fleet_create rep 3
run_shoal rep "$BASIC" apply
is "$RC" 0 "the fleet is at head"

echo "# 1. unhappy paths: nothing changes"
before=$(stamps rep)
run_shoal rep "$BASIC" mark 20990101000000.nope.sh
is "$RC" 2 "mark: a version not in the directory is a usage error"
like "$OUT" "no such version" "it says so"
run_shoal rep "$BASIC" forget $V3 --schemas 'zz*'
is "$RC" 2 "forget: a pattern matching nothing is a usage error"
run_shoal rep "$BASIC" forget $V2 --schemas sh0000-0002
is "$RC" 3 "forget of a version that is not the latest is refused"
refused=$(grep "only the latest version can be forgotten" <<<"$OUT")
ok "$(grep -q " 3 schemas: " <<<"$refused" && grep -q ":sh0000" <<<"$refused" && grep -q ":sh0001" <<<"$refused" &&
  grep -q ":sh0002" <<<"$refused"; echo $?)" "grouped in one line naming the 3 schemas"
like "$OUT" "nothing changed" "and nothing changed"
hold_run_lock rep
run_shoal rep "$BASIC" forget $V3 --schemas sh0000
is "$RC" 4 "while another session holds the run lock: exit 4"
like "$OUT" "someone else" "naming the holder"
release_run_lock rep
q node1 rep "CREATE ROLE norights LOGIN" >/dev/null
OUT=$("$SHOAL" forget $V3 --schemas sh0000 --migdir "$BASIC" --hosts "$(hosts rep)" --user norights 2>&1)
RC=$?
ok "$([ "$RC" -ne 0 ]; echo $?)" "a role without rights fails (exit $RC)"
like "$OUT" "permission denied" "saying why"
is "$(stamps rep)" "$before" "no stamp changed"
is "$(sum_all rep "SELECT count(*) FROM shoal.event WHERE action IN ('mark', 'forget')")" 0 "no repair event"

echo "# 2. forget, then mark back"
run_shoal rep "$BASIC" forget $V3 --schemas sh0000,sh0001 --dry-run
is "$RC" 0 "forget --dry-run exits 0"
like "$OUT" "forget $V3: 2 schemas would be forgotten" "it says what it would do"
is "$(stamps rep)" "$before" "and changes nothing"
run_shoal rep "$BASIC" forget $V3 --schemas sh0000,sh0001
is "$RC" 0 "forget exits 0"
is "$(stamp_of node1 rep sh0000)" "$V1,$V2" "sh0000 lost V3 from its stamp"
is "$(stamp_of node2 rep sh0001)" "$V1,$V2" "sh0001 too"
is "$(q node1 rep "SELECT count(*) FROM pg_indexes WHERE schemaname = 'sh0000' AND indexname = 'users_email'")" 1 \
  "nothing ran: the index is still there"
is "$(q_all rep "SELECT role FROM shoal.event WHERE action = 'forget'" | sort | paste -sd, -)" "postgres,postgres" \
  "one forget event each, with the role"
is "$(q_all rep "SELECT coalesce(shoal.digest(), '')" | paste -sd, -)" "after-repair,after-repair,$(code_digest "$BASIC")" \
  "where a stamp changed the stored digest is stale"
run_shoal rep "$BASIC" check
is "$RC" 6 "check fails"
OUT=$("$SHOAL" mark $V3 --json --migdir "$BASIC" --hosts "$(hosts rep)" --user postgres 2>/dev/null)
is "$?" 0 "mark exits 0"
is "$(python3 "$CLUSTER_ROOT/test/cluster/json_shape.py" "$CLUSTER_ROOT/docs/json.md" repair <<<"$OUT" 2>&1)" "" \
  "--json is one document of the documented shape"
is "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["changed"], sorted(d["changed_where"]), d["unchanged"])' <<<"$OUT")" \
  "2 $(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "127.0.0.1:${PORT[node1]}:sh0000" "127.0.0.1:${PORT[node2]}:sh0001") 7" \
  "--json: what changed and what was already so"
is "$(stamps rep)" "$before" "every stamp is back at head"
is "$(sum_all rep "SELECT count(*) FROM shoal.event WHERE action = 'mark' AND role = 'postgres'")" 2 "mark events with the role"
run_shoal rep "$BASIC" apply
is "$RC" 0 "a full run afterwards has nothing to do"
run_shoal rep "$BASIC" check
is "$RC" 0 "and stores the digest again"

echo "# 3. baseline adopts schemas built another way, only those shaped like the reference"
built() {  # NODE SCHEMA VERSIONS… : the schema built from the up files, no stamp
  local node=$1 schema=$2 v
  shift 2
  q "$node" rep "CREATE SCHEMA $schema" >/dev/null
  for v in "$@"; do
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[$node]}" -U postgres -d rep \
      -c "SET search_path = $schema" -f "$BASIC/$v.up.sql" >/dev/null
  done
}
built node1 sh0100 $V1 $V2 $V3
built node2 sh0101 $V1 $V2 $V3
built node3 sh0102 $V1 $V2  # lacks V3's index and column
run_shoal rep "$BASIC" baseline $V3
is "$RC" 2 "baseline needs --reference"
run_shoal rep "$BASIC" baseline $V3 --reference sh0999
is "$RC" 2 "a reference that is no schema is a usage error"
run_shoal rep "$BASIC" baseline $V3 --reference sh0100
is "$RC" 2 "a reference without the versions up to VERSION is a usage error"
like "$OUT" "must have exactly the versions up to $V3" "it says why"
hold_run_lock rep
run_shoal rep "$BASIC" baseline $V3 --reference sh0000
is "$RC" 4 "baseline while another run holds the lock: exit 4"
release_run_lock rep
run_shoal rep "$BASIC" baseline $V3 --reference sh0000 --dry-run
is "$RC" 6 "the dry run exits as the run would: some schemas differ"
recorded=$(grep "2 schemas would be recorded up to it: " <<<"$OUT")
ok "$(grep -q ":${PORT[node1]}:sh0100" <<<"$recorded" && grep -q ":${PORT[node2]}:sh0101" <<<"$recorded"; echo $?)" \
  "it names what it would record"
is "$(stamp_of node1 rep sh0100)" "" "and records nothing"
run_shoal rep "$BASIC" baseline $V3 --reference sh0000
is "$RC" 6 "baseline exits 6 when some schemas differ from the reference"
like "$OUT" "left alone, structure differs from sh0000: 1 schema: 127.0.0.1:${PORT[node3]}:sh0102" "the differing schema is listed"
like "$OUT" "unchanged \(already as asked\): 9 schemas" "the schemas at head are unchanged"
is "$(stamp_of node1 rep sh0100)" "$HEAD_STAMP" "sh0100 is adopted at V3"
is "$(stamp_of node2 rep sh0101)" "$HEAD_STAMP" "sh0101 too"
is "$(stamp_of node3 rep sh0102)" "" "sh0102 is left alone"
is "$(sum_all rep "SELECT count(*) FROM shoal.event WHERE action = 'mark' AND schema IN ('sh0100', 'sh0101')")" 6 \
  "one mark event per version and schema"
run_shoal rep "$BASIC" baseline $V3 --reference sh0000 --schemas sh0100-0101
is "$RC" 0 "a second baseline finds them adopted"
like "$OUT" "0 schemas recorded up to it" "and records nothing twice"

done_testing
