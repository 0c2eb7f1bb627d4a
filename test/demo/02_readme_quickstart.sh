#!/usr/bin/env bash
# The README's quick start, executed: the lines between <!-- quickstart --> and
# <!-- /quickstart --> run in one bash with `set -e`, against three throwaway
# servers that look like an existing fleet (database app, four shards per node,
# no extension yet), with build/ first on PATH. Its first line names the
# reader's fleet; that one line is replaced by this fleet's. Then the fleet is
# asserted from the servers.
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
WORK=$(mktemp -d /tmp/shoal-quickstart.XXXXXX)
trap 'pgserver_cleanup; rm -rf "$WORK"' EXIT

block=$(sed -n '/^<!-- quickstart -->$/,/^<!-- \/quickstart -->$/p' README.md | grep -v -e '^<!--' -e '^```')
commands=$(grep -c . <<<"$block")
ok "$([ "$commands" -ge 5 ] && [ "$commands" -le 10 ]; echo $?)" "the quick start is marked and has at most 10 lines ($commands)"
like "$(head -1 <<<"$block")" '^export PGHOST=' "its first line names the fleet"

cluster_start
for k in 0 1 2; do  # node k+1 holds sh(4k) … sh(4k+3)
  q "${NODES[k]}" postgres "CREATE DATABASE app" >/dev/null
  q "${NODES[k]}" app "$(printf 'CREATE SCHEMA sh%04d;' $(seq $((4 * k)) $((4 * k + 3))))" >/dev/null
done

{
  echo "set -euo pipefail"
  echo "export PATH=$CLUSTER_ROOT/build:\$PATH"
  echo "export PGHOST=$(hosts app | sed 's|/app||g') PGDATABASE=app PGUSER=postgres"
  tail -n +2 <<<"$block"
} >"$WORK/quickstart.sh"
OUT=$(cd "$WORK" && bash "$WORK/quickstart.sh" 2>&1)
RC=$?
is "$RC" 0 "the quick start runs to its end"
[ "$RC" -eq 0 ] || sed 's/^/#   /' <<<"$OUT" | tail -30
like "$OUT" "safe to deploy" "its deploy gate passes"

V=20250101120000.create-users.sh
is "$(count_at app $V)" 12 "all 12 shards on the 3 nodes have the version"
is "$(sum_all app "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users' AND table_schema ~ '^sh'")" 12 \
  "and the table it creates"
is "$(sum_all app "SELECT count(*) FROM pg_extension WHERE extname = 'shoal'")" 3 "--install-extension created the extension on every node"
is "$(sum_all app "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users' AND table_schema = 'public'")" 0 \
  "public is not a shard: untouched"

done_testing
