#!/usr/bin/env bash
# Issue 18, items 8-10: nodes as libpq users write them (key=value strings, a
# failover pair, service=NAME, SHOAL_HOSTS beside a PGHOST psql can use); a
# refused login told apart from a down node (exit 9, never the password);
# shoal.ini found from a subdirectory, with [sections] and --env; typos named,
# never guessed; undo asking only on a terminal; chain --check; a re-plan
# printed. One server: every "node" is a database on it.
source "$(dirname "$0")/lib.sh"
NODES=(node1)
cluster_start
P=${PORT[node1]}
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
SECRET='Top/Secret-pw'

MIG=$WORK/mig
mkdir -p "$MIG"
printf 'CREATE TABLE t (id int);\n' >"$MIG/20250101000001.t.sh.up.sql"
printf 'DROP TABLE t;\n' >"$MIG/20250101000001.t.sh.dn.sql"
V1=20250101000001.t.sh

for db in conn1 conn2; do
  q node1 postgres "CREATE DATABASE $db" >/dev/null
  q node1 $db "CREATE EXTENSION shoal; CREATE SCHEMA sh0001; CREATE SCHEMA sh0002" >/dev/null
done
# A role that logs in with a password over TCP (scram), as in production.
q node1 postgres "SET password_encryption = 'scram-sha-256';
  CREATE ROLE deployer LOGIN PASSWORD '$SECRET'" >/dev/null
sed -i "1i host all deployer 127.0.0.1/32 scram-sha-256" "$PGSERVER_ROOT/node1/data/pg_hba.conf"
q node1 postgres "SELECT pg_reload_conf()" >/dev/null
DOWN=$(free_port)

shoal() {  # ARGS… → OUT (stdout+stderr), RC; no shoal.ini of the caller's
  OUT=$("$SHOAL" "$@" 2>&1 </dev/null)
  RC=$?
}

echo "# nodes as libpq connection strings"
shoal status --migdir "$MIG" --hosts "host=127.0.0.1 port=$P dbname=conn1 user=postgres"
is "$RC" 0 "a key=value node works"
shoal status --migdir "$MIG" \
  --hosts "host=127.0.0.1,127.0.0.1 port=$DOWN,$P dbname=conn1 user=postgres target_session_attrs=read-write;
           host=127.0.0.1 port=$P dbname=conn2 user=postgres"
is "$RC" 0 "a failover pair with one host down is one node that connects"
like "$OUT" "127.0.0.1:$DOWN,127.0.0.1:$P/conn1" "it is shown with both hosts"
like "$OUT" "127.0.0.1:$P/conn2" "the entry after the ';' is a node of its own"

cat >"$WORK/services.conf" <<EOF
[shard1]
host=127.0.0.1
port=$P
dbname=conn1
user=postgres
EOF
export PGSERVICEFILE=$WORK/services.conf
shoal status --migdir "$MIG" --hosts "service=shard1"
is "$RC" 0 "service=NAME takes the node from the service file"
shoal status --migdir "$MIG" --hosts "service=nosuch"
is "$RC" 9 "an unknown service: exit 9, not unreachable"
like "$OUT" 'definition of service "nosuch" not found' "libpq says which service"
PGSERVICEFILE=$WORK/missing.conf shoal status --migdir "$MIG" --hosts "service=shard1"
is "$RC" 9 "a service file that does not exist: exit 9"
like "$OUT" "missing.conf\" not found" "libpq names the file"
unset PGSERVICEFILE

