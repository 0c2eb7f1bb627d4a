#!/usr/bin/env bash
# Moving a shard with `pg_dump --schema` moves its state: the restored schema has
# the same stamp (read the pg-mig way and the shoal way, checksums and applied_at
# included), and migrations go on from it in the new database. A whole-database
# dump keeps shoal's history.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgserver.sh
source test/extension/lib.sh
pgserver_start dump || { echo "not ok - start a server"; exit 1; }

for db in source target bare; do sql postgres -c "CREATE DATABASE $db"; done
sql source -c "CREATE EXTENSION shoal"
sql target -c "CREATE EXTENSION shoal"

stage_all() {  # stages the chain in DB
  sql "$1" <<'SQL' >/dev/null
SELECT shoal.stage('001.users.sh', 'up', 'u-up', ARRAY['CREATE TABLE users (id int PRIMARY KEY)', 'INSERT INTO users VALUES (1)'], ARRAY['001.users.sh.up.sql:1', '001.users.sh.up.sql:2']);
SELECT shoal.stage('002.email.sh', 'up', 'e-up', ARRAY['ALTER TABLE users ADD COLUMN email text'], ARRAY['002.email.sh.up.sql:1']);
SELECT shoal.stage('003.name.sh', 'up', 'n-up', ARRAY['ALTER TABLE users ADD COLUMN name text'], ARRAY['003.name.sh.up.sql:1']);
SELECT shoal.stage('003.name.sh', 'dn', 'n-dn', ARRAY['ALTER TABLE users DROP COLUMN name'], ARRAY['003.name.sh.dn.sql:1']);
SQL
}
stage_all source
stage_all target
for schema in sh0001 'Shard 0002'; do
  sql source -v s="$schema" <<'SQL' >/dev/null
CREATE SCHEMA :"s";
SELECT shoal.mig_apply(:'s', '001.users.sh', 'u-up');
SELECT shoal.mig_apply(:'s', '002.email.sh', 'e-up');
SQL
done

applied() {  # DB SCHEMA: version|checksum|applied_at lines
  sql "$1" -v s="$2" <<<"SELECT version || '|' || checksum || '|' || applied_at FROM shoal.applied WHERE schema = :'s' ORDER BY applied_at"
}

# Move sh0001 to target, and "Shard 0002" (a name pg_dump must quote) too.
pg_dump -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres --schema=sh0001 source | sql target >/dev/null
pg_dump -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres --schema='"Shard 0002"' source | sql target >/dev/null
is "$(sql target -c 'SELECT sh0001.mig_versions_const()')" '["001.users.sh","002.email.sh"]' \
  "restored stamp reads the pg-mig way"
before=$(applied source sh0001)
is "$(wc -l <<<"$before") $(cut -d'|' -f1,2 <<<"$before" | paste -sd' ')" "2 001.users.sh|u-up 002.email.sh|e-up" \
  "the source stamp has both versions and checksums"
is "$(applied target sh0001)" "$before" "restored stamp keeps versions, checksums and applied_at"
quoted_before=$(applied source 'Shard 0002')
is "$(applied target 'Shard 0002') ($(wc -l <<<"$quoted_before") versions)" "$quoted_before (2 versions)" \
  "a schema whose name needs quoting moves too"
is "$(sql target -c "SELECT array_to_string(versions, ',') || ' ' || array_to_string(checksums, ',') FROM shoal.stamps() WHERE schema = 'sh0001'")" \
  "001.users.sh,002.email.sh u-up,e-up" "shoal.stamps() reads the restored stamp"
is "$(sql target -c 'SELECT count(*) FROM sh0001.users')" 1 "the data came along"

# Migrations continue in the new home.
is "$(sql target -c "SELECT shoal.mig_apply('sh0001', '002.email.sh', 'e-up')")" "already applied" \
  "an applied version is not run again after the move"
is "$(sql target -c "SELECT shoal.mig_apply('sh0001', '003.name.sh', 'n-up')")" "applied" "the next version applies on top"
is "$(sql target -c 'SELECT sh0001.mig_versions_const()')" '["001.users.sh","002.email.sh","003.name.sh"]' \
  "the stamp grows in the new database"
is "$(sql target -c "SELECT shoal.mig_undo('sh0001', '003.name.sh', 'n-dn')")" "undone" "undo works after the move"
is "$(sql target -c "SELECT shoal.mig_apply('sh0001', '001.users.sh', 'other')" 2>&1 | grep -o 'was applied with checksum u-up')" \
  "was applied with checksum u-up" "the moved checksum is still checked"

is "$(sql target -c "SELECT string_agg(proname, ',') FROM pg_proc WHERE pronamespace = 'sh0001'::regnamespace")" \
  "mig_versions_const" "shoal's data travels inside the stamp: one function"

# A shard dumped before 1.5, with shoal's data in a second function written in the
# same transaction, restored into a database with 1.5 (one transaction per
# statement: the functions get xmins in pg_dump's order).
sql source <<'SQL'
CREATE SCHEMA sh0009;
BEGIN;
CREATE FUNCTION sh0009.mig_versions_const() RETURNS text LANGUAGE sql SET search_path = sh0009
  AS $$ SELECT '["001.users.sh"]'; $$;
CREATE FUNCTION sh0009.shoal_stamp_const() RETURNS text LANGUAGE sql SET search_path = sh0009
  AS $$ SELECT '{"001.users.sh": {"checksum": "u-up", "applied_at": "2024-05-06T07:08:09+00:00"}}'; $$;
COMMIT;
SQL
pg_dump -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres --schema=sh0009 source | sql target >/dev/null
is "$(sql target -c "SELECT version || '|' || checksum || '|' || (applied_at = '2024-05-06T07:08:09+00:00') FROM shoal.applied WHERE schema = 'sh0009'")" \
  "001.users.sh|u-up|true" "a shard dumped before 1.5 keeps its checksum"
is "$(sql target -c "SELECT shoal.mig_mark('sh0009', '002.email.sh', 'e-up')")" "marked" "and takes the next version"
is "$(sql target -c "SELECT string_agg(proname, ',') FROM pg_proc WHERE pronamespace = 'sh0009'::regnamespace")" \
  "mig_versions_const" "which folds the old data into the one function"
is "$(sql target -c "SELECT array_to_string(checksums, ',') FROM shoal.stamps() WHERE schema = 'sh0009'")" \
  "u-up,e-up" "keeping the checksum from before 1.5"

# A database without shoal still reads the stamp as pg-mig does.
pg_dump -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres --schema=sh0001 source | sql bare >/dev/null
is "$(sql bare -c 'SELECT sh0001.mig_versions_const()')" '["001.users.sh","002.email.sh"]' \
  "the stamp needs no extension to be read"

# A whole-database dump keeps shoal's history (shoal.event is a configuration table).
sql postgres -c "CREATE DATABASE copy"
pg_dump -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres source | sql copy >/dev/null
is "$(sql copy -c "SELECT string_agg(schema || ':' || version || ':' || action, ' ' ORDER BY id) FROM shoal.event")" \
   "$(sql source -c "SELECT string_agg(schema || ':' || version || ':' || action, ' ' ORDER BY id) FROM shoal.event")" \
   "a database dump keeps shoal.event"
is "$(sql copy -c "SELECT shoal.record_failure('sh0001', 'v', 'c', 'm') IS NULL" 2>&1)" "t" \
  "event ids go on after a restore (no duplicate key)"

tap_done
