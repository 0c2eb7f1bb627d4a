#!/usr/bin/env bash
# Directories pg-mig accepts load in shoal, with pg-mig's meaning (issue 16,
# items 1-4): the CONCURRENTLY form with statements after BEGIN, directive
# values as pg-mig's parseInt reads them and shoal's own directives in a
# spelling pg-mig ignores, orphan undo files, and the names `shoal new` gives.
# Only what the command line shows; the unit tests hold the details. Starts no
# server: `apply` is pointed at a closed port, so exit 5 (not 3) proves the
# directory loaded.
source "$(dirname "$0")/lib.sh"
BASIC=$DIRS/basic
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
NOWHERE=127.0.0.1:1/nowhere

fresh_dir() {  # NAME → a copy of the basic directory
  rm -rf "${work:?}/$1"
  cp -r "$BASIC" "$work/$1"
  echo "$work/$1"
}

echo "# item 1: COMMIT; … CONCURRENTLY …; BEGIN; and statements after it"
dir=$(fresh_dir idiom)
printf -- '-- $parallelism_per_host=2\nCOMMIT;\nDROP INDEX IF EXISTS a_idx;\nCREATE INDEX CONCURRENTLY a_idx ON tbl(a);\nBEGIN;\nALTER TABLE tbl ADD COLUMN z bigint;\n' \
  >"$dir/20990101000000.a-idx.sh.up.sql"
printf 'COMMIT;\nDROP INDEX CONCURRENTLY IF EXISTS a_idx;\nBEGIN;\nALTER TABLE tbl DROP COLUMN z;\n' \
  >"$dir/20990101000000.a-idx.sh.dn.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 0 "pg-mig's form with a statement after BEGIN loads"
like "$OUT" "20990101000000\.a-idx\.sh" "and the version is listed"
OUT=$("$SHOAL" apply --migdir "$dir" --hosts "$NOWHERE" --user postgres 2>&1)
is "$?" 5 "apply gets past loading (exit 5: the node is unreachable, not 3)"
OUT=$("$SHOAL" lint --migdir "$dir" 20990101000000.a-idx.sh 2>&1)
ok "$([[ "$OUT" != *ban-concurrent-index-creation-in-transaction* ]]; echo $?)" "lint does not call it mixing"
printf 'COMMIT;\nCREATE INDEX CONCURRENTLY a_idx ON tbl(a);\nBEGIN;\nCREATE INDEX CONCURRENTLY b_idx ON tbl(b);\n' \
  >"$dir/20990101000000.a-idx.sh.up.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 3 "CONCURRENTLY after the BEGIN is a load error"
like "$OUT" "a-idx\.sh\.up\.sql:4: .*follows the BEGIN at .*:3" "naming both lines"

echo "# item 2: directive values and shoal's own spelling"
dir=$(fresh_dir directives)
printf -- '-- $delay=10ms\n-- $run_alone=true\n-- shoal $lock_timeout=2s\nSELECT 1;\n' \
  >"$dir/20990101000000.d.sh.up.sql"
: >"$dir/20990101000000.d.sh.dn.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 0 "odd values load, as in pg-mig"
like "$OUT" "d\.sh\.up\.sql:1: directive \\\$delay=10ms: .* 10 ms" "\$delay=10ms is 10, with a warning"
like "$OUT" "d\.sh\.up\.sql:2: .*NaN.*not alone" "\$run_alone=true is not alone, with a warning"
ok "$([[ "$OUT" != *":3:"* ]]; echo $?)" "-- shoal \$lock_timeout is read without a word"
printf -- '-- $retries=3\nSELECT 1;\n' >"$dir/20990101000000.d.sh.up.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 0 "the old spelling of shoal's own still loads"
like "$OUT" "warning: .*:1: pg-mig refuses .*write it as -- shoal \\\$retries=3" "with a note to move"
printf -- '-- $parallelism_global=-1\nSELECT 1;\n' >"$dir/20990101000000.d.sh.up.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 3 "a negative parallelism is an error"
like "$OUT" "forever" "pg-mig would wait forever"

echo "# item 3: an orphan undo file"
dir=$(fresh_dir orphan)
printf 'not even SQL\n' >"$dir/20990101000000.gone.sh.dn.sql"
OUT=$("$SHOAL" list --migdir "$dir" 2>&1)
is "$?" 0 "an orphan .dn.sql does not stop loading"
like "$OUT" "warning: .*20990101000000\.gone\.sh\.dn\.sql: undo file without its" "it is a warning naming the file"

echo "# item 4: shoal new names what pg-mig --make names"
dir=$(fresh_dir new)
: >"$dir/20991231235959.late.sh.up.sql"
: >"$dir/20991231235959.late.sh.dn.sql"
OUT=$("$SHOAL" new next@my-shard --migdir "$dir" 2>&1)
is "$?" 0 "a future-dated newest version and a prefix with a dash"
ok "$([ -f "$dir/20991231236019.next.my-shard.up.sql" ]; echo $?)" "named newest + 60, as pg-mig does"
dir=$(fresh_dir new_last)
: >"$dir/99999999999999.last.sh.up.sql"
: >"$dir/99999999999999.last.sh.dn.sql"
OUT=$("$SHOAL" new next@sh --migdir "$dir" 2>&1)
is "$?" 2 "no name when pg-mig's would not be the newest"
like "$OUT" "would not sort after" "and says why"

done_testing
