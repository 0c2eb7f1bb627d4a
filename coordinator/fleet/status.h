// The read-only online commands: `status` (per node: schemas up to date,
// behind, failed; last run; digest; who holds the run lock), `check` (the
// deploy gate: every node's digest at least the directory's, read without the
// extension, as pg-mig's gate reads it) and `verify`
// (every schema has the structure of the majority of schemas with its applied
// versions; fleet/verify.cpp). None of them takes the run lock or writes anything.
#pragma once

#include "config.h"
#include "fleet/node.h"
#include "migration.h"
#include "report.h"

namespace shoal::fleet {

// Connects to every node and checks the extension; prints why a node is left out
// and clears `complete` when one is.
std::vector<Node> open_nodes(const Config &config, bool &complete);

// The exit code of a command that some nodes are left out of: ExtensionMissing
// when one lacks the extension (its problem names the SQL), else Unreachable.
ExitCode left_out_code(const std::vector<Node> &nodes);

// Every node that is not usable (with its problem) and every schema of a usable
// node whose stamp could not be read, in fleet order: what status, verify and
// lint --trace report instead of dropping it.
std::vector<Unread> unread_of(const std::vector<Node> &nodes);

int command_status(const Config &config, const MigrationDir &dir);
int command_check(const Config &config, const MigrationDir &dir);
int command_verify(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
