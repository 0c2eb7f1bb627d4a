#!/usr/bin/env bash
# A standby reached through PgBouncer (session pooling, which the README says is
# fine), then promoted. PgBouncer replays the in_hot_standby parameter it cached
# with the pool's first server connection, so a coordinator that trusted it would
# skip the new primary as a standby and still say "Succeeded" (exit 0): shoal asks
# pg_is_in_recovery() instead.
source "$(dirname "$0")/lib.sh"
cluster_start
pgserver_standby standby1 node1 || { echo "not ok - could not start a standby of node1"; exit 1; }
PORT[standby1]=$PGSERVER_PORT
WORK=$(mktemp -d /tmp/shoal-bouncer.XXXXXX)
chmod 755 "$WORK"
trap 'stop_bouncers; rm -rf "$WORK"; pgserver_cleanup' EXIT

start_bouncer "$WORK/b" session "${PORT[standby1]}"

fleet_create app 20
replayed_at() { [ "$(q standby1 postgres "SELECT pg_last_wal_replay_lsn() >= '$1'")" = t ]; }
wait_for 60 replayed_at "$(q node1 postgres "SELECT pg_current_wal_lsn()")"
is "$(psql -X -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d app -c 'SELECT pg_is_in_recovery()')" t \
  "the bouncer leads to the standby"

BOUNCED=127.0.0.1:$BOUNCER_PORT
via() {  # ARGS… → OUT, RC
  # node1 is not listed: the server behind the bouncer stands for it.
  OUT=$("$SHOAL" "$@" --migdir "$DIRS/basic" --hosts "$BOUNCED/app,127.0.0.1:${PORT[node2]}/app,127.0.0.1:${PORT[node3]}/app" --user postgres 2>&1)
  RC=$?
}
via status
like "$OUT" "$BOUNCED: skipped \(standby\)" "a standby behind the bouncer is skipped"

# Failover: node1 is gone, its standby promoted; the bouncer leads to the new primary.
_pgserver_ctl node1 stop -m fast
_pgserver_ctl standby1 promote
is "$(psql -X -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d app -c 'SELECT pg_is_in_recovery()')" f \
  "through the bouncer: no longer in recovery"
via status
echo "$OUT" | head -3 | sed 's/^/#  /'
ok "$(grep -q "$BOUNCED: skipped (standby)" <<<"$OUT"; echo $((1 - $?)))" "status: the promoted server is not skipped"
via apply
echo "$OUT" | tail -4 | sed 's/^/#  /'
stamped=$(psql -X -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d app -c "SELECT count(*) FROM pg_proc WHERE proname = 'mig_versions_const'")
ok "$([ "$stamped" -ge 20 ]; echo $?)" "apply: the promoted primary's schemas are migrated ($stamped stamped)"
done_testing
