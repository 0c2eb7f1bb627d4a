#!/usr/bin/env bash
# A value read with \getenv is configuration, not content (issue 16, item 12):
# the same version run with another DEPLOY_REGION is not drift, nothing re-runs,
# while an edit of the file still is. A stamp written by a shoal before this one
# (its checksum covered the values) is recognised under the values it ran with.
# No value is ever stored: not in shoal.script, shoal.event nor the stamps.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
REGION=20250101000001.region.sh
HEAD=20250101000002.plain.sh
cat >"$MIG/$REGION.up.sql" <<'SQL'
\set region nowhere
\getenv region DEPLOY_REGION
CREATE TABLE conf (region text);
INSERT INTO conf VALUES (:'region');
SQL
printf 'DROP TABLE conf;\n' >"$MIG/$REGION.dn.sql"
printf 'CREATE TABLE plain (id int);\n' >"$MIG/$HEAD.up.sql"
printf 'DROP TABLE plain;\n' >"$MIG/$HEAD.dn.sql"

fleet_create getenv 2
events() { sum_all getenv "SELECT count(*) FROM shoal.event"; }
stored_anywhere() {  # VALUE → rows holding it over the fleet: staged, history, stamps
  sum_all getenv "SELECT (SELECT count(*) FROM shoal.script WHERE array_to_string(statements, ' ') LIKE '%$1%')
                       + (SELECT count(*) FROM shoal.event WHERE coalesce(detail, '') LIKE '%$1%')
                       + (SELECT count(*) FROM pg_proc WHERE proname IN ('mig_versions_const', 'shoal_stamp_const')
                                                         AND prosrc LIKE '%$1%')"
}

export DEPLOY_REGION=eu-west-zz9
run_shoal getenv "$MIG" apply
is "$RC" 0 "applied with DEPLOY_REGION=$DEPLOY_REGION"
is "$(count_at getenv "$HEAD")" 6 "every shard is at the head"
before=$(events)

export DEPLOY_REGION=us-east-qq7
run_shoal getenv "$MIG" status
is "$RC" 0 "status with DEPLOY_REGION=$DEPLOY_REGION: exit 0"
if grep -qiE 'drift|at odds' <<<"$OUT"; then
  ok 1 "and no schema at odds with the directory"; sed 's/^/#   /' <<<"$OUT"
else
  ok 0 "and no schema at odds with the directory"
fi
run_shoal getenv "$MIG" check
is "$RC" 0 "check: exit 0"
run_shoal getenv "$MIG" apply
is "$RC" 0 "apply: exit 0"
is "$(events)" "$before" "nothing ran"
is "$(q node1 getenv "SELECT region FROM sh0000.conf")" eu-west-zz9 "the shards keep what they ran with"

q node1 getenv "CREATE SCHEMA sh0100" >/dev/null
run_shoal getenv "$MIG" apply
is "$RC" 0 "a new shard is migrated under the new value"
is "$(q node1 getenv "SELECT region FROM sh0100.conf")" us-east-qq7 "with that value"
is "$(q_all getenv "SELECT DISTINCT checksum FROM shoal.applied WHERE version = '$REGION'" | sort -u | wc -l)" 1 \
  "every shard recorded the same checksum, whatever the value it ran with"
is "$(stored_anywhere eu-west-zz9)$(stored_anywhere us-east-qq7)" 00 \
  "no value is stored: not in shoal.script, shoal.event, nor the stamps"

# Unset, the variable keeps its default (psql's idiom): the same version, whose
# statements are not the ones staged under its checksum with a value masked.
unset DEPLOY_REGION
q node1 getenv "CREATE SCHEMA sh0102" >/dev/null
run_shoal getenv "$MIG" apply
is "$RC" 0 "a new shard is migrated with DEPLOY_REGION unset"
is "$(q node1 getenv "SELECT region FROM sh0102.conf")" nowhere "with the default the file sets"

# A shard stamped by a shoal before this one: its checksum is the SHA-256 of
# the resolved body with the value.
legacy=$(printf "\n\nCREATE TABLE conf (region text);\nINSERT INTO conf VALUES ('eu-west-zz9');\n" | sha256sum | cut -d' ' -f1)
q node1 getenv "CREATE SCHEMA sh0101; SELECT shoal.mig_mark('sh0101', '$REGION', '$legacy')" >/dev/null
export DEPLOY_REGION=eu-west-zz9
run_shoal getenv "$MIG" apply
is "$RC" 0 "a stamp from before is no drift under the value it ran with"
is "$(stamp_of node1 getenv sh0101)" "$REGION,$HEAD" "and that shard got the rest of its chain"
is "$(q node1 getenv "SELECT count(*) FROM shoal.event WHERE schema = 'sh0101' AND version = '$REGION'")" 1 \
  "without running the version again"

# The file itself is the version: an edit is drift, whatever the value.
echo '-- edited' >>"$MIG/$REGION.up.sql"
run_shoal getenv "$MIG" apply
is "$RC" 3 "an edited \\getenv version is drift (exit 3)"
like "$OUT" "checksum drift: .*$REGION\.up\.sql changed since it was applied" "named as such"

done_testing
