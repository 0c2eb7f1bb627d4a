#!/usr/bin/env bash
# Online changes under a superuser coordinator on shards a lesser role owns
# (issue 21, extension 1.11): every statement that touches a shard's objects
# runs as the shard's owner, as a version's steps do. The owner's expression,
# the owner's trigger that the backfill's UPDATEs fire, the final check and the
# contract all run as the owner (a table they write records current_user); a
# trigger that tries to make its owner a superuser fails its shard's backfill
# with the permission error, the owner stays what it was, the other shards go
# on; once the trigger is gone the rerun backfills and complete contracts. The
# stamps and events are the coordinator's.
# Then a hostile owner's DEFERRABLE INITIALLY DEFERRED constraint trigger,
# queued by the backfill's UPDATEs, would fire at the batch's commit with the
# superuser's rights: the online statements are a security-restricted operation
# (as PostgreSQL runs a table owner's index expressions), so it is refused, its
# shard fails alone naming it, the owner stays what it was, and once the trigger
# is gone the rerun backfills and complete contracts.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
DB=as_owner
MIG=$WORK/mig
mkdir -p "$MIG"
V1=20250101000001.accounts.sh
V2=20250101000002.widen.sh
cat >"$MIG/$V1.up.sql" <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO accounts SELECT g, g FROM generate_series(1, 40) g;
CREATE FUNCTION record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.seen VALUES (current_user, 'trigger');
  RETURN NEW;
END $$;
CREATE TRIGGER record BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION record();
CREATE FUNCTION widen(v int) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.seen VALUES (current_user, 'expression');
  RETURN v;
END $$;
SQL
echo "DROP TABLE accounts; DROP FUNCTION record(); DROP FUNCTION widen(int);" >"$MIG/$V1.dn.sql"
cat >"$MIG/$V2.up.sql" <<'SQL'
-- shoal $online=column_type
-- shoal $online_table=accounts
-- shoal $online_column=balance
-- shoal $online_type=bigint
-- shoal $online_up=widen(balance)
-- shoal $online_down=balance::integer
-- shoal $online_batch_rows=15
SQL
echo "ALTER TABLE accounts ALTER COLUMN balance TYPE integer;" >"$MIG/$V2.dn.sql"

echo "# shards owned by shard_owner, a role without superuser"
fleet_create "$DB" 2
give_shards "$DB" shard_owner
for node in "${NODES[@]}"; do
  q "$node" "$DB" "CREATE TABLE public.seen (who name, what text); GRANT INSERT ON public.seen TO PUBLIC" >/dev/null
done
is "$(q node1 "$DB" "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" t "the coordinator's role is a superuser"
run_shoal "$DB" "$MIG" apply --to "$V1"
is "$RC" 0 "accounts created on every shard"
is "$(q_all "$DB" "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = 'accounts'" | sort -u)" shard_owner \
  "… owned by shard_owner"
# sh0004 (node2) gets a trigger that tries to make its owner a superuser.
q node2 "$DB" "SET ROLE shard_owner;
  CREATE FUNCTION sh0004.escalate() RETURNS trigger LANGUAGE plpgsql AS \$\$
  BEGIN EXECUTE 'ALTER ROLE shard_owner SUPERUSER'; RETURN NEW; END \$\$;
  CREATE TRIGGER escalate BEFORE UPDATE ON sh0004.accounts FOR EACH ROW EXECUTE FUNCTION sh0004.escalate();" >/dev/null

echo "# apply: expand and backfill as the owner; the escalating trigger fails its shard alone"
run_shoal "$DB" "$MIG" apply
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply with one shard's backfill refused: non-zero exit ($RC)"
like "$OUT" "sh0004" "… names the shard"
like "$OUT" "must be superuser to alter superuser roles" "… with the permission error its owner got"
is "$(q_all "$DB" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is no superuser on any node"
is "$(q_all "$DB" "SELECT schema || ' ' || state FROM shoal.online_state" | grep -c ' backfilled$')" 5 \
  "the five other shards backfilled"
is "$(q node2 "$DB" "SELECT state || ' ' || rows_done FROM shoal.online_state WHERE schema = 'sh0004'")" "expanded 0" \
  "sh0004 expanded, no row rewritten"
