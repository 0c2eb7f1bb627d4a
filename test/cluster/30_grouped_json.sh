#!/usr/bin/env bash
# Issue 18, items 6 and 7. Plan problems are grouped as run errors are: 1 500
# schemas with the same problem are one line with their count and collapsed
# ranges, not 1 500 lines (a version applied but gone from the directory; the
# undo of a version that is not the latest), a hostile schema name shown
# safely in the text and exactly in JSON. With --json every command answers
# with one document in the envelope of docs/json.md, whatever stops it: a
# usage error, a problem in the migration directory, a plan problem; the
# offline commands (list, digest, new, chain) too.
source "$(dirname "$0")/lib.sh"
cluster_start
trap 'pgserver_cleanup; rm -rf "$dir" "$bad"' EXIT
shoal_json() {  # ARGS… → JSON (stdout alone) and RC
  JSON=$("$SHOAL" "$@" --json 2>/dev/null)
  RC=$?
}
V1=20250101000001.users.sh
GONE=20250101000005.gone.sh  # newer than V1, in no directory

dir=$(mktemp -d)
bad=$(mktemp -d)
cp -r "$DIRS/basic"/. "$dir"

# 1 500 schemas, 500 a node in blocks; every stamp has V1 (with a checksum
# that is not its file's: drift), then GONE. One more schema on node1 has a
# name that would forge a line of shoal's output.
hostile=$'sh9999\nSucceeded.'
for k in 0 1 2; do
  q "${NODES[$k]}" postgres "CREATE DATABASE grp" >/dev/null
  q "${NODES[$k]}" grp "CREATE EXTENSION shoal;
    DO \$\$ DECLARE s text; BEGIN
      FOR i IN $((k * 500))..$((k * 500 + 499)) LOOP
        s := 'sh' || lpad(i::text, 4, '0');
        EXECUTE format('CREATE SCHEMA %I', s);
        PERFORM shoal.mig_mark(s, '$V1', 'x');
        PERFORM shoal.mig_mark(s, '$GONE', 'x');
      END LOOP;
    END \$\$;" >/dev/null
done
q node1 grp "CREATE SCHEMA \"$hostile\"; SELECT shoal.mig_mark('$hostile', '$V1', 'x'), shoal.mig_mark('$hostile', '$GONE', 'x')" >/dev/null
N1=127.0.0.1:${PORT[node1]}

echo "# 1 501 schemas with the same two plan problems: two lines"
run_shoal grp "$dir" apply
is "$RC" 3 "apply refuses: exit 3"
is "$(grep -c '^error: ' <<<"$OUT")" 2 "two error lines, not 3 002"
like "$OUT" "^error: $V1: checksum drift: .* — 1501 schemas: " "the drift, with its count"
gone=$(grep "^error: $GONE: version $GONE is applied, but it is not in .* — 1501 schemas: .*; HINT: rebase" <<<"$OUT")
is "$(wc -l <<<"$gone")" 1 "the version gone from the directory, with its count and its hint"
for where in "$N1:sh0000-0499" "127.0.0.1:${PORT[node2]}:sh0500-0999" "127.0.0.1:${PORT[node3]}:sh1000-1499" \
  "$N1:\"sh9999\\nSucceeded.\""; do
  is "$(grep -cF -- "$where" <<<"$gone")" 1 "collapsed: $where"
done
is "$(grep -c '^Succeeded' <<<"$OUT")" 0 "no name forges a line"

shoal_json apply --migdir "$dir" --hosts "$(hosts grp)" --user postgres
is "$RC" 3 "apply --json: exit 3"
is "$(json_shape envelope "$JSON")" "" "the plan problems are one document in the envelope"
is "$(json_eval 'd["exit_code"], [(e["version"], e["schemas"]) for e in d["errors"]]' "$JSON")" \
  "(3, [('$V1', 1501), ('$GONE', 1501)])" "one error object per problem, with its count"
