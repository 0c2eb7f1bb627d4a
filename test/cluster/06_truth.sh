#!/usr/bin/env bash
# Truthful results (issue 14, items 7 and 8): exit 0 and "Succeeded" only when
# every node confirmed what the summary claims. Each case breaks one round of
# the run on one node (a digest or fingerprint write, staging, the final
# durable commit, every node unreachable, re-plan rounds that never end, a
# stamp that cannot be read) and checks that the failure is named by node with
# its reason, that the exit code is not 0, and that the summary's numbers and
# --json are what the nodes hold.
#
# The nodes run as an operator would configure them (synchronous_commit = on)
# and with a WAL writer that waits 10 s, as in 05_durability.sh, so a
# node that crashes right after the drive loses the commits the coordinator did
# not make durable.
source "$(dirname "$0")/lib.sh"
PGSERVER_EXTRA_CONF="synchronous_commit = on
wal_writer_delay = 10000ms"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V0=20250101000000.settings.public V1=20250101000001.users.sh V3=20250101000003.email-idx.sh

json_field() {  # FIELD → that field of the last line of $OUT (the --json summary)
  python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])" <<<"$OUT"
}

# The grants docs/operators.md lists for a migrator that is not a superuser
# (as 02_concurrency.sh case 12); the shard schemas become its own.
grant_migrator() {  # DB
  local node
  for node in "${NODES[@]}"; do
    q "$node" "$1" "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shoal_migrator') THEN CREATE ROLE shoal_migrator LOGIN; END IF;
      END \$\$;
      GRANT USAGE ON SCHEMA shoal TO shoal_migrator;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO shoal_migrator;
      GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO shoal_migrator;
      GRANT INSERT ON shoal.script, shoal.event TO shoal_migrator;
      GRANT INSERT, UPDATE, DELETE ON shoal.run, shoal.control TO shoal_migrator;
      GRANT INSERT, UPDATE, DELETE ON shoal.run_record TO shoal_migrator;
      GRANT CREATE ON SCHEMA public TO shoal_migrator;" >/dev/null
  done
  give_shards "$1" shoal_migrator
}
run_as_migrator() {  # DB MIGDIR ARGS… → OUT, RC
  local db=$1 migdir=$2
  shift 2
  OUT=$("$SHOAL" "$@" --migdir "$migdir" --hosts "$(hosts "$db")" --user shoal_migrator 2>&1)
  RC=$?
}
N1=127.0.0.1:${PORT[node1]} N2=127.0.0.1:${PORT[node2]} N3=127.0.0.1:${PORT[node3]}

echo "# 8b. a digest write that fails is a failure of that node"
fleet_create digest 5
grant_migrator digest
# Created by postgres: the migrator cannot replace it.
q node2 digest "CREATE FUNCTION public.mig_digest_const() RETURNS text LANGUAGE sql AS \$\$SELECT 'x'\$\$" >/dev/null
run_as_migrator digest "$DIRS/basic" apply --json
is "$RC" 1 "apply exits 1 when a node refuses the digest"
is "$(json_field digest)" "None" "the JSON claims no digest"
like "$OUT" "$N2: storing the digest failed: .*must be owner" "node2 is named with the reason"
is "$(json_field done)" 48 "every version was applied (48 steps)"
# fsync = off: a WAL flush is a write() the server hardly waits for, so by
# default every node's steps commit synchronously (05_durability.sh: slow flushes).
like "$OUT" "commits: synchronous on $N1 \\(WAL flush [0-9]+ µs\\), $N2 \\(WAL flush [0-9]+ µs\\), $N3 " \
  "where a WAL flush is cheap, a role without rights measures it too, and every node commits synchronously"
run_as_migrator digest "$DIRS/basic" apply
is "$RC" 1 "with nothing to do, a digest that cannot be stored still fails the run"
like "$OUT" "$N2: storing the digest failed" "and says where"
ok "$(grep -q Succeeded <<<"$OUT"; echo $((1 - $?)))" "it never says Succeeded"

echo "# 8a. the before-undo digest: a node that cannot store it is not undone"
run_as_migrator digest "$DIRS/basic" undo $V3
is "$RC" 1 "undo exits 1"
like "$OUT" "$N2: storing the digest before-undo failed" "node2 is named with the reason"
is "$(q node2 digest "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")" 5 \
  "node2 was left out: its gate still reads the old digest, so its schemas keep $V3"
is "$(q node1 digest "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")" 0 \
  "node1 was undone"

