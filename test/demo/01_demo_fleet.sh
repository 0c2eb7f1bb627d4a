#!/usr/bin/env bash
# `make demo` at a smaller scale (3 nodes × 10 shards): runs scripts/demo.sh as a
# user would, then asserts by querying the servers that the examples did what
# they claim (every shard at head, tables, foreign keys, indexes, rows, the
# backfill, the resolved \set variables), that the resume step failed in
# exactly the data-dependent shard and then finished it, and that the fleet
# can be stopped and started again.
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
WORK=$(mktemp -d "$PGSERVER_TMP/shoal-demo.XXXXXX")
chmod 755 "$WORK"  # the servers run as postgres
PGSERVER_ROOT=$WORK/fleet  # the servers the demo starts, for the cleanup
trap 'pgserver_cleanup; rm -rf "$WORK"' EXIT
RESUME=20240402090000.unique-company-names.sh

DEMO_DIR=$WORK/fleet DEMO_SHARDS=10 bash scripts/demo.sh >"$WORK/demo.log" 2>&1
RC=$?
OUT=$(cat "$WORK/demo.log")
is "$RC" 0 "the demo exits 0"
[ "$RC" -eq 0 ] || { sed 's/^/#   /' <<<"$OUT" | tail -40; done_testing; }
for node in "${NODES[@]}"; do
  PORT[$node]=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$WORK/fleet/$node/data/postgresql.conf" | tail -1)
done

echo "# what the demo prints"
like "$OUT" '^\$ build/shoal apply --migdir examples/migrations$' "echoes the apply command before running it"
like "$OUT" 'apply: 183 applied, 0 failed' "first apply: 3 public + 30 shards × 6 versions"
like "$OUT" '^\$ build/shoal status' "shows shoal status"
like "$OUT" 'FROM shoal.applied' "shows a query over shoal.applied"
like "$OUT" "— 1 schema: 127.0.0.1:${PORT[node1]}:sh0007; DETAIL: Key \\(lower\\(name\\)\\)=\\(acme inc\\) is duplicated\\.$" \
  "the failure is grouped, naming its one shard and PostgreSQL's detail"
like "$OUT" 'Key \(lower\(name\)\)=\(acme inc\) is duplicated' "the failure's detail is shown from shoal.event"
like "$OUT" 'apply: 1 applied, 0 failed' "the resumed run does only the failed shard"
like "$OUT" "psql postgresql://postgres@127.0.0.1:${PORT[node2]}/app" "prints how to connect"

echo "# every shard at head, on the node the setting gives it"
is "$(count_at app $RESUME)" 30 "all 30 shards have every version, the resume step's last"
is "$(q node2 app "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname ~ '^sh[0-9]{4}$'")" \
  "$(printf 'sh%04d,' $(seq 10 19) | sed 's/,$//')" "node2 holds sh0010…sh0019, created by the public version"
is "$(sum_all app "SELECT count(*) FROM shoal.stamps() WHERE schema = 'public' AND versions = '{20240108101500.citext-and-shards.public}'")" 3 \
  "public has its one version on every node"
is "$(sum_all app "SELECT count(*) FROM pg_extension WHERE extname = 'citext'")" 3 "the public version installed citext"
applied_matches_stamps app
ok $? "shoal.applied agrees with the stamps"

echo "# the schema the examples build"
in_shards="table_schema ~ '^sh[0-9]{4}$'"
is "$(sum_all app "SELECT count(*) FROM information_schema.tables WHERE $in_shards AND table_name IN ('users','companies','memberships','topics','comments')")" 150 \
  "5 tables in each of the 30 shards"
is "$(sum_all app "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                    WHERE n.nspname ~ '^sh[0-9]{4}$' AND c.contype = 'f'
                      AND c.confrelid::regclass::text LIKE n.nspname || '.%'")" 180 \
  "6 foreign keys per shard, each pointing inside its own shard"
is "$(sum_all app "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE c.relname = 'comments_topic_id_created_at' AND i.indisvalid")" 30 "the CONCURRENTLY index is valid in every shard"
is "$(sum_all app "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE c.relname = 'companies_lower_name' AND i.indisvalid AND i.indisunique")" 30 \
  "the resume step's unique index is valid in every shard, the fixed one too"
