// Drives the chains of a plan across the fleet: one event loop over
// non-blocking libpq connections (`parallelism` per node), each schema's steps in
// order, one version per transaction (mig_apply / mig_undo pipelined with the
// timeouts in the batch's implicit transaction: one round trip), solo versions statement by
// statement outside a transaction then recorded with mig_mark / mig_forget. Directives are
// semaphores ($parallelism_per_host, $parallelism_global), $run_alone an
// exclusive section over the fleet, $delay a pause that keeps the version's
// slots. Lock timeouts are retried with backoff; any other error stops that
// schema's chain (recorded with shoal.record_failure) and nothing else.
// Schemas run in waves (waves.h: a canary, then percentages of the fleet), each
// finished before the next starts, and the run halts between waves on too many
// failures. Operators steer with shoal pause|resume|cancel (steer.h) or from
// psql: every node's shoal.control_state() is
// polled on its control connection; paused anywhere, no new transaction starts
// anywhere until every node says running; cancelled, nothing new starts and the
// run ends once in-flight transactions finished. Interrupts cancel in-flight
// statements and stop cleanly. No threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fleet/node.h"
#include "fleet/progress.h"
#include "fleet/run_log.h"
#include "lock_policy.h"
#include "migration.h"
#include "plan.h"
#include "report.h"
#include "waves.h"

namespace shoal::fleet {

struct DriveSettings {
    int parallelism = 0;           // per node; 0: each node's default_parallelism
    LockPolicy lock_policy;        // what a version's $lock_timeout, $retries, $retry_for override
    int statement_timeout_ms = 0;  // when the version sets no $statement_timeout; 0 = none
    WaveOptions waves;             // canary and waves; none: one wave
    FailureLimit max_failures;     // checked between waves (a canary tolerates none)

    // A statement's statement_timeout: the version's $statement_timeout, else the run's.
    int statement_timeout_for(const Directives &directives) const {
        return directives.statement_timeout_ms >= 0 ? directives.statement_timeout_ms
                                                    : statement_timeout_ms;
    }
};

// How often the driver reads shoal.control_state() on every node. A pause is
// seen within one interval plus a round trip.
inline constexpr auto kControlPoll = std::chrono::milliseconds(250);

struct DriveResult {
    size_t done = 0;  // steps applied (or undone)
    // done, per node display name: a node whose final durable commit does not
    // confirm them has its steps reported unconfirmed instead (apply.cpp).
    std::map<std::string, size_t> done_on;
    size_t not_done = 0;  // steps not attempted: after a failure, interrupt or lost node
    std::vector<SchemaError> errors;  // one per failed schema
    std::vector<SchemaNotice>
        notices;  // what the steps' statements raised below ERROR, in arrival order
    std::vector<std::string> lost;  // nodes whose connections broke during the run
    bool interrupted = false;
    std::string cancelled;  // "cancelled by ROLE on NODE: REASON" when shoal.cancel() ended the run
    std::string
        halted;  // why no further wave started, when the canary or --max-failures stopped it
};

// Runs `plan` on `nodes`; plan.nodes[i] was made from planned[i]'s state (one
// of `nodes`): position, not a name, says which node a NodePlan is. The scripts
// must already be staged. Every step, retry, wave, steering change and lost
// node is also reported to `observer` as it happens.
DriveResult drive(std::vector<Node> &nodes, const std::vector<Node *> &planned,
                  const MigrationDir &dir, const Plan &plan, const DriveSettings &settings,
                  Progress &progress, RunObserver &observer);

}  // namespace shoal::fleet
