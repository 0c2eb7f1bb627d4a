// The last run as status tells it, from what each node recorded of its runs
// (shoal.recent_runs, extension 1.8): outcome, duration, time, role, what the
// run covered, its steps on that node and whether it stored the digest; and
// what a run records when it ends. No I/O: fleet/status.cpp reads the rows,
// fleet/apply.cpp writes them.
#pragma once

#include <optional>
#include <string>

#include "json.h"
#include "report.h"
#include "targeting.h"

namespace shoal {

// One row of shoal.recent_runs.
struct LastRun {
    // succeeded, failed, cancelled, interrupted (the coordinator closed the
    // run); running, did not finish (nobody closed it: derived by the node).
    std::string outcome;
    std::string command;  // apply, undo
    std::string scope;    // "" for the whole fleet, else run_scope()'s words
    std::string role;
    std::string started_at;                  // ISO 8601 UTC
    std::optional<std::string> finished_at;  // null unless closed
    std::optional<double> seconds;           // from started_at to finished_at
    std::optional<long long> steps_done;     // on this node
    std::optional<long long> steps_failed;   // schemas that failed on this node
    std::optional<bool> digest_stored;
};

// What a run records as its outcome on every node, from its exit code: a run
// that failed on one node failed on all of them, so no node reads as a success
// of the fleet.
std::string run_outcome(ExitCode code);

// What a run was narrowed to, in the options' words ("--schemas sh1*,sh2
// --to V --nodes"); "" when it covered everything.
std::string run_scope(const Targeting &target);

// "succeeded in 12.3 s at 2026-12-02T03:10:00Z by alice (apply, 1 200 steps,
// digest stored)"; a narrowed run says "succeeded for --schemas sh1* only";
// a failed one how many steps failed on this node ("none on this node" when
// the failures were elsewhere); one nobody closed says when it started.
std::string format_last_run(const LastRun &run);

// {"outcome", "command", "scope", "role", "started_at", "finished_at",
// "seconds", "steps_done", "steps_failed", "digest_stored"}; null where unknown.
Json json_last_run(const LastRun &run);

}  // namespace shoal
