#!/usr/bin/env bash
# apply and undo across three nodes × 100 microshards + public: a fresh apply and
# its no-op rerun, a data-dependent failure in one schema, undo, hostile schema
# names, shards created by a public version, and a fleet stamped by pg-mig.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'rm -rf "$WORK"; pgserver_cleanup' EXIT
V1=20250101000001.users.sh V2=20250101000002.posts.sh V3=20250101000003.email-idx.sh

# A copy of the basic directory plus the files given as NAME CONTENT pairs.
migdir() {  # NAME [FILE CONTENT]…
  local dir=$WORK/$1
  shift
  rm -rf "$dir" && cp -r "$BASIC" "$dir"
  while [ $# -gt 0 ]; do printf '%s\n' "$2" >"$dir/$1"; shift 2; done
  echo "$dir"
}

echo "# 1. fresh apply, then nothing to do"
fleet_create fresh
run_shoal fresh "$BASIC" apply
is "$RC" 0 "fresh apply exits 0"
is "$(count_at fresh $V3)" 300 "all 300 shards at head"
is "$(sum_all fresh "SELECT count(*) FROM shoal.stamps() WHERE schema = 'public' AND versions = '{20250101000000.settings.public}'")" 3 \
  "public at head on every node"
is "$(sum_all fresh "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email'")" 300 "the DDL matches the stamps"
applied_matches_stamps fresh
ok $? "shoal.applied agrees with the stamps"
digest=$(code_digest "$BASIC")
is "$(q_all fresh "SELECT shoal.digest()" | sort -u)" "$digest" "the code digest is stored on every node"
run_shoal fresh "$BASIC" check
is "$RC" 0 "check passes"
before=$(sum_all fresh "SELECT count(*) FROM public.before_log")
run_shoal fresh "$BASIC" apply
is "$RC" 0 "rerun exits 0"
like "$OUT" "nothing to do" "rerun says nothing to do"
is "$(sum_all fresh "SELECT count(*) FROM public.before_log")" "$before" "rerun skips before.sql"
run_shoal fresh "$BASIC" apply --force
is "$(sum_all fresh "SELECT count(*) FROM public.after_log")" 6 "--force runs after.sql again"

echo "# 2. a version failing in one schema only"
fleet_create failing
V4=20250101000004.email-check.sh
bad=$(migdir bad "$V4.up.sql" "ALTER TABLE users ADD COLUMN checked boolean;
ALTER TABLE users ADD CONSTRAINT email_lower CHECK (email = lower(email));" \
  "$V4.dn.sql" "ALTER TABLE users DROP COLUMN checked;")
run_shoal failing "$BASIC" apply
q node2 failing "INSERT INTO sh0007.users VALUES (2, 'UPPER@example.com')"
run_shoal failing "$bad" apply
is "$RC" 1 "exit code says a version failed"
is "$(count_at failing $V4)" 299 "299 schemas advance"
is "$(stamp_of node2 failing sh0007)" "$V1,$V2,$V3" "the failing schema stays on its last good version"
is "$(q node2 failing "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'sh0007' AND column_name = 'checked'")" 0 \
  "nothing of the failed version is left in that schema"
is "$(grep -c 'violated by some row' <<<"$OUT")" 2 "the error is announced once and grouped once"
like "$OUT" "— 1 schema: .*sh0007" "the summary groups it with its schema"
like "$OUT" "$V4\.up\.sql:2" "the error names file:line"
is "$(q node2 failing "SELECT count(*) FROM shoal.event WHERE action = 'fail' AND schema = 'sh0007'")" 1 "the failure is recorded"
run_shoal failing "$bad" check
is "$RC" 6 "check fails after a partial run"
q node2 failing "UPDATE sh0007.users SET email = lower(email)"
run_shoal failing "$bad" apply
is "$RC" 0 "rerun after the fix exits 0"
is "$(count_at failing $V4)" 300 "every schema at head after the fix"

echo "# 9. undo"
run_shoal failing "$bad" undo $V3
is "$RC" 3 "undo of a version that is not the latest is refused"
is "$(count_at failing $V4)" 300 "nothing changed"
run_shoal failing "$bad" undo $V4
is "$RC" 0 "undo of the latest version exits 0"
is "$(count_at failing $V3)" 300 "every shard back on the previous version"
is "$(sum_all failing "SELECT count(*) FROM information_schema.columns WHERE column_name = 'checked'")" 0 "the dn script ran everywhere"
is "$(sum_all failing "SELECT count(*) FROM shoal.event WHERE action = 'undo'")" 300 "undo events recorded"
run_shoal failing "$bad" check
is "$RC" 6 "check fails after an undo"

echo "# 10. hostile schema names"
fleet_create hostile 1
hostile_names=('sh9"quote' 'sh9 space' 'sh9UPPER' "sh9'apos" 'sh9ünï' 'sh9;drop')
for name in "${hostile_names[@]}"; do
  ident=${name//\"/\"\"}
  q node1 hostile "CREATE SCHEMA \"$ident\""
done
run_shoal hostile "$BASIC" apply
is "$RC" 0 "apply with hostile names exits 0"
for name in "${hostile_names[@]}"; do
  lit=${name//\'/\'\'}
  is "$(q node1 hostile "SELECT array_to_string(versions, ',') FROM shoal.stamps() WHERE schema = '$lit'")" "$V1,$V2,$V3" \
    "stamp of [$name]"
  is "$(q node1 hostile "SELECT count(*) FROM pg_indexes WHERE schemaname = '$lit' AND indexname = 'users_email'")" 1 \
    "DDL of [$name]"
done

echo "# 11. a public version that creates shards"
fleet_create growing
grow=$(migdir grow 20250101000004.more-shards.public.up.sql \
  "DO \$\$ BEGIN FOR i IN 300..309 LOOP EXECUTE format('CREATE SCHEMA %I', 'sh' || lpad(i::text, 4, '0')); END LOOP; END \$\$;" \
  20250101000004.more-shards.public.dn.sql "SELECT 1;")
run_shoal growing "$grow" apply
is "$RC" 0 "apply exits 0"
is "$(count_at growing $V3)" 330 "the 30 new shards were migrated in the same run"
run_shoal growing "$grow" apply
like "$OUT" "nothing to do" "and nothing is left"

echo "# 13. a fleet stamped by pg-mig"
fleet_create pgmig
for node in "${NODES[@]}"; do
  q "$node" pgmig "DO \$\$ DECLARE s text; BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sh%' LOOP
      EXECUTE format('CREATE TABLE %I.users (id bigint PRIMARY KEY, email text NOT NULL)', s);
      EXECUTE format('CREATE TABLE %I.posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES %I.users)', s, s);
      EXECUTE format('CREATE FUNCTION %I.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS %L',
                     s, 'SELECT ''[\"$V1\",\"$V2\"]'';');
    END LOOP; END \$\$;" >/dev/null
done
run_shoal pgmig "$BASIC" apply --dry-run
like "$OUT" "$V3.*300 schemas" "the plan has only the missing version for every shard"
if grep -q "$V1" <<<"$OUT"; then ok 1 "nothing pg-mig applied is planned again"; else ok 0 "nothing pg-mig applied is planned again"; fi
run_shoal pgmig "$BASIC" apply
is "$RC" 0 "apply on a pg-mig fleet exits 0"
is "$(count_at pgmig $V3)" 300 "every shard at head"
is "$(q node1 pgmig "SELECT sh0000.mig_versions_const()")" "[\"$V1\",\"$V2\",\"$V3\"]" "the stamp stays in pg-mig's format"

done_testing
