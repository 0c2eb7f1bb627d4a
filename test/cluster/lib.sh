#!/usr/bin/env bash
# Shared setup of the cluster suite: three throwaway PostgreSQL servers (node1..3,
# started by test/lib/pgserver.sh and always stopped with the test), one fresh
# database per test case with `CREATE EXTENSION shoal` and 300 microshards
# (sh0000…sh0299, round-robin over the nodes: 100 each) plus public, helpers to
# run build/shoal against it, and TAP assertions. Source it from a test script;
# call cluster_start once, then fleet_create DB per case, finish with done_testing.
#
# Never sleeps to synchronize: wait_for polls an observable condition with a bound.

set -uo pipefail
CLUSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$CLUSTER_ROOT/test/lib/pgserver.sh"
SHOAL=${SHOAL:-$CLUSTER_ROOT/build/shoal}
DIRS=$CLUSTER_ROOT/test/cluster/dirs
NODES=(node1 node2 node3)
declare -gA PORT=()
TAP_N=0
TAP_FAILED=0

# --- TAP ----------------------------------------------------------------------

ok() {  # CONDITION_EXIT_CODE DESCRIPTION  (use: ok $? "…", or ok "$(test …; echo $?)")
  TAP_N=$((TAP_N + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok - $2"
  else
    echo "not ok - $2"
    TAP_FAILED=$((TAP_FAILED + 1))
  fi
}

is() {  # GOT WANT DESCRIPTION
  if [ "$1" == "$2" ]; then
    ok 0 "$3"
  else
    ok 1 "$3"
    echo "#   got:  '$1'"
    echo "#   want: '$2'"
  fi
}

like() {  # TEXT REGEX DESCRIPTION
  if grep -Eq -- "$2" <<<"$1"; then
    ok 0 "$3"
  else
    ok 1 "$3"
    echo "#   no match for /$2/ in:"
    sed 's/^/#   /' <<<"$1" | tail -40
  fi
}

done_testing() {
  echo "1..$TAP_N"
  [ "$TAP_FAILED" -eq 0 ]
  exit $?
}

# --- servers and databases ----------------------------------------------------

cluster_start() {
  local node
  pgserver_start "${NODES[@]}" || { echo "not ok - could not start the nodes"; exit 1; }
  for node in "${NODES[@]}"; do PORT[$node]=${PGSERVER_PORTS[$node]}; done
  # PostgreSQL 15's default copies a template through the WAL; a file copy is
  # faster for fleet_create's small databases (and the only way before 15).
  CREATEDB_STRATEGY=
  [ "$(q node1 postgres "SHOW server_version_num")" -ge 150000 ] && CREATEDB_STRATEGY="STRATEGY FILE_COPY"
}

q() {  # NODE DB SQL → rows, unaligned, one per line
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d "$2" -c "$3"
}

q_all() {  # DB SQL → the rows of every node, concatenated
  local node
  for node in "${NODES[@]}"; do q "$node" "$1" "$2"; done
}

sum_all() {  # DB SQL (returns one number) → the sum over the nodes
  local node total=0 n
  for node in "${NODES[@]}"; do
    n=$(q "$node" "$1" "$2")
    total=$((total + ${n:-0}))
  done
  echo "$total"
}

hosts() {  # DB → the --hosts value for the three nodes
  local node out=""
  for node in "${NODES[@]}"; do out+="${out:+,}127.0.0.1:${PORT[$node]}/$1"; done
  echo "$out"
}

# Node k (0-based) holds the shards whose number modulo 3 is k. A case's database
# is a file copy of a template database that the node makes on first use for each
# shard count (CREATE EXTENSION and the CREATE SCHEMAs once per script instead of
# once per case), and the three nodes make theirs at once.
fleet_create() {  # DB [SHARDS_PER_NODE=100]
  local db=$1 per_node=${2:-100} k pids=() failed=0
  for k in 0 1 2; do
    _fleet_create_on "$k" "$db" "$per_node" &
    pids+=($!)
  done
  for k in "${pids[@]}"; do wait "$k" || failed=1; done
  return "$failed"
}

# One psql per node and case, which makes the template first when it is missing:
# a psql and its backend cost ~0.1 s of CPU on the CI VM, and the suite creates
# hundreds of fleets.
_fleet_create_on() {  # K DB SHARDS_PER_NODE
  local k=$1 db=$2 per_node=$3 node=${NODES[$1]} template=fleet_template_$3
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[$node]}" -U postgres -d postgres >/dev/null <<SQL
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = '$template') AS make_template \gset
\if :make_template
  CREATE DATABASE $template;
  \c $template
  CREATE EXTENSION shoal;
  DO \$\$ BEGIN
    FOR i IN 0..$((per_node * 3 - 1)) LOOP
      IF i % 3 = $k THEN EXECUTE format('CREATE SCHEMA %I', 'sh' || lpad(i::text, 4, '0')); END IF;
    END LOOP;
  END \$\$;
  \c postgres
\endif
CREATE DATABASE "$db" TEMPLATE $template $CREATEDB_STRATEGY;
SQL
}

