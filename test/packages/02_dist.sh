#!/usr/bin/env bash
# make dist: the PGXN zip holds the committed tree and nothing else, under
# shoal-VERSION/, with META.json's version; unpacked, the extension builds and
# installs from it (PGXS), and the coordinator's CMake configures from it with the
# same version (its compile is make test's, not repeated here). No server.
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
WORK=$(mktemp -d /tmp/shoal-dist.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
release=$(sed -n '1s/^shoal (\([0-9.]*\).*/\1/p' debian/changelog)

make --no-print-directory dist BUILD_DIR="$WORK" >"$WORK/dist.log" 2>&1
is "$?" 0 "make dist succeeds"
unzip -q "$WORK/shoal-$release.zip" -d "$WORK/unpacked"
is "$?" 0 "it made shoal-$release.zip"
dir=$WORK/unpacked/shoal-$release
is "$(cd "$dir" 2>/dev/null && find . -type f | sed 's|^\./||' | sort)" "$(git ls-tree -r --name-only HEAD | sort)" \
  "the zip holds the committed tree under shoal-$release/, nothing else"
is "$(python3 -c "import json; print(json.load(open('$dir/META.json'))['version'])")" "$release" \
  "its META.json has the release's version"

make --no-print-directory -C "$dir" COORDINATOR=no >"$WORK/build.log" 2>&1
is "$?" 0 "the extension builds from it"
make --no-print-directory -C "$dir" install COORDINATOR=no DESTDIR="$WORK/stage" >>"$WORK/build.log" 2>&1
is "$?" 0 "and installs"
ok "$([ -f "$WORK/stage$(pg_config --pkglibdir)/shoal.so" ] && [ -f "$WORK/stage$(pg_config --sharedir)/extension/shoal.control" ]; echo $?)" \
  "shoal.so and shoal.control where pg_config says"
cmake -S "$dir" -B "$WORK/cmake" >"$WORK/cmake.log" 2>&1
is "$?" 0 "the coordinator's CMake configures from it"
like "$(grep '^CMAKE_PROJECT_VERSION:' "$WORK/cmake/CMakeCache.txt")" "=$release$" "with the release's version"
done_testing
