#!/usr/bin/env bash
# The rerun fingerprint is pg-mig's, exactly (issue 16, item 5): what decides
# whether before.sql and after.sql run again when nothing is pending. pg-mig's
# value is computed here in SQL from its own definition (Dest.ts
# buildRerunFingerprint: the schemas of its loadSchemas() query joined by ",",
# then ",hash=" and the sha256 of the bytes of before.sql and after.sql joined by
# "\n"), so a run of either tool leaves the other with nothing to rerun. The
# before.sql here includes a file (\ir): pg-mig hashes the file as it is, not
# what it includes. A debug_ schema is one pg-mig leaves out; the extension's
# own schema is one it counts.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

dir=$WORK/mig
cp -r "$DIRS/basic" "$dir"
printf 'INSERT INTO public.script_runs VALUES (%s);\n\\ir before.inc\n' "'before'" >"$dir/before.sql"
printf 'SELECT 1;\n' >"$dir/before.inc"
printf 'INSERT INTO public.script_runs VALUES (%s);\n' "'after'" >"$dir/after.sql"

hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# pg-mig's fingerprint for NODE, in SQL, from pg_namespace and the files' bytes.
pgmig_fingerprint() {  # NODE
  local hash_hex
  hash_hex="$(hex_of "$dir/before.sql")0a$(hex_of "$dir/after.sql")"
  q "$1" fp "SELECT coalesce(string_agg(nspname, ',' ORDER BY nspname) || ',', '')
                    || 'hash=' || encode(sha256(decode('$hash_hex', 'hex')), 'hex')
               FROM pg_namespace
              WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT LIKE 'information_schema'
                AND nspname NOT LIKE 'debug\\_%'"
}

# What pg-mig's saveRerunFingerprint leaves on every node.
pgmig_saves_fingerprint() {
  local node value
  for node in "${NODES[@]}"; do
    value=$(pgmig_fingerprint "$node")
    q "$node" fp "CREATE OR REPLACE FUNCTION public.mig_rerun_fingerprint_const() RETURNS text
      LANGUAGE sql SET search_path FROM CURRENT AS
      \$\$ SELECT '${value//\'/\'\'}'; \$\$;" >/dev/null
  done
}

runs() { sum_all fp "SELECT count(*) FROM public.script_runs"; }

fleet_create fp 2
for node in "${NODES[@]}"; do
  q "$node" fp "CREATE TABLE public.script_runs (file text); CREATE SCHEMA debug_session" >/dev/null
done
run_shoal fp "$dir" apply
is "$RC" 0 "the first apply runs"
is "$(runs)" 6 "before.sql and after.sql ran once on each node"

echo "# pg-mig ran last: shoal has nothing to rerun"
pgmig_saves_fingerprint
run_shoal fp "$dir" apply --dry-run
is "$RC" 0 "a dry run exits 0"
like "$OUT" "before\.sql, after\.sql: skipped" "a dry run says before.sql and after.sql would be skipped"
run_shoal fp "$dir" apply
is "$RC" 0 "apply exits 0"
like "$OUT" "nothing to do" "nothing to do"
is "$(runs)" 6 "neither before.sql nor after.sql ran"

echo "# shoal ran last: it leaves what pg-mig would"
run_shoal fp "$dir" apply --force
is "$(runs)" 12 "--force runs both"
for node in "${NODES[@]}"; do
  is "$(q "$node" fp "SELECT public.mig_rerun_fingerprint_const()")" "$(pgmig_fingerprint "$node")" \
    "$node: the stored fingerprint is pg-mig's"
done

echo "# a schema pg-mig leaves out changes nothing; one it counts reruns both"
q node2 fp "CREATE SCHEMA debug_more" >/dev/null
run_shoal fp "$dir" apply
like "$OUT" "nothing to do" "a new debug_ schema: nothing to do"
is "$(runs)" 12 "and nothing ran"
q node2 fp "CREATE SCHEMA reports" >/dev/null
run_shoal fp "$dir" apply --dry-run
like "$OUT" "before\.sql, after\.sql: would run .*$(printf '127.0.0.1:%s' "${PORT[node2]}")" \
  "a dry run says both would run, naming the node whose fingerprint differs"
is "$(runs)" 12 "the dry run ran nothing"
json=$("$SHOAL" apply --dry-run --json --migdir "$dir" --hosts "$(hosts fp)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["before_after"]; print(d["run"], d["files"])' "$json")" \
  "True ['before.sql', 'after.sql']" "--dry-run --json says so too"
run_shoal fp "$dir" apply
is "$RC" 0 "apply exits 0"
is "$(runs)" 18 "a new schema: both ran on every node"
is "$(q node2 fp "SELECT public.mig_rerun_fingerprint_const()")" "$(pgmig_fingerprint node2)" \
  "and the new fingerprint is pg-mig's"

echo "# a changed after.sql reruns both; a changed include does not (pg-mig hashes the file itself)"
printf -- '-- what pg-mig hashes changed\n' >>"$dir/after.sql"
json=$("$SHOAL" apply --dry-run --json --migdir "$dir" --hosts "$(hosts fp)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["before_after"]["run"])' "$json")" "True" \
  "a dry run says both would run"
run_shoal fp "$dir" apply
is "$(runs)" 24 "after.sql changed: both ran on every node"
printf 'SELECT 2;\n' >"$dir/before.inc"
json=$("$SHOAL" apply --dry-run --json --migdir "$dir" --hosts "$(hosts fp)" --user postgres 2>/dev/null)
is "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["before_after"]["run"])' "$json")" "False" \
  "an included file changed: a dry run says they would be skipped"
run_shoal fp "$dir" apply
is "$(runs)" 24 "and apply skips them, as pg-mig would"

done_testing