echo "# 8a. the rerun fingerprint: cleared before anything runs, written after"
fleet_create fingerprint 5
grant_migrator fingerprint
q node2 fingerprint "CREATE FUNCTION public.mig_rerun_fingerprint_const() RETURNS text LANGUAGE sql AS \$\$SELECT 'x'\$\$" >/dev/null
run_as_migrator fingerprint "$DIRS/basic" apply --json
is "$RC" 1 "apply exits 1 when a node cannot clear its fingerprint"
like "$OUT" "$N2: clearing the rerun fingerprint failed: .*must be owner" "node2 is named with the reason"
is "$(json_field done)/$(json_field not_done)" "32/16" "node2 was left out: 32 applied, its 16 not done"
like "$(json_field errors)" "'message': '$N2: clearing the rerun fingerprint failed: .*must be owner" \
  "the failed round is an error object too"
is "$(q node2 fingerprint "SELECT count(*) FROM shoal.applied")" 0 "node2 has nothing"
is "$(json_field digest)" "None" "no digest"
fleet_create fpafter 5
AFTERFP=$WORK/afterfp
cp -r "$DIRS/basic" "$AFTERFP"
cat >>"$AFTERFP/after.sql" <<'EOF'
DO $$ BEGIN
  IF to_regclass('public.break_fingerprint') IS NOT NULL THEN
    DROP FUNCTION IF EXISTS public.mig_rerun_fingerprint_const();
    CREATE FUNCTION public.mig_rerun_fingerprint_const() RETURNS int LANGUAGE sql AS 'SELECT 1';
  END IF;
END $$;
EOF
q node2 fpafter "CREATE TABLE public.break_fingerprint ()"
run_shoal fpafter "$AFTERFP" apply
is "$RC" 1 "apply exits 1 when a node cannot store its new fingerprint"
like "$OUT" "$N2: storing the rerun fingerprint failed: .*return type" "node2 is named with the reason"
ok "$(grep -q Succeeded <<<"$OUT"; echo $((1 - $?)))" "it never says Succeeded"

echo "# 8c. re-plan rounds that run out leave steps planned: not done, no digest"
fleet_create rounds 1
ROUNDS=$WORK/rounds
mkdir -p "$ROUNDS"
printf '%s\n' "DO \$\$ BEGIN EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I',
  'sh' || (substring(current_schema() FROM 3)::int + 1000)); END \$\$;" \
  >"$ROUNDS/20250101000001.spawn.sh.up.sql"
printf 'SELECT 1;\n' >"$ROUNDS/20250101000001.spawn.sh.dn.sql"
run_shoal rounds "$ROUNDS" apply --json
is "$RC" 1 "apply exits 1 when schemas are still planned after the last round"
is "$(json_field not_done)" 3 "the 3 steps still planned are not done"
like "$OUT" "still planned after 10 rounds" "it says why"
is "$(json_field digest)" "None" "no digest in the JSON"
is "$(q_all rounds "SELECT shoal.digest()" | sort -u)" "" "no digest on any node"

echo "# 8d. a staging failure: that node's steps are not done"
fleet_create staging 5
q node2 staging "CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS
  \$\$BEGIN RAISE EXCEPTION 'staging refused here'; END\$\$;
  CREATE TRIGGER refuse BEFORE INSERT ON shoal.script FOR EACH ROW EXECUTE FUNCTION public.refuse()" >/dev/null
run_shoal staging "$DIRS/basic" apply --json
is "$RC" 1 "apply exits 1"
is "$(json_field done)/$(json_field failed)/$(json_field not_done)" "32/0/16" "32 applied, node2's 16 not done"
like "$OUT" "$N2: staging the migrations failed: .*staging refused here" "node2 is named with the reason"
run_shoal staging "$DIRS/basic" apply
like "$OUT" "apply: 0 applied, 0 failed, 16 not done" "the rerun says node2's 16 steps are not done"

echo "# 8e. --skip-unreachable with every node down"
OUT=$("$SHOAL" apply --json --skip-unreachable --migdir "$DIRS/basic" \
  --hosts "127.0.0.1:1/none,127.0.0.1:2/none" --user postgres 2>&1)
RC=$?
is "$RC" 5 "exits 5"
is "$(json_field digest)/$(json_field nothing_to_do)" "None/False" "no digest and not 'nothing to do' in the JSON"
OUT=$("$SHOAL" apply --skip-unreachable --migdir "$DIRS/basic" --hosts "127.0.0.1:1/none" --user postgres 2>&1)
ok "$(grep -q 'nothing to do' <<<"$OUT"; echo $((1 - $?)))" "the text does not say 'nothing to do'"
like "$OUT" "no node could be reached" "it says no node was reached"

