#!/usr/bin/env bash
# Online versions attacked (issue 21), under the application stand-in
# (test/lib/app_load.sh on every node, zero errors at the end). What holds:
#  - hostile declarations ($online_up with a second statement, a comment, an
#    unbalanced parenthesis or a subquery; $online_type, $online_definition and
#    $online_references smuggling statements) are refused at load time with
#    file:line, nothing run; quoted and unicode names go through as written;
#  - complete and abort started at once: the run lock lets at most one run,
#    the loser exits 4, every shard ends whole (contracted, or expanded, or
#    aborted: never half-swapped); abort while apply backfills exits 4;
#  - pg_terminate_backend of shoal's session in a contract's transaction, in an
#    expand and in a CREATE INDEX CONCURRENTLY on the new column: a non-zero
#    exit naming the node, every shard whole, no INVALID index after the rerun,
#    the skipped shards of the node named, nothing expanded twice;
#  - pg-mig stamping the version while the online change is still indexing:
#    complete and abort refuse, naming the shard and the way out (shoal
#    forget), and drop nothing; after forget, complete finishes;
#  - a role without the rights: an error naming the right, nothing half-done,
#    no right gained;
#  - SIGINT mid-complete: exit 130, contracted shards stamped and the others
#    still expanded, status truthful, the rerun finishes the rest;
#  - a node frozen (SIGSTOP) during complete's final check: complete ends
#    within its round deadline naming the node, nothing contracted anywhere;
#    after SIGCONT the rerun completes.
source "$(dirname "$0")/lib.sh"
source "$CLUSTER_ROOT/test/lib/app_load.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'thaw; for n in node1 node2 node3; do [ -n "${APP_LOAD_PGBENCH[$n]:-}" ] && kill -9 "${APP_LOAD_PGBENCH[$n]}" "${APP_LOAD_SAMPLER[$n]}"; done 2>/dev/null;
      kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK" "$APP_LOAD_DIR"; pgserver_cleanup' EXIT
