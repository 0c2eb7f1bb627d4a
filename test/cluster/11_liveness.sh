#!/usr/bin/env bash
# Nothing hangs (issue 15, items 1, 2, 4, 6). Every shoal run here is bounded by
# `timeout`, so a hang or a spin is a failure (exit 124), never a stuck suite:
#  - a node behind a proxy that forwards the first connection and accepts but
#    never answers the others: the connect deadline (PGCONNECT_TIMEOUT=3) turns
#    the node lost, exit 5, while the other nodes finish;
#  - COPY … FROM STDIN / TO STDOUT in before.sql, after.sql, a version, a solo
#    version and under lint --trace: refused at load time with file:line, exit 3;
#  - the runtime side of COPY, which the loader keeps a run from ever sending,
#    through fleet::Connection itself (connection_probe.cpp, compiled here);
#  - application_name of every session of a run, in pg_stat_activity;
#  - TCP keepalives on each connection's socket: the defaults, and the
#    conninfo's values winning.
source "$(dirname "$0")/lib.sh"
cluster_start
WORK=$(mktemp -d /tmp/shoal-cluster.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$WORK"; pgserver_cleanup' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)
BOUND=${LIVENESS_BOUND:-120}  # seconds any one shoal run may take here before it counts as hung

# --- a node that accepts connections and never answers --------------------------
fleet_create hole 10
# A background job, so the trap's kill ends it with the test.
python3 "$HERE/liveness/blackhole_proxy.py" "${PORT[node1]}" >"$WORK/proxy.port" &
wait_for 10 test -s "$WORK/proxy.port"
PROXY_PORT=$(head -1 "$WORK/proxy.port")
like "${PROXY_PORT:-}" '^[0-9]+$' "the proxy listens"
MIG=$WORK/small
mkdir -p "$MIG"
printf 'CREATE TABLE t (id int);\n' >"$MIG/20250101000000.t.sh.up.sql"
printf 'DROP TABLE t;\n' >"$MIG/20250101000000.t.sh.dn.sql"
HOSTS="127.0.0.1:$PROXY_PORT/hole,127.0.0.1:${PORT[node2]}/hole,127.0.0.1:${PORT[node3]}/hole"
start=$SECONDS
OUT=$(PGCONNECT_TIMEOUT=3 timeout -k 5 $BOUND "$SHOAL" apply --migdir "$MIG" --hosts "$HOSTS" --user postgres 2>&1)
RC=$?
elapsed=$((SECONDS - start))
is "$RC" 5 "a node whose worker connections never get an answer is lost: exit 5 (not a hang)"
ok "$([ "$elapsed" -lt 40 ]; echo $?)" "the run ended within the connect deadline and its wind-down (${elapsed} s)"
like "$OUT" "127\.0\.0\.1:$PROXY_PORT.*no answer within 3 s" "the summary names the node and the deadline it missed"
is "$(q node2 hole "SELECT count(*) FROM shoal.stamps() WHERE schema LIKE 'sh%' AND cardinality(versions) = 1")" 10 \
  "the other nodes finished"
is "$(q node1 hole "SELECT count(*) FROM shoal.stamps() WHERE schema LIKE 'sh%' AND cardinality(versions) > 0")" 0 \
  "nothing ran on the lost node"

# --- COPY to or from the client: refused at load time ---------------------------
copy_dir() {  # NAME → a migration directory; the caller adds the COPY
  local dir=$WORK/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'CREATE TABLE t (id int);\n' >"$dir/20250101000000.t.sh.up.sql"
  printf 'DROP TABLE t;\n' >"$dir/20250101000000.t.sh.dn.sql"
  echo "$dir"
}
fleet_create copy 5
D=$(copy_dir after)
printf 'SELECT 1;\nCOPY (SELECT 1) TO STDOUT;\n' >"$D/after.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --migdir "$D" --hosts "$(hosts copy)" --user postgres 2>&1); RC=$?
is "$RC" 3 "after.sql with COPY … TO STDOUT: exit 3 at load time (124 would be a spin)"
like "$OUT" 'after\.sql:2: COPY … TO STDOUT is not allowed: there is no client data channel' "… with file:line and why"

D=$(copy_dir before)
printf 'CREATE TABLE IF NOT EXISTS public.x (a int);\ncopy public.x from stdin;\n' >"$D/before.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --migdir "$D" --hosts "$(hosts copy)" --user postgres 2>&1); RC=$?
is "$RC" 3 "before.sql with COPY … FROM STDIN: exit 3"
like "$OUT" 'before\.sql:2: COPY … FROM STDIN is not allowed' "… with file:line"

D=$(copy_dir version)
printf 'CREATE TABLE u (id int);\nCOPY u FROM STDIN;\n' >"$D/20250101000001.u.sh.up.sql"
printf 'DROP TABLE u;\n' >"$D/20250101000001.u.sh.dn.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --migdir "$D" --hosts "$(hosts copy)" --user postgres 2>&1); RC=$?
is "$RC" 3 "a version with COPY … FROM STDIN: exit 3"
like "$OUT" '20250101000001\.u\.sh\.up\.sql:2: COPY … FROM STDIN is not allowed' "… with file:line"

D=$(copy_dir solo)
printf 'COMMIT;\nCOPY (SELECT 1) TO STDOUT;\nBEGIN;\n' >"$D/20250101000001.solo.sh.up.sql"
printf 'SELECT 1;\n' >"$D/20250101000001.solo.sh.dn.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --migdir "$D" --hosts "$(hosts copy)" --user postgres 2>&1); RC=$?
is "$RC" 3 "a solo version with COPY … TO STDOUT: exit 3"
like "$OUT" '20250101000001\.solo\.sh\.up\.sql:2: COPY … TO STDOUT is not allowed' "… with file:line"


D=$(copy_dir trace)
printf 'CREATE TABLE w (id int);\nCOPY (SELECT 1) TO STDOUT;\n' >"$D/20250101000001.w.sh.up.sql"
printf 'DROP TABLE w;\n' >"$D/20250101000001.w.sh.dn.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" lint --trace --migdir "$D" --hosts "$(hosts copy)" --user postgres 2>&1); RC=$?
is "$RC" 3 "lint --trace of a version with COPY: exit 3 (124 would be a spin)"
like "$OUT" '20250101000001\.w\.sh\.up\.sql:2: COPY … TO STDOUT is not allowed' "… with file:line, before tracing anything"
is "$(sum_all copy "SELECT count(*) FROM shoal.stamps() WHERE cardinality(versions) > 0")" 0 \
  "none of the refused directories changed anything"

