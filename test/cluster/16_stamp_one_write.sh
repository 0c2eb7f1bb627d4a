#!/usr/bin/env bash
# shoal's per-version data (checksum, applied_at) lives in the stamp's own body,
# after pg-mig's value (issue 16, item 6). pg-mig calls mig_versions_const() and
# never reads its source, and its rewrite drops shoal's data, so what pg-mig wrote
# counts as applied with an unknown checksum: never as drift. A version shoal
# itself recorded still drifts when its file changes. One catalog write per
# version, and the value is pg-mig's byte for byte.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=20250101000001.users.sh V2=20250101000002.posts.sh V3=20250101000003.email-idx.sh

# The basic directory up to V2 (its V3 comes later, as a new version).
dir=$WORK/dir
cp -r "$DIRS/basic" "$dir"
mv "$dir/$V3.up.sql" "$dir/$V3.dn.sql" "$WORK/"

# What pg-mig's runFile sends psql for one version of one schema (Dest.ts): the
# file, then the stamp in its exact form, in one transaction.
pgmig_run_file() {  # NODE DB SCHEMA FILE VERSIONS_JSON
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d "$2" >/dev/null <<SQL
BEGIN;
SET search_path TO $3;
SET statement_timeout TO 0;
$(cat "$4")
;
CREATE OR REPLACE FUNCTION $3.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS \$\$ SELECT '$5'; \$\$;
RESET ALL;
COMMIT;
SQL
}

# pg-mig's saveDigest, in the session's own search_path.
pgmig_save_digest() {  # NODE DB DIGEST
  q "$1" "$2" "CREATE OR REPLACE FUNCTION public.mig_digest_const() RETURNS text
    LANGUAGE sql SET search_path FROM CURRENT AS \$\$ SELECT '$3'; \$\$;"
}

echo "# pg-mig undoes a version shoal applied, its file is edited, pg-mig applies it again"
fleet_create undo 2
run_shoal undo "$dir" apply
is "$RC" 0 "shoal applies the chain"
is "$(q node1 undo "SELECT array_to_string(checksums, ',') <> ',' FROM shoal.stamps() WHERE schema = 'sh0000'")" t \
  "shoal recorded the checksums"
printf 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, title text);\n' \
  >"$dir/$V2.up.sql"
for i in 0 1 2 3 4 5; do  # pg-mig's undo, then its apply, on every shard
  pgmig_run_file "${NODES[$((i % 3))]}" undo "sh000$i" "$dir/$V2.dn.sql" "[\"$V1\"]"
done
for i in 0 1 2 3 4 5; do
  pgmig_run_file "${NODES[$((i % 3))]}" undo "sh000$i" "$dir/$V2.up.sql" "[\"$V1\",\"$V2\"]"
done
for node in "${NODES[@]}"; do pgmig_save_digest "$node" undo "$(code_digest "$dir")"; done
is "$(q node1 undo "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'sh0000' AND column_name = 'title'")" 1 \
  "pg-mig ran the edited file"

run_shoal undo "$dir" status
is "$RC" 0 "status exits 0"
ok "$([[ "$OUT" != *"at odds"* && "$OUT" != *drift* ]]; echo $?)" "status sees nothing at odds with the directory"
like "$OUT" "3 schemas: 3 up to date" "status counts every schema up to date"
run_shoal undo "$dir" check
is "$RC" 0 "check passes"
run_shoal undo "$dir" apply
is "$RC" 0 "apply agrees: exit 0"
ok "$([[ "$OUT" != *drift* ]]; echo $?)" "apply reports no drift"
is "$(q node1 undo "SELECT array_to_string(checksums, ',') FROM shoal.stamps() WHERE schema = 'sh0000'")" "," \
  "what pg-mig wrote counts as unknown checksums"
mv "$WORK/$V3.up.sql" "$WORK/$V3.dn.sql" "$dir/"
run_shoal undo "$dir" apply
is "$RC" 0 "a new version applies after pg-mig's rewrite"
is "$(count_at undo $V3)" 6 "every shard has it"
is "$(q node1 undo "SELECT checksums[3] <> '' AND checksums[1] = '' FROM shoal.stamps() WHERE schema = 'sh0000'")" t \
  "its checksum is recorded beside the unknown ones"

echo "# the stamp as pg-mig reads it, written once per version"
is "$(q node2 undo "SELECT sh0001.mig_versions_const()")" "[\"$V1\",\"$V2\",\"$V3\"]" \
  "calling the stamp gives pg-mig's JSON.stringify form"
is "$(q node2 undo "SELECT proconfig::text FROM pg_proc WHERE oid = 'sh0001.mig_versions_const()'::regprocedure")" \
  "{search_path=sh0001}" "its settings are what SET search_path FROM CURRENT stores"
is "$(sum_all undo "SELECT count(*) FROM pg_proc WHERE proname = 'shoal_stamp_const'")" 0 \
  "no second stamp function anywhere"
is "$(sum_all undo "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE n.nspname ~ '^sh[0-9]' AND p.proname <> 'mig_versions_const'")" 0 \
  "the shards hold no function but pg-mig's stamp"

echo "# a version shoal recorded still drifts"
printf 'CREATE INDEX users_email ON users (lower(email));\n' >"$dir/$V3.up.sql"
run_shoal undo "$dir" apply
is "$RC" 3 "apply refuses a changed file shoal applied (exit 3)"
like "$OUT" "checksum drift: .*$V3" "naming the drift"

done_testing