DB=adv
ROWS=200
MIG=$WORK/mig
mkdir -p "$MIG"
V1=20250101000001.acct.sh
cat >"$MIG/$V1.up.sql" <<SQL
CREATE TABLE acct (id bigserial PRIMARY KEY, balance int NOT NULL DEFAULT 0, code int NOT NULL, note text);
CREATE UNIQUE INDEX acct_code ON acct (code);
INSERT INTO acct (balance, code, note) SELECT g, g, 'n' FROM generate_series(1, $ROWS) g;
SQL
echo "DROP TABLE acct;" >"$MIG/$V1.dn.sql"
online_version() {  # NAME COLUMN TYPE UP DOWN [DIR]: a column type change of acct
  printf -- '-- shoal $online=column_type\n-- shoal $online_table=acct\n-- shoal $online_column=%s\n-- shoal $online_type=%s\n-- shoal $online_up=%s\n-- shoal $online_down=%s\n-- shoal $online_batch_rows=50\n' \
    "$2" "$3" "$4" "$5" >"${6:-$MIG}/$1.up.sql"
  : >"${6:-$MIG}/$1.dn.sql"
}
ended() { ! kill -0 "$SHOAL_PID" 2>/dev/null; }
run_lock_free() { [ "$(sum_all "$DB" "SELECT count(*) FROM shoal.run_lock")" -eq 0 ]; }
stamped() { count_at "$DB" "$1"; }  # VERSION → schemas whose stamp ends with it
# Shards of a column type change that are not whole: each must be contracted
# (stamped, the new type, nothing left), expanded (not stamped, the old type,
# the new column, the trigger and its state) or not expanded at all.
not_whole() {  # VERSION COLUMN OLD_TYPE NEW_TYPE
  sum_all "$DB" "SELECT count(*) FROM pg_namespace n CROSS JOIN LATERAL (SELECT
      EXISTS (SELECT FROM shoal.stamps() s WHERE s.schema = n.nspname AND '$1' = ANY (s.versions)) AS stamped,
      EXISTS (SELECT FROM shoal.online o WHERE o.schema = n.nspname AND o.version = '$1') AS online,
      (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = (n.nspname || '.acct')::regclass
          AND attname = '$2') AS type,
      EXISTS (SELECT FROM pg_attribute WHERE attrelid = (n.nspname || '.acct')::regclass
          AND attname = '$2_shoal_new' AND NOT attisdropped) AS new_column,
      EXISTS (SELECT FROM pg_trigger WHERE tgrelid = (n.nspname || '.acct')::regclass AND tgname LIKE 'shoal_sync%') AS sync) x
    WHERE n.nspname ~ '^sh[0-9]+\$'
      AND NOT ((stamped AND NOT online AND type = '$4' AND NOT new_column AND NOT sync)
            OR (NOT stamped AND online AND type = '$3' AND new_column AND sync)
            OR (NOT stamped AND NOT online AND type = '$3' AND NOT new_column AND NOT sync))"
}
# A session of the test's on NODE that ran SQL in an open transaction, until
# release NAME.
hold() {  # NAME NODE SQL
  mkfifo "$WORK/$1.fifo"
  PGAPPNAME=holder psql -X -q -h 127.0.0.1 -p "${PORT[$2]}" -U postgres -d "$DB" <"$WORK/$1.fifo" >/dev/null 2>&1 &
  eval "HOLDER_$1=\$!"
  exec {fd}>"$WORK/$1.fifo"
  eval "HOLD_FD_$1=$fd"
  echo "BEGIN; $3; SELECT 1;" >&"$fd"
  wait_for 10 holding "$2"
}
holding() { [ "$(q "$1" "$DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'holder' AND state = 'idle in transaction'")" -ge 1 ]; }
release() {  # NAME
  local fd pid
  eval "fd=\$HOLD_FD_$1 pid=\$HOLDER_$1"
  echo "COMMIT;" >&"$fd"
  exec {fd}>&-
  wait "$pid"
  rm -f "$WORK/$1.fifo"
}
# shoal's sessions on NODE waiting for a lock, running a statement like PATTERN.
shoal_waiting() {  # NODE COMMAND PATTERN
  [ "$(q "$1" "$DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'shoal $2%'
        AND wait_event_type = 'Lock' AND query LIKE '$3'")" -ge 1 ]
}
terminate_shoal() {  # NODE COMMAND PATTERN → how many of those sessions were terminated
  q "$1" "$DB" "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name LIKE 'shoal $2%' AND wait_event_type = 'Lock' AND query LIKE '$3') t"
}