# give_shards DB ROLE: on every node, ROLE (created without LOGIN when missing)
# owns every shard schema.
give_shards() {
  local node
  for node in "${NODES[@]}"; do
    q "$node" "$1" "DO \$\$ DECLARE s text; BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$2') THEN EXECUTE format('CREATE ROLE %I', '$2'); END IF;
        FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sh%' LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO %I', s, '$2');
        END LOOP;
      END \$\$;" >/dev/null
  done
}

# --- running shoal --------------------------------------------------------------

# run_shoal DB MIGDIR ARGS… → OUT (stdout+stderr) and RC
run_shoal() {
  local db=$1 migdir=$2
  shift 2
  OUT=$("$SHOAL" "$@" --migdir "$migdir" --hosts "$(hosts "$db")" --user postgres 2>&1)
  RC=$?
}

# --- a gate that steps wait at ---------------------------------------------------

# A version that starts with GATE_SQL waits, on a node where the test closed the
# gate, until the test opens it (for up to 2 minutes): a run is then mid-step for
# as long as the test needs, however slow the machine, instead of for a $delay that
# a loaded machine can outlast before the test acts.
GATE_SQL='-- shoal $lock_timeout=2min
LOCK TABLE public.gate IN ACCESS SHARE MODE;'

close_gate() {  # DB NODE… → a session on each NODE holds the gate until open_gate
  local db=$1 node
  shift
  q_all "$db" "CREATE TABLE IF NOT EXISTS public.gate ()"
  for node in "$@"; do
    PGAPPNAME=shoal-test-gate psql -X -q -h 127.0.0.1 -p "${PORT[$node]}" -U postgres -d "$db" \
      -c "BEGIN; LOCK TABLE public.gate; SELECT pg_sleep(600); COMMIT;" >/dev/null 2>&1 &
  done
  _gate_held() { [ "$(sum_all "$1" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                   WHERE c.relname = 'gate' AND l.mode = 'AccessExclusiveLock' AND l.granted")" -eq "$2" ]; }
  wait_for 30 _gate_held "$db" $#
}

waiting_at_gate() {  # DB → how many steps wait at the gate, over the fleet
  sum_all "$1" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = 'gate' AND NOT l.granted"
}

open_gate() {  # DB → lets every waiting step go
  q_all "$1" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'shoal-test-gate'" >/dev/null
}

# --- --json documents ----------------------------------------------------------

# python3 -I -S: these need the standard library alone, and skipping site (the
# site-packages and .pth files of the interpreter's install) halves each start.
json_shape() {  # NAME DOCUMENT → how DOCUMENT differs from docs/json.md's example NAME ("" when it does not)
  python3 -I -S "$CLUSTER_ROOT/test/cluster/json_shape.py" "$CLUSTER_ROOT/docs/json.md" "$1" <<<"$2" 2>&1
}

json_eval() {  # EXPRESSION DOCUMENT → EXPRESSION of the parsed document d
  python3 -I -S -c 'import json, sys; d = json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$2" 2>&1
}

# Starts shoal in the background; SHOAL_PID is its pid, its output goes to FILE.
start_shoal() {  # DB MIGDIR FILE ARGS…
  local db=$1 migdir=$2 file=$3
  shift 3
  "$SHOAL" "$@" --migdir "$migdir" --hosts "$(hosts "$db")" --user postgres >"$file" 2>&1 &
  SHOAL_PID=$!
}

# wait_for SECONDS COMMAND… : polls COMMAND until it succeeds; fails after
# SECONDS. The pause between polls grows from 50 ms to 400 ms: a poll is a few
# psql processes, and polling a slow condition every 50 ms would take a core
# from the suite's other scripts.
wait_for() {
  local limit=$1 start=$SECONDS pause=0.05
  shift
  until "$@"; do
    [ $((SECONDS - start)) -ge "$limit" ] && return 1
    sleep "$pause"
    case $pause in 0.05) pause=0.1 ;; 0.1) pause=0.2 ;; *) pause=0.4 ;; esac
  done
}

code_digest() {  # MIGDIR
  "$SHOAL" digest --migdir "$1"
}

# The versions a schema's stamp holds, comma separated.
stamp_of() {  # NODE DB SCHEMA
  q "$1" "$2" "SELECT array_to_string(versions, ',') FROM shoal.stamps() WHERE schema = '$3'"
}

# Number of schemas (over the fleet) whose stamp ends with VERSION.
count_at() {  # DB VERSION
  sum_all "$1" "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$2'"
}

