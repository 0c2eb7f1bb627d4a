// status's counts for one node: which schemas are up to date, behind, failed,
// at odds with the directory or unreadable. Counts and words only.
#include "status_counts.h"

#include <algorithm>

#include "migration_dir.h"
#include "report.h"
#include "text.h"

namespace shoal {

StatusCounts count_status(const MigrationDir &dir, const NodeState &state, const NodePlan &plan,
                          const std::vector<PlanProblem> &errors,
                          const std::map<std::string, std::string> &failures) {
    StatusCounts counts;
    for (const SchemaState &schema : state.schemas) {
        if (chain_for_schema(dir, schema.schema).empty()) continue;
        ++counts.schemas;
        if (!schema.problem.empty()) ++counts.unreadable;  // never planned: not up to date either
    }
    for (const PlanProblem &problem : errors)
        if (problem.node == state.node && !problem.schema.empty())
            counts.conflicting.insert(problem.schema);
    counts.behind = plan.schemas.size();
    for (const SchemaPlan &schema : plan.schemas) {
        const auto failure = failures.find(schema.schema);
        if (failure == failures.end()) continue;
        const bool still_lacks =
            std::any_of(schema.steps.begin(), schema.steps.end(),
                        [&](const Version *step) { return step->name == failure->second; });
        if (still_lacks) counts.failed.push_back(schema.schema);
    }
    std::sort(counts.failed.begin(), counts.failed.end());
    const size_t not_at_head = counts.behind + counts.conflicting.size() + counts.unreadable;
    counts.up_to_date = counts.schemas - std::min(counts.schemas, not_at_head);
    return counts;
}

std::string format_status_counts(const StatusCounts &counts) {
    std::string out = std::to_string(counts.schemas) +
                      (counts.schemas == 1 ? " schema: " : " schemas: ") +
                      std::to_string(counts.up_to_date) + " up to date, " +
                      std::to_string(counts.behind) + " behind";
    if (!counts.failed.empty()) {
        std::vector<std::string> names;
        for (const std::string &schema : counts.failed) names.push_back(printable(schema));
        out += " (" + std::to_string(counts.failed.size()) +
               " of them failed: " + join(collapse(names), ",") + ")";
    }
    if (!counts.conflicting.empty())
        out += ", " + std::to_string(counts.conflicting.size()) +
               " at odds with the directory (apply would refuse)";
    if (counts.unreadable)
        out += ", " + std::to_string(counts.unreadable) + " whose stamp cannot be read (below)";
    return out;
}

}  // namespace shoal