# --- COPY at run time, through the connection itself ------------------------------
if g++ -std=c++17 -O0 -I "$CLUSTER_ROOT/coordinator" -I "$(pg_config --includedir)" -o "$WORK/probe" \
    "$HERE/liveness/connection_probe.cpp" "$CLUSTER_ROOT/coordinator/fleet/connection.cpp" \
    "$CLUSTER_ROOT/coordinator/text.cpp" -lpq 2>"$WORK/cc.log"; then
  ok 0 "connection_probe compiles"
  OUT=$(timeout -k 5 $BOUND "$WORK/probe" "host=127.0.0.1 port=${PORT[node1]} dbname=copy user=postgres" copy 2>&1); RC=$?
  is "$RC" 0 "a COPY the server starts anyway ends each batch with a clear error, without spinning, and the connection serves the next"
  [ "$RC" -eq 0 ] || sed 's/^/#   /' <<<"$OUT"
else
  ok 1 "connection_probe compiles"
  sed 's/^/#   /' "$WORK/cc.log"
fi

# --- keepalives: on by default, the conninfo's values win ---------------------------
CONN="host=127.0.0.1 port=${PORT[node1]} dbname=copy user=postgres"
OUT=$(timeout -k 5 $BOUND "$WORK/probe" "$CONN" keepalive 2>&1)
like "$OUT" 'SO_KEEPALIVE=1 TCP_KEEPIDLE=30 TCP_KEEPINTVL=10 TCP_KEEPCNT=3 TCP_USER_TIMEOUT=60000' \
  "keepalives and tcp_user_timeout are on by default"