echo "# 1. hostile declarations: refused at load time with file:line, nothing run"
HOSTILE=$WORK/hostile
VH=20250101000002.hostile.sh
hostile() {  # KEY VALUE WHY  (a column type change of acct.balance, KEY's line replaced)
  rm -rf "$HOSTILE"
  mkdir -p "$HOSTILE"
  cp "$MIG/$V1".* "$HOSTILE/"
  online_version "$VH" balance bigint 'balance::bigint' 'balance::integer' "$HOSTILE"
  if [ "$1" = '$online_definition' ] || [ "$1" = '$online_references' ]; then
    printf -- '-- shoal $online=%s\n-- shoal $online_table=acct\n-- shoal $online_name=acct_c\n' \
      "$([ "$1" = '$online_definition' ] && echo check || echo foreign_key)" >"$HOSTILE/$VH.up.sql"
    [ "$1" = '$online_references' ] && echo '-- shoal $online_column=code' >>"$HOSTILE/$VH.up.sql"
    printf -- '-- shoal %s=%s\n' "$1" "$2" >>"$HOSTILE/$VH.up.sql"
  else
    python3 - "$HOSTILE/$VH.up.sql" "$1" "$2" <<'PY'
import sys
path, key, value = sys.argv[1:]
lines = [f"-- shoal {key}={value}" if l.startswith(f"-- shoal {key}=") else l for l in open(path).read().splitlines()]
open(path, "w").write("\n".join(lines) + "\n")
PY
  fi
  local line
  line=$(grep -n -F -- "$1=" "$HOSTILE/$VH.up.sql" | cut -d: -f1)
  OUT=$("$SHOAL" lint --migdir "$HOSTILE" 2>&1)
  RC=$?
  is "$RC" 3 "$1=$2: exit 3"
  like "$OUT" "$VH.up.sql:$line: .*$3" "… names the file, line $line and why"
}
hostile '$online_up' 'balance::bigint) FROM (SELECT 1 AS balance) x; DROP TABLE acct; --' 'one SQL expression'
hostile '$online_up' 'balance::bigint + 0) FROM acct x WHERE (true' 'a "\)" closes what it did not open'
hostile '$online_down' 'balance::integer -- the old type' 'a comment would hide the rest'
hostile '$online_up' '(SELECT max(balance) FROM sh0001.acct)::bigint' 'no subquery'
hostile '$online_up' 'balance::bigint; DELETE FROM acct' '";" ends a statement there'
hostile '$online_type' 'bigint DEFAULT 0' 'one type'
hostile '$online_type' 'bigint; DROP TABLE acct' '";" ends a statement there'
hostile '$online_definition' 'balance > 0) NOT VALID, DROP COLUMN note, ADD CHECK (true' 'one SQL condition'
hostile '$online_references' 'acct (id), DROP COLUMN note' 'one REFERENCES target'
fleet_create "$DB" 4
run_shoal "$DB" "$HOSTILE" apply
is "$RC" 3 "apply with a hostile declaration: exit 3"
is "$(sum_all "$DB" "SELECT count(*) FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.relname = 'acct'")" 0 \
  "nothing ran"

echo "# 2. complete and abort at once; abort while apply backfills"
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "setup: acct on every shard"
for node in "${NODES[@]}"; do app_load_start "$node" "${PORT[$node]}" "$DB" 2 30; done
V2=20250101000002.balance.sh
online_version "$V2" balance bigint 'balance::bigint' 'balance::integer'
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "balance expanded and backfilled"
start_shoal "$DB" "$MIG" "$WORK/complete.log" complete "$V2"
COMPLETE_PID=$SHOAL_PID
start_shoal "$DB" "$MIG" "$WORK/abort.log" abort "$V2"
ABORT_PID=$SHOAL_PID
wait "$COMPLETE_PID"; COMPLETE_RC=$?
wait "$ABORT_PID"; ABORT_RC=$?
echo "# complete: $COMPLETE_RC, abort: $ABORT_RC"
like "$COMPLETE_RC $ABORT_RC" '^(0 4|4 0|4 4)$' "at most one of them ran, the other exits 4 (run lock held)"
is "$(not_whole "$V2" balance integer bigint)" 0 "every shard is whole"
STATUS=$("$SHOAL" status --migdir "$MIG" --hosts "$(hosts "$DB")" --user postgres 2>&1)
case "$COMPLETE_RC $ABORT_RC" in
  "0 4") is "$(stamped "$V2")" 12 "complete won: every shard contracted" ;;
  "4 0") is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online")" 0 "abort won: every shard aborted" ;;
  *) is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online WHERE state = 'backfilled'")" 12 "both lost: nothing changed" ;;
esac
is "$(grep -c "online $V2: 4 backfilled" <<<"$STATUS")" "$([ "$COMPLETE_RC" = 4 ] && [ "$ABORT_RC" = 4 ] && echo 3 || echo 0)" \
  "status shows an online state exactly where one is left"
# The fleet to a known state: the version contracted.
if [ "$COMPLETE_RC" != 0 ]; then
  run_shoal "$DB" "$MIG" apply
  run_shoal "$DB" "$MIG" complete "$V2"
