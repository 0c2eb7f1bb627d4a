#!/usr/bin/env bash
# Commit durability. Each schema's transaction commits synchronously where a WAL
# flush is cheap and asynchronously elsewhere (or as --synchronous-commit /
# --asynchronous-commit say); after asynchronous commits the run is made durable
# by one flushing commit per node before anything is reported. These nodes run
# as an operator would configure them (synchronous_commit = on, fsync = on) and
# with a WAL writer that waits 10 s, so what the coordinator did not flush is
# still in shared memory when the servers crash right after the run.
source "$(dirname "$0")/lib.sh"
PGSERVER_EXTRA_CONF="synchronous_commit = on
fsync = on
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

modes_on() {  # NODE DB → the distinct commit modes its schemas' transactions ran with
  q "$1" "$2" "SELECT DISTINCT (xpath('/row/mode/text()', query_to_xml(
                format('SELECT mode FROM %I.commit_mode', schema), false, true, '')))[1]::text
              FROM shoal.stamps() WHERE schema ~ '^sh[0-9]+$'" | sort -u | paste -sd, -
}
modes() {  # DB → the distinct commit modes over every node
  local node
  for node in "${NODES[@]}"; do modes_on "$node" "$1"; done | tr , '\n' | sort -u | paste -sd, -
}
commits_note() {  # the "commits: ..." line of the last run's output
  grep -o 'commits: .*' <<<"$OUT"
}

echo "# 1. each node commits the way that is cheaper there, unless told"
with_mode_version "$WORK/mode"
fleet_create async 10
run_shoal async "$WORK/mode" apply --asynchronous-commit
is "$RC" 0 "apply --asynchronous-commit exits 0"
is "$(modes async)" off "with --asynchronous-commit, every schema's transaction ran with synchronous_commit off"
is "$(commits_note)" "" "a commit mode the user chose is not reported as measured"
fleet_create sync 10
run_shoal sync "$WORK/mode" apply --synchronous-commit
is "$RC" 0 "apply --synchronous-commit exits 0"
is "$(modes sync)" on "with --synchronous-commit, every one ran with it on"
run_shoal sync "$WORK/mode" apply --synchronous-commit --asynchronous-commit
is "$RC" 2 "both flags at once: a usage error"
like "$OUT" "exclude each other" "which says the two flags exclude each other"

# A flush that waits commit_delay (2 ms, with no other transaction needed) is
# what a slow disk costs: there the steps commit asynchronously.
fleet_create slow 10
for node in "${NODES[@]}"; do
  q "$node" postgres "ALTER DATABASE slow SET commit_delay = 2000; ALTER DATABASE slow SET commit_siblings = 0"
done
run_shoal slow "$WORK/mode" apply --log-json "$WORK/slow.log"
is "$RC" 0 "apply on nodes whose WAL flush takes 2 ms exits 0"
is "$(modes slow)" off "their schemas' transactions committed asynchronously"
like "$(commits_note)" "^commits: asynchronous on [^;]*WAL flush [0-9]+ µs" "the run says so, with the flush it measured"
is "$(grep -cE '(: |; )synchronous on' <<<"$(commits_note)")" 0 "no node was judged cheap"
is "$(python3 -c "import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e['event'] == 'commit_mode': print(e['synchronous'], e['wal_flush_us'] >= 2000)" "$WORK/slow.log" | sort | uniq -c | tr -s ' ')" \
  " 3 False True" "--log-json has each node's commit mode and the flush it measured"

# Without a delay, each node's own measure decides; the output and what ran agree.
fleet_create auto 10
run_shoal auto "$WORK/mode" apply
is "$RC" 0 "apply with the measured default exits 0"
for node in "${NODES[@]}"; do
  display=127.0.0.1:${PORT[$node]}
  kind=$(sed -E "s/^commits: //; s/; /\n/" <<<"$(commits_note)" | grep -F "$display" | grep -oE '^(a?synchronous)')
  expected=$([ "$kind" = synchronous ] && echo on || echo off)
  like "$(commits_note)" "$display \\(WAL flush [0-9]+ µs\\)" "$node's WAL flush was measured"
  is "$(modes_on "$node" auto)" "$expected" "$node is reported as committing $kind, and its schemas did"
done

