#!/usr/bin/env bash
# Every --json document has the shape docs/json.md gives (issue 17): each
# command runs once and its document is compared with the documented example
# (keys, their order, JSON types). Bytes that are not UTF-8 (a SQL_ASCII
# database's schema names and messages) still make a document that parses.
# What migrations RAISE as WARNING or NOTICE is reported, grouped by message
# like errors, in the text summary and in --json, instead of being dropped.
source "$(dirname "$0")/lib.sh"
cluster_start
trap 'pgserver_cleanup; rm -rf "$dir"' EXIT
json_of() {  # DB MIGDIR ARGS… → stdout only
  local db=$1 migdir=$2
  shift 2
  "$SHOAL" "$@" --json --migdir "$migdir" --hosts "$(hosts "$db")" --user postgres 2>/dev/null
}

dir=$(mktemp -d)
cp -r "$DIRS/basic"/. "$dir"
# Even-numbered schemas warn, the others notice; sh0005 then fails, and so
# does a schema whose name is sh0007 and one more byte.
cat >"$dir/20250101000008.notices.sh.up.sql" <<'SQL'
DO $$ BEGIN
  IF right(current_schema(), 1) IN ('0', '2', '4', '6', '8') THEN RAISE WARNING 'big table'; ELSE RAISE NOTICE 'small table'; END IF;
END $$;
SQL
printf '' >"$dir/20250101000008.notices.sh.dn.sql"
cat >"$dir/20250101000009.fails.sh.up.sql" <<'SQL'
DO $$ BEGIN IF current_schema() = 'sh0005' OR current_schema() LIKE 'sh0007_%' THEN RAISE EXCEPTION 'failed in %', current_schema() USING HINT = 'empty the table first', ERRCODE = 'SH999'; END IF; END $$;
SQL
printf '' >"$dir/20250101000009.fails.sh.dn.sql"

echo "# each document has its documented shape"
fleet_create js 2
json=$(json_of js "$dir" apply --dry-run)
is "$(json_shape dry-run "$json")" "" "apply --dry-run --json"
json=$(json_of js "$dir" apply)
is "$(json_shape apply "$json")" "" "apply --json"
is "$(json_eval 'd["exit_code"], d["failed"], len(d["errors"])' "$json")" "(1, 1, 1)" "one schema failed"
is "$(json_eval '[(e["hint"], e["sqlstate"], e["schemas"]) for e in d["errors"]]' "$json")" "[('empty the table first', 'SH999', 1)]" \
  "its RAISE … HINT and SQLSTATE are kept, grouped"
is "$(json_eval 'd["cancelled"], d["halted"], d["digest"], d["schema_errors"][0]["detail"]' "$json")" "(None, None, None, None)" \
  "null, not \"\", where there is nothing"
is "$(json_eval 'sorted((n["schema"], n["severity"], n["message"]) for n in d["notices"])' "$json")" \
  "[('sh0000', 'WARNING', 'big table'), ('sh0001', 'NOTICE', 'small table'), ('sh0002', 'WARNING', 'big table'), ('sh0003', 'NOTICE', 'small table'), ('sh0004', 'WARNING', 'big table'), ('sh0005', 'NOTICE', 'small table')]" \
  "every schema's notice is kept, with its severity, and nothing else is"
is "$(json_eval '[(g["version"], g["message"], g["schemas"]) for g in d["grouped_notices"]]' "$json")" \
  "[('20250101000008.notices.sh', 'NOTICE: small table', 3), ('20250101000008.notices.sh', 'WARNING: big table', 3)]" \
  "grouped by version, severity and message, as errors are"
json=$(json_of js "$dir" status)
is "$(json_shape status "$json")" "" "status --json"
like "$(json_eval 'd["nodes"][0]["last_run"]' "$json")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' \
  "last_run is ISO 8601 in UTC"
json=$(json_of js "$dir" check)
is "$(json_shape check "$json")" "" "check --json"
json=$(json_of js "$dir" verify)
is "$(json_shape verify "$json")" "" "verify --json"
json=$(json_of js "$dir" lint)
is "$(json_shape lint "$json")" "" "lint --json"
json=$(json_of js "$dir" lint --trace)
is "$(json_shape lint-trace "$json")" "" "lint --trace --json"
is "$(json_eval 'd["trace"][0]["state"], d["trace"][0]["statements"][0]["error"] is not None' "$json")" "('failed', True)" \
  "the trace ran the failing version on its canary"

echo "# the text summary groups notices like errors"
fleet_create jt 2
run_shoal jt "$dir" apply
is "$RC" 1 "sh0005 fails"
like "$OUT" '^  20250101000009\.fails\.sh: failed in sh0005 at 20250101000009\.fails\.sh\.up\.sql:1 — 1 schema: .*; HINT: empty the table first$' \
  "errors are grouped as before, with their hint"
is "$(grep -A2 '^notices:' <<<"$OUT" | tail -2 | cut -d: -f1-2 | sort)" \
  "  20250101000008.notices.sh: NOTICE
  20250101000008.notices.sh: WARNING" "then a notices section"
is "$(grep -c '^  20250101000008.notices.sh: \(WARNING: big table\|NOTICE: small table\) — 3 schemas: ' <<<"$OUT")" 2 \
  "one line per message"

echo "# bytes that are not UTF-8"
for node in "${NODES[@]}"; do
  q "$node" postgres "CREATE DATABASE jsa ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
  q "$node" jsa "CREATE EXTENSION shoal" >/dev/null
done
PGCLIENTENCODING=SQL_ASCII q node1 jsa "CREATE SCHEMA sh0005; CREATE SCHEMA \"sh0007$(printf '\xff')\"" >/dev/null
json=$(json_of jsa "$dir" apply)
is "$(json_eval 'sorted(e["schema"] for e in d["schema_errors"]) == ["sh0005", "sh0007\ufffd"]' "$json")" "True" \
  "apply --json parses: a name's invalid byte is U+FFFD"
is "$(json_eval 'sorted(e["message"].split(" at ")[0] for e in d["schema_errors"]) == ["failed in sh0005", "failed in sh0007\ufffd"]' "$json")" \
  "True" "and so is a server message's"
is "$(json_eval 'sorted(w for e in d["errors"] for w in e["where"])[1].endswith(":sh0007\ufffd")' "$json")" "True" \
  "and the grouped errors' schemas"
json=$(json_of jsa "$dir" status)
is "$(json_eval "d[\"nodes\"][0][\"failed_schemas\"] == [\"sh0005\", \"sh0007\\ufffd\"]" "$json")" "True" "status --json parses"

done_testing