fi
is "$(stamped "$V2")" 12 "balance is contracted everywhere"

V3=20250101000003.note.sh
online_version "$V3" note 'character varying(200)' 'note::varchar(200)' 'note::text'
"$SHOAL" pause --hosts "$(hosts "$DB")" --user postgres >/dev/null
start_shoal "$DB" "$MIG" "$WORK/apply-paused.log" apply
lock_held() { [ "$(sum_all "$DB" "SELECT count(*) FROM shoal.run_lock WHERE pid IS NOT NULL")" -ge 3 ]; }
wait_for 30 lock_held
ok $? "a paused apply holds the run lock"
run_shoal "$DB" "$MIG" abort "$V3"
is "$RC" 4 "abort while apply runs: exit 4"
like "$OUT" "run lock" "saying the run lock is held"
"$SHOAL" resume --hosts "$(hosts "$DB")" --user postgres >/dev/null
wait_for 60 ended
wait "$SHOAL_PID"
is "$?" 0 "the apply then expands and backfills: exit 0"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online_state WHERE version = '$V3' AND state = 'backfilled'")" 12 \
  "every shard backfilled"

echo "# 3. pg_terminate_backend of shoal's session mid-contract"
hold note node1 "LOCK TABLE sh0000.acct IN ACCESS SHARE MODE"
start_shoal "$DB" "$MIG" "$WORK/contract-killed.log" complete "$V3" --lock-timeout 60s
wait_for 30 shoal_waiting node1 complete '%online_contract%'
ok $? "the contract of sh0000 waits for its lock"
is "$(terminate_shoal node1 complete '%online_contract%')" 1 "its session is terminated"
wait_for 60 ended
wait "$SHOAL_PID"
RC=$?
release note
ok "$([ "$RC" -ne 0 ]; echo $?)" "complete exits non-zero ($RC)"
like "$(cat "$WORK/contract-killed.log")" "127.0.0.1:${PORT[node1]}" "naming the node"
is "$(not_whole "$V3" note text 'character varying(200)')" 0 "every shard is whole"
is "$(q node1 "$DB" "SELECT count(*) FROM shoal.online WHERE version = '$V3'")" 4 "node1's shards are all still expanded"
run_shoal "$DB" "$MIG" complete "$V3"
is "$RC" 0 "the rerun completes: exit 0"
like "$OUT" "complete $V3: 4 schema\(s\) contracted" "the four left"
is "$(stamped "$V3")" 12 "every shard contracted"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.event WHERE version = '$V3' AND action = 'contract'")" 12 "each once"

echo "# 4. pg_terminate_backend mid-expand and mid-CREATE INDEX CONCURRENTLY"
V4=20250101000004.code.sh
online_version "$V4" code bigint 'code::bigint' 'code::integer'
hold code node1 "LOCK TABLE sh0000.acct IN ACCESS SHARE MODE"
start_shoal "$DB" "$MIG" "$WORK/expand-killed.log" apply --lock-timeout 60s --parallelism 1
wait_for 30 shoal_waiting node1 apply '%'
ok $? "the expand of sh0000 waits for its lock"
is "$(terminate_shoal node1 apply '%')" 1 "its session is terminated"
wait_for 90 ended
wait "$SHOAL_PID"
RC=$?
release code
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply exits non-zero ($RC)"
is "$(not_whole "$V4" code integer bigint)" 0 "every shard is whole"
is "$(q node1 "$DB" "SELECT count(*) FROM shoal.online WHERE schema = 'sh0000'")" 0 "sh0000 was not expanded"
# A snapshot held on node1: its builds on the new column wait for it.
hold snapshot node1 "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class"
start_shoal "$DB" "$MIG" "$WORK/cic-killed.log" apply --lock-timeout 60s --parallelism 1
wait_for 60 shoal_waiting node1 apply 'CREATE UNIQUE INDEX CONCURRENTLY%'
ok $? "a build on node1 waits for the snapshot"
is "$(terminate_shoal node1 apply 'CREATE UNIQUE INDEX CONCURRENTLY%')" 1 "its session is terminated"
wait_for 90 ended
wait "$SHOAL_PID"
RC=$?
OUT=$(cat "$WORK/cic-killed.log")
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply exits non-zero ($RC)"
like "$OUT" "the connection broke" "saying the connection broke"
like "$OUT" "not backfilled: the node was lost: connection to 127.0.0.1:${PORT[node1]} lost: .* — 3 schemas: 127.0.0.1:${PORT[node1]}:sh0003,0006,0009" \
  "and naming node1's other shards, left undone, not only the one in flight"