is "$(sum_all app "SELECT count(*) FROM pg_constraint WHERE conname = 'topics_title_check' AND pg_get_constraintdef(oid) LIKE '%<= 200%'")" 30 \
  "\\set max_title reached the CHECK constraint"
is "$(sum_all app "SELECT count(*) FROM pg_trigger WHERE tgname IN ('topics_touch', 'comments_touch')")" 60 \
  "the \\ir-included trigger function is used by both tables"

# Sums SQL (a count, with %s for the shard's name) over the 30 shards; shard k
# lives on node k/10 + 1.
over_shards() {  # SQL
  local k n=0
  for k in $(seq 0 29); do
    n=$((n + $(q "${NODES[k / 10]}" app "$(printf "$1" "$(printf 'sh%04d' "$k")")")))
  done
  echo "$n"
}

echo "# rows: the sample data and the backfill"
is "$(over_shards "SELECT count(*) FROM %s.users")" 1200 "40 users in every shard"
is "$(over_shards "SELECT count(*) FROM %s.comments")" 3000 "100 comments in every shard"
is "$(over_shards "SELECT count(*) FROM %s.users WHERE email_domain IS NULL")" 0 "the backfill left no user without email_domain"
is "$(q node1 app "SELECT string_agg(DISTINCT email_domain, ',' ORDER BY email_domain) FROM sh0001.users")" \
  "example.com,example.org,mail.test" "email_domain is the lower-cased domain"

echo "# the failing-then-fixed step"
is "$(sum_all app "SELECT count(*) FROM shoal.event WHERE action = 'fail'")" 1 "exactly one shard failed"
is "$(q node1 app "SELECT schema || ' ' || version FROM shoal.event WHERE action = 'fail'")" "sh0007 $RESUME" \
  "it is sh0007, the shard with the case-variant duplicate"
is "$(q node1 app "SELECT name FROM sh0007.companies WHERE lower(name) LIKE 'acme inc%' ORDER BY id")" \
  "Acme Inc
ACME Inc (6)" "the data fix renamed the newer duplicate"
is "$(q node1 app "SELECT count(*) FROM shoal.event WHERE schema = 'sh0007' AND version = '$RESUME' AND action IN ('apply', 'mark')")" 1 \
  "then the version was recorded once for it"

echo "# the fleet as a user finds it afterwards"
run_shoal app "$WORK/fleet/migrations" check
is "$RC" 0 "shoal check: the fleet has the code's digest"
run_shoal app "$WORK/fleet/migrations" verify
is "$RC" 0 "shoal verify: every shard has the same structure"
like "$(cat "$WORK/fleet/env")" "^export PGHOST=127.0.0.1 PGPORT=${PORT[node1]} .*SHOAL_HOSTS='127.0.0.1:${PORT[node1]}/app;.*'$" \
  "env names the fleet for shoal in SHOAL_HOSTS"
is "$(source "$WORK/fleet/env" && psql -X -At -c "SELECT current_database()" 2>&1)" app "psql works with env sourced"
OUT=$(source "$WORK/fleet/env" && pg_dump --schema-only --schema=sh0000 2>&1)
like "$OUT" "CREATE SCHEMA sh0000" "so does pg_dump"
OUT=$(source "$WORK/fleet/env" && "$SHOAL" status --migdir "$WORK/fleet/migrations" 2>&1)
like "$OUT" "127.0.0.1:${PORT[node3]}" "and shoal reads all three nodes from it"

echo "# stop and start again"
DEMO_DIR=$WORK/fleet bash scripts/demo.sh stop >/dev/null
running=$(ls "$WORK"/fleet/node*/data/postmaster.pid 2>/dev/null | wc -l)
is "$running" 0 "demo-stop stops all three servers"
DEMO_DIR=$WORK/fleet bash scripts/demo.sh start >"$WORK/start.log" 2>&1
ok $? "demo-start starts them again"
is "$(count_at app $RESUME)" 30 "the data is still there, on the same ports"

done_testing
