#!/usr/bin/env bash
# One migration directory read from wherever it lies (issue 16, item 11): a
# relative path, an absolute one, one through a symbolic link, another clone and
# another copy are the same migrations. Staging keys nothing on where the
# directory was read from: the staged locations are relative to the migration
# directory, and the same checksum staged again is never a conflict. Each read
# migrates a shard created since the last one, and nothing runs twice.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

# repo/mig includes files with \i (relative to the directory), \ir (relative to
# the including file) and \ir out of the directory, into repo/shared.
REPO=$WORK/repo
mkdir -p "$REPO/mig/inc" "$REPO/shared"
printf 'CREATE TABLE users (id int);\n' >"$REPO/mig/inc/users.sql"
printf 'ALTER TABLE users ADD COLUMN name text;\n\\ir ../../shared/note.sql\n' >"$REPO/mig/inc/name.sql"
printf "COMMENT ON TABLE users IS 'shared';\n" >"$REPO/shared/note.sql"
printf 'SELECT 1;\n\\i inc/users.sql\n' >"$REPO/mig/20250101000001.users.sh.up.sql"
printf 'DROP TABLE users;\n' >"$REPO/mig/20250101000001.users.sh.dn.sql"
printf '\\ir inc/name.sql\n' >"$REPO/mig/20250101000002.name.sh.up.sql"
printf 'ALTER TABLE users DROP COLUMN name;\n' >"$REPO/mig/20250101000002.name.sh.dn.sql"
HEAD=20250101000002.name.sh
git -C "$REPO" init -q && git -C "$REPO" add -A &&
  git -C "$REPO" -c user.name=t -c user.email=t@t commit -qm migrations || { echo "not ok - git"; exit 1; }

fleet_create checkouts 2

# Over the fleet: schemas at the head, and (schema, version) pairs applied more than once.
at_head() { count_at checkouts "$HEAD"; }
reruns() {
  sum_all checkouts "SELECT count(*) FROM (SELECT schema, version FROM shoal.event
                      WHERE action = 'apply' GROUP BY 1, 2 HAVING count(*) > 1) twice"
}

cd "$WORK"
run_shoal checkouts repo/mig apply
is "$RC" 0 "applied from a relative path"
is "$(at_head)" 6 "every shard is at the head"
is "$(q node1 checkouts "SELECT obj_description('sh0000.users'::regclass)")" shared "the file included out of the directory ran"
is "$(q node1 checkouts "SELECT string_agg(l, ' ' ORDER BY l) FROM shoal.script, unnest(locations) l")" \
  "../shared/note.sql:1 20250101000001.users.sh.up.sql:1 inc/name.sql:1 inc/users.sql:1" \
  "staged locations are relative to the migration directory, whatever path was typed"

# Each way of reading the same directory gets a new shard on node1 to migrate.
ln -s "$REPO" "$WORK/link"
git clone -q "$REPO" "$WORK/clone"
mkdir "$WORK/elsewhere" && cp -r "$REPO" "$WORK/elsewhere/copy"
shard=100
for migdir in "$REPO/mig" "$WORK/link/mig" "$WORK/clone/mig" "$WORK/elsewhere/copy/mig"; do
  q node1 checkouts "CREATE SCHEMA sh0$shard" >/dev/null
  run_shoal checkouts "$migdir" apply
  is "$RC" 0 "applied from $migdir"
  is "$(stamp_of node1 checkouts "sh0$shard")" "20250101000001.users.sh,$HEAD" "its new shard got every version"
  shard=$((shard + 1))
done
is "$(at_head)" 10 "every shard is at the head"
is "$(reruns)" 0 "no version ran twice on any schema"
is "$(sum_all checkouts "SELECT count(*) FROM shoal.script, unnest(locations) l WHERE l LIKE '%$WORK%' OR l LIKE '%mig/%'")" 0 \
  "no staged location holds a path it was read from"

# Scripts staged by an older shoal, with the path as typed, are the same
# checksums: kept as they are, never a conflict.
old_locations="SELECT count(*) FROM shoal.script, unnest(locations) l WHERE l LIKE 'repo/mig/%'"
q_all checkouts "UPDATE shoal.script SET locations = ARRAY(SELECT 'repo/mig/' || l FROM unnest(locations) l)" >/dev/null
q node1 checkouts "CREATE SCHEMA sh0$shard" >/dev/null
run_shoal checkouts "$WORK/clone/mig" apply
is "$RC" 0 "applied over scripts an older shoal staged from another path"
is "$(stamp_of node1 checkouts "sh0$shard")" "20250101000001.users.sh,$HEAD" "its new shard got every version"
is "$(q node1 checkouts "$old_locations")" 4 "what was staged stays as it was"

# An undo from inside the repository (another relative path) stages the dn
# scripts; a re-apply from the clone runs the version again.
cd "$REPO"
run_shoal checkouts mig undo "$HEAD"
is "$RC" 0 "undone from the directory itself"
run_shoal checkouts "$WORK/clone/mig" apply
is "$RC" 0 "re-applied from the clone"
is "$(at_head)" 11 "every shard is at the head again"

done_testing
