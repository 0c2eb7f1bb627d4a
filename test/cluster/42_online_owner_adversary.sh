#!/usr/bin/env bash
# A hostile shard owner against online changes under a superuser coordinator
# (issue 21, extension 1.11). The backfill's UPDATEs run as the shard's owner
# (40_online_as_owner), but a DEFERRABLE INITIALLY DEFERRED constraint trigger
# that they queue fires at the batch's commit, when the coordinator's
# superuser is the user again: such a trigger doing ALTER ROLE … SUPERUSER made
# its owner a superuser. Now the online change's statements are a
# security-restricted operation, as PostgreSQL runs a table owner's index
# expressions: the deferred trigger is refused, its shard's backfill fails alone
# naming it, the owner stays what it was on every node, the other shards go on;
# once the trigger is gone the rerun backfills and complete contracts.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
DB=owner_adversary
MIG=$WORK/mig
mkdir -p "$MIG"
V1=20250101000001.accounts.sh
V2=20250101000002.widen.sh
cat >"$MIG/$V1.up.sql" <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO accounts SELECT g, g FROM generate_series(1, 40) g;
SQL
echo "DROP TABLE accounts;" >"$MIG/$V1.dn.sql"
cat >"$MIG/$V2.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=accounts
-- shoal $online_column=balance
-- shoal $online_type=bigint
-- shoal $online_up=balance
-- shoal $online_down=balance::integer
-- shoal $online_batch_rows=15
SQL
echo "ALTER TABLE accounts ALTER COLUMN balance TYPE integer;" >"$MIG/$V2.dn.sql"

echo "# shards owned by shard_owner, a role without superuser"
fleet_create "$DB" 2
give_shards "$DB" shard_owner
run_shoal "$DB" "$MIG" apply --to "$V1"
is "$RC" 0 "accounts created on every shard, owned by shard_owner"
# sh0004 (node2): a deferred trigger that makes its owner a superuser when it
# fires with a superuser's rights.
q node2 "$DB" "SET ROLE shard_owner;
  CREATE FUNCTION sh0004.escalate() RETURNS trigger LANGUAGE plpgsql AS \$\$
  BEGIN EXECUTE 'ALTER ROLE shard_owner SUPERUSER'; RETURN NULL; END \$\$;
  CREATE CONSTRAINT TRIGGER escalate AFTER UPDATE ON sh0004.accounts DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sh0004.escalate();" >/dev/null

echo "# apply: the deferred trigger is refused in its shard's backfill, the others go on"
run_shoal "$DB" "$MIG" apply
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply with one shard's backfill refused: non-zero exit ($RC)"
like "$OUT" "sh0004" "… names the shard"
like "$OUT" "cannot fire deferred trigger within security-restricted operation" "… and why"
is "$(q_all "$DB" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is no superuser on any node"
is "$(q_all "$DB" "SELECT schema || ' ' || state FROM shoal.online_state" | grep -c ' backfilled$')" 5 \
  "the five other shards backfilled"
is "$(q node2 "$DB" "SELECT state || ' ' || rows_done FROM shoal.online_state WHERE schema = 'sh0004'")" "expanded 0" \
  "sh0004 expanded, no row rewritten"

echo "# once the owner drops it, the rerun backfills and complete contracts"
q node2 "$DB" "SET ROLE shard_owner; DROP TRIGGER escalate ON sh0004.accounts" >/dev/null
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "rerun: exit 0"
run_shoal "$DB" "$MIG" complete "$V2"
is "$RC" 0 "complete: exit 0"
is "$(q_all "$DB" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'balance' AND attrelid IN (SELECT oid FROM pg_class WHERE relname = 'accounts')" | sort -u)" bigint \
  "balance is bigint on every shard"
is "$(count_at "$DB" "$V2")" 6 "the version is in every shard's stamp"
is "$(q_all "$DB" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is still no superuser"
done_testing
