// What `shoal status` says about one node's schemas, from what apply would plan
// there and the failures shoal.event records. No I/O. Every schema some version
// applies to is counted once: up to date, behind, at odds with the directory, or
// unreadable. The failed schemas are a part of "behind", and the text says so.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "migration.h"
#include "plan.h"

namespace shoal {

struct StatusCounts {
    size_t schemas = 0;  // schemas some version applies to
    size_t up_to_date = 0;
    size_t behind = 0;  // apply would run versions there
    // Apply would refuse them (plan errors: timeline, a version not on disk).
    std::set<std::string> conflicting;
    size_t unreadable = 0;  // their stamp cannot be read
    // Part of `behind`: schemas whose latest shoal event is a failure at a
    // version apply would still run there. Once that version is in the stamp
    // (a later run, or another tool such as pg-mig, applied it), or no longer
    // in the directory, the failure is history and not the schema's state.
    std::vector<std::string> failed;
};

// `plan` and `errors` are what plan_apply made of `state` (errors of other
// nodes are skipped); `failures` maps each schema whose latest shoal event is a
// failure to the version that failed.
StatusCounts count_status(const MigrationDir &dir, const NodeState &state, const NodePlan &plan,
                          const std::vector<PlanProblem> &errors,
                          const std::map<std::string, std::string> &failures);

// "11 schemas: 9 up to date, 2 behind (1 of them failed: sh0004), 1 at odds with
// the directory (apply would refuse), 1 whose stamp cannot be read (below)";
// the last three parts only when not zero.
std::string format_status_counts(const StatusCounts &counts);

}  // namespace shoal
