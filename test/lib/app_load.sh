#!/usr/bin/env bash
# An application stand-in for tests and the bench: pgbench reads and writes
# every shard of one node continuously (each transaction picks a random shard
# and a random row of its table and either SELECTs the row or UPDATEs it, one
# statement, so a transaction's latency is its query's), until told to stop,
# while a sampler on the node records how long any of its queries has waited
# for a lock and how long shoal's sessions held an ACCESS EXCLUSIVE lock.
# Source this file, then:
#
#   app_load_start NAME PORT DB [CLIENTS=4] [RATE=100]
#       starts the load on the node at 127.0.0.1:PORT, database DB: CLIENTS
#       connections (application_name app_load), RATE transactions per second
#       in all, half reads and half writes, over every schema named sh<digits>
#       that has a table acct with rows id 1..APP_ROWS (default 10). Returns
#       once every client is connected.
#   app_load_stop NAME
#       ends it (pgbench finishes the transactions in flight) and prints one line
#         app_load NAME: transactions=N errors=E p50_ms=M p99_ms=P max_ms=M max_lock_wait_ms=W max_shoal_exclusive_ms=X
#       and sets APP_TRANSACTIONS, APP_ERRORS, APP_P50_MS, APP_P99_MS,
#       APP_MAX_MS, APP_MAX_LOCK_WAIT_MS, APP_MAX_SHOAL_EXCLUSIVE_MS. The
#       percentiles and max are client-side, per transaction (pgbench's
#       per-transaction log, less the schedule lag --rate adds), so they include
#       any wait; max_lock_wait_ms is server-side: the longest wait of an
#       app_load query in pg_locks (waitstart), sampled every 10 ms, so it may
#       read up to one interval short. max_shoal_exclusive_ms is the longest a
#       transaction of a session whose application_name starts with "shoal" was
#       seen holding an ACCESS EXCLUSIVE lock on a relation, by the same
#       sampling (first to last sample that saw it). errors counts failed
#       transactions and clients pgbench aborted (any SQL error aborts one).
#       The per-transaction logs stay in APP_LOAD_DIR as NAME.<pid>: client,
#       number, latency (µs), script (0 read, 1 write), end (epoch s, µs),
#       schedule lag (µs).
#
# Needs psql and pgbench on PATH and a user that may read pg_locks (any).

APP_LOAD_DIR=${APP_LOAD_DIR:-$(mktemp -d /tmp/shoal-app.XXXXXX)}
declare -gA APP_LOAD_PGBENCH=() APP_LOAD_SAMPLER=() APP_LOAD_PORT=() APP_LOAD_DB=()

_app_load_psql() {  # PORT DB SQL
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "${APP_USER:-postgres}" -d "$2" -c "$3"
}