is "$(q node1 "$DB" "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 1 "the killed build left one INVALID index"
is "$(q node2 "$DB" "SELECT DISTINCT state FROM shoal.online_state")" "backfilled" "node2's shards are done"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.event WHERE version = '$V4' AND action = 'expand'")" 12 "each shard expanded once"

echo "# 5. pg-mig stamps the version while it is indexing on node1"
INDEXING=$(q node1 "$DB" "SELECT schema FROM shoal.online_state WHERE state <> 'backfilled' ORDER BY schema LIMIT 1")
like "$INDEXING" '^sh[0-9]+$' "node1 has a shard not backfilled ($INDEXING, $(q node1 "$DB" "SELECT state FROM shoal.online_state WHERE schema = '$INDEXING'"))"
# What pg-mig's runFile sends psql: the up file (comments only), then the stamp.
STAMP=$(q node1 "$DB" "SELECT array_to_json(s.versions || '{$V4}'::text[]) FROM shoal.stamps() s WHERE s.schema = '$INDEXING'")
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[node1]}" -U postgres -d "$DB" >/dev/null <<SQL
BEGIN;
SET search_path TO $INDEXING;
$(cat "$MIG/$V4.up.sql")
;
CREATE OR REPLACE FUNCTION $INDEXING.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS \$\$ SELECT '$STAMP'; \$\$;
COMMIT;
SQL
is "$(stamped "$V4")" 1 "pg-mig stamped it"
release snapshot
for command in complete abort; do
  run_shoal "$DB" "$MIG" "$command" "$V4"
  is "$RC" 6 "$command is refused: exit 6"
  like "$OUT" "1 schema\(s\) have $V4 in their stamp while its online change is still there.*$INDEXING" "naming the shard"
  like "$OUT" "shoal forget $V4" "and the way out"
done
is "$(not_whole "$V4" code integer bigint)" 1 "nothing changed: only the stamp pg-mig wrote is at odds"
is "$(q node1 "$DB" "SELECT count(*) FROM pg_attribute WHERE attrelid = '$INDEXING.acct'::regclass AND attname IN ('code', 'code_shoal_new')")" 2 \
  "$INDEXING keeps its old column beside the new one"
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "apply finishes what the terminated run left"
is "$(sum_all "$DB" "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index is left"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online_state WHERE state = 'backfilled'")" 12 "every shard backfilled"
"$SHOAL" forget "$V4" --schemas "$INDEXING" --migdir "$MIG" --hosts "$(hosts "$DB")" --user postgres >/dev/null 2>&1
is "$?" 0 "shoal forget takes pg-mig's stamp back"
run_shoal "$DB" "$MIG" complete "$V4"
is "$RC" 0 "then complete: exit 0"
is "$(stamped "$V4")" 12 "every shard contracted"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.stamps() s WHERE cardinality(s.versions) <> (SELECT count(DISTINCT v) FROM unnest(s.versions) v)")" 0 \
  "no stamp holds a version twice"
is "$(not_whole "$V4" code integer bigint)" 0 "every shard is whole"

