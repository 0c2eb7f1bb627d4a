#!/usr/bin/env bash
# Values read with \getenv are configuration, and may be secrets: they are never
# stored on a node (shoal.script, shoal.event) nor printed (issue 14, item 10).
# A version holding one runs from the coordinator's own copy, not the staged one.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
export SHOAL_TEST_SECRET="Top/Secret-pw'x"

MIG=$WORK/mig
mkdir -p "$MIG"
cat >"$MIG/20250101000001.creds.sh.up.sql" <<'SQL'
\getenv pw SHOAL_TEST_SECRET
CREATE TABLE creds (pw text);
INSERT INTO creds VALUES (:'pw');
SQL
printf 'DROP TABLE creds;\n' >"$MIG/20250101000001.creds.sh.dn.sql"
# Fails in every schema with an error message that quotes the value.
cat >"$MIG/20250101000002.bad.sh.up.sql" <<'SQL'
\getenv pw SHOAL_TEST_SECRET
SELECT (:'pw')::int;
SQL
printf 'SELECT 1;\n' >"$MIG/20250101000002.bad.sh.dn.sql"

stored_anywhere() {  # DB → rows of shoal.script and shoal.event holding the value, over the fleet
  sum_all "$1" "SELECT (SELECT count(*) FROM shoal.script WHERE array_to_string(statements, ' ') LIKE '%Secret-pw%')
                     + (SELECT count(*) FROM shoal.event WHERE coalesce(detail, '') LIKE '%Secret-pw%')"
}

fleet_create secrets 10
# A schema a lesser role owns: a superuser's step runs there as that owner.
q node1 secrets "CREATE ROLE shard_owner; ALTER SCHEMA sh0000 OWNER TO shard_owner" >/dev/null
run_shoal secrets "$MIG" apply
is "$RC" 1 "the failing version fails (exit 1)"
is "$(count_at secrets 20250101000001.creds.sh)" 30 "the version holding a \\getenv value is applied everywhere"
is "$(q node1 secrets "SELECT pw FROM sh0000.creds")" "$SHOAL_TEST_SECRET" "with the value itself"
is "$(q node1 secrets "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'sh0000.creds'::regclass")" \
  shard_owner "in a schema a lesser role owns, it ran as that owner"
is "$(stored_anywhere secrets)" 0 "no node stores the value: not in shoal.script, not in shoal.event"
is "$(sum_all secrets "SELECT count(*) FROM shoal.event WHERE action = 'fail' AND detail LIKE '%getenv value%'")" 30 \
  "each failure is recorded, with the value masked"
if grep -q "Secret-pw" <<<"$OUT"; then ok 1 "shoal's output never shows the value"; else ok 0 "shoal's output never shows the value"; fi
like "$OUT" 'invalid input syntax for type integer: "<\\getenv value>"' "the error is still readable"
is "$(sum_all secrets "SELECT count(*) FROM shoal.event WHERE action = 'mark' AND version = '20250101000001.creds.sh'")" 30 \
  "each schema recorded it once"

# Undo runs the same way; a rerun finds nothing more to do for it.
rm "$MIG"/20250101000002.bad.sh.*
run_shoal secrets "$MIG" apply
is "$RC" 0 "with the failing version gone the fleet is complete"
run_shoal secrets "$MIG" undo 20250101000001.creds.sh
is "$(count_at secrets 20250101000001.creds.sh)" 0 "undo of the \\getenv version removes it everywhere"
is "$(sum_all secrets "SELECT count(*) FROM pg_tables WHERE tablename = 'creds'")" 0 "its dn script ran"

done_testing
