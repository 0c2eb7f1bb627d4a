#!/usr/bin/env bash
# The lock policy (issue 21): a version waits at most its lock_timeout (default
# 1 s) for a lock, so the application's queries, which queue behind that
# waiting request, never wait longer; a schema whose wait timed out is retried
# with exponential backoff for up to retry_for (default 1 min). With the
# application stand-in (test/lib/app_load.sh) on every node and one shard in ten
# held by a long transaction: the app's longest lock wait stays within the
# lock_timeout, no app error, every shard applied through retries. With the
# retries used up, the shard fails naming the session that held the lock. A
# schema waiting for its retry shows in the live line, and Ctrl-C then stops
# at once.
source "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
APP_LOAD_DIR=$WORK/app
mkdir -p "$APP_LOAD_DIR"
source "$CLUSTER_ROOT/test/lib/app_load.sh"
cluster_start
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
printf 'CREATE TABLE acct (id int PRIMARY KEY, balance bigint);\nINSERT INTO acct SELECT g, 0 FROM generate_series(1, 10) g;\n' \
  >"$MIG/20250101000000.acct.sh.up.sql"
printf 'DROP TABLE acct;\n' >"$MIG/20250101000000.acct.sh.dn.sql"
version() {  # NAME UP-SQL: a version and its undo
  printf '%s\n' "$2" >"$MIG/$1.up.sql"
  printf 'SELECT 1;\n' >"$MIG/$1.dn.sql"
}
fleet_create locks 10
run_shoal locks "$MIG" apply
is "$RC" 0 "30 shards with a table"

# Node k holds the shards whose number modulo 3 is k.
node_of() { echo "${NODES[$((10#${1#sh} % 3))]}"; }
HOLDERS=()
hold() {  # SHARD…: a long transaction that read the shard's table (the app's own locks do not conflict)
  local shard
  for shard in "$@"; do
    PGAPPNAME=long_report psql -X -q -h 127.0.0.1 -p "${PORT[$(node_of "$shard")]}" -U postgres -d locks \
      -c "BEGIN; SELECT count(*) FROM $shard.acct; SELECT pg_sleep(600);" >/dev/null 2>&1 &
  done
  wait_for 30 held "$@"
}
holder_pid() {  # SHARD
  q "$(node_of "$1")" locks "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE a.application_name = 'long_report' AND l.relation = '$1.acct'::regclass"
}
held() { local shard; for shard in "$@"; do [ -n "$(holder_pid "$shard")" ] || return 1; done; }
release() {  # SHARD…
  local shard
  for shard in "$@"; do q "$(node_of "$shard")" locks "SELECT pg_terminate_backend($(holder_pid "$shard"))" >/dev/null; done
}
retried() {  # N SHARD…: shoal's output has announced retry N of every SHARD
  local shard
  for shard in "${@:2}"; do grep -q "^retry $1 .* $shard 20250101000001" "$WORK/apply.log" || return 1; done
}

echo "# a small version while one shard in ten is held by a long transaction, the app running"
version 20250101000001.note.sh 'ALTER TABLE acct ADD COLUMN note text;'
BLOCKED=(sh0001 sh0012 sh0023)  # one on each node
hold "${BLOCKED[@]}"
for node in "${NODES[@]}"; do app_load_start "$node" "${PORT[$node]}" locks 2 50 || exit 1; done
start_shoal locks "$MIG" "$WORK/apply.log" apply
# The holders let go once every blocked shard has failed four times (~10 s).
wait_for 60 retried 4 "${BLOCKED[@]}"
ok $? "each blocked shard was retried four times"
release "${BLOCKED[@]}"
wait "$SHOAL_PID"
is "$?" 0 "then the run succeeds"
worst=0 errors=0
for node in "${NODES[@]}"; do
  app_load_stop "$node" >"$WORK/app.txt"
  sed 's/^/# /' "$WORK/app.txt"
  errors=$((errors + APP_ERRORS))
  worst=$(awk -v a="$worst" -v b="$APP_MAX_LOCK_WAIT_MS" 'BEGIN { print (b > a ? b : a) }')
done
is "$(count_at locks 20250101000001.note.sh)" 30 "every shard applied"
is "$errors" 0 "no application error"
ok "$(awk -v w="$worst" 'BEGIN { exit !(w <= 1250) }'; echo $?)" \
  "the app's longest lock wait ($worst ms) stays within the 1 s lock_timeout (+250 ms)"
ok "$(awk -v w="$worst" 'BEGIN { exit !(w >= 100) }'; echo $?)" \
  "and the app did queue behind the migration's lock requests ($worst ms)"
like "$(cat "$WORK/apply.log")" "^retry 1 in [0-9]+ ms \(1 min left of retry_for 1 min\): .* sh0001 .*lock timeout \(held by pid [0-9]+ \(role postgres, application_name \"long_report\"" \
  "a retry names the session holding the lock"

echo "# retries used up: the shard fails naming the holder, the others apply"
version 20250101000002.more.sh 'ALTER TABLE acct ADD COLUMN more text;'
hold sh0004
HOLDER=$(holder_pid sh0004)
run_shoal locks "$MIG" apply --lock-timeout 200ms --retry-for 2s
is "$RC" 1 "exit 1: one shard failed"
like "$OUT" "failed: .* sh0004 20250101000002.more.sh: canceling statement due to lock timeout .*\(held by pid $HOLDER \(role postgres, application_name \"long_report\", transaction since [0-9-]+ [0-9:]+ UTC" \
  "the failure names the holder's pid, application_name and transaction start"
like "$OUT" "DETAIL: no retry left after [0-9]+ retries in 2(\.[0-9])? s \(lock_timeout 200 ms, retry_for 2 s\); the lock is held by pid $HOLDER" \
  "the summary says the retries were used up, and by whom"
is "$(count_at locks 20250101000002.more.sh)" 29 "every other shard applied"
release sh0004

echo "# waiting for a retry: shown live, and Ctrl-C stops at once"
version 20250101000003.last.sh 'ALTER TABLE acct ADD COLUMN last text;'
hold sh0004
script -qfc "exec '$SHOAL' apply --migdir '$MIG' --hosts '$(hosts locks)' --user postgres --lock-timeout 100ms" \
  "$WORK/tty.log" >/dev/null 2>&1 &
SCRIPT_PID=$!
wait_for 30 grep -qs "retry 4 " "$WORK/tty.log"
ok $? "retrying"
wait_for 10 grep -qs "(1 waiting to retry)" "$WORK/tty.log"
ok $? "the live line counts the schema waiting for its retry"
started=$(date +%s%N)
kill -INT "$(pgrep -P "$SCRIPT_PID")"
wait "$SCRIPT_PID"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
like "$(cat "$WORK/tty.log")" "interrupted" "Ctrl-C during the backoff interrupts the run"
ok "$([ "$elapsed_ms" -lt 3000 ]; echo $?)" "and it ends at once, not after the backoff (${elapsed_ms} ms)"
release sh0004

done_testing
