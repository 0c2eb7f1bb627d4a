#!/usr/bin/env bash
# Throwaway PostgreSQL servers for tests and demos. Source this file, then:
#
#   pgserver_start NAME…      a fresh cluster (a copy of one initdb) + start it;
#                             sets PGSERVER_PORT, PGSERVER_DIR, PGSERVER_SOCK (of
#                             the last NAME) and PGSERVER_PORTS[NAME], and records
#                             it for cleanup; several NAMEs start at once
#   pgserver_stop NAME        stop one server (fast shutdown)
#   pgserver_kill NAME        stop one server with -m immediate (crash simulation)
#   pgserver_restart NAME     start a stopped server again on the same port
#   pgserver_standby NAME PRIMARY
#                             a streaming standby of the running server PRIMARY
#                             (pg_basebackup -R), started and returned once it is
#                             in recovery and has replayed everything PRIMARY had
#                             written when it was called; sets the same variables
#   pgserver_cleanup          stop every server this shell started and delete them
#
# Each server lives in its own directory under $PGSERVER_ROOT (a fresh mktemp dir
# under $PGSERVER_TMP unless set), listens on 127.0.0.1 on a free port and on a private Unix socket
# in that directory, trusts local connections, and runs with fsync=off because
# a test's data is worth nothing after the test. As root the server runs as the
# `postgres` OS user, since initdb refuses to run as root.
#
# PGSERVER_EXTRA_CONF holds more postgresql.conf lines (later lines win), e.g. the
# benchmark turns fsync back on.
#
# pgserver_cleanup is installed as an EXIT trap by pgserver_start, so servers are
# stopped when the test ends, passes or fails. Never points at a server it did
# not start.

PGSERVER_BIN=${PGSERVER_BIN:-$(pg_config --bindir)}
# The client programs of the servers' own build come first: Debian's /usr/bin/psql
# is pg_wrapper, a Perl script that adds a quarter of a second to every call, and a
# suite calls psql thousands of times.
PATH=$PGSERVER_BIN:$PATH
PGSERVER_ROOT=${PGSERVER_ROOT:-}
# Servers and their initdb template live in memory (tmpfs) where there is room: a
# suite writes and deletes gigabytes of throwaway data, and on a virtual disk the
# deletes alone took most of a minute per script while other scripts wrote.
if [ -z "${PGSERVER_TMP:-}" ]; then
  PGSERVER_TMP=/tmp
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge $((4 * 1024 * 1024)) ] 2>/dev/null; then
    PGSERVER_TMP=/dev/shm
  fi
fi
PGSERVER_EXTRA_CONF=${PGSERVER_EXTRA_CONF:-}
declare -gA PGSERVER_PORTS=()

_pgserver_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_pgserver_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pgserver_ctl() {
  local name=$1; shift
  _pgserver_as_owner "$PGSERVER_BIN/pg_ctl" -D "$PGSERVER_ROOT/$name/data" \
    -l "$PGSERVER_ROOT/$name/server.log" -w -t 60 "$@" >/dev/null
}

pgserver_start() {  # NAME… (several start at once)
  local name pid pids=() failed=0
  if [ -z "$PGSERVER_ROOT" ]; then
    PGSERVER_ROOT=$(mktemp -d "$PGSERVER_TMP/shoal-pg.XXXXXX")
    chmod 755 "$PGSERVER_ROOT"
    trap pgserver_cleanup EXIT
  fi
  if [ $# -eq 1 ]; then
    _pgserver_create "$1"
    return
  fi
  # Each in a subshell, which cannot set our variables: each leaves its port in a file.
  for name in "$@"; do
    { _pgserver_create "$name" && echo "$PGSERVER_PORT" >"$PGSERVER_ROOT/$name/port"; } &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" -eq 0 ] || return 1
  for name in "$@"; do PGSERVER_PORTS[$name]=$(cat "$PGSERVER_ROOT/$name/port"); done
  PGSERVER_PORT=${PGSERVER_PORTS[$name]} PGSERVER_DIR=$PGSERVER_ROOT/$name PGSERVER_SOCK=$PGSERVER_ROOT/$name/sock
}

_pgserver_create() {  # NAME → a copy of the template, started
  local name=$1
  local dir="$PGSERVER_ROOT/$name"
  mkdir -p "$dir/sock"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  local template
  template=$(_pgserver_template "$dir") || return 1
  cp -a "$template" "$dir/data" || return 1
  _pgserver_listen_and_start "$name"
}

# A freshly initialized data directory, made once per PostgreSQL build and copied
# for every server: initdb costs seconds of CPU, the copy a tenth of one, and a
# suite starts well over a hundred servers. Made under a temporary name and
# renamed into place, so scripts starting servers at once never see half of one.
_pgserver_template() {
  local logdir=$1 key template fresh
  key=$(printf '%s\n' "$PGSERVER_BIN" "$("$PGSERVER_BIN/initdb" --version)" | md5sum | cut -c1-12)
  template=${PGSERVER_TEMPLATE_ROOT:-$PGSERVER_TMP}/shoal-pg-template.$(id -u).$key
  if [ ! -f "$template/PG_VERSION" ]; then
    fresh=$(mktemp -d "$template.XXXXXX")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$fresh"
    _pgserver_as_owner "$PGSERVER_BIN/initdb" -D "$fresh/data" -U postgres \
      --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$logdir/initdb.log" 2>&1 || {
        echo "pgserver: initdb failed:" >&2; cat "$logdir/initdb.log" >&2; rm -rf "$fresh"; return 1; }
    # Another script may have won the race: its template is as good as ours.
    mv -T "$fresh/data" "$template" 2>/dev/null
    rm -rf "$fresh"
  fi
  echo "$template"
}

