#!/usr/bin/env bash
# The demo behind `make demo`: a throwaway local fleet of 3 PostgreSQL servers
# under .demo/, migrated by shoal from examples/migrations/, then a second step
# that fails in a few shards, is fixed, and resumes. Every command that does
# something is printed before it runs, exactly as it runs, so a reader can copy
# it; the demo's own plumbing (starting servers, waiting) stays quiet.
#
#   scripts/demo.sh          build nothing; start a fresh fleet and run the demo
#   scripts/demo.sh stop     stop the fleet's servers, keep their data
#   scripts/demo.sh start    start a stopped fleet again, on the same ports
#
# DEMO_DIR (default .demo) and DEMO_SHARDS (shards per node, default 100) exist
# for test/demo, which runs the same demo at a smaller scale; SHOAL (default
# build/shoal) for test/packages, which runs it with the packaged shoal. Servers come from
# test/lib/pgserver.sh; they listen on 127.0.0.1 and on sockets in DEMO_DIR only.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${DEMO_DIR:-.demo}
DEMO_SHARDS=${DEMO_SHARDS:-100}
NODES=(node1 node2 node3)
SHOAL=${SHOAL:-build/shoal}
# The demo's output is a transcript: psql must not stop it in a pager.
export PSQL_PAGER=cat

# A fleet that outlives this script: with PGSERVER_ROOT set, pgserver.sh sets no
# cleanup trap, and `stop`/`start` find the servers by directory.
mkdir -p "$DEMO_DIR"
PGSERVER_ROOT=$(cd "$DEMO_DIR" && pwd)
export PGSERVER_ROOT
source test/lib/pgserver.sh

bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
[ -t 1 ] || bold='' dim='' off=''

heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s\n' "$@"; }
# Prints a command, then runs it; the command's exit status is returned as is.
run() {
  printf '%s$ %s%s\n' "$dim" "$1" "$off"
  eval "$1"
}

node_port() { sed -n 's/^port = \([0-9]*\)$/\1/p' "$PGSERVER_ROOT/$1/data/postgresql.conf" | tail -1; }
node_url() { echo "postgresql://postgres@127.0.0.1:$(node_port "$1")/app"; }

print_connections() {
  say "Explore the fleet by hand (trust authentication, loopback only):"
  local node
  for node in "${NODES[@]}"; do say "  psql $(node_url "$node")"; done
  say "shoal reads the fleet from the environment:"
  say "  source $DEMO_DIR/env && $SHOAL status --migdir $DEMO_DIR/migrations"
  say "Stop the servers: make demo-stop   (start them again: make demo-start)"
}

stop_fleet() {
  local node
  for node in "${NODES[@]}"; do
    [ -f "$PGSERVER_ROOT/$node/data/postmaster.pid" ] && pgserver_stop "$node"
  done
  say "demo fleet stopped; its data stays in $DEMO_DIR (make demo-start, or delete the directory)"
}

start_fleet() {
  local node
  for node in "${NODES[@]}"; do
    [ -d "$PGSERVER_ROOT/$node/data" ] || { say "no demo fleet in $DEMO_DIR: run make demo" >&2; exit 1; }
    [ -f "$PGSERVER_ROOT/$node/data/postmaster.pid" ] || pgserver_restart "$node"
  done
  print_connections
}

# Three fresh servers; node N holds shards (N-1)*DEMO_SHARDS … N*DEMO_SHARDS-1,
# told to the migrations through the database setting app.shards.
create_fleet() {
  heading "A fleet of 3 PostgreSQL servers under $DEMO_DIR/"
  pgserver_cleanup  # a previous demo's servers and data
  mkdir -p "$PGSERVER_ROOT" && chmod 755 "$PGSERVER_ROOT"
  local i node first hosts=""
  for i in "${!NODES[@]}"; do
    node=${NODES[$i]}
    pgserver_start "$node"
    first=$((i * DEMO_SHARDS))
    say "$node: 127.0.0.1:$PGSERVER_PORT, will hold shards sh$(printf %04d "$first")…sh$(printf %04d $((first + DEMO_SHARDS - 1)))"
    run "psql -qX postgresql://postgres@127.0.0.1:$PGSERVER_PORT/postgres -c 'CREATE DATABASE app'"
    run "psql -qX $(node_url "$node") -c 'CREATE EXTENSION shoal' -c \"ALTER DATABASE app SET app.shards = '$first-$((first + DEMO_SHARDS - 1))'\""
    hosts+="${hosts:+;}127.0.0.1:$PGSERVER_PORT/app"
  done
  # SHOAL_HOSTS is the fleet; PGHOST and PGPORT stay one server, as psql and
  # pg_dump read them (pg-mig's comma list in PGHOST would break both).
  local fleet="PGHOST=127.0.0.1 PGPORT=$(node_port "${NODES[0]}") PGDATABASE=app PGUSER=postgres SHOAL_HOSTS='$hosts'"
  printf 'export %s\n' "$fleet" >"$DEMO_DIR/env"
  say "" "The fleet, for shoal (SHOAL_HOSTS; psql and pg_dump reach node1; also in $DEMO_DIR/env):"
  run "export $fleet"
}

# examples/migrations as it is, with live progress and the summary.
migrate() {
  heading "Apply examples/migrations/ to every schema on every node"
  say "The public version creates the shards; shoal plans again in the same run and"
  say "brings every new shard through the sh versions."
  run "$SHOAL apply --migdir examples/migrations"
  heading "What the fleet has now"
  run "$SHOAL status --migdir examples/migrations"
  say "" "Every node keeps its history; shoal.applied lists it per schema:"
  run "psql -X $(node_url node1) -c 'SELECT version, count(*) AS schemas, max(applied_at) AS last_applied FROM shoal.applied GROUP BY version ORDER BY version'"
}

# A new version that fails in the shards whose data breaks it; the others go on.
resume() {
  heading "A version that fails in a few shards, and the resumed run"
  say "A developer adds a version that makes company names unique per shard (to a copy of"
  say "the directory, so examples/ stays as it is):"
  run "cp -r examples/migrations $DEMO_DIR/migrations"
  run "cp examples/resume/20240402090000.unique-company-names.sh.*.sql $DEMO_DIR/migrations/"
  local rc=0
  run "$SHOAL apply --migdir $DEMO_DIR/migrations" || rc=$?
  if [ "$rc" -ne 1 ]; then
    say "demo: expected exit code 1 (a version failed on some schemas), got $rc" >&2
    exit 1
  fi
  say "" "Exit code 1: every other shard has the version; each failed shard stopped before it,"
  say "with nothing half applied. Each node's history has the whole error:"
  run "psql -X $(node_url node1) -c \"SELECT schema, version, rtrim(detail, chr(10)) AS detail FROM shoal.event WHERE action = 'fail'\""
  say "Rename the duplicates on every node (a data fix, so the version's checksum stays as"
  say "it is), then run the same command again:"
  local node
  for node in "${NODES[@]}"; do
    run "psql -qX $(node_url "$node") -f examples/resume/fix-duplicate-company-names.sql"
  done
  run "$SHOAL apply --migdir $DEMO_DIR/migrations"
}

demo() {
  local started=$SECONDS
  if ! [ -x "$SHOAL" ]; then
    say "demo: $SHOAL is missing: run make demo (it builds first)" >&2
    exit 1
  fi
  create_fleet
  migrate
  resume
  heading "Done in $((SECONDS - started))s"
  print_connections
}

case ${1:-run} in
run) demo ;;
stop) stop_fleet ;;
start) start_fleet ;;
*) echo "usage: scripts/demo.sh [run|stop|start]" >&2; exit 2 ;;
esac
