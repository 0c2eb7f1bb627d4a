// The boundary between the pure core and the code that talks to nodes: main.cpp
// hands a parsed command to the fleet layer, which connects, plans, runs and
// reports. Everything behind this header uses libpq; nothing in front of it does.
#pragma once

#include "config.h"
#include "migration.h"

namespace shoal::fleet {

// Runs an online command (apply, undo, status, check, verify, lint --trace) and
// returns the process exit code (see ExitCode in report.h).
int run_online_command(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
