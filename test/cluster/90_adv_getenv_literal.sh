#!/usr/bin/env bash
# ADVERSARIAL (issue 16 review): a version's checksum resolves every \getenv as
# the text ${NAME}. A file that says ${NAME} literally (no \getenv) then has the
# same checksum as one that reads NAME from the environment. The \getenv form is
# staged with its value masked ('<\getenv value>') and run from the
# coordinator's copy; the literal form is not "from the environment", so it runs
# from the row staged under that checksum, which stage() keeps: the masked
# statements of the other file. The edit itself is not drift either.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
V=20250101000001.conf.sh
cat >"$MIG/$V.up.sql" <<'SQL'
\getenv region DEPLOY_REGION
CREATE TABLE conf (region text);
INSERT INTO conf VALUES (:'region');
SQL
printf 'DROP TABLE conf;\n' >"$MIG/$V.dn.sql"

fleet_create adv90 1
export DEPLOY_REGION=eu-west-1
run_shoal adv90 "$MIG" apply
is "$RC" 0 "applied with DEPLOY_REGION=$DEPLOY_REGION"
is "$(q node1 adv90 "SELECT region FROM sh0000.conf")" eu-west-1 "the first shard holds the value"

# The file now holds the text ${DEPLOY_REGION} itself: no \getenv, other SQL.
cat >"$MIG/$V.up.sql" <<'SQL'

CREATE TABLE conf (region text);
INSERT INTO conf VALUES ('${DEPLOY_REGION}');
SQL
unset DEPLOY_REGION
run_shoal adv90 "$MIG" status
# CURRENT (wrong): exit 0, no drift: both files hash to the same checksum.
like "$OUT" "drift" "an edit from \\getenv to a literal is drift"

q node1 adv90 "CREATE SCHEMA sh0100" >/dev/null
run_shoal adv90 "$MIG" apply --allow-drift
# CURRENT (wrong): exit 1, 'syntax error at or near "<" at 20250101000001.conf.sh.up.sql:3':
# the node ran INSERT INTO conf VALUES (<\getenv value>), the other file's masked row.
is "$RC" 0 "a new shard is migrated"
is "$(q node1 adv90 "SELECT region FROM sh0100.conf")" '${DEPLOY_REGION}' \
  "the new shard runs the file's own statement"

done_testing
