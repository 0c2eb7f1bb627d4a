# shoal — top-level build.
#
#   make            build the extension (PGXS) and the coordinator (CMake, build/shoal)
#   make setup      install the system packages the project needs (apt-get, idempotent)
#   make test       setup + build + install the extension + every test suite
#   make demo       a throwaway local fleet under .demo/ migrated by shoal
#   make demo-stop  stop the demo's servers (make demo-start: start them again)
#   make bench      benchmark against raw psql (BENCH_ARGS=--quick: scenario 1 only)
#   make format     format every C++ file with .clang-format (format-check: CI's check)
#   make install    install the extension into the PostgreSQL found by pg_config,
#                   and build/shoal into $(PREFIX)/bin with its man page and bash and
#                   zsh completions (PREFIX=/usr/local; DESTDIR honoured)
#   make deb        the Debian packages postgresql-15-shoal and shoal (+ -dbgsym) in
#                   $(BUILD_DIR)/deb, reusing what is built
#   make dist       the PGXN zip $(BUILD_DIR)/shoal-VERSION.zip of the committed tree
#   make test-packages  install the packages into this system, run the demo's fleet
#                   with them, remove them (root; after make test, as .ci/run does)
#
# The extension is built with PGXS, so PG_CONFIG=/path/to/pg_config picks the
# PostgreSQL to build against. Targets that must work on a machine without
# PostgreSQL yet (setup, test) re-invoke make after setup, when PGXS exists.

PG_CONFIG ?= pg_config
BUILD_DIR ?= build
PREFIX ?= /usr/local
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/site-functions
# COORDINATOR=no: make and make install build and install the extension only
# (debian/rules, for pg_buildext's runs per PostgreSQL version).
COORDINATOR ?= yes

MODULE_big = shoal
OBJS = $(patsubst %.cpp,%.o,$(wildcard extension/*.cpp))
MODULEDIR = extension
# sql/shoal.sql is the current definition; it is installed as the default
# version's script, so CREATE EXTENSION runs one file. The released scripts
# (1.0 and the upgrades) install older versions and upgrade to this one.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" extension/shoal.control)
DATA = extension/shoal.control sql/shoal--1.0.sql $(wildcard sql/shoal--*--*.sql)
DATA_built = sql/shoal--$(EXTVERSION).sql
# -Wall (PGXS) -Wextra -Werror as for the coordinator. PostgreSQL's server headers
# are included as system headers: their inline functions have unused parameters
# (bufpage.h, ilist.h) that -Wextra would flag in every file including them.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CXXFLAGS = -std=c++17 -Wextra -Wno-register -Werror
SHLIB_LINK = -lstdc++

# Every file in the suite directories runs: nothing can be forgotten in a schedule.
REGRESS = $(sort $(basename $(notdir $(wildcard test/regress/sql/*.sql))))
REGRESS_OPTS = --inputdir=test/regress --outputdir=$(BUILD_DIR)/regress
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=$(BUILD_DIR)/isolation

# Debian's PostgreSQL is built with LLVM; we ship no JIT bitcode.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
ifeq ($(COORDINATOR),yes)
all: coordinator
install: install-coordinator
endif
endif

sql/shoal--$(EXTVERSION).sql: sql/shoal.sql extension/shoal.control
	cp $< $@

.PHONY: setup coordinator install-coordinator test demo demo-stop demo-start bench format format-check

setup:
	@bash scripts/setup.sh

coordinator:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j2

install-coordinator: coordinator
	install -d '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/share/man/man1' \
	  '$(DESTDIR)$(PREFIX)/share/bash-completion/completions' '$(DESTDIR)$(ZSH_COMPLETION_DIR)'
	install -m 755 $(BUILD_DIR)/shoal '$(DESTDIR)$(PREFIX)/bin/shoal'
	install -m 644 $(BUILD_DIR)/shoal.1 '$(DESTDIR)$(PREFIX)/share/man/man1/shoal.1'
	install -m 644 $(BUILD_DIR)/shoal.bash-completion \
	  '$(DESTDIR)$(PREFIX)/share/bash-completion/completions/shoal'
	install -m 644 $(BUILD_DIR)/_shoal '$(DESTDIR)$(ZSH_COMPLETION_DIR)/_shoal'

test: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@bash test/run.sh

# The build's output goes to a log, so the demo's own output is what a newcomer reads.
demo: setup
	@bash scripts/demo_build.sh '$(BUILD_DIR)/demo-build.log' '$(MAKE)' '$(PREFIX)' '$(PG_CONFIG)'
	@bash scripts/demo.sh

demo-stop:
	@bash scripts/demo.sh stop

demo-start:
	@bash scripts/demo.sh start

bench: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@python3 bench/run.py $(BENCH_ARGS)

# One formatting dialect for the coordinator, the extension and the tests.
CXX_SOURCES = $(shell git ls-files '*.cpp' '*.h' '*.hpp' 2>/dev/null)

format:
	@clang-format -i $(CXX_SOURCES)

format-check:
	@clang-format --dry-run --Werror $(CXX_SOURCES)

# Packages (issue 20). The release is the newest entry of debian/changelog, the
# one place it is written (CMakeLists.txt reads it for --version and the man page).
RELEASE = $(shell sed -n '1s/^shoal .\([0-9.]*\).*/\1/p' debian/changelog)
DEB_DIR = $(BUILD_DIR)/deb

.PHONY: deb dist test-packages

# debian/rules straight, not dpkg-buildpackage: nothing is cleaned first (build/ and
# the extension are reused as make left them) and nothing is written outside the tree.
deb: coordinator
	@rm -rf '$(DEB_DIR)' && mkdir -p '$(DEB_DIR)'
	@dpkg-checkbuilddeps
	@echo "== Debian packages into $(DEB_DIR) (log: $(DEB_DIR)/build.log)"
	@{ debian/rules build && SHOAL_DEB_DIR='$(abspath $(DEB_DIR))' debian/rules binary; } \
	  >'$(DEB_DIR)/build.log' 2>&1 || { tail -n 30 '$(DEB_DIR)/build.log'; exit 1; }
	@debian/rules clean >>'$(DEB_DIR)/build.log' 2>&1
	@ls -1 '$(DEB_DIR)'/*.deb

# The PGXN distribution: the committed tree (HEAD), as PGXN wants it.
dist:
	@mkdir -p '$(BUILD_DIR)'
	git archive --format=zip --prefix=shoal-$(RELEASE)/ -o '$(BUILD_DIR)/shoal-$(RELEASE).zip' HEAD
	@echo "$(BUILD_DIR)/shoal-$(RELEASE).zip"

# After make test: these install into the system's PostgreSQL, then restore it.
test-packages: deb
	@SUITES=packages bash test/run.sh
