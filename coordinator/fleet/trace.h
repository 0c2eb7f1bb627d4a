// `shoal lint --trace`: measures what pending versions do instead of guessing
// from their text. Each pending version runs on one real schema that lacks it
// (its canary), statement by statement, in a transaction that is always rolled
// back; between statements the trace reads, in that same transaction, which
// relations it holds locks on (pg_locks) and their relfilenodes, so it reports
// per statement the locks taken, the time, and the tables rewritten, plus the
// estimated time over the fleet. Its findings and report merge into lint's
// (lint.h). It takes no run lock and leaves nothing behind but what PostgreSQL
// never rolls back (sequence values taken with nextval()).
#pragma once

#include "config.h"
#include "migration.h"

namespace shoal::fleet {

// The `shoal lint --trace` command (config.lint_args holds --trace); returns an
// ExitCode as int: lint's codes, a version that failed on its canary counting
// as an error (BadMigrations), plus Unreachable when a node could not be read.
int command_trace(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