app_load_start() {
  local name=$1 port=$2 db=$3 clients=${4:-4} rate=${5:-100} shards
  shards=$(_app_load_psql "$port" "$db" "SELECT string_agg(n.nspname, ',' ORDER BY n.nspname)
    FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'acct'
    WHERE n.nspname ~ '^sh[0-9]+\$'")
  [ -n "$shards" ] || { echo "app_load $name: no shard with a table acct on port $port" >&2; return 1; }
  # pgbench substitutes :variables into the text in its simple protocol, so a
  # shard's name can be one: picked from the array by a random index.
  local pick kind
  pick="\\set row random(1, ${APP_ROWS:-10})
\\set k random(1, $(tr ',' '\n' <<<"$shards" | wc -l))
SELECT ('{$shards}'::text[])[:k] AS shard \\gset"
  for kind in read write; do printf '%s\n' "$pick" >"$APP_LOAD_DIR/$name.$kind.sql"; done
  echo "SELECT balance FROM :shard.acct WHERE id = :row;" >>"$APP_LOAD_DIR/$name.read.sql"
  echo "UPDATE :shard.acct SET balance = balance + 1 WHERE id = :row;" >>"$APP_LOAD_DIR/$name.write.sql"
  APP_LOAD_PORT[$name]=$port
  APP_LOAD_DB[$name]=$db
  # The sampler keeps the longest wait it has seen, and says so whenever it
  # grows; likewise the longest hold, from the first sample that saw a shoal
  # transaction (pid, xact_start) holding an ACCESS EXCLUSIVE lock. Each
  # sample is its own transaction (the COMMIT, which needs the DO alone in its
  # -c): one DO-long transaction would hold the database's xmin, and every
  # CREATE INDEX CONCURRENTLY waits for such a snapshot to end.
  PGAPPNAME=app_load_sampler psql -X -q -h 127.0.0.1 -p "$port" -U "${APP_USER:-postgres}" -d "$db" -c "
    CREATE TEMPORARY TABLE exclusive_seen (pid int, xact_start timestamptz, first timestamptz,
                                           PRIMARY KEY (pid, xact_start));" -c "
    DO \$\$
    DECLARE best float8 := 0; waited float8; best_held float8 := 0; held float8;
    BEGIN
      LOOP
        PERFORM pg_catalog.pg_stat_clear_snapshot();
        SELECT max(extract(epoch FROM clock_timestamp() - l.waitstart)) * 1000 INTO waited
          FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE NOT l.granted AND a.application_name = 'app_load';
        IF waited > best THEN
          best := waited;
          RAISE NOTICE 'max_lock_wait_ms %', round(best::numeric, 1);
        END IF;
        WITH holding AS (
          SELECT DISTINCT l.pid, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.granted AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
             AND a.application_name LIKE 'shoal%' AND a.xact_start IS NOT NULL),
        seen AS (
          INSERT INTO exclusive_seen SELECT pid, xact_start, clock_timestamp() FROM holding
          ON CONFLICT DO NOTHING)
        SELECT max(extract(epoch FROM clock_timestamp() - e.first)) * 1000 INTO held
          FROM exclusive_seen e JOIN holding h USING (pid, xact_start);
        IF held > best_held THEN
          best_held := held;
          RAISE NOTICE 'max_shoal_exclusive_ms %', round(best_held::numeric, 1);
        END IF;
        PERFORM pg_sleep(0.01);
        COMMIT;
      END LOOP;
    END \$\$" >/dev/null 2>"$APP_LOAD_DIR/$name.sampler" &
  APP_LOAD_SAMPLER[$name]=$!
  # -T is an upper bound only: app_load_stop ends the run with SIGALRM, which
  # is how pgbench ends a -T run (every client finishes its transaction, the
  # logs are written).
  PGAPPNAME=app_load pgbench -n -M simple -f "$APP_LOAD_DIR/$name.read.sql" \
    -f "$APP_LOAD_DIR/$name.write.sql" -c "$clients" -j 1 -R "$rate" -T 3600 \
    -l --log-prefix="$APP_LOAD_DIR/$name" -h 127.0.0.1 -p "$port" -U "${APP_USER:-postgres}" "$db" \
    >"$APP_LOAD_DIR/$name.out" 2>"$APP_LOAD_DIR/$name.err" &
  APP_LOAD_PGBENCH[$name]=$!
  local tries=0
  until [ "$(_app_load_psql "$port" "$db" "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'app_load'")" -ge "$clients" ] &&
        [ "$(_app_load_psql "$port" "$db" "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'app_load_sampler'")" -ge 1 ]; do
    tries=$((tries + 1))
    [ "$tries" -gt 600 ] && { echo "app_load $name: pgbench did not connect" >&2; return 1; }
    kill -0 "${APP_LOAD_PGBENCH[$name]}" 2>/dev/null || { cat "$APP_LOAD_DIR/$name.err" >&2; return 1; }
    sleep 0.05
  done
}

app_load_stop() {
  local name=$1 pid=${APP_LOAD_PGBENCH[$1]}
  kill -ALRM "$pid" 2>/dev/null
  wait "$pid"
  _app_load_psql "${APP_LOAD_PORT[$name]}" "${APP_LOAD_DB[$name]}" \
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'app_load_sampler'" >/dev/null
  wait "${APP_LOAD_SAMPLER[$name]}"
  # Per transaction: client, number, time (µs), script, epoch, µs, schedule lag (µs).
  read -r APP_TRANSACTIONS APP_P50_MS APP_P99_MS APP_MAX_MS < <(
    cat "$APP_LOAD_DIR/$name".[0-9]* | awk '{ print ($3 - $7) / 1000 }' | sort -n |
      awk 'function at(p,  i) { i = int(NR * p); if (i < 1) i = 1; return v[i] }
           { v[NR] = $1 } END { if (NR == 0) { print 0, 0, 0, 0; exit }
             printf "%d %.1f %.1f %.1f\n", NR, at(0.5), at(0.99), v[NR] }')
  local failed aborted
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$APP_LOAD_DIR/$name.out")
  aborted=$(grep -c "aborted" "$APP_LOAD_DIR/$name.err")
  APP_ERRORS=$(( ${failed:-0} + aborted ))
  APP_MAX_LOCK_WAIT_MS=$(sed -n 's/.*max_lock_wait_ms \([0-9.]*\).*/\1/p' "$APP_LOAD_DIR/$name.sampler" | tail -1)
  APP_MAX_LOCK_WAIT_MS=${APP_MAX_LOCK_WAIT_MS:-0}
  APP_MAX_SHOAL_EXCLUSIVE_MS=$(sed -n 's/.*max_shoal_exclusive_ms \([0-9.]*\).*/\1/p' "$APP_LOAD_DIR/$name.sampler" | tail -1)
  APP_MAX_SHOAL_EXCLUSIVE_MS=${APP_MAX_SHOAL_EXCLUSIVE_MS:-0}
  echo "app_load $name: transactions=$APP_TRANSACTIONS errors=$APP_ERRORS p50_ms=$APP_P50_MS p99_ms=$APP_P99_MS max_ms=$APP_MAX_MS max_lock_wait_ms=$APP_MAX_LOCK_WAIT_MS max_shoal_exclusive_ms=$APP_MAX_SHOAL_EXCLUSIVE_MS"
}
