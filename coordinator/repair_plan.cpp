// mark, forget and baseline planned from the stamps: which schemas change, which
// are already as asked, which cannot take the change and why. Pure.
#include "repair_plan.h"

#include <algorithm>

#include "migration_dir.h"
#include "text.h"

namespace shoal {
namespace {

bool in_chain(const std::vector<const Version *> &chain, const std::string &name) {
    return std::any_of(chain.begin(), chain.end(),
                       [&](const Version *v) { return v->name == name; });
}

bool has(const SchemaState &schema, const std::string &name) {
    return std::any_of(schema.applied.begin(), schema.applied.end(),
                       [&](const AppliedVersion &a) { return a.name == name; });
}

// The steps apply would run on this one schema (drift allowed: marking does not
// run a file), or the first problem that keeps it from being planned.
std::vector<const Version *> pending(const MigrationDir &dir, const NodeState &node,
                                     const SchemaState &schema, std::string &problem) {
    Plan plan = plan_apply(dir, {NodeState{node.node, {schema}}}, PlanOptions{false});
    if (!plan.errors.empty()) {
        problem = plan.errors.front().message;
        return {};
    }
    return plan.nodes.front().schemas.empty() ? std::vector<const Version *>{}
                                              : plan.nodes.front().schemas.front().steps;
}

template <typename Decide>
RepairPlan plan_each(const std::vector<NodeState> &nodes, Decide decide) {
    RepairPlan plan;
    for (size_t n = 0; n < nodes.size(); ++n)
        for (const SchemaState &schema : nodes[n].schemas) {
            if (!schema.problem.empty()) {
                plan.refused.push_back({nodes[n].node, schema.schema, "",
                                        "its stamp cannot be read: " + schema.problem, ""});
                continue;
            }
            decide(n, nodes[n], schema, plan);
        }
    return plan;
}

RepairStep record_step(size_t node, const std::string &schema,
                       const std::vector<const Version *> &versions) {
    RepairStep step{node, schema, {}, {}};
    for (const Version *v : versions) {
        step.versions.push_back(v->name);
        step.checksums.push_back(v->up.checksum);
    }
    return step;
}

}  // namespace

RepairPlan plan_mark(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                     const Version &version) {
    return plan_each(nodes, [&](size_t n, const NodeState &node, const SchemaState &schema,
                                RepairPlan &plan) {
        if (!in_chain(chain_for_schema(dir, schema.schema), version.name)) return;
        const std::string where = node.node + ":" + schema.schema;
        if (has(schema, version.name)) return plan.unchanged.push_back(where);
        std::string problem;
        const auto steps = pending(dir, node, schema, problem);
        if (problem.empty() && !steps.empty() && steps.front() != &version)
            problem = "an earlier version is not applied: " + steps.front()->name +
                      " comes first (apply or mark it first)";
        if (!problem.empty())
            return plan.refused.push_back({node.node, schema.schema, version.name, problem, ""});
        plan.steps.push_back(record_step(n, schema.schema, {&version}));
    });
}

RepairPlan plan_forget(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                       const std::string &version) {
    return plan_each(
        nodes, [&](size_t n, const NodeState &node, const SchemaState &schema, RepairPlan &plan) {
            const std::string where = node.node + ":" + schema.schema;
            if (!has(schema, version)) {
                if (in_chain(chain_for_schema(dir, schema.schema), version))
                    plan.unchanged.push_back(where);
                return;
            }
            if (schema.applied.back().name != version)
                return plan.refused.push_back(
                    {node.node, schema.schema, version,
                     "only the latest version can be forgotten; newer versions follow it (forget "
                     "those first, newest first)",
                     ""});
            plan.steps.push_back(RepairStep{n, schema.schema, {version}, {}});
        });
}

RepairPlan plan_baseline(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                         const Version &version) {
    return plan_each(nodes, [&](size_t n, const NodeState &node, const SchemaState &schema,
                                RepairPlan &plan) {
        if (!in_chain(chain_for_schema(dir, schema.schema), version.name)) return;
        const std::string where = node.node + ":" + schema.schema;
        std::string problem;
        const auto steps = pending(dir, node, schema, problem);
        if (!problem.empty())
            return plan.refused.push_back({node.node, schema.schema, version.name, problem, ""});
        const auto last = std::find(steps.begin(), steps.end(), &version);
        if (last == steps.end()) return plan.unchanged.push_back(where);  // at or past it
        plan.steps.push_back(record_step(n, schema.schema, {steps.begin(), last + 1}));
    });
}

bool has_exactly_up_to(const MigrationDir &dir, const SchemaState &schema, const Version &version) {
    const auto chain = chain_for_schema(dir, schema.schema);
    const auto end = std::find(chain.begin(), chain.end(), &version);
    if (end == chain.end() || schema.applied.size() != static_cast<size_t>(end - chain.begin()) + 1)
        return false;
    for (size_t i = 0; i < schema.applied.size(); ++i)
        if (schema.applied[i].name != chain[i]->name) return false;
    return true;
}

}  // namespace shoal
