#!/usr/bin/env bash
# shoal generate and shoal dump attacked as a hostile user would (docs/generate.md):
# 1. a desired schema that tries to leave its sandbox (transaction control,
#    search_path and role changes, psql's shell escape, an include from outside,
#    DO blocks, objects or writes in another schema, statements that cannot run
#    in a transaction) fails naming its file, and nothing changes on any node;
# 2. the same schema directory reached by a relative path, a symlink or a copy
#    generates the same versions, and --check agrees;
# 3. hostile names (quotes, spaces, case, unicode, the scratch schema's and a
#    shard's name) round trip; hostile bytes (BOM, CRLF, invalid UTF-8, NUL) and
#    file names with spaces load or fail naming the file and line;
# 4. two generate runs into one migration directory at once: one wins, the
#    other says why, the chain stays whole;
# 5. a role with fewer rights gets a clear error and leaves nothing behind;
# 6. a frozen node stops generate within a bound, named, with nothing written;
# 7. partitions with storage parameters of their own: corpus cases 27-29
#    (create, alter, drop), golden, applied, verified, undone; a partition's
#    column with options of its own (not modelled) blocks by name;
# 8. a directory whose newest version is in the future, a version file in the
#    way of the generated name, and bad names: a clear error, nothing written.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/generate_lib.sh"
cluster_start
CORPUS=$CLUSTER_ROOT/test/generate
WORK=$(mktemp -d)
trap 'thaw; open_gate "$DB" 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
base_fleet generate_adversary
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "the base applies"
run_shoal "$DB" "$MIG" dump --out "$WORK/head"
is "$RC" 0 "the head is dumped"

# Everything a desired schema could have changed on a node, over the fleet:
# the schemas, every schema's structure, tables named leak, sequences' values.
fleet_state() {
  q_all "$DB" "SELECT (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace),
    (SELECT string_agg(f.schema || '=' || f.fingerprint, ',' ORDER BY f.schema)
       FROM shoal.schema_fingerprints(ARRAY(SELECT nspname::text FROM pg_namespace
                                            WHERE nspname !~ '^pg_' AND nspname <> 'information_schema')) f),
    (SELECT count(*) FROM pg_class WHERE relname = 'leak'),
    (SELECT string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value, 0), ','
                       ORDER BY 1) FROM pg_sequences)"
}
hostile() {  # NAME SQL → $WORK/NAME: the head's files and 99_hostile.sql holding SQL
  rm -rf "${WORK:?}/$1"
  cp -r "$WORK/head" "$WORK/$1"
  printf '%s\n' "$2" >"$WORK/$1/99_hostile.sql"
}
written() {  # → the number of version files generate wrote into $MIG
  ls "$MIG" | grep -c '\.sql$' | awk '{ print $1 - 2 }'
}

echo "# 1. a desired schema that tries to leave its sandbox"
BEFORE=$(fleet_state)
echo 'CREATE TABLE public.leak (x int);' >"$WORK/outside.sql"
refused() {  # NAME SQL REGEX: generate from the head plus SQL fails naming 99_hostile.sql
  hostile "$1" "$2"
  gen "$WORK/$1" "$1@sh"
  is "$RC" 3 "$1: generate exits 3"
  like "$OUT" "$3" "$1: naming the file and why"
}
refused commit "COMMIT;
CREATE TABLE public.leak (x int);" "99_hostile\.sql:1: transaction control"
refused rollback "ROLLBACK;
CREATE TABLE public.leak (x int);" "99_hostile\.sql:1: transaction control"
refused end "END;
DROP SCHEMA sh0000 CASCADE;" "99_hostile\.sql:1: transaction control"
refused commit-begin "COMMIT;
BEGIN;
CREATE TABLE public.leak (x int);" "99_hostile\.sql: .*table public\.leak"
refused search-path "SET search_path = sh0000;" "99_hostile\.sql:1: .*sets search_path"
refused set-config "SELECT set_config('search_path', 'sh0000', true);
CREATE TABLE leak (x int);" "99_hostile\.sql: .*sh0000\.leak"
refused set-role "SET ROLE nobody;" "99_hostile\.sql:1: .*not allowed"
refused session-authorization "SET SESSION AUTHORIZATION nobody;" "99_hostile\.sql:1: .*not allowed"
refused shell "\\! touch $WORK/touched" "99_hostile\.sql:1: .*not supported"
is "$(ls "$WORK/touched" 2>&1 >/dev/null | grep -c 'No such file')" 1 "shell: no command ran"
refused include-outside "\\i ../outside.sql" "99_hostile\.sql: .*table public\.leak"
refused do-execute "DO \$\$ BEGIN EXECUTE 'CREATE TABLE sh0000.leak (x int)'; END \$\$;" \
  "99_hostile\.sql: .*sh0000\.leak"
