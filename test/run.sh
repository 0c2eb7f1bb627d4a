#!/usr/bin/env bash
# Runs every test suite of shoal against servers it starts itself, and prints one
# closing line "tests: N passed, M failed". Called by `make test` after the build
# and the extension's install; exits non-zero when anything failed.
#
# Suites and how their results are counted:
#   unit        build/shoal_unit_tests (GoogleTest)          its "[  PASSED  ]" / "[  FAILED  ]" lines
#   regress     pg_regress + pg_isolation_regress            "ok"/"FAILED" per test
#   extension   test/extension/*.sh against one server       TAP lines "ok - …" / "not ok - …"
#   cluster     test/cluster/*.sh, each starting its nodes   TAP lines
#   demo        test/demo/*.sh: make demo, README, install   TAP lines
#   packages    test/packages/*.sh: the .debs, make dist      TAP lines (not in the default
#               SUITES: make test-packages runs it, as root, after make deb)
# SUITES="unit regress" limits the run to some of them. Unit runs first; then
# regress and the scripts of extension, cluster and demo run TEST_JOBS at a time
# (default 4): each starts its own servers on free ports in its own temp dir, and
# much of their time is spent waiting on servers, not on the CPU. The demo scripts
# share the repository's .demo/, so they are one job that runs them one by one.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source test/lib/pgserver.sh
SUITES=${SUITES:-"unit regress extension cluster demo"}
BUILD_DIR=${BUILD_DIR:-build}
log_dir=$BUILD_DIR/test-logs
mkdir -p "$log_dir"
# Scripts call python3 hundreds of times (JSON fields, JSON shapes). Where python3 is
# a pyenv shim, every call is a bash script running `pyenv exec` first, ~0.7 s of CPU
# on this VM: resolve the interpreter once and put a link to it first in PATH.
python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
if [ -x "$python" ]; then
  mkdir -p "$BUILD_DIR/test-bin" && ln -sfn "$python" "$BUILD_DIR/test-bin/python3"
  PATH=$(cd "$BUILD_DIR/test-bin" && pwd):$PATH
fi

passed=0 failed=0

count_tap() {  # file → adds its ok / not ok lines to the totals
  local ok bad
  ok=$(grep -c '^ok ' "$1")
  bad=$(grep -c '^not ok ' "$1")
  passed=$((passed + ok)) failed=$((failed + bad))
  [ "$bad" -eq 0 ]
}

log_of() {  # script → its log file
  echo "$log_dir/$(basename "$(dirname "$1")")-$(basename "$1" .sh).log"
}

run_tap_script() {  # script → runs it; leaves its output in its log, its exit code in log.rc
  local script=$1 out start
  out=$(log_of "$script")
  start=$SECONDS
  rm -f "$out.rc"
  # Each script starts and removes its own servers: never hand it ours.
  env -u PGSERVER_ROOT bash "$script" >"$out" 2>&1
  echo "$? $((SECONDS - start))" >"$out.rc"
  echo "    finished $script in $((SECONDS - start)) s"
}

count_tap_script() {  # script → shows its output and duration, counts it
  local script=$1 out rc seconds
  out=$(log_of "$script")
  rc=1 seconds=?
  [ -e "$out.rc" ] && read -r rc seconds <"$out.rc"
  echo "--- $script (${seconds} s)"
  cat "$out"
  count_tap "$out" || true
  if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$out"; then
    echo "not ok - $script exited $rc"; failed=$((failed + 1))
  fi
}

run_tap_chain() {  # script… → runs them one after another
  local script
  for script in "$@"; do run_tap_script "$script"; done
}

# pg_regress and pg_isolation_regress against a server of their own, in a subshell
# (whose EXIT trap stops that server): the log in regress.log, "rc seconds" in
# regress.log.rc.
run_regress() {
  local out=$log_dir/regress.log start=$SECONDS
  rm -f "$out.rc"
  (
    pgserver_start regress || exit 1
    PGHOST=127.0.0.1 PGPORT=$PGSERVER_PORT PGUSER=postgres make --no-print-directory installcheck
  ) >"$out" 2>&1
  echo "$? $((SECONDS - start))" >"$out.rc"
  echo "    finished regress in $((SECONDS - start)) s"
}

count_regress() {
  local out=$log_dir/regress.log rc=1 seconds=? ok bad
  [ -e "$out.rc" ] && read -r rc seconds <"$out.rc"
  echo "=== regress (pg_regress, pg_isolation_regress; ${seconds} s)"
  cat "$out"
  ok=$(grep -Ec '^(ok|test) .* ok( |$)|^ok [0-9]+ ' "$out")
  bad=$(grep -Ec 'FAILED|^not ok ' "$out")
  passed=$((passed + ok)) failed=$((failed + bad))
  # pg_regress can stop before reporting a test (a missing expected file, say).
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
    echo "not ok - make installcheck exited $rc"; failed=$((failed + 1))
  fi
  if grep -q 'diffs' "$out"; then
    find "$BUILD_DIR" -name regression.diffs -exec cat {} \; | head -200
  fi
}

# The scripts that take longest, longest first (measured: three to five minutes
# each, most of it waiting on paced backfills and many servers). Started last, in
# name order, they ran alone for the suite's final minutes; started first, the
# short scripts fill the slots around them.
LONGEST_SCRIPTS="test/cluster/34_online.sh test/cluster/33_generate.sh test/cluster/36_online_adversary.sh
  test/cluster/03_faults.sh test/cluster/33_generate_renames_partitions.sh test/cluster/25_mark_baseline.sh
  test/cluster/37_generate_adversary.sh test/cluster/38_online_long_index_build.sh
  test/cluster/41_online_frozen_backfill.sh"

# Regress and the demo chain start first, being long single jobs; then the longest
# scripts, then every other extension and cluster script. Once all have ended, each
# is shown and counted in suite order.
run_script_suites() {  # suite…
  local suite script longest=() others=() jobs=${TEST_JOBS:-4}
  [[ " $* " == *" regress "* ]] && run_regress &
  [[ " $* " == *" demo "* ]] && run_tap_chain test/demo/[0-9]*.sh &
  [[ " $* " == *" cluster "* ]] && for script in $LONGEST_SCRIPTS; do [ -e "$script" ] && longest+=("$script"); done
  for suite in "$@"; do
    [ "$suite" = demo ] || [ "$suite" = regress ] && continue
    for script in test/$suite/[0-9]*.sh; do
      [ -e "$script" ] && [[ " ${longest[*]} " != *" $script "* ]] && others+=("$script")
    done
  done
  for script in "${longest[@]}" "${others[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_tap_script "$script" &
  done
  wait
  for suite in "$@"; do
    if [ "$suite" = regress ]; then count_regress; continue; fi
    echo "=== $suite"
    for script in test/$suite/[0-9]*.sh; do [ -e "$script" ] && count_tap_script "$script"; done
  done
}

script_suites=()
for suite in $SUITES; do
  case $suite in
  unit)
    echo "=== unit (GoogleTest)"
    "$BUILD_DIR/shoal_unit_tests" --gtest_brief=1 2>&1 | tee "$log_dir/unit.log"
    n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log_dir/unit.log")
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log_dir/unit.log")
    passed=$((passed + ${n:-0})) failed=$((failed + ${f:-0}))
    [ -z "$n" ] && [ -z "$f" ] && failed=$((failed + 1)) && echo "not ok - unit suite did not run"
    ;;
  regress|extension|cluster|demo|packages) script_suites+=("$suite") ;;
  *) echo "unknown suite $suite"; failed=$((failed + 1)) ;;
  esac
done
run_script_suites "${script_suites[@]}"

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
