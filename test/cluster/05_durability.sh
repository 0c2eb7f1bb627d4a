#!/usr/bin/env bash
# Commit durability. Each schema's transaction commits with synchronous_commit
# off (unless --synchronous-commit) and the run is made durable by one commit at
# the server's own level per node before anything is reported. These nodes run
# as an operator would configure them (synchronous_commit = on) and with a WAL
# writer that waits 10 s, so what the coordinator did not flush is still in
# shared memory when the servers crash right after the run.
source "$(dirname "$0")/lib.sh"
PGSERVER_EXTRA_CONF="synchronous_commit = on
wal_writer_delay = 10000ms"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
USERS=20250101000001.users.sh

with_mode_version() {  # DIR → a copy of basic whose users version records the commit mode
  rm -rf "$1" && cp -r "$DIRS/basic" "$1"
  printf '%s\n' "CREATE TABLE commit_mode AS SELECT current_setting('synchronous_commit') AS mode;" >>"$1/$USERS.up.sql"
}
modes() {  # DB → the distinct commit modes the schemas' transactions ran with
  q_all "$1" "SELECT DISTINCT (xpath('/row/mode/text()', query_to_xml(
                format('SELECT mode FROM %I.commit_mode', schema), false, true, '')))[1]::text
              FROM shoal.stamps() WHERE schema ~ '^sh[0-9]+$'" | sort -u | paste -sd, -
}

echo "# 1. the chain's transactions commit asynchronously, unless --synchronous-commit"
with_mode_version "$WORK/mode"
fleet_create async 10
run_shoal async "$WORK/mode" apply
is "$RC" 0 "apply exits 0"
is "$(modes async)" off "every schema's transaction ran with synchronous_commit off"
fleet_create sync 10
run_shoal sync "$WORK/mode" apply --synchronous-commit
is "$RC" 0 "apply --synchronous-commit exits 0"
is "$(modes sync)" on "with --synchronous-commit, every one ran with it on"

echo "# 2. what a run reports done survives a crash of every node right after it"
fleet_create crash 10
q node2 crash "CREATE TABLE sh0004.users (id int)"  # the users version fails there
run_shoal crash "$DIRS/basic" apply --json
is "$RC" 1 "apply exits 1 (one schema failed, so no digest is written at the end)"
done_reported=$(python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['done'])" <<<"$OUT")
for node in "${NODES[@]}"; do pgserver_kill "$node"; done
for node in "${NODES[@]}"; do pgserver_restart "$node"; done
is "$(sum_all crash "SELECT count(*) FROM shoal.applied")" "$done_reported" \
  "after the crash the nodes hold exactly the $done_reported versions the summary reported"
applied_matches_stamps crash
ok $? "shoal.applied agrees with the stamps"
is "$(count_at crash 20250101000003.email-idx.sh)" 29 "every schema but the failed one is at head"

echo "# 3. the durable commit flushes the WAL: nothing the run committed is left unflushed when it closes"
# An xid alone is not enough: a commit that wrote no WAL before its commit
# record is flushed like an asynchronous one, whatever synchronous_commit says.
# A crash of the processes keeps what was written, so the test reads the
# flush position where the run closes on node2 (shoal.end_run(), the first
# write after the durable commit), before that statement writes any WAL of its own.
fleet_create flush 10
FLUSH=$WORK/flush
rm -rf "$FLUSH" && cp -r "$DIRS/basic" "$FLUSH" && rm "$FLUSH/before.sql" "$FLUSH/after.sql"
q node2 flush "CREATE TABLE sh0004.users (id int)"  # a step fails there: no digest is written
q node2 flush "CREATE TABLE public.wal_at_end_run (unflushed_bytes numeric);
  CREATE FUNCTION public.wal_at_end_run() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
    INSERT INTO public.wal_at_end_run
      SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn());
    RETURN NEW;
  END \$\$;
  CREATE TRIGGER wal_at_end_run BEFORE UPDATE ON shoal.run_record
    FOR EACH STATEMENT EXECUTE FUNCTION public.wal_at_end_run();" >/dev/null
run_shoal flush "$FLUSH" apply
is "$RC" 1 "apply exits 1 (one schema failed)"
is "$(q node2 flush "SELECT unflushed_bytes FROM public.wal_at_end_run")" 0 \
  "when the run closed on node2 every byte of WAL before it was flushed"

done_testing