# shoal.applied agrees with the stamps: same (schema, version) pairs on every node.
applied_matches_stamps() {  # DB
  local node diff
  for node in "${NODES[@]}"; do
    diff=$(q "$node" "$1" "
      (SELECT schema, version FROM shoal.applied EXCEPT
       SELECT s.schema, v FROM shoal.stamps() s, unnest(s.versions) v)
      UNION ALL
      (SELECT s.schema, v FROM shoal.stamps() s, unnest(s.versions) v EXCEPT
       SELECT schema, version FROM shoal.applied)")
    [ -z "$diff" ] || { echo "# $node: $diff"; return 1; }
  done
}

# A migration directory with a table and a CONCURRENTLY index on it, the two
# versions USERS_V1 and USERS_V2 (the CONCURRENTLY idiom is recorded with mig_mark).
USERS_V1=20250101000001.users.sh USERS_V2=20250101000002.email-idx.sh
users_email_dir() {  # DIR
  mkdir -p "$1"
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >"$1/$USERS_V1.up.sql"
  printf 'DROP TABLE users;\n' >"$1/$USERS_V1.dn.sql"
  printf 'CREATE INDEX CONCURRENTLY users_email ON users (email);\n' >"$1/$USERS_V2.up.sql"
  printf 'DROP INDEX users_email;\n' >"$1/$USERS_V2.dn.sql"
}

# A migration directory whose versions double each shard's balance: acct with
# balance 1, then five versions each doubling it ($delay keeps a run long enough
# to be hit mid-way). A version applied twice shows in the data: a schema at
# version k of the chain has balance 2^(k-1). DOUBLING_HEAD is the last version.
DOUBLING_HEAD=20250101000005.double5.sh
doubling_dir() {  # DIR
  mkdir -p "$1"
  printf 'CREATE TABLE acct (balance bigint);\nINSERT INTO acct VALUES (1);\n' >"$1/20250101000000.acct.sh.up.sql"
  printf 'DROP TABLE acct;\n' >"$1/20250101000000.acct.sh.dn.sql"
  local i
  for i in 1 2 3 4 5; do
    printf -- '-- $delay=20\nUPDATE acct SET balance = balance * 2;\n' >"$1/2025010100000$i.double$i.sh.up.sql"
    printf 'UPDATE acct SET balance = balance / 2;\n' >"$1/2025010100000$i.double$i.sh.dn.sql"
  done
}

# Over the fleet: shards of a doubling_dir chain whose balance is not what their
# stamp says (2^(versions-1)), stamps that hold a version twice, and versions
# with more than one apply event. 0 when every version ran exactly once.
doubling_violations() {  # DB
  sum_all "$1" "SELECT
      (SELECT count(*) FROM shoal.stamps() s WHERE s.schema ~ '^sh[0-9]' AND cardinality(s.versions) > 0
          AND (xpath('/row/balance/text()', query_to_xml(format('SELECT balance FROM %I.acct', s.schema),
                                                           false, true, '')))[1]::text::bigint
              <> 2 ^ (cardinality(s.versions) - 1))
    + (SELECT count(*) FROM shoal.stamps() s
        WHERE cardinality(s.versions) <> (SELECT count(DISTINCT v) FROM unnest(s.versions) v))
    + (SELECT count(*) FROM (SELECT schema, version FROM shoal.event WHERE action = 'apply'
                              GROUP BY 1, 2 HAVING count(*) > 1) twice)"
}

# --- PgBouncer ----------------------------------------------------------------
BOUNCERS=()

free_port() {  # → a loopback TCP port nothing listens on
  local port
  while :; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$port"; return; }
  done
}

start_bouncer() {  # DIR MODE SERVER_PORT → BOUNCER_PORT (a PgBouncer in DIR, pool_mode MODE)
  local dir=$1 mode=$2 server_port=$3 attempt
  mkdir -p "$dir"
  echo '"postgres" ""' >"$dir/users.txt"
  # Another script's server may take the port between free_port and the bind,
  # as pgserver.sh allows for: then a new port.
  for attempt in 1 2 3 4 5; do
    BOUNCER_PORT=$(free_port)
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$server_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = $mode
max_client_conn = 200
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
ignore_startup_parameters = extra_float_digits,options
INI
    : >"$dir/pgbouncer.log"
    chown -R postgres: "$dir" 2>/dev/null
    runuser -u postgres -- pgbouncer -d "$dir/pgbouncer.ini" 2>/dev/null || pgbouncer -d "$dir/pgbouncer.ini"
    BOUNCERS+=("$dir/pgbouncer.pid")
    wait_for 30 _bouncer_up_or_port_taken "$dir"
    _bouncer_answers && return 0
  done
  return 1
}
_bouncer_answers() { psql -X -q -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; }
_bouncer_up_or_port_taken() { _bouncer_answers || grep -q "Address already in use" "$1/pgbouncer.log"; }

stop_bouncers() {  # every bouncer start_bouncer started; call it from the test's EXIT trap
  local pidfile
  for pidfile in "${BOUNCERS[@]}"; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done
}

# --- a frozen node ----------------------------------------------------------------

# freeze NODE stops its postmaster and every backend (SIGSTOP): a server that
# accepts nothing and answers nothing. thaw lets them go on; call it from the
# test's EXIT trap too.
FROZEN=()
freeze() {  # NODE
  local postmaster
  postmaster=$(head -1 "$PGSERVER_ROOT/$1/data/postmaster.pid")
  FROZEN=("$postmaster" $(pgrep -P "$postmaster"))
  kill -STOP "${FROZEN[@]}"
}
thaw() { [ ${#FROZEN[@]} -gt 0 ] && kill -CONT "${FROZEN[@]}" 2>/dev/null; FROZEN=(); }