refused shard-table "CREATE TABLE sh0000.leak (x int);" "99_hostile\.sql: .*sh0000\.leak"
refused drop-shard "DROP SCHEMA sh0000 CASCADE;" "99_hostile\.sql: .*(dropped|sh0000)"
refused alter-shard "ALTER TABLE sh0000.users ADD COLUMN leak int;" "99_hostile\.sql: .*sh0000\.users"
refused write-shard "UPDATE sh0000.users SET name = 'leak';" "99_hostile\.sql: .*sh0000\.users"
refused function-outside "CREATE FUNCTION public.leak() RETURNS int LANGUAGE sql AS 'SELECT 1';" \
  "99_hostile\.sql: .*function public\.leak\(\)"
refused extension "CREATE EXTENSION btree_gist SCHEMA public;" "99_hostile\.sql: .*extension btree_gist"
refused vacuum "VACUUM users;" "99_hostile\.sql:1: .*cannot run in the transaction"
refused concurrently "CREATE INDEX CONCURRENTLY users_name ON users (name);" \
  "99_hostile\.sql:1: .*without CONCURRENTLY"
refused listen "LISTEN leak;" "99_hostile\.sql:1: .*not allowed"
hostile notify "NOTIFY leak;"
gen "$WORK/notify" notify@sh
is "$RC" 0 "notify: a NOTIFY ends with the transaction"
like "$OUT" "^No changes: " "notify: and changes nothing"
is "$(fleet_state)" "$BEFORE" "nothing changed on any node: schemas, structures, sequences, no leak"
is "$(written)" 0 "nothing was written into the migration directory"
q_all "$DB" "CREATE TABLE public.accounts (id int PRIMARY KEY)"
hostile legit "CREATE TABLE refs (id int REFERENCES public.accounts (id), note text);
ALTER TABLE refs ALTER COLUMN note TYPE varchar(100);"
gen "$WORK/legit" legit@sh --check
is "$RC" 6 "a foreign key to public's table and a rewrite in the schema stay inside it"
like "$OUT" "^  create table refs$" "and are planned"
refused nextval "SELECT nextval('sh0000.users_id_seq');" "99_hostile\.sql: .*sh0000\.users_id_seq"

