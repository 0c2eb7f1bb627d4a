#!/usr/bin/env bash
# The Debian packages `make deb` built (build/deb): lintian finds no error; the
# binaries are stripped, their symbols in the -dbgsym packages; installed on this
# machine (dpkg -i, apt-get -f install) they run the demo's fleet, shoal from
# /usr/bin and the extension from the system's PostgreSQL; dpkg -r leaves none of
# their files behind. The system's PostgreSQL is used, so this runs after the
# other suites (make test-packages), and a source-installed extension found there
# is set aside first and put back at the end. Needs root.
PG_VERSION=$(cat "$(dirname "$0")/../../debian/pgversions")
# The system's PostgreSQL, the one the package installs into, runs the fleet.
export PGSERVER_BIN=/usr/lib/postgresql/$PG_VERSION/bin
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
DEB_DIR=${DEB_DIR:-build/deb}
release=$(sed -n '1s/^shoal (\([0-9.]*\).*/\1/p' debian/changelog)
extension=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/shoal.control)
arch=$(dpkg --print-architecture)
shoal_deb=$DEB_DIR/shoal_${release}_$arch.deb
extension_deb=$DEB_DIR/postgresql-${PG_VERSION}-shoal_${release}_$arch.deb
libdir=$("$PGSERVER_BIN/pg_config" --pkglibdir)
extdir=$("$PGSERVER_BIN/pg_config" --sharedir)/extension
WORK=$(mktemp -d "$PGSERVER_TMP/shoal-packages.XXXXXX")
chmod 755 "$WORK"  # the demo's servers run as postgres
PGSERVER_ROOT=$WORK/fleet

[ "$(id -u)" -eq 0 ] || { echo "not ok - the package test installs packages: run it as root"; exit 1; }
for deb in "$shoal_deb" "$extension_deb"; do
  [ -f "$deb" ] || { echo "not ok - $deb is missing: make deb"; exit 1; }
done

echo "# lintian"
lintian_out=$(lintian --fail-on error "$shoal_deb" "$extension_deb" 2>&1)
is "$?" 0 "lintian reports no error"
sed 's/^/#   /' <<<"$lintian_out"

echo "# what the packages hold"
shoal_files=$(dpkg-deb -c "$shoal_deb" | awk '{print $6}')
extension_files=$(dpkg-deb -c "$extension_deb" | awk '{print $6}')
missing=""
for file in ./usr/bin/shoal ./usr/share/man/man1/shoal.1.gz \
  ./usr/share/bash-completion/completions/shoal ./usr/share/zsh/vendor-completions/_shoal \
  ./usr/share/doc/shoal/README.md ./usr/share/doc/shoal/docs/operators.md \
  ./usr/share/doc/shoal/copyright ./usr/share/doc/shoal/examples/migrations/; do
  grep -qxF -- "$file" <<<"$shoal_files" || missing+=" $file"
done
is "$missing" "" "shoal: the program, its man page, completions, guides, license, examples"
missing=""
for file in ".$libdir/shoal.so" ".$extdir/shoal.control" ".$extdir/shoal--$extension.sql" \
  $(cd sql && ls shoal--*--*.sql | sed "s|^|.$extdir/|"); do
  grep -qxF -- "$file" <<<"$extension_files" || missing+=" $file"
done
is "$missing" "" "postgresql-$PG_VERSION-shoal: the library, the control file, every script"
unpacked=$WORK/unpacked
dpkg-deb -x "$shoal_deb" "$unpacked" && dpkg-deb -x "$extension_deb" "$unpacked"
for binary in /usr/bin/shoal "$libdir/shoal.so"; do
  readelf -S "$unpacked$binary" | grep -qE '\.symtab|\.debug_info'
  is "$?" 1 "$binary is stripped"
done
ok "$(ls "$DEB_DIR"/shoal-dbgsym_*.deb "$DEB_DIR"/postgresql-"$PG_VERSION"-shoal-dbgsym_*.deb >/dev/null; echo $?)" \
  "the debug symbols are in the -dbgsym packages"

echo "# a source-installed extension is set aside"
aside=$WORK/aside
mkdir -p "$aside"
source_installed=$(ls "$libdir/shoal.so" "$extdir"/shoal.control "$extdir"/shoal--*.sql 2>/dev/null)
source_sums=$([ -n "$source_installed" ] && md5sum $source_installed)
put_back() {
  local file
  for file in $source_installed; do
    [ -f "$aside$file" ] && mv "$aside$file" "$file"
  done
}
trap 'pgserver_cleanup; dpkg -r shoal "postgresql-$PG_VERSION-shoal" >/dev/null 2>&1; put_back; rm -rf "$WORK"' EXIT
for file in $source_installed; do
  mkdir -p "$aside$(dirname "$file")" && mv "$file" "$aside$file"
done

echo "# dpkg -i, apt-get -f install"
dpkg -i "$shoal_deb" "$extension_deb" >"$WORK/dpkg.log" 2>&1
DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >>"$WORK/dpkg.log" 2>&1
for package in shoal "postgresql-$PG_VERSION-shoal"; do
  is "$(dpkg-query -W -f='${Status}' "$package" 2>&1)" "install ok installed" "$package is installed"
done
is "$(dpkg-query -S "$libdir/shoal.so" 2>&1)" "postgresql-$PG_VERSION-shoal: $libdir/shoal.so" \
  "the server's shoal.so is the package's"
like "$(/usr/bin/shoal --version)" "^shoal $release \\(needs extension shoal $extension or newer" \
  "/usr/bin/shoal --version: the package's version and the extension it needs"
# `make install` (make test runs it) puts a page in /usr/local, which man searches
# first: ask the hierarchy the packages install into.
like "$(man -M /usr/share/man -w shoal 2>&1)" "^/usr/share/man/man1/shoal.1.gz$" "man shoal finds the page"

echo "# the demo's fleet with the packaged shoal and extension"
SHOAL=/usr/bin/shoal DEMO_DIR=$WORK/fleet DEMO_SHARDS=3 \
  bash scripts/demo.sh >"$WORK/demo.log" 2>&1
rc=$?
out=$(cat "$WORK/demo.log")
is "$rc" 0 "the demo exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' <<<"$out" | tail -30
like "$out" '^\$ /usr/bin/shoal apply --migdir examples/migrations$' "the demo ran /usr/bin/shoal"
like "$out" 'apply: 1 applied, 0 failed' "its fleet migrated and resumed"
pgserver_cleanup

echo "# dpkg -r"
dpkg -r shoal "postgresql-$PG_VERSION-shoal" >"$WORK/dpkg-r.log" 2>&1
is "$?" 0 "dpkg -r removes both"
left=""
for file in $shoal_files $extension_files; do
  file=${file#.}
  [ -f "$file" ] && left+=" $file"
done
is "$left" "" "no file of theirs is left"
for package in shoal "postgresql-$PG_VERSION-shoal"; do
  like "$(dpkg-query -W -f='${Status}' "$package" 2>&1)" "not-installed|no packages found" "$package is gone"
done

put_back
is "$([ -n "$source_installed" ] && md5sum $source_installed)" "$source_sums" "the source-installed extension is back as it was"
done_testing
