#!/usr/bin/env bash
# What shoal refuses before it connects anywhere (issue 14, items 4, 5, 6, 10):
# statements that would take a version out of its schema, bytes that would
# shorten a version (NUL, invalid UTF-8), symbolic links that point nowhere, and
# node specs whose password must not be echoed. Every refusal is exit 3 (or 2
# for configuration) with file:line, and nothing is contacted: the hosts given
# are a closed loopback port. Starts no server.
source "$(dirname "$0")/lib.sh"
BASIC=$DIRS/basic
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
NOWHERE=127.0.0.1:1/nowhere  # nothing listens: a run that tried to connect would exit 5

fresh_dir() {  # NAME → a copy of the basic directory
  rm -rf "${work:?}/$1"
  cp -r "$BASIC" "$work/$1"
  echo "$work/$1"
}

echo "# item 4: a version cannot leave its schema"
dir=$(fresh_dir reset)
printf 'RESET ALL;\nCREATE TABLE x (id bigint);\n' >"$dir/20250101000009.escape.sh.up.sql"
printf 'DROP TABLE x;\n' >"$dir/20250101000009.escape.sh.dn.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "RESET ALL in a version is a load error, exit 3"
like "$OUT" "20250101000009\.escape\.sh\.up\.sql:1: \"RESET ALL\" is not allowed" "it names file:line and the statement"
like "$OUT" "search_path set to that schema" "and says why"
OUT=$("$SHOAL" lint --migdir "$dir" 2>&1)
is "$?" 3 "shoal lint fails on it too"
like "$OUT" "escape\.sh\.up\.sql:1: .*RESET ALL" "and names file:line"
printf 'SELECT 1;\n' >"$dir/20250101000009.escape.sh.up.sql"
printf 'SELECT 1;\nSET ROLE postgres;\nDROP TABLE x;\n' >"$dir/20250101000009.escape.sh.dn.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "SET ROLE in an undo file is a load error"
like "$OUT" "escape\.sh\.dn\.sql:2: \"SET ROLE postgres\" is not allowed" "with its file:line"
dir=$(fresh_dir before_role)
printf 'SET search_path = public;\nSET SESSION AUTHORIZATION postgres;\n' >"$dir/before.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "SET SESSION AUTHORIZATION in before.sql is a load error"
like "$OUT" "before\.sql:2: .*control connection" "search_path is allowed there, the role change is not"

echo "# item 5: input that silently shortens a version"
dir=$(fresh_dir nul)
printf 'CREATE TABLE a (id bigint);\n-- a comment \0 with a NUL\nCREATE TABLE b (id bigint);\n' \
  >"$dir/20250101000009.nul.sh.up.sql"
printf '' >"$dir/20250101000009.nul.sh.dn.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "a NUL byte in a comment is a load error, exit 3"
like "$OUT" "20250101000009\.nul\.sh\.up\.sql:2: column 14: .*NUL" "with file:line and column"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 3 "even list refuses the directory"
dir=$(fresh_dir latin1)
printf "\\\\ir lib/names.sql\n" >"$dir/20250101000009.latin1.sh.up.sql"
printf '' >"$dir/20250101000009.latin1.sh.dn.sql"
mkdir "$dir/lib"
printf "SELECT 1;\nINSERT INTO t VALUES ('caf\xe9');\n" >"$dir/lib/names.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "invalid UTF-8 in an included file is a load error"
like "$OUT" "lib/names\.sql:2: column 27: .*not valid UTF-8 \(bytes 0xE9" "naming the included file, line and bytes"

echo "# item 6: symbolic links are followed, or refused by name"
dir=$(fresh_dir links)
mkdir "$work/elsewhere"
printf 'CREATE TABLE linked (id bigint);\n' >"$work/elsewhere/up.sql"
printf 'DROP TABLE linked;\n' >"$work/elsewhere/dn.sql"
ln -s "$work/elsewhere/up.sql" "$dir/20250101000009.linked.sh.up.sql"
ln -s ../elsewhere/dn.sql "$dir/20250101000009.linked.sh.dn.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 0 "a directory whose version files are symbolic links loads"
like "$OUT" "20250101000009\.linked\.sh" "and the linked version is listed"
copy=$(fresh_dir copied)
cp "$work/elsewhere/up.sql" "$copy/20250101000009.linked.sh.up.sql"
cp "$work/elsewhere/dn.sql" "$copy/20250101000009.linked.sh.dn.sql"
is "$("$SHOAL" digest --migdir "$dir")" "$("$SHOAL" digest --migdir "$copy")" \
  "its digest is that of the same files copied in"
rm "$work/elsewhere/up.sql"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 3 "a dangling symbolic link is a load error, exit 3"
like "$OUT" "20250101000009\.linked\.sh\.up\.sql: cannot read file: it is a symbolic link to .*elsewhere/up\.sql, which does not exist" \
  "naming the link and its target"
rm "$dir/20250101000009.linked.sh.up.sql"
ln -s 20250101000009.linked.sh.up.sql "$dir/20250101000009.linked.sh.up.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 3 "a looping symbolic link is a load error"
like "$OUT" "linked\.sh\.up\.sql: cannot read file: it is a symbolic link loop" "naming it"

echo "# item 10: a node spec's password is never printed"
secret='Top/Secret-pw'
check_masked() {  # DESCRIPTION WANT_RC COMMAND…  (runs it, captures stdout and stderr)
  local what=$1 want=$2
  shift 2
  OUT=$("$@" 2>&1)
  is "$?" "$want" "$what: exit $want"
  if grep -q -e "Secret" -e "Top/" <<<"$OUT"; then
    ok 1 "$what: the password is not in the output"
    sed 's/^/#   /' <<<"$OUT"
  else
    ok 0 "$what: the password is not in the output"
  fi
}
check_masked "--hosts" 2 "$SHOAL" status --migdir "$BASIC" --hosts "postgres://app:$secret@127.0.0.1:1/db"
like "$OUT" 'cannot parse "postgres://app:\*\*\*@127\.0\.0\.1:1/db"' "the spec is shown with the password masked"
check_masked "PGHOST" 2 env PGHOST="postgres://app:$secret@127.0.0.1:1/db" "$SHOAL" status --migdir "$BASIC"
# A key=value string is a node (issue 18): this one is down.
check_masked "conninfo in PGHOST" 5 env PGHOST="host=127.0.0.1 port=1 password = $secret" "$SHOAL" status --migdir "$BASIC"
mkdir "$work/ini"
printf 'migdir=%s\nhosts=postgres://app:%s@127.0.0.1:1/db\n' "$BASIC" "$secret" >"$work/ini/shoal.ini"
check_masked "shoal.ini hosts" 2 bash -c "cd '$work/ini' && '$SHOAL' status"
printf 'migdir=%s\npassword %s\n' "$BASIC" "$secret" >"$work/ini/shoal.ini"
check_masked "a malformed shoal.ini line" 2 bash -c "cd '$work/ini' && '$SHOAL' status"
like "$OUT" "shoal\.ini:2: expected key=value" "the line is named, not quoted"
check_masked "an unreachable node" 5 "$SHOAL" status --migdir "$BASIC" --hosts "postgres://app:Top%2FSecret-pw@127.0.0.1:1/db"

done_testing
