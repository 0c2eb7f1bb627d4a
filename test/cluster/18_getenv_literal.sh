#!/usr/bin/env bash
# A version's checksum resolves every \getenv as a mention of the variable's
# name. A file that spells such a mention out literally (no \getenv) must not
# share the checksum of one that reads the variable: the edit would not be drift,
# and since stage() keeps the first row for a checksum, the literal file (not
# "from the environment", so run from shoal.script) would run the other file's
# masked statements ('<\getenv value>'). `status` says drift too, as apply does.
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

fleet_create getenv_literal 1
export DEPLOY_REGION=eu-west-1
run_shoal getenv_literal "$MIG" apply
is "$RC" 0 "applied with DEPLOY_REGION=$DEPLOY_REGION"
is "$(q node1 getenv_literal "SELECT region FROM sh0000.conf")" eu-west-1 "the first shard holds the value"

# The file now holds the text ${DEPLOY_REGION} itself: no \getenv, other SQL.
cat >"$MIG/$V.up.sql" <<'SQL'

CREATE TABLE conf (region text);
INSERT INTO conf VALUES ('${DEPLOY_REGION}');
SQL
unset DEPLOY_REGION
run_shoal getenv_literal "$MIG" status
like "$OUT" "drift" "an edit from \\getenv to a literal is drift"

q node1 getenv_literal "CREATE SCHEMA sh0100" >/dev/null
run_shoal getenv_literal "$MIG" apply --allow-drift
is "$RC" 0 "a new shard is migrated"
is "$(q node1 getenv_literal "SELECT region FROM sh0100.conf")" '${DEPLOY_REGION}' \
  "the new shard runs the file's own statement"

done_testing
