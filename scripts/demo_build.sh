#!/usr/bin/env bash
# make demo's build and install: `make all`, then `make install`, saying what
# each builds and where it installs, with one line per file compiled (a first
# build compiles for minutes) and the rest of make's output in the log. A
# second run finds everything built and compiles nothing.
#
#   scripts/demo_build.sh LOG MAKE PREFIX PG_CONFIG
set -uo pipefail
shopt -s lastpipe
log=$1 make=$2 prefix=$3 pg_config=$4
mkdir -p "$(dirname "$log")"
: >"$log"

# make's output into the log; the compiler's lines, shortened to the file, to the screen.
run_make() {  # make's arguments…
  local compiled=0 line rc
  "$make" --no-print-directory "$@" 2>&1 | tee -a "$log" |
    sed -un -e 's|^\[ *\([0-9]*%\)\] Building CXX object .*/\([^/]*\.cpp\)\.o$|   [\1] \2|p' \
      -e 's|^g++ .* -o \(extension/[^ ]*\)\.o .*|   \1.cpp|p' |
    while IFS= read -r line; do
      echo "$line"
      compiled=$((compiled + 1))
    done
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$log"
    echo "make demo: make $* failed; the whole log: $log"
    exit 1
  fi
  [ "$compiled" -gt 0 ] || echo "   nothing to compile: what is built is current"
}

echo "== Build the extension (PGXS) and the coordinator build/shoal (CMake; the first"
echo "   build takes minutes, later ones compile only what changed; log: $log)"
run_make all
echo "== Install the extension into the system's PostgreSQL ($("$pg_config" --pkglibdir),"
echo "   $("$pg_config" --sharedir)/extension) and shoal into $prefix/bin"
run_make install
