#!/usr/bin/env bash
# A streaming standby listed in --hosts (issue 16, item 13): it is named once as
# skipped, never locked, written to or counted, by every command; its primary's
# work reaches it by replication. --hosts with nothing but standbys is an error
# (exit 2). The standby is a real one: pg_basebackup -R of node1, replaying.
source "$(dirname "$0")/lib.sh"
cluster_start
pgserver_standby standby1 node1 || { echo "not ok - could not start a standby of node1"; exit 1; }
PORT[standby1]=$PGSERVER_PORT
BASIC=$DIRS/basic
V3=20250101000003.email-idx.sh
STANDBY=127.0.0.1:${PORT[standby1]}  # as shoal displays it: the ports differ, the database does not

# shoal with the standby first in --hosts (it would take the first lock), or alone.
with_standby() {  # DB MIGDIR ARGS… → OUT, RC
  local db=$1 migdir=$2
  shift 2
  OUT=$("$SHOAL" "$@" --migdir "$migdir" --hosts "$STANDBY/$db,$(hosts "$db")" --user postgres 2>&1)
  RC=$?
}
standby_only() {  # DB MIGDIR ARGS… → OUT, RC
  local db=$1 migdir=$2
  shift 2
  OUT=$("$SHOAL" "$@" --migdir "$migdir" --hosts "$STANDBY/$db" --user postgres 2>&1)
  RC=$?
}

# The standby has replayed everything node1 had written when this was called.
replayed_at() { [ "$(q standby1 postgres "SELECT pg_last_wal_replay_lsn() >= '$1'")" = t ]; }
catch_up() { wait_for 60 replayed_at "$(q node1 postgres "SELECT pg_current_wal_lsn()")"; }

# Named exactly once in OUT, as skipped.
named_once() {  # DESCRIPTION
  is "$(grep -c -- "$STANDBY" <<<"$OUT")" 1 "$1: the standby is named once"
  like "$OUT" "$STANDBY: skipped \(standby\)" "$1: as a skipped standby"
}

json_field() {  # JSON PYTHON-EXPRESSION-ON-d
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$1"
}
status_counts() {  # JSON → "nodes schemas up_to_date behind failed"
  json_field "$1" "len(d['nodes']), *(sum(n[k] for n in d['nodes']) for k in ('schemas','up_to_date','behind','failed'))"
}

fleet_create plain 20
fleet_create app 20
catch_up
ok $? "the standby replays node1 (both databases reached it)"
is "$(q standby1 postgres "SELECT pg_is_in_recovery()")" t "standby1 is in recovery"

echo "# status: the standby is not a fourth node holding node1's shards again"
run_shoal app "$BASIC" status --json
want_status=$(status_counts "$OUT")
is "$want_status" "3 63 0 63 0" "without the standby: 3 nodes, 63 schemas (public too), all behind"
with_standby app "$BASIC" status
is "$RC" 0 "status with a standby in --hosts exits 0"
named_once "status"
like "$OUT" "^127\.0\.0\.1:${PORT[node1]}: 21 schemas: 0 up to date, 21 behind" "node1 is counted once"
OUT=$("$SHOAL" status --json --migdir "$BASIC" --hosts "$STANDBY/app,$(hosts app)" --user postgres 2>/dev/null)
is "$(status_counts "$OUT")" "$want_status" "status --json counts what it counts without the standby"
is "$(json_field "$OUT" "[s['node'] for s in d['standbys']]")" "['$STANDBY']" "status --json names the standby"

echo "# apply: every primary migrated, the standby skipped and replaying"
run_shoal plain "$BASIC" apply
is "$RC" 0 "apply without the standby exits 0"
want_summary=$(grep -o '^apply: [0-9]* applied, [0-9]* failed, [0-9]* not done' <<<"$OUT")
with_standby app "$BASIC" apply --install-extension
is "$RC" 0 "apply --install-extension with a standby in --hosts exits 0"
named_once "apply"
is "$(grep -o '^apply: [0-9]* applied, [0-9]* failed, [0-9]* not done' <<<"$OUT")" "$want_summary" \
  "the summary counts what it counts without the standby"
is "$(count_at app $V3)" 60 "every shard on the primaries at head"
is "$(q_all app "SELECT shoal.digest()" | sort -u)" "$(code_digest "$BASIC")" "the digest is stored on every primary"
catch_up
ok $? "the standby caught up"
is "$(q standby1 app "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")" 20 \
  "the standby holds node1's 20 shards at head, by replication"
is "$(q standby1 app "SELECT shoal.digest()")" "$(code_digest "$BASIC")" "and node1's digest"
OUT=$("$SHOAL" apply --json --migdir "$BASIC" --hosts "$STANDBY/app,$(hosts app)" --user postgres 2>/dev/null)
is "$(json_field "$OUT" "d['exit_code'], d['nothing_to_do'], [s['node'] for s in d['standbys']]")" "0 True ['$STANDBY']" \
  "apply --json: nothing to do, the standby named"
with_standby app "$BASIC" status
like "$OUT" "^127\.0\.0\.1:${PORT[node1]}: 21 schemas: 21 up to date, 0 behind" "status: node1's shards up to date, once"

echo "# check, verify: the standby's replayed digest and schemas do not count"
with_standby app "$BASIC" check
is "$RC" 0 "check with a standby in --hosts exits 0"
named_once "check"
OUT=$("$SHOAL" check --json --migdir "$BASIC" --hosts "$STANDBY/app,$(hosts app)" --user postgres 2>/dev/null)
is "$(json_field "$OUT" "len(d['nodes']), [s['node'] for s in d['standbys']]")" "3 ['$STANDBY']" "check --json: three nodes, the standby named"
with_standby app "$BASIC" verify
is "$RC" 0 "verify with a standby in --hosts exits 0"
named_once "verify"
like "$OUT" "all 63 schemas" "verify compares the primaries' 63 schemas"
OUT=$("$SHOAL" verify --json --migdir "$BASIC" --hosts "$STANDBY/app,$(hosts app)" --user postgres 2>/dev/null)
is "$(json_field "$OUT" "d['schemas'], [s['node'] for s in d['standbys']]")" "63 ['$STANDBY']" "verify --json: 63 schemas, the standby named"

echo "# undo and lint --trace: the primaries undo, the standby follows"
with_standby app "$BASIC" undo "$V3"
is "$RC" 0 "undo with a standby in --hosts exits 0"
named_once "undo"
is "$(count_at app 20250101000002.posts.sh)" 60 "every shard on the primaries undid its head"
catch_up
is "$(q standby1 app "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$V3'")" 0 \
  "the standby replayed the undo"
run_shoal app "$BASIC" lint --trace
want_rc=$RC
with_standby app "$BASIC" lint --trace
is "$RC" "$want_rc" "lint --trace with a standby exits as it does without ($want_rc)"
named_once "lint --trace"
OUT=$("$SHOAL" lint --trace --json --migdir "$BASIC" --hosts "$STANDBY/app,$(hosts app)" --user postgres 2>/dev/null)
is "$(json_field "$OUT" "[s['node'] for s in d['standbys']]")" "['$STANDBY']" "lint --trace --json names the standby"

echo "# nothing but standbys: an error, not success"
for command in apply status check; do
  standby_only app "$BASIC" "$command"
  is "$RC" 2 "$command with only a standby in --hosts exits 2"
  like "$OUT" "no primary" "$command says why"
done

done_testing
