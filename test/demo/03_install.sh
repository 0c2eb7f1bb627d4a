#!/usr/bin/env bash
# `make install` into a staging DESTDIR, with the default PREFIX and another one:
# shoal in PREFIX/bin, shoal.so in pg_config's pkglibdir, shoal.control and every
# sql/shoal--*.sql in pg_config's sharedir/extension, the man page and the
# completions under PREFIX/share. make demo's build step. Also that META.json,
# shoal.control, the scripts and debian/changelog agree on the versions. No server.
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
WORK=$(mktemp -d /tmp/shoal-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
libdir=$(pg_config --pkglibdir)
extdir=$(pg_config --sharedir)/extension

installs_into() {  # DESTDIR BINDIR (the bin directory inside DESTDIR)
  local dest=$1 bin=$2 script missing=""
  ok "$([ -x "$dest$bin/shoal" ]; echo $?)" "shoal in $bin"
  like "$("$dest$bin/shoal" --version)" "^shoal [0-9.]* .needs extension shoal $(sed -n "s/^default_version = '\\(.*\\)'/\\1/p" extension/shoal.control) or newer" "the installed shoal runs and names the extension version it needs"
  local share=${bin%/bin}/share
  ok "$([ -f "$dest$share/man/man1/shoal.1" ]; echo $?)" "the man page in $share/man/man1"
  ok "$([ -f "$dest$share/bash-completion/completions/shoal" ] && [ -f "$dest$share/zsh/site-functions/_shoal" ]; echo $?)" \
    "the bash and zsh completions in $share"
  ok "$([ -f "$dest$libdir/shoal.so" ]; echo $?)" "shoal.so in $libdir"
  ok "$([ -f "$dest$extdir/shoal.control" ]; echo $?)" "shoal.control in $extdir"
  for script in sql/shoal--*.sql; do
    [ -f "$dest$extdir/$(basename "$script")" ] || missing+=" $(basename "$script")"
  done
  is "$missing" "" "every sql/shoal--*.sql in $extdir"
}

echo "# make install DESTDIR=… (PREFIX defaults to /usr/local)"
make --no-print-directory install DESTDIR="$WORK/default" >"$WORK/default.log" 2>&1
is "$?" 0 "make install succeeds"
installs_into "$WORK/default" /usr/local/bin

echo "# make install DESTDIR=… PREFIX=/opt/shoal"
make --no-print-directory install DESTDIR="$WORK/opt" PREFIX=/opt/shoal >"$WORK/opt.log" 2>&1
is "$?" 0 "make install with PREFIX succeeds"
installs_into "$WORK/opt" /opt/shoal/bin
ok "$([ ! -e "$WORK/opt/usr/local/bin/shoal" ]; echo $?)" "nothing in /usr/local/bin then"

echo "# make demo's build and install, with everything built: it says what and where, compiles nothing"
out=$(DESTDIR="$WORK/demo" bash scripts/demo_build.sh "$WORK/demo-build.log" make /usr/local pg_config)
is "$?" 0 "make demo's build step succeeds"
like "$out" "Install the extension into the system's PostgreSQL \\($libdir," "it says where the extension goes"
like "$out" "and shoal into /usr/local/bin" "and where shoal goes"
is "$(grep -c 'nothing to compile' <<<"$out")" 2 "a rebuild compiles nothing"
ok "$([ -x "$WORK/demo/usr/local/bin/shoal" ]; echo $?)" "and installs"

echo "# one version everywhere"
control=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" extension/shoal.control)
# The newest version a script installs or upgrades to: shoal--V.sql or shoal--A--V.sql.
newest=$(ls sql/shoal--*.sql | sed 's/.*--\([0-9.]*\)\.sql$/\1/' | sort -V | tail -1)
is "$newest" "$control" "shoal.control's default_version is the newest script's"
meta() { python3 -c "import json,sys; d=json.load(open('META.json')); print($1)"; }
release=$(sed -n '1s/^shoal (\([0-9.]*\).*/\1/p' debian/changelog)
is "$(meta "d['version']")" "$release" "META.json's version is the release's (debian/changelog)"
is "$(meta "d['release_status']")" stable "META.json has a release_status"
is "$(meta "d['provides']['shoal']['version']")" "$control.0" "META.json's provides.shoal.version too"
ok "$([ -f "$(meta "d['provides']['shoal']['file']")" ]; echo $?)" "META.json's provides.shoal.file exists"

done_testing