echo "# 1b. a solo version's recording commit runs with the node's mode, whatever the session says"
# A CONCURRENTLY version's index is built outside a transaction; the transaction
# after it records the version. Its session was reset before it (the database's
# default: off here), and the version's own statements may SET LOCAL
# synchronous_commit: on nodes judged synchronous, which are not asked for the
# durable commit at the end, either would leave the stamp's commit unflushed.
# A deferred trigger reads the setting the commit itself runs with.
SOLO=$WORK/solo
mkdir -p "$SOLO"
printf 'CREATE TABLE tbl (a int);\n' >"$SOLO/20250101000001.tbl.sh.up.sql"
printf 'DROP TABLE tbl;\n' >"$SOLO/20250101000001.tbl.sh.dn.sql"
cat >"$SOLO/20250101000002.a-idx.sh.up.sql" <<'SQL'
COMMIT;
CREATE INDEX CONCURRENTLY a_idx ON tbl(a);
BEGIN;
SET LOCAL synchronous_commit = off;
CREATE TABLE commit_mode (mode text);
CREATE FUNCTION commit_mode_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE commit_mode SET mode = current_setting('synchronous_commit');
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON commit_mode
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_mode_at_commit();
INSERT INTO commit_mode VALUES ('before the commit');
SQL
printf 'DROP TABLE commit_mode;\nDROP FUNCTION commit_mode_at_commit();\nDROP INDEX a_idx;\n' \
  >"$SOLO/20250101000002.a-idx.sh.dn.sql"
fleet_create solo 5
for node in "${NODES[@]}"; do q "$node" postgres "ALTER DATABASE solo SET synchronous_commit = off"; done
run_shoal solo "$SOLO" apply
is "$RC" 0 "apply of a CONCURRENTLY version exits 0"
like "$(commits_note)" "^commits: synchronous on [^;]*$" "every node was judged synchronous"
is "$(modes solo)" local \
  "its recording transaction committed at 'local' on every node: flushed, as the database's 'off' cannot"

echo "# 1c. synchronous commits ask for the database's level, not a forced 'on'"
# node2's database commits locally and its synchronous standby is gone: a
# commit asking for 'on' would wait for ever (no timeout cancels that wait).
fleet_create gone 10
q node2 postgres "ALTER DATABASE gone SET synchronous_commit = local" >/dev/null
q node2 postgres "ALTER SYSTEM SET synchronous_standby_names = 'gone_standby'" >/dev/null
q node2 postgres "SELECT pg_reload_conf()" >/dev/null
OUT=$(timeout 120 "$SHOAL" apply --migdir "$WORK/mode" --hosts "$(hosts gone)" --user postgres \
  --log-json "$WORK/gone.log" 2>&1)
RC=$?
is "$RC" 0 "apply exits 0 (a forced 'on' hangs until the timeout: exit 124)"
like "$(commits_note)" "synchronous on .*127.0.0.1:${PORT[node2]} \\(WAL flush" "node2 was measured, synchronous"
is "$(modes_on node2 gone)" local "node2's steps committed at its database's level"
# A node with nothing to do is not probed, so not written to at all.
V9=20250101000009.nine.sh
cp -r "$WORK/mode" "$WORK/nine"
printf 'CREATE TABLE nine (a int);\n' >"$WORK/nine/$V9.up.sql"
printf 'DROP TABLE nine;\n' >"$WORK/nine/$V9.dn.sql"
run_shoal gone "$WORK/nine" apply --schemas sh0000 --log-json "$WORK/nine.log"
q node2 postgres "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
q node2 postgres "SELECT pg_reload_conf()" >/dev/null
is "$RC" 0 "a run with steps on node1 only exits 0"
is "$(python3 -c "import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e['event'] == 'commit_mode': print(e['node'])" "$WORK/nine.log")" "127.0.0.1:${PORT[node1]}" \
  "only node1, which has steps, was timed"

echo "# 1d. a node that only a re-plan round gives steps is timed and commits its way too"
# The first plan has steps on node1 only (a new shard there); before.sql creates
# one on node2 after the plan, so node2's steps come in the re-plan round.
fleet_create replan 3
run_shoal replan "$WORK/mode" apply
is "$RC" 0 "the fleet is at head"
q node1 replan "CREATE SCHEMA sh9999" >/dev/null
cp -r "$WORK/mode" "$WORK/replan"
printf "DO \$\$ BEGIN IF current_setting('port') = '%s' THEN CREATE SCHEMA IF NOT EXISTS sh9990; END IF; END \$\$;\n" \
  "${PORT[node2]}" >>"$WORK/replan/before.sql"
