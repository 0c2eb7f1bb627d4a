#!/usr/bin/env bash
# Schema names are printed escaped (issue 14, item 12): anyone who can create a
# schema chooses its name, and a name holding a newline or a terminal escape
# that matches a prefix must not forge a line of shoal's output (plan, progress
# notes, grouped errors and the server messages in them, status). JSON carries
# the name exactly, escaped by JSON.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
trap 'pgserver_cleanup; rm -rf "$dir"' EXIT

fleet_create names 1
q node1 names "DO \$\$ BEGIN
  EXECUTE format('CREATE SCHEMA %I', E'sh0901\nSucceeded.');
  EXECUTE format('CREATE SCHEMA %I', E'sh0902\x1b[1A\x1b[2K\rSucceeded.');
END \$\$" >/dev/null
dir=$(mktemp -d)
cp -r "$BASIC"/. "$dir"
# The error message itself quotes the schema's name, as many server messages do.
printf 'DO $$ BEGIN RAISE EXCEPTION '"'"'failed in %%'"'"', current_schema(); END $$;\n' \
  >"$dir/20250101000009.fails.sh.up.sql"
printf '' >"$dir/20250101000009.fails.sh.dn.sql"

no_forgery() {  # WHAT: the output in OUT has no line of shoal's own words made by a name
  local forged escapes
  forged=$(grep -c '^Succeeded' <<<"$OUT")
  escapes=$(tr -cd '\033\r' <<<"$OUT" | wc -c)
  is "$forged/$escapes" "0/0" "$1: no forged line, no raw escape or carriage return"
}

run_shoal names "$dir" apply --dry-run
is "$RC" 0 "the plan is printed"
no_forgery "the plan"
like "$OUT" '"sh0901\\nSucceeded\."' "a newline in a name shows as \\n, the name quoted"
like "$OUT" '"sh0902\\x1b\[1A\\x1b\[2K\\rSucceeded\."' "an escape sequence shows as \\x1b"

run_shoal names "$dir" apply
is "$RC" 1 "the failing version fails on every schema"
no_forgery "progress notes and grouped errors"
like "$OUT" 'failed in sh0901\\nSucceeded\. .*:"sh0901\\nSucceeded\."' \
  "the grouped error, and the message quoting the name, show it escaped"

run_shoal names "$dir" status
no_forgery "status"
like "$OUT" '"sh0901\\nSucceeded\."' "status lists the failed schema escaped"

json=$("$SHOAL" apply --json --migdir "$dir" --hosts "$(hosts names)" --user postgres 2>/dev/null)
is "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(sorted(e["schema"] for e in d["schema_errors"] if e["schema"].startswith("sh09")) == ["sh0901\nSucceeded.", "sh0902\x1b[1A\x1b[2K\rSucceeded."])
' "$json")" "True" "JSON carries the names exactly (JSON escapes them)"
is "$(tr -cd '\033\r\n' <<<"$json" | wc -c)" 1 "the JSON document is one line with no raw control character"

done_testing
