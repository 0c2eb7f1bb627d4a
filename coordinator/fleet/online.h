// Online versions against the fleet (docs/online.md): the expand as the
// driver's step, the backfill that `shoal apply` runs after its chains, and
// `shoal complete` / `shoal abort`. The SQL of each phase is the extension's
// (shoal.online_*); this file only decides where and when it runs.
#pragma once

#include <string>
#include <vector>

#include "config.h"
#include "fleet/connection.h"
#include "fleet/driver.h"
#include "fleet/node.h"
#include "fleet/progress.h"
#include "migration.h"
#include "report.h"

namespace shoal::fleet {

// The driver's step for an online version: its expand, in the step's
// transaction (the step's lock_timeout and retries apply).
Query online_expand_step(const std::string &schema, const Version &version);

struct BackfillResult {
    size_t backfilled = 0;  // schemas whose backfill this run finished
    std::vector<SchemaError> errors;
    bool interrupted = false;
    std::string cancelled;  // as DriveResult::cancelled
};

// Backfills every targeted schema of `nodes` that holds an expanded online
// version of `dir`: one batch per schema at a time, at most the node's
// parallelism schemas at once, the steering state read between batches.
BackfillResult backfill(const std::vector<Node *> &nodes, const MigrationDir &dir,
                        const Targeting &target, const DriveSettings &settings, Progress &progress);

// `shoal complete VERSION` and `shoal abort VERSION`.
int command_online_change(const Config &config, const MigrationDir &dir);

// status: one line per node and online version between expand and contract
// ("online V: 3 backfilled, 1 backfilling (backfilled 1200/3000 rows, 400
// rows/s, about 5 s left)", the rate and ETA while a shard backfills);
// nothing when none.
void print_online_states(const std::vector<Node *> &nodes);

}  // namespace shoal::fleet