OUT=$(timeout -k 5 $BOUND "$WORK/probe" "$CONN keepalives_idle=45 keepalives_count=7 tcp_user_timeout=0" keepalive 2>&1)
like "$OUT" 'SO_KEEPALIVE=1 TCP_KEEPIDLE=45 TCP_KEEPINTVL=10 TCP_KEEPCNT=7 TCP_USER_TIMEOUT=0' \
  "the conninfo's keepalive values win over the defaults"
OUT=$(timeout -k 5 $BOUND "$WORK/probe" "postgres://postgres@127.0.0.1:${PORT[node1]}/copy?keepalives=0" keepalive 2>&1)
like "$OUT" 'SO_KEEPALIVE=0' "a URI can turn keepalives off"

# --- application_name: every session of a run names it --------------------------------
fleet_create names 5
q node1 names "CREATE TABLE public.seen (application_name text)" >/dev/null
q node2 names "CREATE TABLE public.seen (application_name text)" >/dev/null
q node3 names "CREATE TABLE public.seen (application_name text)" >/dev/null
D=$WORK/names
mkdir -p "$D"
printf "INSERT INTO public.seen SELECT application_name FROM pg_catalog.pg_stat_activity\n  WHERE datname = current_database() AND backend_type = 'client backend';\n" \
  >"$D/20250101000000.seen.sh.up.sql"
printf 'SELECT 1;\n' >"$D/20250101000000.seen.sh.dn.sql"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --parallelism 2 --migdir "$D" --hosts "$(hosts names)" --user postgres 2>&1); RC=$?
is "$RC" 0 "the recording run succeeded"
NAMES=$(q_all names "SELECT DISTINCT application_name FROM public.seen")
like "$NAMES" '^shoal apply run [0-9a-f]{8}$' "every session of the run is named 'shoal apply run <run id>'"
is "$(sort -u <<<"$NAMES" | wc -l)" 1 "… one name, the same on every node"
is "$(q_all names "SELECT count(DISTINCT coalesce(application_name, '')) FROM public.seen" | paste -sd' ')" "1 1 1" \
  "… and no session without it"
SEEN=$(sum_all names "SELECT count(*) FROM public.seen")
ok "$([ "$SEEN" -ge 15 ]; echo $?)" "the control connection and both workers were seen on each node ($SEEN rows)"

D2=$WORK/names2
mkdir -p "$D2"
cp "$D/20250101000000.seen.sh.up.sql" "$D2/20250101000001.seen2.sh.up.sql"
printf 'SELECT 1;\n' >"$D2/20250101000001.seen2.sh.dn.sql"
cp "$D"/20250101000000.* "$D2"/
q_all names "TRUNCATE public.seen" >/dev/null
U1="postgres://postgres@127.0.0.1:${PORT[node1]}/names?application_name=deploy-42"
U2="postgres://postgres@127.0.0.1:${PORT[node2]}/names?application_name=deploy-42"
U3="postgres://postgres@127.0.0.1:${PORT[node3]}/names?application_name=deploy-42"
OUT=$(timeout -k 5 $BOUND "$SHOAL" apply --migdir "$D2" --hosts "$U1,$U2,$U3" 2>&1); RC=$?
is "$RC" 0 "a run with application_name in its URIs succeeded"
is "$(q_all names "SELECT DISTINCT application_name FROM public.seen" | sort -u)" "deploy-42" \
  "the user's application_name wins over shoal's"

done_testing
