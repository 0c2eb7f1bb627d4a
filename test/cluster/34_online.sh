#!/usr/bin/env bash
# Online versions (issue 21): a column's type changed on every shard in phases
# (expand, backfill, contract) while a writer inserts and updates on every
# shard, with zero errors. The backfill survives a SIGKILL of the coordinator
# and resumes from the cursors stored in the shards (rows rewritten counted by
# a sequence, which a rollback does not take back); complete is refused before
# every backfill finished and when the final check finds a row out of step;
# abort leaves the fingerprint as before the expand; a table without a primary
# key is refused; a second coordinator is refused while the first holds the run.
# A transaction holding a shard's table is outlasted by the lock policy's
# retries during an expand and a contract, and the application's longest lock
# wait (sampled from pg_locks) stays within the lock_timeout. The constraints
# (set_not_null, check, foreign_key) run under the writer too: a NULL stops
# its shard with the rows' count, complete waits for every validation, a
# SIGKILL then abort leaves the fingerprints as before (--json). A computed
# column too: abort after a SIGKILL mid-backfill, then SIGKILL and rerun
# (rewrites counted), the application deployed before complete, zero errors;
# hostile names, and an expression failing on one shard's row stops that
# shard alone until the row is fixed.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'touch "$WORK/stop"; kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
ROWS=600
V1=20250101000001.orders.sh
V2=20250101000002.widen.sh
V3=20250101000003.note.sh
MIG=$WORK/mig
mkdir -p "$MIG"
# Every UPDATE shoal's backfill makes counts in shoal_rewrites (nextval is not
# rolled back, so a batch a SIGKILL interrupted counts too).
cat >"$MIG/$V1.up.sql" <<SQL
CREATE TABLE orders (id bigserial PRIMARY KEY, amount int NOT NULL DEFAULT 1, note text);
INSERT INTO orders (amount) SELECT g FROM generate_series(1, $ROWS) g;
CREATE SEQUENCE shoal_rewrites;
CREATE FUNCTION count_rewrite() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS \$\$
BEGIN PERFORM nextval('shoal_rewrites'); RETURN NEW; END \$\$;
CREATE TRIGGER count_rewrite AFTER UPDATE ON orders FOR EACH ROW
  WHEN (current_setting('application_name') LIKE 'shoal apply%') EXECUTE FUNCTION count_rewrite();
SQL
echo "DROP TABLE orders; DROP FUNCTION count_rewrite(); DROP SEQUENCE shoal_rewrites;" >"$MIG/$V1.dn.sql"
# Batches of 20 rows, 200 ms between rounds: the backfill lasts seconds, a window
# that the SIGKILL below, after polling the progress, cannot miss on a fast machine.
cat >"$MIG/$V2.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=orders
-- shoal $online_column=amount
-- shoal $online_type=bigint
-- shoal $online_up=amount::bigint
-- shoal $online_down=amount::integer
-- shoal $online_batch_rows=20
-- shoal $online_batch_delay=200ms
-- shoal $lock_timeout=2s
SQL
echo "ALTER TABLE orders ALTER COLUMN amount TYPE integer;" >"$MIG/$V2.dn.sql"
FIRST=$WORK/first
mkdir -p "$FIRST"
cp "$MIG/$V1".* "$FIRST/"

