#!/usr/bin/env bash
# Each step starts from a clean session (issue 14, item 3): nothing a version,
# a solo (CONCURRENTLY) version, before.sql or after.sql leaves in its session
# (temporary tables, settings, role) is in force in a later step or script.
# One worker per node, so every later step runs on the session an earlier one used.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
# A scratch table a version fills from its own schema: a leftover of the
# previous schema's step would add that schema's rows.
cat >"$MIG/20250101000001.scratch.sh.up.sql" <<'SQL'
CREATE TABLE items (n int);
INSERT INTO items SELECT generate_series(1, 3);
CREATE TEMP TABLE IF NOT EXISTS scratch (n int);
INSERT INTO scratch SELECT n FROM items;
CREATE TABLE seen AS SELECT count(*) AS scratch_rows FROM scratch;
SQL
printf 'DROP TABLE seen;\nDROP TABLE items;\n' >"$MIG/20250101000001.scratch.sh.dn.sql"
# A solo version that sets a session setting, as index builds often do.
cat >"$MIG/20250101000002.idx.sh.up.sql" <<'SQL'
SET maintenance_work_mem = '77MB';
CREATE INDEX CONCURRENTLY items_n ON items (n);
SQL
printf 'DROP INDEX CONCURRENTLY items_n;\n' >"$MIG/20250101000002.idx.sh.dn.sql"
# The next version records what its session has.
cat >"$MIG/20250101000003.after-idx.sh.up.sql" <<'SQL'
CREATE TABLE settings_seen AS SELECT current_setting('maintenance_work_mem') AS mwm, current_user::text AS who;
SQL
printf 'DROP TABLE settings_seen;\n' >"$MIG/20250101000003.after-idx.sh.dn.sql"
# before.sql moves the role and leaves a temporary table and a setting;
# after.sql must see none of it.
cat >"$MIG/before.sql" <<'SQL'
CREATE TEMP TABLE before_scratch (n int);
SELECT set_config('work_mem', '7MB', false);
SELECT set_config('role', 'lesser', false);
SQL
cat >"$MIG/after.sql" <<'SQL'
CREATE TEMP TABLE before_scratch (n int);
CREATE TABLE IF NOT EXISTS public.after_seen AS
  SELECT current_user::text AS who, current_setting('work_mem') AS work_mem;
SQL

fleet_create clean
for node in "${NODES[@]}"; do q "$node" clean "CREATE ROLE lesser" >/dev/null 2>&1; done
run_shoal clean "$MIG" apply --parallelism 1
is "$RC" 0 "the run succeeds"
is "$(count_at clean 20250101000003.after-idx.sh)" 300 "every schema at head"
is "$(sum_all clean "SELECT count(*) FROM shoal.stamps() s WHERE s.schema ~ '^sh[0-9]'
   AND (xpath('/row/scratch_rows/text()', query_to_xml(format('SELECT scratch_rows FROM %I.seen', s.schema),
                                                      false, true, '')))[1]::text <> '3'")" 0 \
  "a version's temporary table never held another schema's rows"
is "$(sum_all clean "SELECT count(*) FROM shoal.stamps() s WHERE s.schema ~ '^sh[0-9]'
   AND (xpath('/row/mwm/text()', query_to_xml(format('SELECT mwm FROM %I.settings_seen', s.schema),
                                              false, true, '')))[1]::text = '77MB'")" 0 \
  "a solo version's setting is not in force in the next step"
is "$(sum_all clean "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname ~ '^sh[0-9]' AND pg_get_userbyid(c.relowner) <> 'postgres'")" 0 \
  "every object of every schema is owned by the migrating role"
is "$(q node1 clean "SELECT who || ' ' || work_mem FROM public.after_seen")" \
  "postgres $(q node1 clean "SELECT current_setting('work_mem')")" \
  "after.sql runs as the migrating role with default settings, not what before.sql set"
is "$(sum_all clean "SELECT count(*) FROM shoal.event WHERE role <> 'postgres'")" 0 \
  "every event carries the migrating role"

done_testing
