#!/usr/bin/env bash
# status tells the truth after another tool resumed a schema (issue 16, item 7):
# a schema is failed only while its stamp lacks the version that failed, and
# the failed schemas are counted as part of "behind", saying so, in text and
# --json alike. pg-mig's apply is reproduced with SQL: the version's own SQL and
# pg-mig's stamp write, in one transaction with search_path set to the schema.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=20250101000001.users.sh V2=20250101000002.posts.sh V3=20250101000003.email-idx.sh
V4=20250101000004.email-check.sh V5=20250101000005.nick.sh
V4_SQL="ALTER TABLE users ADD COLUMN checked boolean;
ALTER TABLE users ADD CONSTRAINT email_lower CHECK (email = lower(email));"
MIG=$WORK/mig
cp -r "$DIRS/basic" "$MIG"
printf '%s\n' "$V4_SQL" >"$MIG/$V4.up.sql"
printf 'ALTER TABLE users DROP CONSTRAINT email_lower;\nALTER TABLE users DROP COLUMN checked;\n' >"$MIG/$V4.dn.sql"
N1=127.0.0.1:${PORT[node1]} N2=127.0.0.1:${PORT[node2]} N3=127.0.0.1:${PORT[node3]}

# pg-mig applying V4 to one schema: its SQL, then its stamp write
# (JSON.stringify of the version list), committed together.
pgmig_apply_v4() {  # NODE SCHEMA
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PORT[$1]}" -U postgres -d app <<SQL
BEGIN;
SET search_path TO "$2";
$V4_SQL
CREATE OR REPLACE FUNCTION "$2".mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS
\$\$ SELECT '["$V1","$V2","$V3","$V4"]'; \$\$;
COMMIT;
SQL
}
upper_email() { q "$1" app "INSERT INTO $2.users VALUES (2, 'UPPER@example.com')" >/dev/null; }
lower_email() { q "$1" app "UPDATE $2.users SET email = lower(email)" >/dev/null; }

json_status() {  # → OUT: status --json, stdout only
  OUT=$("$SHOAL" status --json --migdir "$MIG" --hosts "$(hosts app)" --user postgres 2>/dev/null)
  RC=$?
}
per_node() {  # PYTHON-EXPRESSION over n, one node of status --json → "value value value"
  python3 -c "import json,sys; print(' '.join(str($1) for n in json.loads(sys.argv[1])['nodes']))" "$OUT"
}
# In every node of status --json: up to date + behind + at odds + unreadable = schemas,
# and the failed schemas are listed, counted, and part of behind.
counts_add_up() {
  json_status
  is "$(per_node "n['up_to_date'] + n['behind'] + n['conflicting'] + n['unreadable'] == n['schemas']
                  and n['failed'] == len(n['failed_schemas']) <= n['behind']")" "True True True" "$1: the counts add up"
}

fleet_create app 10  # node2 holds sh0001, sh0004, …; node3 sh0002, sh0005, …
run_shoal app "$DIRS/basic" apply
is "$RC" 0 "the basic chain applies"
upper_email node2 sh0001
upper_email node2 sh0004
upper_email node3 sh0002

echo "# V4 fails on three schemas under shoal"
run_shoal app "$MIG" apply
is "$RC" 1 "apply exits 1"
is "$(count_at app $V4)" 27 "27 schemas got V4"
run_shoal app "$MIG" status
like "$OUT" "^$N2: 11 schemas: 9 up to date, 2 behind \(2 of them failed: sh0001,0004\)" \
  "status: node2's two failed schemas are counted inside behind, and it says so"
like "$OUT" "^$N1: 11 schemas: 11 up to date, 0 behind$" "status: nothing failed on node1, and nothing is said"
json_status
is "$(per_node "(n['behind'], n['failed'], n['failed_schemas'])")" \
  "(0, 0, []) (2, 2, ['sh0001', 'sh0004']) (1, 1, ['sh0002'])" "status --json says the same"
counts_add_up "after the failure"

echo "# pg-mig applies V4 to sh0001 and sh0002 after the data is fixed; sh0004 still lacks it"
lower_email node2 sh0001 && pgmig_apply_v4 node2 sh0001
ok $? "pg-mig's write on sh0001"
lower_email node3 sh0002 && pgmig_apply_v4 node3 sh0002
ok $? "pg-mig's write on sh0002"
is "$(stamp_of node2 app sh0001)" "$V1,$V2,$V3,$V4" "sh0001's stamp has V4"
run_shoal app "$MIG" status
like "$OUT" "^$N2: 11 schemas: 10 up to date, 1 behind \(1 of them failed: sh0004\)" \
  "status: sh0001 is no longer failed, sh0004 still is"
like "$OUT" "^$N3: 11 schemas: 11 up to date, 0 behind$" "status: node3 is up to date, nothing failed"
json_status
is "$(per_node "(n['behind'], n['failed'], n['failed_schemas'])")" "(0, 0, []) (1, 1, ['sh0004']) (0, 0, [])" \
  "status --json agrees"
counts_add_up "after pg-mig"

echo "# a later shoal run: sh0004 fails again, the resumed schemas stay resumed"
run_shoal app "$MIG" apply
is "$RC" 1 "apply exits 1"
like "$OUT" "apply: 0 applied, 1 failed" "only sh0004 was tried, and failed"
run_shoal app "$MIG" status
like "$OUT" "^$N2: 11 schemas: 10 up to date, 1 behind \(1 of them failed: sh0004\)" "status: still only sh0004"
like "$OUT" "^$N3: 11 schemas: 11 up to date, 0 behind$" "status: node3 still clean"
counts_add_up "after the later run"

echo "# a new version: sh0004 is behind by two and failed at the first; the rest take V5"
printf 'ALTER TABLE users ADD COLUMN nick text;\n' >"$MIG/$V5.up.sql"
printf 'ALTER TABLE users DROP COLUMN nick;\n' >"$MIG/$V5.dn.sql"
run_shoal app "$MIG" apply
is "$RC" 1 "apply exits 1: sh0004 fails at V4 again"
is "$(count_at app $V5)" 29 "every other schema got V5"
json_status
is "$(per_node "(n['behind'], n['failed'], n['failed_schemas'])")" "(0, 0, []) (1, 1, ['sh0004']) (0, 0, [])" \
  "status --json: sh0004 alone, failed"
counts_add_up "after V5"

echo "# sh0004 fixed and applied by shoal: nothing failed"
lower_email node2 sh0004
run_shoal app "$MIG" apply
is "$RC" 0 "apply exits 0"
run_shoal app "$MIG" status
like "$OUT" "^$N2: 11 schemas: 11 up to date, 0 behind$" "status: node2 clean"
json_status
is "$(per_node "(n['behind'], n['failed'])")" "(0, 0) (0, 0) (0, 0)" "status --json: nothing behind, nothing failed"
counts_add_up "at the end"

done_testing