echo "# 6. a role without the rights"
V5=20250101000005.note-text.sh
online_version "$V5" note text 'note::text' 'note::varchar(200)'
for node in "${NODES[@]}"; do
  q "$node" "$DB" "DO \$\$ BEGIN CREATE ROLE weak LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
done
OUT=$("$SHOAL" apply --migdir "$MIG" --hosts "$(hosts "$DB")" --user weak 2>&1)
RC=$?
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply as a role without shoal's grants fails ($RC)"
like "$OUT" "permission denied for (schema|table|function) " "naming the missing right"
# The documented grants (docs/operators.md) and CREATE on public, but neither
# the shards' tables nor CREATE on the shards.
for node in "${NODES[@]}"; do
  q "$node" "$DB" "GRANT USAGE ON SCHEMA shoal TO weak; GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO weak;
    GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO weak; GRANT INSERT ON shoal.script, shoal.event TO weak;
    GRANT INSERT, UPDATE, DELETE ON shoal.run, shoal.control, shoal.run_record, shoal.online TO weak;
    GRANT CREATE ON SCHEMA public TO weak;
    GRANT USAGE ON SCHEMA $(q "$node" "$DB" "SELECT string_agg(nspname, ', ') FROM pg_namespace WHERE nspname ~ '^sh[0-9]+\$'") TO weak" >/dev/null
done
OUT=$("$SHOAL" apply --migdir "$MIG" --hosts "$(hosts "$DB")" --user weak 2>&1)
RC=$?
# It does not get to the expand: the run's bookkeeping in public is postgres's.
is "$RC" 1 "apply as a role that owns nothing: exit 1"
like "$OUT" "must be owner of function mig_rerun_fingerprint_const" "naming what it lacks"
is "$(not_whole "$V5" note 'character varying(200)' text)" 0 "nothing half-done"
is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online")" 0 "nothing expanded"
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "expanded by the owner"
for command in complete abort; do
  OUT=$("$SHOAL" "$command" "$V5" --migdir "$MIG" --hosts "$(hosts "$DB")" --user weak 2>&1)
  RC=$?
  # complete stops at its final check, a read; abort at its first DROP.
  is "$RC" "$([ "$command" = complete ] && echo 6 || echo 1)" "$command as the role: exit $([ "$command" = complete ] && echo 6 || echo 1)"
  like "$OUT" "sh0000.*(permission denied for table acct|must be owner of (table|relation) acct)" "$command names the shard and the right"
  is "$(not_whole "$V5" note 'character varying(200)' text)" 0 "nothing half-done"
  is "$(sum_all "$DB" "SELECT count(*) FROM shoal.online WHERE version = '$V5'")" 12 "every shard still expanded"
done
is "$(sum_all "$DB" "SELECT count(*) FROM pg_roles WHERE rolname = 'weak' AND (rolsuper OR rolcreaterole)")$(sum_all "$DB" \
  "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'acct' AND has_table_privilege('weak', c.oid, 'UPDATE')")" \
  "00" "the role gained no right"

echo "# 7. SIGINT mid-complete"
hold note node1 "LOCK TABLE sh0003.acct IN ACCESS SHARE MODE"
start_shoal "$DB" "$MIG" "$WORK/interrupted.log" complete "$V5"
retried_sh0003() { grep -qs "retry .*sh0003.*lock timeout" "$WORK/interrupted.log"; }
wait_for 60 retried_sh0003
ok $? "the contract of sh0003 retries behind the held lock"
at_most_sh0003_left() { [ "$(stamped "$V5")" -ge 9 ]; }
wait_for 60 at_most_sh0003_left
ok $? "the other shards are contracted meanwhile"
kill -INT "$SHOAL_PID"
wait_for 40 ended
ok $? "shoal ends after one SIGINT"
wait "$SHOAL_PID"
is "$?" 130 "exit 130"
release note
is "$(stamped "$V5")" 9 "nine shards contracted"
is "$(not_whole "$V5" note 'character varying(200)' text)" 0 "every shard is whole"
STATUS=$("$SHOAL" status --migdir "$MIG" --hosts "$(hosts "$DB")" --user postgres 2>&1)
like "$STATUS" "127.0.0.1:${PORT[node1]}: online $V5: 3 backfilled" "status: node1's three shards still expanded"
is "$(grep -c "online $V5" <<<"$STATUS")" 1 "and nowhere else"
run_shoal "$DB" "$MIG" complete "$V5"
is "$RC" 0 "the rerun completes: exit 0"
like "$OUT" "complete $V5: 3 schema\(s\) contracted" "the three left"
is "$(stamped "$V5")" 12 "every shard contracted"