echo "# 2. one schema directory, reached from other paths"
for how in absolute relative symlink clone; do cp -r "$MIG" "$WORK/mig-$how"; done
cp -r "$CORPUS/21_renames_create/schema" "$WORK/desired"
ln -s "$WORK/desired" "$WORK/desired-link"
cp -r "$WORK/desired" "$WORK/desired-clone"
from() {  # HOW DIR: generate into $WORK/mig-HOW, from $WORK
  OUT=$(cd "$WORK" && "$SHOAL" generate paths@sh --schema-dir "$2" --migdir "mig-$1" \
    --hosts "$(hosts "$DB")" --user postgres 2>&1)
  RC=$?
}
generated() {  # HOW → the bodies of the versions generated into $WORK/mig-HOW, in order
  local file
  for file in $(ls "$WORK/mig-$1"/*.sql | grep -v '/20250101000000\.'); do cat "$file"; done
}
from absolute "$WORK/desired"
is "$RC" 0 "an absolute path generates"
from relative desired
is "$RC" 0 "a relative path generates"
from symlink desired-link/
is "$RC" 0 "a symlink generates"
from clone "$WORK/desired-clone"
is "$RC" 0 "a copy generates"
is "$(generated relative)" "$(generated absolute)" "the same versions from a relative path"
is "$(generated symlink)" "$(generated absolute)" "the same versions through a symlink"
is "$(generated clone)" "$(generated absolute)" "the same versions from a copy"
for dir in "$WORK/desired" desired desired-link "$WORK/desired-clone"; do
  OUT=$(cd "$WORK" && "$SHOAL" generate paths@sh --check --schema-dir "$dir" --migdir "$MIG" \
    --hosts "$(hosts "$DB")" --user postgres 2>&1)
  is "$?" 6 "--check from $dir finds the same difference"
done

echo "# 3. hostile names and bytes"
NAMES_BEFORE=$(fingerprint node1 sh0000)
hostile names 'CREATE TABLE "Weird ""Quoted"" Table" (
    "Col Space" int PRIMARY KEY,
    "ÜnïCödé" text,
    "UPPER" text DEFAULT '"'it''s'"'
);
CREATE INDEX "idx ""q"" é" ON "Weird ""Quoted"" Table" ("ÜnïCödé");
CREATE TABLE "Sh0000" (id int REFERENCES "Weird ""Quoted"" Table");
COMMENT ON TABLE "Sh0000" IS '"'ON sh0000. shoal_generate_desired.'"';'
gen "$WORK/names" names@sh
is "$RC" 0 "names: generate exits 0"
[ "$RC" = 0 ] || sed 's/^/#   /' <<<"$OUT"
mapfile -t VERSIONS < <(new_versions)
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "names: the versions apply"
run_shoal "$DB" "$MIG" verify
is "$RC" 0 "names: verify is clean"
gen "$WORK/names" names@sh --check
is "$RC" 0 "names: generate --check finds no changes"
is "$(q node2 "$DB" "SELECT count(*) FROM pg_class WHERE relnamespace = 'sh0001'::regnamespace
      AND relname IN ('Weird \"Quoted\" Table', 'idx \"q\" é', 'Sh0000')")" 3 \
  "names: each object has its name on every shard"
run_shoal "$DB" "$MIG" dump --out "$WORK/names-dump"
is "$RC" 0 "names: dump exits 0"
gen "$WORK/names-dump" names@sh --check
is "$RC" 0 "names: and its dump generates no changes"
for ((k = ${#VERSIONS[@]} - 1; k >= 0; k--)); do run_shoal "$DB" "$MIG" undo "${VERSIONS[$k]}" --yes; done
is "$(fingerprint node1 sh0000)" "$NAMES_BEFORE" "names: undo gives the original fingerprint"
for version in "${VERSIONS[@]}"; do rm "$MIG/$version".*; done
"$SHOAL" chain --migdir "$MIG" >/dev/null

bytes() {  # NAME FILE_NAME PRINTF_FORMAT: the head plus one file of those bytes
  rm -rf "${WORK:?}/$1"
  cp -r "$WORK/head" "$WORK/$1"
  printf "$3" >"$WORK/$1/$2"
  gen "$WORK/$1" "$1@sh"
}
bytes bom 99_bom.sql 'SELECT 1;\n\xef\xbb\xbfCOMMENT ON TABLE users IS NULL;\n'
is "$RC" 3 "a UTF-8 BOM fails (as in psql and pg-mig)"
like "$OUT" "99_bom\.sql:2: syntax error" "naming the file and line"
bytes crlf '99 crlf file.sql' 'COMMENT ON TABLE users\r\n  IS NULL;\r\n'
is "$RC" 0 "a file with CRLF line ends and a space in its name loads"
like "$OUT" "^No changes: " "and means what it says"
bytes invalid 99_invalid.sql 'SELECT 1;\nCOMMENT ON TABLE users IS '"'"'\xff'"'"';\n'
is "$RC" 3 "invalid UTF-8 fails"
like "$OUT" "99_invalid\.sql:2: " "naming the file and line"
bytes nul 99_nul.sql 'SELECT 1;\nSELECT 2;\nCOMMENT ON TABLE users IS '"'"'\x00'"'"';\n'
is "$RC" 3 "a NUL byte fails"
like "$OUT" "99_nul\.sql:3: " "naming the file and line"
is "$(written)" 0 "nothing was written"

echo "# 4. two generate runs into one migration directory at once"
close_gate "$DB" node1
hostile racer "LOCK TABLE public.gate IN ACCESS SHARE MODE;
CREATE INDEX users_name ON users (name);"
start_shoal "$DB" "$MIG" "$WORK/first.out" generate first@sh --schema-dir "$WORK/racer"
FIRST=$SHOAL_PID
_first_waits() { [ "$(waiting_at_gate "$DB")" -ge 1 ]; }
wait_for 60 _first_waits
ok $? "the first run waits inside its transaction"
gen "$WORK/racer" second@sh
is "$RC" 2 "a second run into the same directory is refused at once"
like "$OUT" "another shoal generate is writing into $MIG" "saying why"
open_gate "$DB"
wait "$FIRST"
is "$?" 0 "the first run then writes its versions"
"$SHOAL" chain --check --migdir "$MIG" >/dev/null
is "$?" 0 "chain.txt holds them"
is "$(ls "$MIG" | grep -c '\.second\.')" 0 "and nothing of the second"
run_shoal "$DB" "$MIG" lint
is "$RC" 0 "the directory loads and lints"
rm "$MIG"/*.first.*
"$SHOAL" chain --migdir "$MIG" >/dev/null

echo "# 5. a role with fewer rights"
# weak: what docs/operators.md gives a migrating role, without CREATE on the
# database and owning no shard.
for node in "${NODES[@]}"; do
  q "$node" "$DB" "CREATE ROLE weak LOGIN; GRANT USAGE ON SCHEMA shoal TO weak;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO weak; GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO weak"
done
BEFORE=$(fleet_state)
weak() {  # ARGS…: shoal as weak
  OUT=$("$SHOAL" "$@" --migdir "$MIG" --hosts "$(hosts "$DB")" --user weak 2>&1)
  RC=$?
}
weak dump --out "$WORK/weak-dump"
like "$RC" "^[1-9]" "dump as a role without CREATE on the database fails"
like "$OUT" "permission denied for database $DB" "saying so"
is "$(ls "$WORK/weak-dump" 2>/dev/null | wc -l)" 0 "and writes nothing"
weak generate weak@sh --schema-dir "$CORPUS/21_renames_create/schema"
like "$RC" "^[1-9]" "generate as that role fails"
like "$OUT" "permission denied for database $DB" "saying so"
is "$(fleet_state)" "$BEFORE" "and nothing changed on any node (no scratch schema left)"
is "$(written)" 0 "nothing was written"
for node in "${NODES[@]}"; do q "$node" "$DB" "GRANT CREATE ON DATABASE $DB TO weak"; done
weak generate weak@sh --schema-dir "$CORPUS/21_renames_create/schema" --check
is "$RC" 6 "with CREATE on the database, owning no shard, generate --check reads the shards"
is "$(fleet_state)" "$BEFORE" "and leaves nothing behind"

echo "# 6. a frozen node"
freeze node2
START=$SECONDS
PGCONNECT_TIMEOUT=3 gen "$CORPUS/21_renames_create/schema" frozen@sh  # libpq gives up on the frozen node after 3 s
ELAPSED=$((SECONDS - START))
thaw
like "$RC" "^[1-9]" "generate with a frozen node fails"
like "$OUT" "127\.0\.0\.1:${PORT[node2]}" "naming the node"
ok "$([ "$ELAPSED" -le 120 ]; echo $?)" "within 120 s (took $ELAPSED s)"
is "$(written)" 0 "nothing was written"

echo "# 7. partitions with storage parameters of their own (corpus 27-29)"
DONE=()
run_case 27_partition_storage_create
is "$(q node1 "$DB" "SELECT reloptions FROM pg_class WHERE oid = 'sh0000.metrics_2024'::regclass")" \
  "{fillfactor=70,autovacuum_enabled=false}" "27: the partition's parameters are on the shard"
run_case 28_partition_storage_alter
is "$(q node1 "$DB" "SELECT reloptions FROM pg_class WHERE oid = (SELECT reltoastrelid FROM pg_class
      WHERE oid = 'sh0000.metrics_2026'::regclass)")" "{autovacuum_enabled=false}" \
  "28: a new partition's TOAST parameters are on the shard"
mkdir -p "$WORK/partition-column"
cp "$CORPUS"/28_partition_storage_alter/schema/* "$WORK/partition-column"
echo "ALTER TABLE metrics_2024 ALTER COLUMN payload SET STATISTICS 300;" >>"$WORK/partition-column/20_metrics.sql"
gen "$WORK/partition-column" partition-column@sh
is "$RC" 3 "a partition's column with a statistics target of its own blocks generate"
like "$OUT" "^  column of partition unlike its table's metrics_2024\.payload \(in $WORK/partition-column\)$" \
  "naming it (a partition's columns are its table's: it would be lost)"
run_case 29_partition_storage_drop --allow-hazard drop-table

echo "# 8. names in the way"
FUTURE=20991231000000
printf 'SELECT 1;\n' >"$MIG/$FUTURE.future.sh.up.sql"
printf 'SELECT 1;\n' >"$MIG/$FUTURE.future.sh.dn.sql"
"$SHOAL" chain --migdir "$MIG" >/dev/null
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "a version from the future applies"
printf 'keep me\n' >"$MIG/20991231000060.collide.sh.dn.sql"
gen "$CORPUS/21_renames_create/schema" collide@sh
is "$RC" 2 "a generated name whose file exists is refused"
like "$OUT" "20991231000060\.collide\.sh\.dn\.sql already exists" "naming the file"
is "$(cat "$MIG/20991231000060.collide.sh.dn.sql")" "keep me" "which is left as it was"
is "$(ls "$MIG" | grep -c '^20991231000060\.collide\.sh\.up\.sql$')" 0 "and nothing else written"
rm "$MIG/20991231000060.collide.sh.dn.sql"
gen "$CORPUS/21_renames_create/schema" after-future@sh
is "$RC" 0 "a directory whose newest version is in the future generates"
like "$OUT" "20991231000060\.after-future\.sh\.up\.sql" "named after it, as pg-mig names it"
gen "$CORPUS/21_renames_create/schema" "Bad Name@sh"
is "$RC" 2 "a bad NAME is refused"
gen "$CORPUS/21_renames_create/schema" "x@sh.y"
is "$RC" 2 "a bad PREFIX is refused"

done_testing