fingerprints() {  # DB → every shard's fingerprint, one per line
  q_all "$1" "SELECT schema || ' ' || fingerprint FROM shoal.schema_fingerprints(NULL) WHERE schema LIKE 'sh%'" | sort
}
online_sum() {  # DB COLUMN → its sum over shoal.online
  sum_all "$1" "SELECT coalesce(sum($2), 0) FROM shoal.online"
}
backfilled_at_least() { [ "$(online_sum online rows_done)" -ge "$1" ]; }
lock_held() { [ "$(sum_all online "SELECT count(*) FROM shoal.run_lock WHERE pid IS NOT NULL")" -ge 3 ]; }
ended() { ! kill -0 "$SHOAL_PID" 2>/dev/null; }
# The application: on node k, shards k and k+3, through one psql session per
# node: an INSERT and an UPDATE of one row by its key (random() in a
# subquery: evaluated once, not per row scanned) on each shard every 40 ms
# (read -t on a FIFO nobody writes paces the loop without a process per
# turn), until $WORK/stop
# exists. Whatever psql says on stderr is an error of the application's.
# APP_DOUBLED=1: the application deployed for the computed column doubled,
# which it writes itself; APP_ITEMS=1: it writes items too.
mkfifo "$WORK/never"
writer() {  # NODE K
  local shard pace
  exec {pace}<>"$WORK/never"
  while [ ! -e "$WORK/stop" ]; do
    for shard in "sh000$2" "sh000$(($2 + 3))"; do
      if [ "${APP_ITEMS:-0}" = 1 ]; then
        echo "INSERT INTO $shard.items (code, note) SELECT max(code) + 1, 'w' FROM $shard.items;"
        echo "UPDATE $shard.items SET note = note || '.' WHERE id = (SELECT 1 + (random() * $ROWS)::int);"
      fi
      if [ "${APP_DOUBLED:-0}" = 1 ]; then
        echo "INSERT INTO $shard.orders (amount, note, doubled) VALUES (7, 'w', 15);"
        echo "UPDATE $shard.orders SET amount = amount + 1, doubled = (amount + 1) * 2 + length(note) WHERE id = (SELECT 1 + (random() * $ROWS)::int);"
        continue
      fi
      echo "INSERT INTO $shard.orders (amount, note) VALUES (7, 'w');"
      echo "UPDATE $shard.orders SET amount = amount + 1 WHERE id = (SELECT 1 + (random() * $ROWS)::int);"
    done
    read -r -t 0.04 -u "$pace"
  done | PGAPPNAME=app psql -X -q -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d online >/dev/null 2>>"$WORK/writer.err"
}
# The application's lock waits: every 100 ms, on node k, the longest the
# writer's session has been waiting for a lock (pg_locks.waitstart), in ms,
# into $WORK/waits.k until $WORK/stop exists.
sampler() {  # NODE K
  local pace
  exec {pace}<>"$WORK/never"
  while [ ! -e "$WORK/stop" ]; do
    echo "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - l.waitstart) * 1000), 0)::int
            FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.application_name = 'app';"
    read -r -t 0.1 -u "$pace"
  done | psql -X -q -At -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d online >"$WORK/waits.$2" 2>&1
}
longest_wait() { cat "$WORK"/waits.* | sort -n | tail -1; }
# A transaction of the test's holding SCHEMA.orders (ACCESS SHARE: the
# application's writes pass, shoal's ALTERs wait) until release_orders. In
# ISOLATION "REPEATABLE READ" it holds its snapshot too: a CREATE INDEX
# CONCURRENTLY in the database waits for it.
hold_orders() {  # NODE SCHEMA [ISOLATION]
  mkfifo "$WORK/hold"
  psql -X -q -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d online <"$WORK/hold" >/dev/null &
  HOLDER=$!
  exec {HOLD}>"$WORK/hold"
  echo "BEGIN ISOLATION LEVEL ${3:-READ COMMITTED}; LOCK TABLE $2.orders IN ACCESS SHARE MODE; SELECT 1;" >&"$HOLD"
  wait_for 10 holding "$1" "$2"
}
holding() {  # NODE SCHEMA
  [ "$(q "$1" online "SELECT count(*) FROM pg_locks WHERE relation = '$2.orders'::regclass
        AND mode = 'AccessShareLock' AND granted AND pid <> pg_backend_pid()")" -ge 1 ]
}
release_orders() {
  echo "COMMIT;" >&"$HOLD"
  exec {HOLD}>&-
  wait "$HOLDER"
  rm "$WORK/hold"
}
run_lock_free() { [ "$(sum_all online "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]; }
retried_on() {  # FILE SCHEMA: shoal's output says it retried SCHEMA after a lock timeout
  grep -qs "retry 1.* in .* ms (.* left of retry_for .*$2.*lock timeout" "$1"
}
writes() {  # → rows the writer inserted, over the fleet
  local k n total=0
  for k in 0 1 2; do
    n=$(q "${NODES[$k]}" online "SELECT (SELECT count(*) FROM sh000$k.orders WHERE id > $ROWS) + (SELECT count(*) FROM sh000$((k + 3)).orders WHERE id > $ROWS)")
    total=$((total + n))
  done
  echo "$total"
}
writes_grew() { [ "$(writes)" -gt "$1" ]; }

echo "# 1. lint says pg-mig cannot run an online version"
OUT=$("$SHOAL" lint --migdir "$MIG" 2>&1)
like "$OUT" "$V2.up.sql:1: note: an online version: pg-mig cannot run it" "lint names the file and line"

echo "# 2. expand and backfill under a writer; SIGKILL mid-backfill"
fleet_create online 2
run_shoal online "$FIRST" apply
is "$RC" 0 "setup: every shard has the table"
BEFORE=$(fingerprints online)
for k in 0 1 2; do
  writer "${NODES[$k]}" "$k" &
  sampler "${NODES[$k]}" "$k" &
done
wait_for 20 writes_grew 5
ok $? "the writer writes"
start_shoal online "$MIG" "$WORK/killed.log" apply
wait_for 30 backfilled_at_least $((ROWS * 6 / 4))
ok $? "the backfill is under way"
kill -9 "$SHOAL_PID"
wait "$SHOAL_PID" 2>/dev/null
states=$(q_all online "SELECT state FROM shoal.online" | sort | uniq -c | tr -s ' ' | paste -sd, -)
like "$states" "backfilling" "killed mid-backfill: $states"
is "$(count_at online "$V2")" 0 "no shard has the online version in its stamp"
DONE_AT_KILL=$(online_sum online rows_done)