echo "# 8. a node frozen during complete's final check"
V6=20250101000006.balance-numeric.sh
online_version "$V6" balance numeric 'balance::numeric' 'balance::bigint'
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "balance expanded and backfilled"
# The test's transaction holds sh0001's table on node2: the final check's read
# waits there, and the node is frozen with it.
hold frozen node2 "LOCK TABLE sh0001.acct IN ACCESS EXCLUSIVE MODE"
start=$SECONDS
start_shoal "$DB" "$MIG" "$WORK/frozen.log" complete "$V6" --lock-timeout 100s
wait_for 30 shoal_waiting node2 complete '%online_mismatches%'
ok $? "the final check on node2 waits"
freeze node2
wait_for 120 ended
ok $? "complete ends with node2 frozen"
ended || kill -9 "$SHOAL_PID"
wait "$SHOAL_PID"
RC=$?
elapsed=$((SECONDS - start))
echo "# frozen: exit $RC after $elapsed s"
thaw
ok "$([ "$RC" -ne 0 ]; echo $?)" "complete exits non-zero ($RC)"
like "$(cat "$WORK/frozen.log")" "127.0.0.1:${PORT[node2]}.*final check" "naming the frozen node"
is "$(stamped "$V6")" 0 "nothing contracted"
release frozen
wait_for 30 run_lock_free
ok $? "after SIGCONT the run lock is free"
run_shoal "$DB" "$MIG" complete "$V6"
is "$RC" 0 "the rerun completes: exit 0"
is "$(stamped "$V6")" 12 "every shard contracted"
is "$(not_whole "$V6" balance bigint numeric)" 0 "every shard is whole"

echo "# 9. quoted and unicode names"
V7=20250101000007.odd.sh
V8=20250101000008.odd-type.sh
printf 'CREATE TABLE "Übersicht Ä" ("Schlüssel" int PRIMARY KEY, "Größe ""x""" int NOT NULL);\nINSERT INTO "Übersicht Ä" SELECT g, g FROM generate_series(1, 30) g;\n' >"$MIG/$V7.up.sql"
: >"$MIG/$V7.dn.sql"
printf -- '-- shoal $online=column_type\n-- shoal $online_table=Übersicht Ä\n-- shoal $online_column=Größe "x"\n-- shoal $online_type=bigint\n-- shoal $online_up="Größe ""x"""::bigint\n-- shoal $online_down="Größe ""x"""::int\n' >"$MIG/$V8.up.sql"
: >"$MIG/$V8.dn.sql"
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "expanded and backfilled"
run_shoal "$DB" "$MIG" complete "$V8"
is "$RC" 0 "complete: exit 0"
is "$(q_all "$DB" "SELECT DISTINCT format_type(atttypid, 0) FROM pg_attribute WHERE attname = 'Größe \"x\"'" | sort -u)" "bigint" \
  "the column is bigint on every shard"

for node in "${NODES[@]}"; do
  app_load_stop "$node" >"$WORK/app.$node"
  sed 's/^/# /' "$WORK/app.$node"
  is "$APP_ERRORS" 0 "the application on $node saw no error ($APP_TRANSACTIONS transactions)"
done
done_testing