# Appends the test settings with a free port to NAME's postgresql.conf (later
# lines win over any copied from a primary) and starts it.
_pgserver_listen_and_start() {
  local name=$1 dir="$PGSERVER_ROOT/$1"
  local attempt port
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    _pgserver_port_free "$port" || continue
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
max_locks_per_transaction = 256
log_min_messages = warning
log_statement = none
$PGSERVER_EXTRA_CONF
CONF
    if _pgserver_ctl "$name" start; then
      PGSERVER_PORTS[$name]=$port
      PGSERVER_PORT=$port PGSERVER_DIR=$dir PGSERVER_SOCK=$dir/sock
      return 0
    fi
    # Lost a race for the port: drop our lines and try another one.
    sed -i "/^port = $port\$/,\$d" "$dir/data/postgresql.conf"
  done
  echo "pgserver: could not start $name; log:" >&2
  cat "$dir/server.log" >&2
  return 1
}

pgserver_standby() {
  local name=$1 primary=$2 dir="$PGSERVER_ROOT/$1"
  local from=(-h 127.0.0.1 -p "${PGSERVER_PORTS[$primary]:?pgserver: $primary is not running}" -U postgres)
  mkdir -p "$dir/sock"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  # -R writes primary_conninfo and standby.signal: the copy starts as a standby.
  _pgserver_as_owner "$PGSERVER_BIN/pg_basebackup" "${from[@]}" -D "$dir/data" -R -X stream --no-sync \
    >"$dir/basebackup.log" 2>&1 || {
      echo "pgserver: pg_basebackup of $primary failed:" >&2; cat "$dir/basebackup.log" >&2; return 1; }
  local lsn
  lsn=$("$PGSERVER_BIN/psql" -X -At "${from[@]}" -d postgres -c 'SELECT pg_catalog.pg_current_wal_lsn()') || return 1
  _pgserver_listen_and_start "$name" || return 1
  local check="SELECT pg_catalog.pg_is_in_recovery()
                 AND pg_catalog.pg_last_wal_replay_lsn() OPERATOR(pg_catalog.>=) '$lsn'::pg_catalog.pg_lsn"
  local start=$SECONDS
  # Polls the standby's own answer, for at most 60 s.
  until [ "$("$PGSERVER_BIN/psql" -X -At -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres -d postgres -c "$check" \
           2>/dev/null)" = t ]; do
    [ $((SECONDS - start)) -ge 60 ] && {
      echo "pgserver: $name did not replay $primary's WAL up to $lsn within 60 s; log:" >&2
      cat "$dir/server.log" >&2; return 1; }
    sleep 0.1
  done
}

pgserver_stop() { _pgserver_ctl "$1" stop -m fast; }
pgserver_kill() { _pgserver_ctl "$1" stop -m immediate; }
pgserver_restart() { _pgserver_ctl "$1" start; }

pgserver_cleanup() {
  [ -n "$PGSERVER_ROOT" ] && [ -d "$PGSERVER_ROOT" ] || return 0
  local dir pid stops=()
  for dir in "$PGSERVER_ROOT"/*/data; do
    [ -f "$dir/postmaster.pid" ] || continue
    _pgserver_as_owner "$PGSERVER_BIN/pg_ctl" -D "$dir" stop -m immediate >/dev/null 2>&1 &
    stops+=($!)
  done
  for pid in "${stops[@]}"; do wait "$pid"; done
  [ -z "${PGSERVER_KEEP:-}" ] && rm -rf "$PGSERVER_ROOT"
  return 0
}

# Command form, for callers that are not bash (the benchmark):
#   PGSERVER_ROOT=DIR test/lib/pgserver.sh start NAME     prints the port
#   PGSERVER_ROOT=DIR test/lib/pgserver.sh stop|kill|restart NAME | cleanup
# Here the caller owns DIR and must call `cleanup` itself; no trap is set.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  : "${PGSERVER_ROOT:?set PGSERVER_ROOT to a directory the caller cleans up}"
  case ${1:-} in
  start) pgserver_start "$2"; echo "$PGSERVER_PORT" ;;
  stop | kill | restart) "pgserver_$1" "$2" ;;
  cleanup) pgserver_cleanup ;;
  *) echo "usage: pgserver.sh start|stop|kill|restart NAME | cleanup" >&2; exit 2 ;;
  esac
fi