OUT=$("$SHOAL" check --json --migdir "$DIRS/basic" --hosts "127.0.0.1:1/none" --user postgres 2>/dev/null)
RC=$?
is "$RC/$(python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(len(d['unread']), 'unreachable' in d['unread'][0]['reason'])" <<<"$OUT")" \
  "5/1 True" "check names the node it could not ask in its JSON, exit 5"

echo "# 8f. a node that crashes before the durable commit: its steps are unconfirmed"
fleet_create crash 5
CRASH=$WORK/crash
cp -r "$DIRS/basic" "$CRASH"
# after.sql runs after the drive and before the durable commit; on node2 it
# stops the server at once (SIGQUIT to the postmaster: an immediate shutdown).
cat >>"$CRASH/after.sql" <<'EOF'
DO $$ BEGIN
  IF to_regclass('public.crash_here') IS NOT NULL THEN
    EXECUTE 'COPY (SELECT 1) TO PROGRAM ''kill -QUIT $(head -1 postmaster.pid)''';
  END IF;
END $$;
EOF
q node2 crash "CREATE TABLE public.crash_here ()"
run_shoal crash "$CRASH" apply --json --asynchronous-commit
ok "$(test "$RC" -ne 0; echo $?)" "apply does not exit 0 (exit $RC)"
is "$(json_field done)/$(json_field unconfirmed)" "32/16" "node2's 16 steps are unconfirmed, not applied"
like "$OUT" "$N2" "node2 is named"
wait_for 30 bash -c "! test -e '$PGSERVER_ROOT/node2/data/postmaster.pid'"
pgserver_restart node2
is "$(q node1 crash "SELECT count(*) FROM shoal.applied")/$(q node3 crash "SELECT count(*) FROM shoal.applied")" \
  "16/16" "the 32 reported applied are there after the crash"
q node2 crash "DROP TABLE public.crash_here"
run_shoal crash "$CRASH" apply
is "$RC" 0 "the rerun completes"
[ "$RC" -eq 0 ] || sed 's/^/#   /' <<<"$OUT" | tail -20
is "$(count_at crash $V3)" 15 "every shard at head"

echo "# 8f. a node whose workers are all lost but whose control connection answers"
fleet_create workers 5
KILL=$WORK/kill
cp -r "$DIRS/basic" "$KILL"
# On node2 the first step of this version ends its own session.
printf '%s\n' "DO \$\$ BEGIN IF to_regclass('public.kill_worker') IS NOT NULL THEN
  PERFORM pg_terminate_backend(pg_backend_pid()); END IF; END \$\$;" >"$KILL/20250101000004.kill.sh.up.sql"
printf 'SELECT 1;\n' >"$KILL/20250101000004.kill.sh.dn.sql"
q node2 workers "CREATE TABLE public.kill_worker ()"
run_shoal workers "$KILL" apply --json --parallelism 1
is "$RC" 5 "apply exits 5 (node2 lost)"
is "$(json_field done)/$(json_field unconfirmed)/$(json_field not_done)" "58/0/5" \
  "node2's 16 earlier steps are confirmed by its durable commit; its 5 kill steps are not done"
pgserver_kill node2
pgserver_restart node2
is "$(q node2 workers "SELECT count(*) FROM shoal.applied")" 16 "node2 kept the 16 after a crash"

echo "# 8g. a node where the role may not write a logical message: unmeasured, so synchronous"
fleet_create nomessage 5
grant_migrator nomessage
q node2 nomessage "REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC" >/dev/null
run_as_migrator nomessage "$DIRS/basic" apply
is "$RC" 0 "apply exits 0: no step needed the durable commit node2 could not make"
like "$OUT" "commits: synchronous on .*$N2 \\(not measured\\)" "node2 was not measured and commits synchronously"
like "$OUT" "Succeeded" "the run says Succeeded"
is "$(q node2 nomessage "SELECT count(*) FROM shoal.applied")" 16 "node2's 16 steps are applied"
fleet_create nomessage_async 5
grant_migrator nomessage_async
q node2 nomessage_async "REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC" >/dev/null
run_as_migrator nomessage_async "$DIRS/basic" apply --asynchronous-commit --json
is "$RC" 5 "with --asynchronous-commit it cannot make node2's commits durable: exit 5"
is "$(json_field done)/$(json_field unconfirmed)" "32/16" "node2's 16 steps are unconfirmed"
like "$OUT" "$N2: making the run's commits durable failed: .*permission denied for function pg_logical_emit_message" \
  "and the error says why"

