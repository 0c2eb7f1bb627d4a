#!/usr/bin/env bash
# shoal.stamps() reads a node of 10 000 schemas in one query (its speed is measured by bench/): the
# coordinator calls it once per node per run. Half the schemas carry pg-mig's
# stamp only, the other half also shoal's checksums.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgserver.sh
source test/extension/lib.sh
pgserver_start scale || { echo "not ok - start a server"; exit 1; }

sql postgres <<'SQL'
CREATE EXTENSION shoal;
DO $$
BEGIN
  FOR i IN 1..10000 LOOP
    EXECUTE format('CREATE SCHEMA %I', 'sh' || lpad(i::text, 5, '0'));
  END LOOP;
  -- pg-mig's stamp, as pg-mig writes it, on the odd shards.
  FOR i IN 1..10000 BY 2 LOOP
    EXECUTE format('SET LOCAL search_path TO %I', 'sh' || lpad(i::text, 5, '0'));
    EXECUTE 'CREATE OR REPLACE FUNCTION mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $q$ SELECT ''["001.a.sh","002.b.sh"]''; $q$';
  END LOOP;
  -- shoal's stamps (pg-mig's plus the checksums) on the even ones.
  FOR i IN 2..10000 BY 2 LOOP
    PERFORM shoal.write_stamp('sh' || lpad(i::text, 5, '0'), '{001.a.sh,002.b.sh}', '{ca,cb}', ARRAY[now(), now()]);
  END LOOP;
END
$$;
SQL

is "$(sql postgres -c "SELECT count(*) FROM shoal.stamps() WHERE schema ~ '^sh[0-9]+$'")" 10000 "every schema is listed"
is "$(sql postgres -c "SELECT count(*) FROM shoal.stamps() WHERE versions = '{001.a.sh,002.b.sh}'")" 10000 \
  "every schema's versions are read, in order"
is "$(sql postgres -c "SELECT count(*) FILTER (WHERE checksums = '{\"\",\"\"}') || ' ' || count(*) FILTER (WHERE checksums = '{ca,cb}') FROM shoal.stamps() WHERE schema ~ '^sh[0-9]+$'")" \
  "5000 5000" "pg-mig stamps have unknown checksums, shoal stamps their own"

tap_done