is "$(json_eval "'$N1:' + '''$hostile''' in d['errors'][1]['where']" "$JSON")" True "the hostile name is in it exactly"

echo "# the undo of a version that is not the latest, on 1 501 schemas"
run_shoal grp "$dir" undo "$V1"
is "$RC" 3 "undo refuses: exit 3"
is "$(grep -c '^error: ' <<<"$OUT")" 1 "one error line"
like "$OUT" "^error: $V1: only the latest version can be undone, .* — 1501 schemas: " "grouped with its count"
shoal_json undo "$V1" --migdir "$dir" --hosts "$(hosts grp)" --user postgres
is "$(json_eval 'd["command"], d["exit_code"], d["errors"][0]["schemas"]' "$JSON")" "('undo', 3, 1501)" "undo --json says the same"

echo "# status groups the same problems per node"
run_shoal grp "$dir" status
is "$(grep -c "problem: " <<<"$OUT")" 6 "two problem lines per node"
shoal_json status --migdir "$dir" --hosts "$(hosts grp)" --user postgres
is "$(json_shape status "$JSON")" "" "status --json has its documented shape"
is "$(json_eval '[n["problems"][0]["schemas"] for n in d["nodes"]]' "$JSON")" "[501, 500, 500]" "its problems are error objects"

echo "# usage errors"
shoal_json aply
is "$RC/$(json_eval 'd["command"], d["exit_code"], d["errors"][0]["message"]' "$JSON")" \
  "2/(None, 2, 'unknown command \"aply\" (did you mean \`apply\`?); shoal help lists them')" "an unknown command: command null"
is "$(json_shape envelope "$JSON")" "" "in the envelope"
shoal_json status --bogus --migdir "$dir"
is "$RC/$(json_eval 'd["command"], d["exit_code"], len(d["errors"])' "$JSON")" "2/('status', 2, 1)" \
  "an unknown option of a known command"
JSON=$("$SHOAL" list --migdir "$dir" -- --json 2>/dev/null)
is "$JSON" "" "a --json after -- is not the option"

echo "# problems in the migration directory, offline and online"
printf 'SELECT 1;\n\\! rm -rf /\n' >"$bad/20250101000001.x.sh.up.sql"
printf '' >"$bad/20250101000001.x.sh.dn.sql"
for args in "list" "apply --hosts $(hosts grp) --user postgres"; do
  shoal_json $args --migdir "$bad"
  command=${args%% *}
  is "$RC/$(json_eval 'd["command"], d["exit_code"], d["errors"][0]["file"].endswith("x.sh.up.sql"), d["errors"][0]["line"]' "$JSON")" \
    "3/('$command', 3, True, 2)" "$command --json: exit 3, the problem with its file and line"
done

echo "# the offline commands"
for command in list digest chain; do
  shoal_json "$command" --migdir "$dir"
  is "$RC/$(json_shape "$command" "$JSON")" "0/" "$command --json"
done
is "$(json_eval 'd["versions"][0]' "$("$SHOAL" list --json --migdir "$dir")")" "20250101000000.settings.public" \
  "list names the versions"
shoal_json version
is "$RC/$(json_shape version "$JSON")" "0/" "version --json"
shoal_json help status
is "$RC/$(json_eval 'd["command"], "shoal status" in d["text"]' "$JSON")" "0/('help', True)" "help --json"
shoal_json new add-email@sh --migdir "$dir"
is "$RC/$(json_shape new "$JSON")" "0/" "new --json"
is "$(json_eval 'd["written"][-1].endswith("chain.txt"), len(d["written"])' "$JSON")" "(True, 3)" "names the two files and chain.txt"
shoal_json new Bad@sh --migdir "$dir"
is "$RC/$(json_eval 'd["version"], d["errors"][0]["message"].startswith("NAME must be")' "$JSON")" "2/(None, True)" \
  "a refused name: version null, the reason an error"

done_testing