echo "# 3. complete before every backfill finished is refused"
run_shoal online "$MIG" complete "$V2"
is "$RC" 6 "exit 6"
like "$OUT" "refused: every targeted schema must finish its backfill first" "says why"
is "$(q node1 online "SELECT format_type(atttypid, 0) FROM pg_attribute WHERE attrelid = 'sh0000.orders'::regclass AND attname = 'amount'")" \
  "integer" "nothing was contracted"

echo "# 4. the rerun resumes from the cursors; a second coordinator is refused meanwhile"
# Paused, the rerun holds the run lock and waits: the race is decided.
"$SHOAL" pause --hosts "$(hosts online)" --user postgres >/dev/null
start_shoal online "$MIG" "$WORK/rerun.log" apply
wait_for 30 lock_held
ok $? "the rerun holds the run lock"
run_shoal online "$MIG" apply
is "$RC" 4 "the second coordinator exits 4 (run lock held)"
is "$(online_sum online rows_done)" "$DONE_AT_KILL" "paused, the rerun backfilled nothing"
"$SHOAL" resume --hosts "$(hosts online)" --user postgres >/dev/null
wait_for 60 ended
wait "$SHOAL_PID"
is "$?" 0 "the rerun exits 0"
is "$(q_all online "SELECT DISTINCT state FROM shoal.online" | sort -u)" "backfilled" "every shard is backfilled"
TOTAL=$(online_sum online rows_total)
REWRITES=$(sum_all online "SELECT coalesce(sum(last_value), 0) FROM pg_sequences WHERE sequencename = 'shoal_rewrites'")
is "$(( REWRITES * 100 <= TOTAL * 105 ))" 1 "rows rewritten $REWRITES <= 1.05 x $TOTAL (rows before the expand; $DONE_AT_KILL done at the kill)"
is "$(( REWRITES >= TOTAL ))" 1 "and every row at least once"
is "$(sum_all online "SELECT coalesce(sum(shoal.online_mismatches(schema, version)), 0) FROM shoal.online")" 0 \
  "every row's new column is up(old)"
STATUS=$("$SHOAL" status --migdir "$MIG" --hosts "$(hosts online)" --user postgres 2>&1)
is "$(grep -c "online $V2: 2 backfilled" <<<"$STATUS")" 3 "status shows the state per node"
HISTORY=$("$SHOAL" history --migdir "$MIG" --hosts "$(hosts online)" --user postgres --limit 200 2>&1)
is "$(grep -c "$V2 *expand" <<<"$HISTORY")" 6 "history has an expand event per shard"
is "$(grep -c "$V2 *backfilled" <<<"$HISTORY")" 6 "and a backfilled one"

echo "# 5. complete, outlasting a held lock: the version applied on every shard, the writer never failed"
before_complete=$(writes)
hold_orders node2 sh0001
start_shoal online "$MIG" "$WORK/complete.log" complete "$V2"
wait_for 30 retried_on "$WORK/complete.log" sh0001
ok $? "the contract of sh0001 timed out on the held lock and is retried"
release_orders
wait_for 60 ended
wait "$SHOAL_PID"
is "$?" 0 "exit 0"
OUT=$(cat "$WORK/complete.log")
like "$OUT" "complete $V2: 6 schema\(s\) contracted" "says what it did"
is "$(count_at online "$V2")" 6 "every stamp ends with the version"
is "$(q_all online "SELECT DISTINCT format_type(atttypid, 0) || ' ' || attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'orders' AND attname = 'amount'" | sort -u)" \
  "bigint true" "amount is bigint NOT NULL everywhere"
is "$(sum_all online "SELECT count(*) FROM shoal.online")" 0 "no online state is left"
is "$(sum_all online "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'shoal_sync%'")" 0 "no trigger is left"
applied_matches_stamps online
ok $? "shoal.applied agrees with the stamps"
wait_for 20 writes_grew "$before_complete"
ok $? "the writer goes on after the contract"
touch "$WORK/stop"
wait $(jobs -p) 2>/dev/null
wait_ms=$(longest_wait)
is "$(( wait_ms > 500 && wait_ms <= 2000 + 100 ))" 1 \
  "the application queued behind shoal's lock requests, never longer than the lock_timeout 2 s (longest wait sampled: $wait_ms ms)"
touch "$WORK/writer.err"
is "$(wc -l <"$WORK/writer.err")" 0 "the writer saw no error during expand, backfill and contract ($(writes) writes)"
[ -s "$WORK/writer.err" ] && head -5 "$WORK/writer.err" | sed 's/^/# /'

