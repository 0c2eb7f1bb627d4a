#!/usr/bin/env bash
# The functions shoal writes where pg-mig writes them have pg-mig's settings and
# body (issue 16, item 8): public.mig_digest_const() and
# public.mig_rerun_fingerprint_const() as pg-mig's saveDigest and
# saveRerunFingerprint leave them in a session's own search_path, and a schema's
# stamp as pg-mig's runFile leaves it, also when the stamp shoal rewrites was
# written by a pg-mig from before 2022 (no SET clause). Each is compared with what
# pg-mig's exact statement gives for the same value in a fresh session.
source "$(dirname "$0")/lib.sh"
cluster_start
BASIC=$DIRS/basic
trap 'pgserver_cleanup' EXIT
V1=20250101000001.users.sh

fleet_create settings 1
# sh0000 (node1) as a pg-mig from before 2022 left it after V1: no SET clause, no
# space before SELECT (pg-mig's commit 034b5b3 changed both).
q node1 settings "SET search_path TO sh0000; $(cat "$BASIC/$V1.up.sql")
  CREATE OR REPLACE FUNCTION sh0000.mig_versions_const() RETURNS text LANGUAGE sql AS \$\$SELECT '[\"$V1\"]'; \$\$;"
run_shoal settings "$BASIC" apply
is "$RC" 0 "shoal applies the directory"

# proconfig and prosrc of public.NAME() or SCHEMA.NAME(), one line.
catalog_of() {  # FUNCTION
  q node1 settings "SELECT coalesce(proconfig::text, 'NULL') || ' ' || prosrc FROM pg_proc WHERE oid = '$1()'::regprocedure"
}

shoal_digest=$(catalog_of public.mig_digest_const)
shoal_fingerprint=$(catalog_of public.mig_rerun_fingerprint_const)
shoal_stamp=$(catalog_of sh0000.mig_versions_const)
digest=$(q node1 settings "SELECT public.mig_digest_const()")
fingerprint=$(q node1 settings "SELECT public.mig_rerun_fingerprint_const()")
versions=$(q node1 settings "SELECT sh0000.mig_versions_const()")
is "$digest" "$(code_digest "$BASIC")" "shoal stored the digest"
like "$fingerprint" "hash=" "shoal stored the rerun fingerprint"
like "$versions" "^\[\"$V1\",.*\]$" "shoal added to the old stamp"

# pg-mig's statements (Dest.ts), each in a new session of the same role.
q node1 settings "CREATE OR REPLACE FUNCTION public.mig_digest_const() RETURNS text
      LANGUAGE sql SET search_path FROM CURRENT AS
      \$\$ SELECT '$digest'; \$\$;"
q node1 settings "CREATE OR REPLACE FUNCTION public.mig_rerun_fingerprint_const() RETURNS text
      LANGUAGE sql SET search_path FROM CURRENT AS
      \$\$ SELECT '$fingerprint'; \$\$;"
q node1 settings "SET search_path TO sh0000;
CREATE OR REPLACE FUNCTION sh0000.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS \$\$ SELECT '$versions'; \$\$;"

is "$shoal_digest" "$(catalog_of public.mig_digest_const)" "mig_digest_const: pg-mig's settings and body"
is "$shoal_fingerprint" "$(catalog_of public.mig_rerun_fingerprint_const)" \
  "mig_rerun_fingerprint_const: pg-mig's settings and body"
pgmig_stamp=$(catalog_of sh0000.mig_versions_const)
is "${shoal_stamp:0:${#pgmig_stamp}}" "$pgmig_stamp" \
  "the old stamp is rewritten with pg-mig's settings and body (shoal's data after it)"
like "${shoal_stamp:${#pgmig_stamp}}" '^-- shoal \{.*\}$' "and nothing after the body but shoal's comment"

done_testing
