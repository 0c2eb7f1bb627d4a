#!/usr/bin/env bash
# verify across three nodes × 100 microshards + public: a clean fleet reports no
# drift and exits 0; a dropped index, an altered column type and an extra table,
# made by hand in shards on different nodes, are each named with what differs,
# and the exit code is 6; --json parses and says the same.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic

json_field() {  # FIELD_EXPRESSION (python, on j) ← JSON on stdin
  python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

echo "# 1. a clean fleet"
fleet_create verify
run_shoal verify "$BASIC" apply
is "$RC" 0 "apply exits 0"
run_shoal verify "$BASIC" verify
is "$RC" 0 "verify of a clean fleet exits 0"
like "$OUT" "^all 303 schemas match the reference of their version list$" "and reports no drift"
run_shoal verify "$BASIC" verify --json
is "$RC" 0 "verify --json of a clean fleet exits 0"
is "$(json_field 'j["differing"], j["schemas"], len(j["groups"]), j["complete"]' <<<"$OUT")" "0 303 2 True" \
  "--json parses: 303 schemas in two version lists (sh, public), none differing"

echo "# 2. drift made by hand on each node"
q node1 verify "DROP INDEX sh0003.users_email"
q node2 verify "ALTER TABLE sh0004.users ALTER COLUMN name TYPE varchar(100)"
q node3 verify "CREATE TABLE sh0005.extra_t (id integer PRIMARY KEY)"
run_shoal verify "$BASIC" verify
is "$RC" 6 "verify exits 6 on drift"
at() { echo "127\.0\.0\.1:${PORT[$1]}:$2"; }
like "$OUT" "^  $(at node1 sh0003): index users_email missing$" "the dropped index is named"
like "$OUT" "^  $(at node2 sh0004): column users\.name type character varying\(100\), reference text$" \
  "the altered column names both types"
like "$OUT" "^  $(at node3 sh0005): table extra_t not in reference$" "the extra table is named"
is "$(grep -c '^  ' <<<"$OUT")" 4 "nothing else is reported (the extra table's primary key index is the fourth line)"
like "$OUT" "^  $(at node3 sh0005): index extra_t_pkey not in reference$" "which is the extra table's index"
like "$OUT" "^drift: 3 of 303 schemas differ" "the summary counts three schemas"
run_shoal verify "$BASIC" verify --json
is "$RC" 6 "verify --json exits 6 on drift"
is "$(json_field '" | ".join(sorted(d for g in j["groups"] for o in g["outliers"] for d in o["differences"]))' <<<"$OUT")" \
  "column users.name type character varying(100), reference text | index extra_t_pkey not in reference | index users_email missing | table extra_t not in reference" \
  "--json parses and lists the same differences"

echo "# 3. repaired, the fleet is clean again"
q node1 verify "CREATE INDEX users_email ON sh0003.users (email)"
q node2 verify "ALTER TABLE sh0004.users ALTER COLUMN name TYPE text"
q node3 verify "DROP TABLE sh0005.extra_t"
run_shoal verify "$BASIC" verify
is "$RC" 0 "verify exits 0 after the repair"

done_testing