run_shoal replan "$WORK/replan" apply --log-json "$WORK/replan.log"
is "$RC" 0 "apply with a re-plan round exits 0"
like "$OUT" "planned again" "node2's steps came in a re-plan round"
is "$(python3 -c "import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e['event'] == 'commit_mode': print(e['node'], e['synchronous'])" "$WORK/replan.log" | paste -sd';' -)" \
  "127.0.0.1:${PORT[node1]} True;127.0.0.1:${PORT[node2]} True" "both nodes were timed, each when it got steps"
is "$(q node2 replan "SELECT mode FROM sh9990.commit_mode")" on "node2's late steps committed synchronously"

echo "# 2. what a run reports done survives a crash of every node right after it"
for mode in synchronous asynchronous; do
  db=crash_$mode
  fleet_create "$db" 10
  q node2 "$db" "CREATE TABLE sh0004.users (id int)"  # the users version fails there
  run_shoal "$db" "$DIRS/basic" apply --json "--$mode-commit"
  is "$RC" 1 "$mode: apply exits 1 (one schema failed, so no digest is written at the end)"
  done_reported=$(python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['done'])" <<<"$OUT")
  for node in "${NODES[@]}"; do pgserver_kill "$node"; done
  for node in "${NODES[@]}"; do pgserver_restart "$node"; done
  is "$(sum_all "$db" "SELECT count(*) FROM shoal.applied")" "$done_reported" \
    "$mode: after the crash the nodes hold exactly the $done_reported versions the summary reported"
  applied_matches_stamps "$db"
  ok $? "$mode: shoal.applied agrees with the stamps"
  is "$(count_at "$db" 20250101000003.email-idx.sh)" 29 "$mode: every schema but the failed one is at head"
done

echo "# 2b. the digest a run reports survives a crash, also where the database commits with 'off'"
# The digest is written after the last step, on the control connection, at the
# session's level; a node that committed synchronously is not asked for the
# durable commit that would flush it.
for mode in synchronous asynchronous; do
  db=digest_$mode
  fleet_create "$db" 3
  for node in "${NODES[@]}"; do q "$node" postgres "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null; done
  run_shoal "$db" "$DIRS/basic" apply --json "--$mode-commit"
  is "$RC" 0 "$mode: apply exits 0"
  reported=$(json_eval "d['digest']" "$(tail -1 <<<"$OUT")")
  for node in "${NODES[@]}"; do pgserver_kill "$node"; done
  for node in "${NODES[@]}"; do pgserver_restart "$node"; done
  is "$(q_all "$db" "SELECT shoal.digest()" | sort -u)" "$reported" \
    "$mode: after the crash every node holds the digest the run reported"
done

echo "# 3. the durable commit flushes the WAL: nothing the run committed is left unflushed when it closes"
# An xid alone is not enough: a commit that wrote no WAL before its commit
# record is flushed like an asynchronous one, whatever synchronous_commit says;
# nor is the session's level where it is 'off' (the database's default in
# flush_off). A crash of the processes keeps what was written, so the test
# reads the flush position where the run closes on node2 (shoal.end_run(), the
# first write after the durable commit), before that statement writes any WAL
# of its own.
FLUSH=$WORK/flush
rm -rf "$FLUSH" && cp -r "$DIRS/basic" "$FLUSH" && rm "$FLUSH/before.sql" "$FLUSH/after.sql"
for db in flush flush_off; do
  fleet_create "$db" 10
  [ "$db" = flush_off ] && q node2 postgres "ALTER DATABASE flush_off SET synchronous_commit = off" >/dev/null
  q node2 "$db" "CREATE TABLE sh0004.users (id int)"  # a step fails there: no digest is written
  q node2 "$db" "CREATE TABLE public.wal_at_end_run (unflushed_bytes numeric);
    CREATE FUNCTION public.wal_at_end_run() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
      INSERT INTO public.wal_at_end_run
        SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn());
      RETURN NEW;
    END \$\$;
    CREATE TRIGGER wal_at_end_run BEFORE UPDATE ON shoal.run_record
      FOR EACH STATEMENT EXECUTE FUNCTION public.wal_at_end_run();" >/dev/null
  run_shoal "$db" "$FLUSH" apply --asynchronous-commit
  is "$RC" 1 "$db: apply exits 1 (one schema failed)"
  is "$(q node2 "$db" "SELECT unflushed_bytes FROM public.wal_at_end_run")" 0 \
    "$db: when the run closed on node2 every byte of WAL before it was flushed"
done

done_testing
