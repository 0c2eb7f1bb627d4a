// The read-only online commands: `status` (per node: schemas up to date,
// behind, failed; last run; digest; who holds the run lock), `check` (the
// deploy gate: every node's digest at least the directory's) and `verify`
// (every schema of a prefix has the same structure across the fleet). None of
// them takes the run lock or writes anything.
#pragma once

#include "config.h"
#include "migration.h"

namespace shoal::fleet {

int command_status(const Config &config, const MigrationDir &dir);
int command_check(const Config &config, const MigrationDir &dir);
int command_verify(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
