#!/usr/bin/env bash
# Transaction pooling is detected and refused before anything changes (issue 14,
# item 9); session pooling works. A real PgBouncer (Debian's package), started
# here on loopback in front of one throwaway node, in each pool mode.
source "$(dirname "$0")/lib.sh"
pgserver_start node1 || { echo "not ok - could not start node1"; exit 1; }
PORT[node1]=$PGSERVER_PORT
WORK=$(mktemp -d /tmp/shoal-bouncer.XXXXXX)
chmod 755 "$WORK"
trap 'stop_bouncers; rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
printf 'CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n' >"$MIG/20250101000001.t.sh.up.sql"
printf 'DROP TABLE t;\n' >"$MIG/20250101000001.t.sh.dn.sql"
printf -- '-- $parallelism_per_host=2\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n' >"$MIG/20250101000002.t-a.sh.up.sql"
printf 'DROP INDEX CONCURRENTLY t_a;\n' >"$MIG/20250101000002.t-a.sh.dn.sql"
HEAD=20250101000002.t-a.sh

q node1 postgres "CREATE DATABASE app" >/dev/null
q node1 app "CREATE EXTENSION shoal;
  DO \$\$ BEGIN FOR i IN 0..49 LOOP EXECUTE format('CREATE SCHEMA %I', 'sh' || lpad(i::text, 4, '0')); END LOOP; END \$\$;" >/dev/null

through() {  # PORT ARGS… → OUT, RC
  local port=$1
  shift
  OUT=$("$SHOAL" "$@" --migdir "$MIG" --hosts "127.0.0.1:$port/app" --user postgres 2>&1)
  RC=$?
}

echo "# 9. pool_mode=transaction: refused, nothing changed"
start_bouncer "$WORK/transaction" transaction "${PORT[node1]}"
ok $? "PgBouncer in transaction mode is up"
through "$BOUNCER_PORT" apply --parallelism 4
is "$RC" 2 "apply through a transaction pooler exits 2"
like "$OUT" "transaction-pooling" "and says why"
like "$OUT" "session pooling" "and what to do instead"
is "$(q node1 app "SELECT count(*) FROM shoal.stamps() WHERE versions IS NOT NULL AND cardinality(versions) > 0")" 0 \
  "no schema was stamped"
is "$(q node1 app "SELECT count(*) FROM shoal.event")" 0 "no event was written"
is "$(q node1 app "SELECT count(*) FROM shoal.script")" 0 "nothing was staged"
is "$(q node1 app "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" 0 \
  "no pooled server connection holds a lock of shoal's"

echo "# 9b. pool_mode=session works"
start_bouncer "$WORK/session" session "${PORT[node1]}"
ok $? "PgBouncer in session mode is up"
through "$BOUNCER_PORT" apply --parallelism 4
is "$RC" 0 "apply through a session pooler succeeds"
is "$(q node1 app "SELECT count(*) FROM shoal.stamps() WHERE versions[cardinality(versions)] = '$HEAD'")" 50 \
  "every schema at head"
is "$(q node1 app "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 't_a' AND i.indisvalid")" 50 "every schema has its valid index"
is "$(q node1 app "SELECT count(*) FROM (SELECT schema, version FROM shoal.event WHERE action IN ('apply', 'mark')
                   GROUP BY 1, 2 HAVING count(*) > 1) twice")" 0 "no version recorded twice"

done_testing