echo "# 6. abort restores the fingerprint; complete refuses a row out of step"
cat >"$MIG/$V3.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=orders
-- shoal $online_column=note
-- shoal $online_type=varchar(100)
-- shoal $online_up=note::varchar(100)
-- shoal $online_down=note::text
SQL
: >"$MIG/$V3.dn.sql"
BEFORE=$(fingerprints online)
# A transaction holds sh0000's table: the expand waits its lock_timeout, backs
# off and retries, and gets through once the test ends that transaction.
hold_orders node1 sh0000
start_shoal online "$MIG" "$WORK/note.log" apply
wait_for 30 retried_on "$WORK/note.log" sh0000
ok $? "the expand of sh0000 timed out on the held lock and is retried"
release_orders
wait_for 60 ended
wait "$SHOAL_PID"
is "$?" 0 "expand and backfill: exit 0"
is "$(q_all online "SELECT DISTINCT state FROM shoal.online" | sort -u)" "backfilled" "backfilled"
q node1 online "SET session_replication_role = replica; UPDATE sh0000.orders SET note_shoal_new = 'x' WHERE id = 1" >/dev/null
run_shoal online "$MIG" complete "$V3"
is "$RC" 6 "complete refused by the final check"
like "$OUT" "sh0000: 1 row\(s\) whose new column is not up\(note\)" "naming the schema"
run_shoal online "$MIG" abort "$V3"
is "$RC" 0 "abort: exit 0"
like "$OUT" "abort $V3: 6 schema\(s\) aborted" "says what it did"
is "$(fingerprints online)" "$BEFORE" "every fingerprint is what it was before the expand"
is "$(sum_all online "SELECT count(*) FROM shoal.online")" 0 "no online state is left"
is "$(count_at online "$V2")" 6 "the stamps are as before"

echo "# 7. a table without a primary key is refused, naming it"
NOKEY=$WORK/nokey
mkdir -p "$NOKEY"
cp "$MIG/$V1".* "$MIG/$V2".* "$NOKEY/"
V4=20250101000004.log.sh
V5=20250101000005.widen-log.sh
echo "CREATE TABLE log (id int, amount int);" >"$NOKEY/$V4.up.sql"
echo "DROP TABLE log;" >"$NOKEY/$V4.dn.sql"
sed 's/online_table=orders/online_table=log/' "$MIG/$V2.up.sql" >"$NOKEY/$V5.up.sql"
: >"$NOKEY/$V5.dn.sql"
run_shoal online "$NOKEY" apply
is "$RC" 1 "exit 1: the version failed"
like "$OUT" "table sh000[0-5].log has no primary key" "the reason names the table"
is "$(sum_all online "SELECT count(*) FROM shoal.online")" 0 "nothing was expanded"
is "$(count_at online "$V4")" 6 "the schemas stay at the version before"

echo "# 8. online constraints under the writer: set_not_null stops where a NULL is; check outlives a SIGKILL and aborts cleanly; foreign_key"
CONS=$WORK/cons
mkdir -p "$CONS"
cp "$NOKEY/$V1".* "$NOKEY/$V2".* "$NOKEY/$V4".* "$CONS/"
V6=20250101000006.customers.sh
V7=20250101000007.note-present.sh
V8=20250101000008.amount-positive.sh
V9=20250101000009.customer-fk.sh
cat >"$CONS/$V6.up.sql" <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY);
INSERT INTO customers SELECT generate_series(1, 10);
ALTER TABLE orders ADD COLUMN customer_id int;
UPDATE orders SET note = 'n' WHERE note IS NULL;
SQL
echo "DROP TABLE customers; ALTER TABLE orders DROP COLUMN customer_id;" >"$CONS/$V6.dn.sql"
rm -f "$WORK/stop" "$WORK"/waits.*
: >"$WORK/writer.err"
for k in 0 1 2; do
  writer "${NODES[$k]}" "$k" &
  sampler "${NODES[$k]}" "$k" &
