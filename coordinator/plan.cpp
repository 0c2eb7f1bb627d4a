// The planner: compares each schema's stamp with its chain on disk, position by
// position as pg-mig's Patch.getChainUp does, and says what to run or why
// nothing may run. Pure: the fleet layer reads the stamps and runs the result.
#include "plan.h"

#include <algorithm>

#include "migration_dir.h"
#include "schema_prefix.h"
#include "text.h"

namespace shoal {
namespace {

std::string join_names(std::vector<AppliedVersion>::const_iterator begin,
                       std::vector<AppliedVersion>::const_iterator end) {
    std::string names;
    for (auto it = begin; it != end; ++it)
        names += (names.empty() ? "" : ", ") + printable(it->name);
    return names;
}

std::vector<SchemaState> sorted_candidates(const NodeState &node) {
    std::vector<SchemaState> schemas;
    for (const SchemaState &schema : node.schemas) {
        if (is_candidate_schema(schema.schema) && schema.problem.empty()) schemas.push_back(schema);
    }
    std::sort(schemas.begin(), schemas.end(),
              [](const SchemaState &a, const SchemaState &b) { return a.schema < b.schema; });
    return schemas;
}

// The steps of one schema, or problems in `plan`.
std::vector<const Version *> plan_schema(const MigrationDir &dir, const std::string &node,
                                         const SchemaState &state, const PlanOptions &options,
                                         Plan &plan) {
    std::vector<const Version *> chain = chain_for_schema(dir, state.schema);
    const std::vector<AppliedVersion> &applied = state.applied;
    auto problem = [&](PlanProblemKind kind, const std::string &version, const std::string &other,
                       std::string message, std::string hint = {}) {
        PlanProblem p{kind,           node, state.schema, version, other, std::move(message),
                      std::move(hint)};
        bool is_error = kind != PlanProblemKind::ChecksumDrift || options.drift_is_error;
        (is_error ? plan.errors : plan.warnings).push_back(std::move(p));
    };

    for (size_t i = 0; i < applied.size(); ++i) {
        const AppliedVersion &have = applied[i];
        bool in_chain = std::any_of(chain.begin(), chain.end(),
                                    [&](const Version *v) { return v->name == have.name; });
        if (!in_chain) {
            problem(PlanProblemKind::MissingOnDisk, have.name, "",
                    "version " + printable(have.name) + " is applied, but it is not in " + dir.path,
                    "rebase on top of the main branch; if the version was removed on purpose, "
                    "undo it first, or drop it from the stamp with shoal.mig_forget()");
            return {};
        }
        if (i >= chain.size()) {
            problem(PlanProblemKind::TimelineViolation, have.name, have.name,
                    "the stamp lists version " + printable(have.name) +
                        " more than once; repair it with shoal.mig_forget().");
            return {};
        }
        const Version &want = *chain[i];
        if (have.name != want.name) {
            problem(PlanProblemKind::TimelineViolation, want.name, have.name,
                    "migration timeline violation: version " + want.name +
                        " is not applied, but the newer version " + printable(have.name) +
                        " already is. Either undo the newer versions (" +
                        join_names(applied.begin() + static_cast<long>(i), applied.end()) +
                        ") with shoal undo, newest first, or rename " + want.name +
                        " with a timestamp newer than " + printable(applied.back().name) +
                        " (shoal new picks one) and run shoal chain.");
            return {};
        }
        // An earlier shoal's checksum of a version reading \getenv held the values.
        const bool same =
            have.checksum == want.up.checksum || have.checksum == want.up.checksum_with_values;
        if (!have.checksum.empty() && !same) {
            const std::string values =
                want.up.checksum_with_values.empty()
                    ? ""
                    : " If only a \\getenv value differs from the one it ran with under an "
                      "earlier shoal, which hashed values too, --allow-drift runs past it.";
            problem(PlanProblemKind::ChecksumDrift, want.name, "",
                    "checksum drift: " + want.up.path + " changed since it was applied (" +
                        have.checksum.substr(0, 12) + " then, " + want.up.checksum.substr(0, 12) +
                        " now). Restore the file, or put the change in a new version." + values);
        }
    }
    return std::vector<const Version *>(
        chain.begin() + static_cast<long>(std::min(applied.size(), chain.size())), chain.end());
}

void add_steps(NodePlan &node_plan, const std::string &schema, std::vector<const Version *> steps) {
    if (!steps.empty()) node_plan.schemas.push_back({schema, std::move(steps)});
}

}  // namespace

Plan plan_apply(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                const PlanOptions &options) {
    Plan plan;
    for (const NodeState &node : nodes) {
        NodePlan node_plan{node.node, {}};
        for (const SchemaState &schema : sorted_candidates(node)) {
            add_steps(node_plan, schema.schema, plan_schema(dir, node.node, schema, options, plan));
        }
        plan.nodes.push_back(std::move(node_plan));
    }
    return plan;
}

Plan plan_undo(const MigrationDir &dir, const std::vector<NodeState> &nodes,
               const std::string &version) {
    Plan plan;
    plan.direction = Direction::Down;
    const Version *target = find_version(dir, version);
    if (target == nullptr) {
        plan.errors.push_back({PlanProblemKind::UnknownVersion, "", "", version, "",
                               "no such version on disk: " + printable(version) + " (in " +
                                   dir.path + "); shoal list shows the versions"});
        return plan;
    }
    for (const NodeState &node : nodes) {
        NodePlan node_plan{node.node, {}};
        for (const SchemaState &schema : sorted_candidates(node)) {
            const std::vector<AppliedVersion> &applied = schema.applied;
            auto have = std::find_if(applied.begin(), applied.end(), [&](const AppliedVersion &a) {
                return a.name == target->name;
            });
            if (have == applied.end()) continue;  // never had it: nothing to undo
            if (have + 1 != applied.end()) {
                plan.errors.push_back(
                    {PlanProblemKind::UndoNotLatest, node.node, schema.schema, target->name,
                     applied.back().name,
                     "only the latest version can be undone, and this schema has newer versions "
                     "after " +
                         target->name + ": " + join_names(have + 1, applied.end()) +
                         ". Undo those first, newest first."});
                continue;
            }
            add_steps(node_plan, schema.schema, {target});
        }
        plan.nodes.push_back(std::move(node_plan));
    }
    return plan;
}

size_t step_count(const Plan &plan) {
    size_t count = 0;
    for (const NodePlan &node : plan.nodes) count += step_count(node);
    return count;
}

size_t step_count(const NodePlan &node) {
    size_t count = 0;
    for (const SchemaPlan &schema : node.schemas) count += schema.steps.size();
    return count;
}

}  // namespace shoal