echo "# 7. a stamp that cannot be read fails alone, by name; status, verify and trace never drop a node"
V4=20250101000004.c4.sh
NEXT=$WORK/next
cp -r "$DIRS/basic" "$NEXT"
printf 'ALTER TABLE users ADD COLUMN c4 int;\n' >"$NEXT/$V4.up.sql"
printf 'ALTER TABLE users DROP COLUMN c4;\n' >"$NEXT/$V4.dn.sql"
# Any login role can do this; the session stays open while shoal runs.
hostile_session() {  # DB: on node2, until close_hostile
  rm -f "$WORK/hostile.$1" && mkfifo "$WORK/hostile.$1"
  psql -X -q -h 127.0.0.1 -p "${PORT[node2]}" -U postgres -d "$1" <"$WORK/hostile.$1" >/dev/null 2>&1 &
  HOSTILE_PID=$!
  exec 7>"$WORK/hostile.$1"
  echo "CREATE FUNCTION pg_temp.mig_versions_const() RETURNS text LANGUAGE sql AS 'SELECT 1';" >&7
  hostile_stamp_exists() {  # a predicate: wait_for evaluates it again each poll
    [ "$(q node2 "$1" "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname LIKE 'pg_temp%' AND p.proname = 'mig_versions_const'")" = 1 ]
  }
  wait_for 30 hostile_stamp_exists "$1"
}
close_hostile() { exec 7>&-; wait "$HOSTILE_PID"; }
json_py() {  # PYTHON-EXPRESSION over d, the JSON document on the last line of $OUT
  python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print($1)" <<<"$OUT"
}
names_node2() {  # → True when node2 is among the nodes or the unread of the JSON in $OUT
  json_py "any(n['node'] == '$N2' for n in d.get('nodes', []) + d.get('unread', []))"
}

echo "# 7a. a hostile pg_temp.mig_versions_const(): pg_temp is never a candidate"
fleet_create hostile 5
run_shoal hostile "$DIRS/basic" apply
is "$RC" 0 "apply before the hostile function exits 0"
hostile_session hostile
run_shoal hostile "$DIRS/basic" status --json
is "$(names_node2)" True "status names node2, never drops it"
is "$RC" 0 "pg_temp is never read: status exits 0"
run_shoal hostile "$NEXT" apply
is "$RC" 0 "apply goes on"
is "$(count_at hostile $V4)" 15 "every shard got $V4"
close_hostile

echo "# 7b. one shard's stamp is not a constant (shoal.stamps() with the problem column)"
fleet_create unreadable 5
run_shoal unreadable "$DIRS/basic" apply
q node2 unreadable "DO \$\$ BEGIN EXECUTE format('CREATE OR REPLACE FUNCTION sh0004.mig_versions_const() RETURNS text
  LANGUAGE sql AS %L', format('SELECT %L::text', sh0004.mig_versions_const())); END \$\$"
hostile_session unreadable
run_shoal unreadable "$NEXT" apply --json
is "$RC" 1 "apply exits 1"
is "$(json_py "[(e['node'], e['schema']) for e in d['schema_errors']]")" "[('$N2', 'sh0004')]" "sh0004 fails alone, by name"
like "$(json_py "d['schema_errors'][0]['message']")" "stamp cannot be read: .*sh0004.mig_versions_const" "with the problem"
is "$(json_py "d['done']")" 14 "the other 14 shards got $V4"
is "$(q node2 unreadable "SELECT count(*) FROM shoal.stamps() WHERE '$V4' = ANY (versions)")" 4 \
  "the rest of node2 went on"
is "$(q node2 unreadable "SELECT count(*) FROM shoal.event WHERE schema = 'sh0004' AND action = 'fail'")" 0 \
  "sh0004 was never planned (nothing ran there, no fail event)"
is "$(json_py "d['digest']")" "None" "no digest"
run_shoal unreadable "$NEXT" status --json
is "$RC" 5 "status exits 5"
is "$(json_py "[(u['node'], u['schema']) for u in d['unread']]")" "[('$N2', 'sh0004')]" "status names sh0004"
is "$(json_py "[n['unreadable'] for n in d['nodes']]")" "[0, 1, 0]" "and counts it on node2"
run_shoal unreadable "$NEXT" status
like "$OUT" "$N2:sh0004: stamp not readable: " "the text says it too"
run_shoal unreadable "$NEXT" verify --json
is "$RC/$(json_py "[(u['node'], u['schema']) for u in d['unread']]")" "5/[('$N2', 'sh0004')]" "verify names sh0004, exits 5"
run_shoal unreadable "$NEXT" lint --trace --json
is "$RC/$(json_py "[(u['node'], u['schema']) for u in d['unread']]")" "5/[('$N2', 'sh0004')]" \
  "lint --trace names sh0004, exits 5"
close_hostile

done_testing