done
run_shoal online "$CONS" apply
is "$RC" 0 "setup: customers, and a note on every row"
# Two rows outside the writer's reach keep a NULL note on sh0002.
q node3 online "INSERT INTO sh0002.orders (id, amount, note) VALUES (1000001, 1, NULL), (1000002, 1, NULL)" >/dev/null
printf -- '-- shoal $online=set_not_null\n-- shoal $online_table=orders\n-- shoal $online_column=note\n-- shoal $lock_timeout=2s\n' >"$CONS/$V7.up.sql"
printf -- '-- shoal $online=check\n-- shoal $online_table=orders\n-- shoal $online_name=amount_positive\n-- shoal $online_definition=amount > 0\n-- shoal $lock_timeout=2s\n' >"$CONS/$V8.up.sql"
printf -- '-- shoal $online=foreign_key\n-- shoal $online_table=orders\n-- shoal $online_name=orders_customer_fk\n-- shoal $online_column=customer_id\n-- shoal $online_references=customers (id)\n-- shoal $lock_timeout=2s\n' >"$CONS/$V9.up.sql"
echo "ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;" >"$CONS/$V7.dn.sql"
echo "ALTER TABLE orders DROP CONSTRAINT amount_positive;" >"$CONS/$V8.dn.sql"
echo "ALTER TABLE orders DROP CONSTRAINT orders_customer_fk;" >"$CONS/$V9.dn.sql"
constraints() {  # NAME → "validated" per shard holding the constraint, one per line
  q_all online "SELECT convalidated FROM pg_constraint WHERE conname = '$1'" | sort | uniq -c | tr -s ' '
}
# apply stops SCHEMA alone with REASON: it stays in STATE, the other five
# shards finish, and complete is refused naming it.
one_shard_stopped() {  # MIGDIR VERSION SCHEMA STATE REASON
  run_shoal online "$1" apply
  is "$RC" 1 "exit 1: $3 failed"
  like "$OUT" "$5" "the reason"
  is "$(q_all online "SELECT schema || ' ' || state FROM shoal.online WHERE state <> 'backfilled'")" "$3 $4" "$3 stays $4"
  is "$(sum_all online "SELECT count(*) FROM shoal.online WHERE state = 'backfilled'")" 5 "every other shard is done"
  run_shoal online "$1" complete "$2"
  is "$RC" 6 "complete is refused"
  like "$OUT" "1 schema\(s\) $4: .*$3" "naming the shard"
}
# set_not_null: the NULLs fail sh0002's validation, counted.
one_shard_stopped "$CONS" "$V7" sh0002 expanded "2 row\(s\) of sh0002.orders break constraint note_not_null"
q node3 online "UPDATE sh0002.orders SET note = 'fixed' WHERE note IS NULL" >/dev/null
run_shoal online "$CONS" apply
is "$RC" 0 "the rerun validates sh0002"
run_shoal online "$CONS" complete "$V7"
is "$RC" 0 "complete: exit 0"
is "$(q_all online "SELECT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'orders' AND a.attname = 'note'" | sort -u)" \
  "t" "note is NOT NULL on every shard"
is "$(sum_all online "SELECT count(*) FROM pg_constraint WHERE conname = 'note_not_null'")" 0 "and its check is gone"

BEFORE=$(fingerprints online)
hold_orders node1 sh0000
start_shoal online "$CONS" "$WORK/check.log" apply
wait_for 30 retried_on "$WORK/check.log" sh0000
ok $? "check: the expand of sh0000 waits for the held lock"
kill -9 "$SHOAL_PID"
wait "$SHOAL_PID" 2>/dev/null
release_orders
# The killed run's backends end once they notice their client is gone.
wait_for 10 run_lock_free
ok $? "the killed run's lock is gone"
run_shoal online "$CONS" abort "$V8" --json
is "$RC" 0 "abort after the SIGKILL: exit 0"
is "$(json_shape online_change "$OUT")" "" "abort --json prints docs/json.md's document"
is "$(json_eval 'd["version"] + " " + str(d["changed"] > 0)' "$OUT")" "$V8 True" "naming the version and what it aborted"
is "$(fingerprints online)" "$BEFORE" "every fingerprint is what it was before the expand"
is "$(sum_all online "SELECT count(*) FROM pg_constraint WHERE conname = 'amount_positive'")" 0 "no constraint is left"
run_shoal online "$CONS" apply
is "$RC" 0 "apply again: expanded and validated"
run_shoal online "$CONS" complete "$V8"
is "$RC" 0 "complete: exit 0"
is "$(constraints amount_positive)" " 6 t" "amount_positive is validated on every shard"

run_shoal online "$CONS" apply
is "$RC" 0 "foreign_key: expanded and validated"
run_shoal online "$CONS" complete "$V9"
is "$RC" 0 "complete: exit 0"
is "$(constraints orders_customer_fk)" " 6 t" "orders_customer_fk is validated on every shard"
is "$(count_at online "$V9")" 6 "every stamp ends with the version"
is "$(sum_all online "SELECT count(*) FROM shoal.online")" 0 "no online state is left"
touch "$WORK/stop"
wait $(jobs -p) 2>/dev/null
is "$(wc -l <"$WORK/writer.err")" 0 "the writer saw no error during the constraints' phases ($(writes) writes)"
wait_ms=$(longest_wait)
is "$(( wait_ms <= 2000 + 100 ))" 1 "its longest lock wait stays within the lock_timeout 2 s ($wait_ms ms)"

