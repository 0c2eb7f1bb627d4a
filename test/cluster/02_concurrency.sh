#!/usr/bin/env bash
# Runs that meet other sessions: a second coordinator, a table lock held by the
# application, CONCURRENTLY versions with an earlier attempt's leftover, the
# parallelism directives (checked from the servers' own timestamps), and a
# migrating role that is not a superuser.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
V3=20250101000003.email-idx.sh V4=20250101000004.more.sh

migdir() {  # NAME [FILE CONTENT]…  → a copy of basic plus those files
  local dir=$WORK/$1
  shift
  rm -rf "$dir" && cp -r "$BASIC" "$dir"
  while [ $# -gt 0 ]; do printf '%s\n' "$2" >"$dir/$1"; shift 2; done
  echo "$dir"
}

lock_held_on_all() {  # DB → the run lock is taken on every node
  [ "$(sum_all "$1" "SELECT count(*) FROM shoal.run_lock")" -eq 3 ]
}

echo "# 5. a second coordinator while one runs"
fleet_create locked
slow=$(migdir slow "$V4.up.sql" "SELECT pg_sleep(0.1); CREATE TABLE slow_done (id int);" "$V4.dn.sql" "DROP TABLE slow_done;")
start_shoal locked "$slow" "$WORK/first.log" apply --parallelism 2
first=$SHOAL_PID
wait_for 30 lock_held_on_all locked
ok $? "the first run holds the lock on every node"
run_shoal locked "$slow" apply
is "$RC" 4 "the second run exits with the lock-held code"
like "$OUT" "held by shoal .* pid $first" "it names the holder and its pid"
like "$OUT" "since" "and since when"
wait "$first"
is "$?" 0 "the first run is unaffected and succeeds"
is "$(count_at locked $V4)" 300 "the first run finished every schema"
is "$(sum_all locked "SELECT count(*) FROM shoal.run_lock")" 0 "the lock is released"

echo "# 6. a table lock held by another session"
fleet_create tablelock 1
run_shoal tablelock "$BASIC" apply
waiting=$(migdir waiting "$V4.up.sql" "-- \$lock_timeout=200
-- \$retries=20
ALTER TABLE users ADD COLUMN waited int;" "$V4.dn.sql" "ALTER TABLE users DROP COLUMN waited;")
# The holder keeps its lock until the test has seen a retry, then is terminated:
# released by the test, not by a timer that a slow machine could outlast.
PGAPPNAME=lock-holder psql -X -q -h 127.0.0.1 -p "${PORT[node1]}" -U postgres -d tablelock \
  -c "BEGIN; LOCK TABLE sh0000.users; SELECT pg_sleep(120); COMMIT;" >/dev/null 2>&1 &
holder=$!
lock_taken() {
  [ "$(q node1 tablelock "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'users' AND l.mode = 'AccessExclusiveLock' AND l.granted")" -eq 1 ]
}
wait_for 30 lock_taken
ok $? "another session holds an exclusive lock on sh0000.users"
start_shoal tablelock "$waiting" "$WORK/waiting.log" apply
retried() { grep -q "^retry .*sh0000 $V4: canceling statement due to lock timeout" "$WORK/waiting.log"; }
wait_for 60 retried
ok $? "the run retries while the lock is held"
q node1 tablelock "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lock-holder'" >/dev/null
wait "$holder"
wait "$SHOAL_PID"
RC=$? OUT=$(cat "$WORK/waiting.log")
is "$RC" 0 "apply succeeds once the lock is released"
retries=$(grep -c "^retry .*sh0000 $V4: canceling statement due to lock timeout" <<<"$OUT")
ok "$([ "$retries" -ge 1 ]; echo $?)" "the version was retried after lock timeouts ($retries retries)"
like "$OUT" "$retries retries" "the summary counts the retries"
is "$(count_at tablelock $V4)" 3 "every schema at head"
is "$(q node1 tablelock "SELECT count(*) FROM shoal.event WHERE schema = 'sh0000' AND version = '$V4'")" 1 \
  "one apply event, no failure recorded"

echo "# 7. CONCURRENTLY with an earlier attempt's INVALID leftover"
fleet_create conc 10
run_shoal conc "$BASIC" apply
q node1 conc "INSERT INTO sh0000.users VALUES (2, 'b', 'dup'), (3, 'c', 'dup')"
q node1 conc "CREATE UNIQUE INDEX CONCURRENTLY users_name_idx ON sh0000.users (name)" 2>/dev/null
is "$(q node1 conc "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 1 "an INVALID index is left behind"
q node1 conc "DELETE FROM sh0000.users WHERE id = 3"
concurrent=$(migdir conc "$V4.up.sql" "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_name_idx ON users (name);" \
  "$V4.dn.sql" "DROP INDEX CONCURRENTLY IF EXISTS users_name_idx;")
run_shoal conc "$concurrent" apply
is "$RC" 0 "the CONCURRENTLY version applies"
is "$(count_at conc $V4)" 30 "every schema at head"
is "$(sum_all conc "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = 'users_name_idx' AND i.indisvalid")" 30 "every schema has the valid index"
is "$(sum_all conc "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index is left"
is "$(sum_all conc "SELECT count(*) FROM shoal.event WHERE action = 'mark' AND version = '$V4'")" 30 "recorded with mig_mark"
run_shoal conc "$concurrent" undo $V4
is "$RC" 0 "the CONCURRENTLY undo runs"
is "$(sum_all conc "SELECT count(*) FROM pg_class WHERE relname = 'users_name_idx'")" 0 "the index is gone"
is "$(count_at conc $V3)" 30 "every schema back on the previous version"

echo "# 7b. a CONCURRENTLY version failing in one schema, rerun before and after the fix"
fleet_create conc2 10
run_shoal conc2 "$BASIC" apply
q node2 conc2 "INSERT INTO sh0001.users VALUES (2, 'b', 'dup'), (3, 'c', 'dup')"
unique=$(migdir conc2 "$V4.up.sql" "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_name_idx ON users (name);" \
  "$V4.dn.sql" "DROP INDEX CONCURRENTLY IF EXISTS users_name_idx;")
bounded_apply() {  # a run that hangs fails here (exit 124) instead of stalling the suite
  OUT=$(timeout 120 "$SHOAL" apply --migdir "$unique" --hosts "$(hosts conc2)" --user postgres 2>&1)
  RC=$?
}
bounded_apply
is "$RC" 1 "the duplicate fails the version in that one schema"
like "$OUT" "could not create unique index .* 1 schema: 127.0.0.1:${PORT[node2]}:sh0001; DETAIL: Key \\(name\\)=\\(dup\\)" \
  "the summary names the schema and gives PostgreSQL's detail"
is "$(count_at conc2 $V4)" 29 "every other schema has it"
bounded_apply
is "$RC" 1 "a rerun with the data unchanged fails the same way, and ends"
is "$(q node2 conc2 "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 1 "leaving one INVALID index, not one per attempt"
q node2 conc2 "DELETE FROM sh0001.users WHERE id = 3"
bounded_apply
is "$RC" 0 "once the data is fixed, the rerun applies it"
is "$(count_at conc2 $V4)" 30 "every schema at head"
is "$(sum_all conc2 "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index is left"

echo "# 8. directives hold, by the servers' clocks"
fleet_create limits 5
run_shoal limits "$BASIC" apply
V5=20250101000005.global.sh V6=20250101000006.alone.sh
limited=$(migdir limited \
  "$V4.up.sql" "-- \$parallelism_per_host=1
SELECT pg_sleep(0.05);" "$V4.dn.sql" "SELECT 1;" \
  "$V5.up.sql" "-- \$parallelism_global=2
SELECT pg_sleep(0.05);" "$V5.dn.sql" "SELECT 1;" \
  "$V6.up.sql" "-- \$run_alone=1
SELECT pg_sleep(0.05);" "$V6.dn.sql" "SELECT 1;" \
  20250101000007.after.sh.up.sql "SELECT pg_sleep(0.05);" 20250101000007.after.sh.dn.sql "SELECT 1;")
run_shoal limits "$limited" apply --parallelism 4
is "$RC" 0 "apply with directives succeeds"
is "$(count_at limits 20250101000007.after.sh)" 15 "every schema at head"
q_all limits "SELECT version, extract(epoch FROM started_at), extract(epoch FROM finished_at)
  FROM shoal.event WHERE action = 'apply' AND version > '$V3'" >"$WORK/events"
# The most intervals of VERSION that overlap at one moment, and how many
# intervals of other versions overlap one of VERSION's.
overlap() {  # VERSION [EVENTS_FILE]
  python3 - "$1" "${2:-$WORK/events}" <<'PY'
import sys
version, path = sys.argv[1], sys.argv[2]
rows = [l.strip().split("|") for l in open(path) if l.strip()]
mine = [(float(s), float(f)) for v, s, f in rows if v == version]
other = [(float(s), float(f)) for v, s, f in rows if v != version]
points = sorted([(s, 1) for s, f in mine] + [(f, -1) for s, f in mine], key=lambda p: (p[0], p[1]))
level = peak = 0
for _, d in points:
    level += d
    peak = max(peak, level)
crossing = sum(1 for s, f in other for s2, f2 in mine if s < f2 and s2 < f)
print(peak, crossing)
PY
}
read -r peak _ <<<"$(overlap $V4)"
is "$peak" 1 "\$parallelism_per_host=1: one at a time on the host (all nodes share 127.0.0.1)"
read -r peak _ <<<"$(overlap $V5)"
ok "$([ "$peak" -le 2 ] && [ "$peak" -ge 1 ]; echo $?)" "\$parallelism_global=2: at most two at a time over the fleet (saw $peak)"
read -r peak crossing <<<"$(overlap $V6)"
is "$peak/$crossing" "1/0" "\$run_alone: one at a time and nothing else meanwhile"

echo "# 8b. the default parallelism: 1 connection per CPU on the coordinator's machine, shared by the nodes on it"
cpus=$(nproc)
is "$(q_all limits "SELECT shoal.server_cpus()" | sort -u)" "$cpus" "every server reports the CPUs it may use (nproc: $cpus)"
is "$(q_all limits "SELECT shoal.server_machine()" | sort -u)" "$(cat /proc/sys/kernel/random/boot_id)" \
  "the three servers name one machine, this kernel's boot id (the coordinator's too)"
V8=20250101000008.default.sh
default=$(migdir default "$V8.up.sql" "SELECT pg_sleep(0.05);" "$V8.dn.sql" "SELECT 1;")
cp "$limited"/2025010100000[4-7]* "$default/"
node_peak() {  # NODE → the most steps of $V8 that overlapped there
  q "$1" limits "SELECT version, extract(epoch FROM started_at), extract(epoch FROM finished_at)
    FROM shoal.event WHERE action = 'apply' AND version = '$V8'" >"$WORK/events-$1"
  overlap $V8 "$WORK/events-$1" | cut -d' ' -f1
}
# node1 alone first: a server on the coordinator's machine that shares it with no other.
OUT=$("$SHOAL" apply --migdir "$default" --hosts "127.0.0.1:${PORT[node1]}/limits" --user postgres 2>&1); RC=$?
is "$RC" 0 "apply to node1 alone with the default parallelism succeeds"
peak=$(node_peak node1)
ok "$([ "$peak" -ge 1 ] && [ "$peak" -le "$cpus" ]; echo $?)" \
  "node1 alone: at most one connection per CPU, $cpus (saw $peak of its 5 schemas)"
run_shoal limits "$default" apply
is "$RC" 0 "apply with the default parallelism succeeds"
expected=$(( (cpus + 1) / 3 )); [ "$expected" -lt 1 ] && expected=1; [ "$expected" -gt 5 ] && expected=5
for node in node2 node3; do
  peak=$(node_peak "$node")
  if [ "$expected" -eq 1 ]; then
    is "$peak" 1 "$node: one connection ($cpus CPUs / 3 nodes, rounded): its steps never overlap"
  else
    ok "$([ "$peak" -ge 1 ] && [ "$peak" -le "$expected" ]; echo $?)" "$node: at most $expected at once (saw $peak)"
  fi
done

echo "# 8c. each version runs with its own timeouts, also on a connection whose last step set others"
V9=20250101000009.timeout.sh V10=20250101000010.plain.sh
for node in node1 node2 node3; do q "$node" limits "CREATE TABLE public.seen (version int, timeouts text)" >/dev/null; done
SEEN="INSERT INTO public.seen SELECT %s, current_setting('lock_timeout') || '/' || current_setting('statement_timeout');"
timeouts=$(migdir timeouts \
  "$V9.up.sql" "-- shoal \$lock_timeout=1234
-- \$statement_timeout=4321
$(printf "$SEEN" 9)" "$V9.dn.sql" "SELECT 1;" \
  "$V10.up.sql" "$(printf "$SEEN" 10)" "$V10.dn.sql" "SELECT 1;")
cp "$default"/2025010100000[4-8]* "$timeouts/"
run_shoal limits "$timeouts" apply --parallelism 1
is "$RC" 0 "apply with per-version timeouts succeeds (shoal's spelling and the old one)"
is "$(q_all limits "SELECT DISTINCT version || '=' || timeouts FROM public.seen" | sort -u | paste -sd' ' -)" \
   "10=1s/0 9=1234ms/4321ms" "the directives' timeouts, then the defaults again, on every node"
is "$(sum_all limits "SELECT count(*) FROM public.seen")" 30 "each of the 15 schemas recorded both versions"

echo "# 8d. a connection prepares the step's statement once and runs every step with it"
V11=20250101000011.prepared.sh
for node in node1 node2 node3; do
  q "$node" limits "CREATE TABLE public.prepared (pid int, prepared_at timestamptz, plans bigint)" >/dev/null
done
prepared=$(migdir prepared "$V11.up.sql" "INSERT INTO public.prepared
  SELECT pg_backend_pid(), p.prepare_time, p.generic_plans + p.custom_plans
    FROM pg_prepared_statements p WHERE p.name = 'shoal_apply';" "$V11.dn.sql" "SELECT 1;")
cp "$timeouts"/2025010100000[4-9]* "$timeouts"/2025010100001[0]* "$prepared/"
run_shoal limits "$prepared" apply --parallelism 2
is "$RC" 0 "apply with two connections per node succeeds"
is "$(sum_all limits "SELECT count(*) FROM public.prepared")" 15 "every step ran as the prepared statement shoal_apply"
is "$(q_all limits "SELECT bool_and(once) FROM (SELECT count(DISTINCT prepared_at) = 1 AND max(plans) = count(*) AS once
    FROM public.prepared GROUP BY pid) per_connection" | sort -u)" "t" \
   "each connection prepared it once, and each of its steps was one more run of it"

echo "# 12. a role without superuser, granted what docs/operators.md lists"
fleet_create grants 5
for node in "${NODES[@]}"; do
  q "$node" grants "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shoal_migrator') THEN CREATE ROLE shoal_migrator LOGIN; END IF;
    END \$\$;
    GRANT USAGE ON SCHEMA shoal TO shoal_migrator;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO shoal_migrator;
    GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO shoal_migrator;
    GRANT INSERT ON shoal.script, shoal.event TO shoal_migrator;
    GRANT INSERT, UPDATE, DELETE ON shoal.run TO shoal_migrator;
    GRANT INSERT, UPDATE, DELETE ON shoal.run_record TO shoal_migrator;
    GRANT CREATE ON SCHEMA public TO shoal_migrator;
    DO \$\$ DECLARE s text; BEGIN
      FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sh%' LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO shoal_migrator', s);
      END LOOP;
    END \$\$;" >/dev/null
  q "$node" grants "DO \$\$ BEGIN IF EXISTS (SELECT FROM pg_class WHERE relname = 'control' AND relnamespace = 'shoal'::regnamespace)
      THEN GRANT INSERT, UPDATE, DELETE ON shoal.control TO shoal_migrator; END IF; END \$\$" >/dev/null
done
OUT=$("$SHOAL" apply --migdir "$BASIC" --hosts "$(hosts grants)" --user shoal_migrator 2>&1)
RC=$?
is "$RC" 0 "apply as shoal_migrator succeeds"
[ "$RC" -eq 0 ] || sed 's/^/#   /' <<<"$OUT" | tail -20
is "$(count_at grants $V3)" 15 "every schema at head"
is "$(q_all grants "SELECT DISTINCT role FROM shoal.event WHERE action = 'apply'" | sort -u)" shoal_migrator \
  "the events name the migrating role"

done_testing