q node2 "$DB" "SET ROLE shard_owner; DROP TRIGGER escalate ON sh0004.accounts" >/dev/null
run_shoal "$DB" "$MIG" apply
is "$RC" 0 "rerun once the trigger is gone: exit 0"
is "$(q_all "$DB" "SELECT state FROM shoal.online_state" | sort | uniq -c | awk '{print $1, $2}')" "6 backfilled" \
  "every shard backfilled"

echo "# complete: the final check and the contract as the owner"
run_shoal "$DB" "$MIG" complete "$V2"
is "$RC" 0 "complete: exit 0"
is "$(q_all "$DB" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'balance' AND attrelid IN (SELECT oid FROM pg_class WHERE relname = 'accounts')" | sort -u)" bigint \
  "balance is bigint on every shard"
is "$(count_at "$DB" "$V2")" 6 "the version is in every shard's stamp"
is "$(q_all "$DB" "SELECT what FROM public.seen GROUP BY what" | sort -u | tr '\n' ' ')" "expression trigger " \
  "the owner's expression and trigger ran"
is "$(q_all "$DB" "SELECT DISTINCT who FROM public.seen" | sort -u)" shard_owner "… only ever as shard_owner"
is "$(q_all "$DB" "SELECT DISTINCT role FROM shoal.event WHERE version = '$V2'" | sort -u)" postgres \
  "the events name the coordinator's role"
is "$(q_all "$DB" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is still no superuser"

DB_DEFERRED=owner_adversary
echo "# a deferred trigger: refused in its shard's backfill, the others go on (database $DB_DEFERRED)"
fleet_create "$DB_DEFERRED" 2
give_shards "$DB_DEFERRED" shard_owner
for node in "${NODES[@]}"; do
  q "$node" "$DB_DEFERRED" "CREATE TABLE public.seen (who name, what text); GRANT INSERT ON public.seen TO PUBLIC" >/dev/null
done
run_shoal "$DB_DEFERRED" "$MIG" apply --to "$V1"
is "$RC" 0 "accounts created on every shard, owned by shard_owner"
# sh0004 (node2): a deferred trigger that makes its owner a superuser when it
# fires with a superuser's rights.
q node2 "$DB_DEFERRED" "SET ROLE shard_owner;
  CREATE FUNCTION sh0004.escalate() RETURNS trigger LANGUAGE plpgsql AS \$\$
  BEGIN EXECUTE 'ALTER ROLE shard_owner SUPERUSER'; RETURN NULL; END \$\$;
  CREATE CONSTRAINT TRIGGER escalate AFTER UPDATE ON sh0004.accounts DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sh0004.escalate();" >/dev/null
run_shoal "$DB_DEFERRED" "$MIG" apply
ok "$([ "$RC" -ne 0 ]; echo $?)" "apply with one shard's backfill refused: non-zero exit ($RC)"
like "$OUT" "sh0004" "… names the shard"
like "$OUT" "cannot fire deferred trigger within security-restricted operation" "… and why"
is "$(q_all "$DB_DEFERRED" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is no superuser on any node"
is "$(q_all "$DB_DEFERRED" "SELECT schema || ' ' || state FROM shoal.online_state" | grep -c ' backfilled$')" 5 \
  "the five other shards backfilled"
is "$(q node2 "$DB_DEFERRED" "SELECT state || ' ' || rows_done FROM shoal.online_state WHERE schema = 'sh0004'")" "expanded 0" \
  "sh0004 expanded, no row rewritten"

echo "# once the owner drops it, the rerun backfills and complete contracts"
q node2 "$DB_DEFERRED" "SET ROLE shard_owner; DROP TRIGGER escalate ON sh0004.accounts" >/dev/null
run_shoal "$DB_DEFERRED" "$MIG" apply
is "$RC" 0 "rerun: exit 0"
run_shoal "$DB_DEFERRED" "$MIG" complete "$V2"
is "$RC" 0 "complete: exit 0"
is "$(q_all "$DB_DEFERRED" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'balance' AND attrelid IN (SELECT oid FROM pg_class WHERE relname = 'accounts')" | sort -u)" bigint \
  "balance is bigint on every shard"
is "$(count_at "$DB_DEFERRED" "$V2")" 6 "the version is in every shard's stamp"
is "$(q_all "$DB_DEFERRED" "SELECT rolsuper FROM pg_roles WHERE rolname = 'shard_owner'" | sort -u)" f \
  "shard_owner is still no superuser"
done_testing