echo "# 9. computed_column under the writer: SIGKILL mid-backfill then abort; SIGKILL again, rerun, complete"
COMP=$WORK/comp
mkdir -p "$COMP"
cp "$CONS"/* "$COMP/"
V10=20250101000010.doubled.sh
cat >"$COMP/$V10.up.sql" <<'SQL'
-- shoal $online=computed_column
-- shoal $online_table=orders
-- shoal $online_column=doubled
-- shoal $online_type=bigint
-- shoal $online_up=amount * 2 + length(note)
-- shoal $online_not_null=1
-- shoal $online_batch_rows=20
-- shoal $online_batch_delay=200ms
-- shoal $lock_timeout=2s
SQL
echo "ALTER TABLE orders DROP COLUMN doubled;" >"$COMP/$V10.dn.sql"
rewrites() { sum_all online "SELECT coalesce(sum(last_value), 0) FROM pg_sequences WHERE sequencename = 'shoal_rewrites'"; }
start_app() {
  rm -f "$WORK/stop"
  for k in 0 1 2; do
    writer "${NODES[$k]}" "$k" &
    sampler "${NODES[$k]}" "$k" &
  done
}
stop_app() {
  touch "$WORK/stop"
  wait $(jobs -p) 2>/dev/null
}
kill_mid_backfill() {  # LOG
  start_shoal online "$COMP" "$1" apply
  wait_for 90 backfilled_at_least $((ROWS * 6 / 4))
  ok $? "the backfill is under way"
  kill -9 "$SHOAL_PID"
  wait "$SHOAL_PID" 2>/dev/null
  like "$(q_all online "SELECT DISTINCT state FROM shoal.online")" "backfilling" "killed mid-backfill"
  wait_for 10 run_lock_free
}
rm -f "$WORK"/waits.*
: >"$WORK/writer.err"
# The marker is the greatest key at the expand: rows the application inserts
# later must get greater keys, or the backfill rewrites them too. Section 8's
# two rows with keys far above the sequence's go.
q node3 online "DELETE FROM sh0002.orders WHERE id > 1000000" >/dev/null
BEFORE=$(fingerprints online)
start_app
kill_mid_backfill "$WORK/doubled-killed.log"
run_shoal online "$COMP" abort "$V10"
is "$RC" 0 "abort after a partial backfill: exit 0"
is "$(fingerprints online)" "$BEFORE" "every fingerprint is what it was before the expand"
is "$(sum_all online "SELECT count(*) FROM pg_attribute WHERE attname = 'doubled' AND NOT attisdropped")" 0 "no column doubled is left"
is "$(sum_all online "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'shoal_sync%'")" 0 "nor a trigger"
BEFORE_REWRITES=$(rewrites)
kill_mid_backfill "$WORK/doubled-killed-again.log"
run_shoal online "$COMP" apply
is "$RC" 0 "the rerun finishes the backfill"
is "$(q_all online "SELECT DISTINCT state FROM shoal.online" | sort -u)" "backfilled" "every shard is backfilled"
TOTAL=$(online_sum online rows_total)
REWRITES=$(( $(rewrites) - BEFORE_REWRITES ))
is "$(( REWRITES * 100 <= TOTAL * 105 && REWRITES >= TOTAL ))" 1 "rows rewritten $REWRITES: every row, at most 1.05 x $TOTAL"
is "$(sum_all online "SELECT count(*) FROM pg_constraint WHERE conname = 'doubled_not_null' AND convalidated")" 6 \
  "the NOT NULL check is validated on every shard"
# The application is deployed: it writes doubled itself from now on.
stop_app
APP_DOUBLED=1 start_app
wait_for 20 writes_grew "$(writes)"
ok $? "the deployed application writes"
run_shoal online "$COMP" complete "$V10"
is "$RC" 0 "complete: exit 0"
is "$(count_at online "$V10")" 6 "every stamp ends with the version"
is "$(q_all online "SELECT DISTINCT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'orders' AND a.attname = 'doubled'" | sort -u)" \
  "t" "doubled is NOT NULL on every shard"
is "$(sum_all online "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'shoal_sync%'")" 0 "the trigger is gone: the application maintains doubled"
is "$(sum_all online "SELECT count(*) FROM pg_constraint WHERE conname = 'doubled_not_null'")" 0 "and the check"
wait_for 20 writes_grew "$(writes)"
ok $? "the application goes on after the contract"
stop_app
count_in_shards() {  # DB QUERY (with %I for the shard) → its count summed over every shard of the fleet
  sum_all "$1" "SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(format(\$q\$SELECT count(*) AS n $2\$q\$, nspname),
                  false, true, '')))[1]::text::bigint), 0) FROM pg_namespace WHERE nspname ~ '^sh[0-9]+$'"
}
is "$(count_in_shards online "FROM %I.orders WHERE doubled IS DISTINCT FROM amount * 2 + length(note)")" 0 \
  "every row's doubled is amount * 2 + length(note), the rows the application wrote meanwhile too"
is "$(wc -l <"$WORK/writer.err")" 0 "the application saw no error during expand, abort, backfill and contract ($(writes) writes)"
[ -s "$WORK/writer.err" ] && head -5 "$WORK/writer.err" | sed 's/^/# /'
wait_ms=$(longest_wait)
is "$(( wait_ms <= 2000 + 100 ))" 1 "its longest lock wait stays within the lock_timeout 2 s ($wait_ms ms)"

echo "# 10. computed_column with hostile names; its expression fails on one shard's row"
V11=20250101000011.odd-items.sh
V12=20250101000012.per-unit.sh
# sh0003 has one row with "QTY" = 0: the expression divides by it.
cat >"$COMP/$V11.up.sql" <<'SQL'
CREATE TABLE "Odd Items" ("Item ID" int PRIMARY KEY, "Unit Price" int NOT NULL, "QTY" int NOT NULL);
INSERT INTO "Odd Items" SELECT g, 10 * g, 1 + g % 5 FROM generate_series(1, 100) g;
INSERT INTO "Odd Items" SELECT 101, 5, 0 WHERE current_schema = 'sh0003';
SQL
echo 'DROP TABLE "Odd Items";' >"$COMP/$V11.dn.sql"
cat >"$COMP/$V12.up.sql" <<'SQL'
-- shoal $online=computed_column
-- shoal $online_table=Odd Items
-- shoal $online_column=Per "Unit"
-- shoal $online_type=numeric(12,2)
-- shoal $online_up="Unit Price"::numeric / "QTY"
-- shoal $online_not_null=1
-- shoal $online_batch_rows=30
SQL
echo 'ALTER TABLE "Odd Items" DROP COLUMN "Per ""Unit""";' >"$COMP/$V12.dn.sql"
# The failed batch rolled back: sh0003 stays backfilling.
one_shard_stopped "$COMP" "$V12" sh0003 backfilling "division by zero — 1 schema: .*sh0003"
q node1 online 'UPDATE sh0003."Odd Items" SET "QTY" = 1 WHERE "QTY" = 0' >/dev/null
run_shoal online "$COMP" apply
is "$RC" 0 "with the row fixed, the rerun backfills sh0003"
run_shoal online "$COMP" complete "$V12"
is "$RC" 0 "complete: exit 0"
is "$(count_in_shards online "FROM %I.\"Odd Items\" WHERE \"Per \"\"Unit\"\"\" IS DISTINCT FROM round(\"Unit Price\"::numeric / \"QTY\", 2)")" 0 \
  "every row's \"Per \"\"Unit\"\"\" is its expression"
is "$(q_all online "SELECT DISTINCT attnotnull FROM pg_attribute WHERE attname = 'Per \"Unit\"'" | sort -u)" "t" "NOT NULL on every shard"
is "$(count_at online "$V12")" 6 "every stamp ends with the version"

echo "# 11. a key column's type under the writer: the primary key int -> bigint, killed while its index builds;"
echo "#     a unique index, a partial index and a unique constraint on the column, aborted once built"
V13=20250101000013.items.sh
V14=20250101000014.items-id.sh
V15=20250101000015.items-code.sh
cat >"$COMP/$V13.up.sql" <<SQL
CREATE TABLE items (id serial PRIMARY KEY, code int NOT NULL, note text);
CREATE UNIQUE INDEX items_code_key ON items (code) INCLUDE (note);
CREATE INDEX items_code_noted ON items (code DESC) WHERE note IS NOT NULL;
ALTER TABLE items ADD CONSTRAINT items_code_unique UNIQUE (code);
INSERT INTO items (code, note) SELECT g, CASE WHEN g % 2 = 0 THEN 'n' END FROM generate_series(1, $ROWS) g;
CREATE TRIGGER count_rewrite AFTER UPDATE ON items FOR EACH ROW
  WHEN (current_setting('application_name') LIKE 'shoal apply%') EXECUTE FUNCTION count_rewrite();
SQL
echo "DROP TABLE items;" >"$COMP/$V13.dn.sql"
run_shoal online "$COMP" apply
is "$RC" 0 "setup: items on every shard"
rm -f "$WORK"/waits.*
: >"$WORK/writer.err"
APP_DOUBLED=1 APP_ITEMS=1 start_app
printf -- '-- shoal $online=column_type\n-- shoal $online_table=items\n-- shoal $online_column=id\n-- shoal $online_type=bigint\n-- shoal $online_up=id::bigint\n-- shoal $online_down=id::integer\n-- shoal $online_batch_rows=50\n-- shoal $lock_timeout=2s\n' >"$COMP/$V14.up.sql"
echo "ALTER TABLE items ALTER COLUMN id TYPE integer;" >"$COMP/$V14.dn.sql"
invalid_indexes() { sum_all online "SELECT count(*) FROM pg_index WHERE NOT indisvalid"; }
# A snapshot held on node1: its shards' CREATE INDEX CONCURRENTLY waits for it
# past the lock_timeout, fails (leaving an INVALID index) and is retried.
hold_orders node1 sh0000 "REPEATABLE READ"
BEFORE_REWRITES=$(rewrites)
start_shoal online "$COMP" "$WORK/items-id.log" apply
wait_for 60 retried_on "$WORK/items-id.log" sh000[03]
ok $? "the primary key's build on node1 timed out behind the snapshot and is retried"
is "$(( $(invalid_indexes) >= 1 ))" 1 "the failed build left an INVALID index"
kill -9 "$SHOAL_PID"
wait "$SHOAL_PID" 2>/dev/null
release_orders
wait_for 10 run_lock_free
like "$(q node1 online "SELECT DISTINCT state FROM shoal.online_state")" "indexing" "node1's shards are indexing"
run_shoal online "$COMP" complete "$V14"
is "$RC" 6 "complete before every index is built is refused"
like "$OUT" "schema\(s\) indexing: .*sh000[03]" "naming the shards"
run_shoal online "$COMP" apply
is "$RC" 0 "the rerun builds what is left"
is "$(q_all online "SELECT DISTINCT state FROM shoal.online_state" | sort -u)" "backfilled" "every shard is backfilled"
is "$(invalid_indexes)" 0 "no INVALID index is left"
TOTAL=$(online_sum online rows_total)
REWRITES=$(( $(rewrites) - BEFORE_REWRITES ))
is "$(( REWRITES * 100 <= TOTAL * 105 && REWRITES >= TOTAL ))" 1 "rows rewritten $REWRITES: every row, at most 1.05 x $TOTAL"
run_shoal online "$COMP" complete "$V14"
is "$RC" 0 "complete: exit 0"
is "$(q_all online "SELECT DISTINCT format_type(a.atttypid, 0) || ' ' || k.contype::text || ' ' || k.conname FROM pg_constraint k
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) WHERE k.conrelid::regclass::text LIKE 'sh%.items' AND k.contype = 'p'" | sort -u)" \
  "bigint p items_pkey" "items' primary key is items_pkey on a bigint id everywhere"
is "$(sum_all online "SELECT count(*) FROM pg_constraint WHERE conname = 'items_pkey'")" 6 "on every shard"

index_definitions() {  # every index and constraint of items over the fleet, with the schema mapped away
  q_all online "SELECT regexp_replace(pg_get_indexdef(indexrelid), 'sh[0-9]+', 'S') FROM pg_index WHERE indrelid::regclass::text LIKE 'sh%.items'
                UNION ALL SELECT conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text LIKE 'sh%.items'" | sort
}
printf -- '-- shoal $online=column_type\n-- shoal $online_table=items\n-- shoal $online_column=code\n-- shoal $online_type=bigint\n-- shoal $online_up=code::bigint\n-- shoal $online_down=code::integer\n-- shoal $lock_timeout=2s\n' >"$COMP/$V15.up.sql"
echo "ALTER TABLE items ALTER COLUMN code TYPE integer;" >"$COMP/$V15.dn.sql"
BEFORE=$(fingerprints online)
INDEXES=$(index_definitions)
run_shoal online "$COMP" apply
is "$RC" 0 "code: expanded, backfilled, its indexes built"
is "$(sum_all online "SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname LIKE 'items_code%_shoal_new' AND x.indisvalid")" 18 \
  "three indexes on the new column per shard"
run_shoal online "$COMP" abort "$V15"
is "$RC" 0 "abort: exit 0"
is "$(fingerprints online)" "$BEFORE" "every fingerprint is what it was before the expand"
is "$(sum_all online "SELECT count(*) FROM pg_class WHERE relname LIKE '%shoal_new%'")" 0 "no index on the new column is left"
run_shoal online "$COMP" apply
is "$RC" 0 "expanded again"
run_shoal online "$COMP" complete "$V15"
is "$RC" 0 "complete: exit 0"
is "$(q_all online "SELECT DISTINCT format_type(atttypid, 0) FROM pg_attribute WHERE attrelid::regclass::text LIKE 'sh%.items' AND attname = 'code'" | sort -u)" \
  "bigint" "code is bigint everywhere"
is "$(index_definitions)" "$INDEXES" "the unique index, the partial index and the unique constraint are what they were, on the new column"
stop_app
is "$(wc -l <"$WORK/writer.err")" 0 "the application saw no error ($(writes) writes)"
[ -s "$WORK/writer.err" ] && head -5 "$WORK/writer.err" | sed 's/^/# /'
wait_ms=$(longest_wait)
is "$(( wait_ms <= 2000 + 100 ))" 1 "its longest lock wait stays within the lock_timeout 2 s ($wait_ms ms)"

done_testing
