// `shoal mark`, `shoal forget` and `shoal baseline` over the targeted schemas of
// every node, and narrowing a read-only command to --schemas. Repairs take the
// run lock as apply does (so they never overlap a run or each other), record
// through the extension's mig_mark/mig_forget (which write the events, with the
// role), one transaction per schema; what changes is planned in repair_plan.h.
#pragma once

#include <vector>

#include "config.h"
#include "fleet/node.h"
#include "migration.h"
#include "targeting.h"

namespace shoal::fleet {

// Says on stderr which --schemas items match no schema of `nodes`; true when
// every item matches one.
bool all_patterns_match(const Targeting &target, const std::vector<NodeState> &nodes);

// Keeps in each node's state only the schemas --schemas targets; false (said
// on stderr) when an item matches no schema of any node.
bool narrow_to_targets(const std::vector<Node *> &nodes, const Targeting &target);

// mark, forget, baseline; returns the exit code.
int command_repair(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
