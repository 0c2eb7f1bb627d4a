// `shoal history`: shoal.event of every node, merged newest first, with the
// filters of the command line (the pure part, the merge and the words, is
// coordinator/history.h; this reads the nodes and prints). Takes no lock and
// writes nothing.
#pragma once

#include "config.h"
#include "migration.h"
#include "status_where.h"

namespace shoal::fleet {

// Narrowed by --schemas (config.target.schemas) and --nodes.
int command_history(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
