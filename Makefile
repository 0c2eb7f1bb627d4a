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
#                   and build/shoal into $(PREFIX)/bin (PREFIX=/usr/local; DESTDIR honoured)
#
# The extension is built with PGXS, so PG_CONFIG=/path/to/pg_config picks the
# PostgreSQL to build against. Targets that must work on a machine without
# PostgreSQL yet (setup, test) re-invoke make after setup, when PGXS exists.

PG_CONFIG ?= pg_config
BUILD_DIR ?= build
PREFIX ?= /usr/local

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
all: coordinator
install: install-coordinator
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
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 755 $(BUILD_DIR)/shoal '$(DESTDIR)$(PREFIX)/bin/shoal'

test: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@bash test/run.sh

# The build's output goes to a log, so the demo's own output is what a newcomer reads.
demo: setup
	@mkdir -p $(BUILD_DIR)
	@echo "== Build and install: make all install (log: $(BUILD_DIR)/demo-build.log)"
	@$(MAKE) --no-print-directory all install >$(BUILD_DIR)/demo-build.log 2>&1 || { \
	  tail -n 30 $(BUILD_DIR)/demo-build.log; \
	  echo "make demo: the build failed; whole log: $(BUILD_DIR)/demo-build.log"; exit 1; }
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
