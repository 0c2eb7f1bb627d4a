#!/usr/bin/env bash
# pg-mig's CONCURRENTLY form with statements after its BEGIN (issue 16, item 1)
# runs with pg-mig's meaning and shoal's atomicity: the part between COMMIT and
# BEGIN outside a transaction, then what follows BEGIN in one transaction with
# the version's stamp. A failure after BEGIN leaves no stamp and nothing of that
# part; the rerun redoes the solo part (retry-safe) and completes.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT

MIG=$WORK/mig
mkdir -p "$MIG"
printf 'CREATE TABLE tbl (a int);\n' >"$MIG/20250101000001.tbl.sh.up.sql"
printf 'DROP TABLE tbl;\n' >"$MIG/20250101000001.tbl.sh.dn.sql"
cat >"$MIG/20250101000002.a-idx.sh.up.sql" <<'SQL'
-- $parallelism_per_host=2
COMMIT;
DROP INDEX IF EXISTS a_idx;
CREATE INDEX CONCURRENTLY a_idx ON tbl(a);
BEGIN;
ALTER TABLE tbl ADD COLUMN z int;
INSERT INTO tbl (a, z) VALUES (1, 1);
SQL
printf 'DROP INDEX a_idx;\nALTER TABLE tbl DROP COLUMN z;\n' >"$MIG/20250101000002.a-idx.sh.dn.sql"
V2=20250101000002.a-idx.sh

fleet_create form 5
# sh0001 refuses the row, so the part after BEGIN fails there at its second statement.
mv "$MIG/$V2.up.sql" "$WORK/v2.up" && mv "$MIG/$V2.dn.sql" "$WORK/v2.dn"
run_shoal form "$MIG" apply
is "$RC" 0 "the first version everywhere"
q node2 form "ALTER TABLE sh0001.tbl ADD CONSTRAINT no_one CHECK (a <> 1)" >/dev/null
mv "$WORK/v2.up" "$MIG/$V2.up.sql" && mv "$WORK/v2.dn" "$MIG/$V2.dn.sql"

run_shoal form "$MIG" apply
is "$RC" 1 "the version fails in sh0001 only (exit 1)"
like "$OUT" "violates check constraint" "with the error"
like "$OUT" "$V2.up.sql:7" "at the failing statement's file:line"
is "$(count_at form $V2)" 14 "the other 14 schemas have it"
is "$(stamp_of node2 form sh0001)" 20250101000001.tbl.sh "sh0001's stamp does not"
is "$(q node2 form "SELECT count(*) FROM pg_attribute WHERE attrelid = 'sh0001.tbl'::regclass AND attname = 'z'")" 0 \
  "nor anything of the part after BEGIN: its first statement rolled back with the rest"
is "$(sum_all form "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relname = 'a_idx' AND i.indisvalid")" 15 "the solo part ran in every schema, sh0001 too"
is "$(sum_all form "SELECT count(*) FROM shoal.stamps() s WHERE '$V2' = ANY (s.versions)
   AND (SELECT count(*) FROM pg_attribute WHERE attrelid = format('%I.tbl', s.schema)::regclass AND attname = 'z') = 1
   AND (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.tbl', s.schema), false, true, '')))[1]::text = '1'")" \
  14 "where stamped, the part after BEGIN is there exactly once"

q node2 form "ALTER TABLE sh0001.tbl DROP CONSTRAINT no_one" >/dev/null
run_shoal form "$MIG" apply
is "$RC" 0 "the rerun completes"
is "$(count_at form $V2)" 15 "every schema has the version"
is "$(sum_all form "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relname = 'a_idx' AND i.indisvalid")" 15 "one valid index per schema"
is "$(sum_all form "SELECT count(*) FROM (SELECT schema FROM shoal.event WHERE version = '$V2' AND action = 'mark'
   GROUP BY 1 HAVING count(*) <> 1) x")" 0 "each schema recorded it once"

done_testing