echo "# refused logins are not down nodes"
shoal check --migdir "$MIG" --hosts "host=127.0.0.1 port=$P dbname=conn1 user=deployer password=$SECRET"
is "$RC" 6 "the right password logs in (check: no digest yet, exit 6)"
shoal status --migdir "$MIG" --hosts "host=127.0.0.1 port=$P dbname=conn1 user=deployer password=Wrong/$SECRET"
is "$RC" 9 "a wrong password: exit 9"
like "$OUT" "cannot log in: .*password authentication failed for user \"deployer\"" "and says so"
shoal apply --migdir "$MIG" --hosts "postgres://deployer:Wrong%2F${SECRET//\//%2F}@127.0.0.1:$P/conn1"
is "$RC" 9 "apply refuses to start with exit 9 (URI node)"
PGPASSWORD=Wrong/$SECRET shoal check --migdir "$MIG" --hosts "127.0.0.1:$P/conn1" --user deployer
is "$RC" 9 "check: exit 9"
shoal status --migdir "$MIG" --hosts "host=127.0.0.1 port=$P dbname=conn1 user=deployer"
is "$RC" 9 "no password at all: exit 9"
shoal status --migdir "$MIG" --hosts "127.0.0.1:$P/nodb" --user postgres
is "$RC" 9 "a database that does not exist: exit 9"
like "$OUT" 'database "nodb" does not exist' "and says so"
shoal status --migdir "$MIG" --hosts "127.0.0.1:$DOWN/conn1" --user postgres
is "$RC" 5 "a node that is down is still exit 5"
like "$OUT" "unreachable: " "and unreachable"
shoal status --migdir "$MIG" --hosts "host=127.0.0.1 password=$SECRET bogus"
is "$RC" 2 "a connection string libpq cannot parse: exit 2"
like "$OUT" 'missing "=" after "bogus"' "with libpq's message"
ALL=$(for pw in "Wrong/$SECRET" "$SECRET"; do
  "$SHOAL" status --migdir "$MIG" --hosts "host=127.0.0.1 port=$P dbname=conn1 user=deployer password=$pw" 2>&1
  "$SHOAL" status --migdir "$MIG" --hosts "host=127.0.0.1 password=$pw bogus" 2>&1
  "$SHOAL" status --migdir "$MIG" --hosts "host=127.0.0.1 password='$pw" 2>&1
  "$SHOAL" apply --migdir "$MIG" --hosts "postgres://deployer:${pw//\//%2F}@127.0.0.1:$DOWN/conn1" 2>&1
done)
is "$(grep -c "Secret" <<<"$ALL")" 0 "no message shows the password"

echo "# SHOAL_HOSTS: the fleet, while PGHOST stays psql's"
export PGHOST=127.0.0.1 PGPORT=$P PGUSER=postgres PGDATABASE=conn1
is "$(psql -X -At -c "SELECT current_database()" 2>&1)" conn1 "psql reads PGHOST as libpq does"
SHOAL_HOSTS="127.0.0.1:$P/conn1;host=127.0.0.1 port=$P dbname=conn2" shoal apply --migdir "$MIG"
is "$RC" 0 "apply over SHOAL_HOSTS"
is "$(q node1 conn1 "SELECT count(*) FROM shoal.stamps() WHERE versions = '{$V1}'")$(q node1 conn2 \
  "SELECT count(*) FROM shoal.stamps() WHERE versions = '{$V1}'")" 22 "migrated both databases of SHOAL_HOSTS"
unset PGHOST PGPORT PGUSER PGDATABASE

echo "# shoal.ini from a subdirectory, with sections"
mkdir -p "$WORK/project/deploy/sub"
cp -r "$MIG" "$WORK/project/deploy/migrations"
cat >"$WORK/project/deploy/shoal.ini" <<EOF
# the fleet
migdir = "migrations"
user = postgres
hosts = 127.0.0.1:$DOWN/nowhere

[staging]
hosts = '127.0.0.1:$P/conn1'
EOF
OUT=$(cd "$WORK/project/deploy/sub" && "$SHOAL" status --env staging 2>&1)
is "$?" 0 "from a subdirectory, migdir is the ini's and [staging] is read"
OUT=$(cd "$WORK/project/deploy/sub" && "$SHOAL" status --env production 2>&1)
is "$?" 2 "an unknown --env: exit 2"
like "$OUT" "has no \[production\] section \(it has \[staging\]\)" "naming the sections there"
OUT=$(cd "$WORK" && "$SHOAL" digest --migdir "$MIG" --env staging 2>&1)
is "$?" 2 "--env without a shoal.ini: exit 2"
printf 'migdir = migrations\nhostz = x\n' >"$WORK/project/deploy/shoal.ini"
OUT=$(cd "$WORK/project/deploy/sub" && "$SHOAL" digest 2>&1)
like "$OUT" "shoal.ini:2: unknown key \"hostz\" \(did you mean \`hosts\`\?\)" "an unknown key: file:line"

echo "# typos"
shoal aply --migdir "$MIG"
is "$RC" 2 "an unknown command: exit 2"
like "$OUT" "did you mean \`apply\`" "suggests apply"
shoal undo $V1 --migdir "$MIG" --hosts "127.0.0.1:$P/conn1" --user postgres --ye
is "$RC" 2 "an option's prefix is not the option"
like "$OUT" "did you mean \`--yes\`" "it is suggested"
is "$(q node1 conn1 "SELECT count(*) FROM shoal.stamps() WHERE versions = '{$V1}'")" 2 "nothing was undone"

echo "# undo asks on a terminal, only there"
undo_on_terminal() {  # ANSWER → OUT, and AT_V1: conn1's schemas at V1 afterwards
  OUT=$(printf '%s\n' "$1" | script -qec "$SHOAL undo $V1 --migdir $MIG --hosts 127.0.0.1:$P/conn1 --user postgres" /dev/null 2>&1)
  AT_V1=$(q node1 conn1 "SELECT count(*) FROM shoal.stamps() WHERE versions = '{$V1}'")
}
undo_on_terminal n
like "$OUT" "Undo $V1 .*\? \[y/N\]" "on a terminal, undo asks"
like "$OUT" "undo not confirmed; nothing changed" "and takes no for an answer"
is "$AT_V1" 2 "nothing was undone"
undo_on_terminal y
is "$AT_V1" 0 "a yes undoes"
shoal undo $V1 --migdir "$MIG" --hosts "127.0.0.1:$P/conn2" --user postgres
is "$RC" 0 "with stdin not a terminal undo runs without asking"
is "$(grep -c "y/N" <<<"$OUT")" 0 "and prints no question"

echo "# chain --check"
shoal chain --check --migdir "$MIG"
is "$RC" 6 "no chain.txt: exit 6"
shoal chain --migdir "$MIG"
shoal chain --check --migdir "$MIG"
is "$RC" 0 "a fresh chain.txt: exit 0"
printf 'SELECT 1;\n' >"$MIG/20250101000002.more.sh.up.sql"
printf 'SELECT 1;\n' >"$MIG/20250101000002.more.sh.dn.sql"
before=$(cat "$MIG/chain.txt")
shoal chain --check --migdir "$MIG"
is "$RC" 6 "a version added since: exit 6"
like "$OUT" "chain.txt is stale" "saying so"
is "$(cat "$MIG/chain.txt")" "$before" "and chain.txt is not rewritten"

echo "# a run that creates shards prints what it plans then"
GROW=$WORK/grow
mkdir -p "$GROW"
cp "$MIG"/20250101000001.* "$GROW/"
printf 'CREATE SCHEMA sh0003; CREATE SCHEMA sh0004;\n' >"$GROW/20250101000002.more-shards.public.up.sql"
printf 'SELECT 1;\n' >"$GROW/20250101000002.more-shards.public.dn.sql"
shoal apply --migdir "$GROW" --hosts "127.0.0.1:$P/conn2" --user postgres
is "$RC" 0 "the run exits 0"
like "$OUT" "planned again" "says it planned again"
like "$OUT" "sh0003-0004" "and prints the new schemas' plan"

done_testing
