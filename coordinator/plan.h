// The planner: a pure function from (migration directory, what each node has)
// to what each schema on each node must run. No I/O; the fleet code feeds it the
// state it read and executes what it returns.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "migration.h"

namespace shoal {

// One version as a schema's stamp records it.
struct AppliedVersion {
    std::string name;
    std::string checksum;  // empty: applied by pg-mig or by hand, checksum unknown
};

// A candidate schema on a node (is_candidate_schema, schema_prefix.h), with its
// stamp; `applied` is empty for a schema never migrated. A schema whose stamp
// cannot be read has `problem` set (the node's message, SH006) and is never
// planned: it fails alone, by name, and the rest of its node goes on.
struct SchemaState {
    std::string schema;
    std::vector<AppliedVersion> applied;
    std::string problem = {};

    bool has(const std::string &version) const {
        return std::any_of(applied.begin(), applied.end(),
                           [&](const AppliedVersion &v) { return v.name == version; });
    }
};

struct NodeState {
    std::string node;  // display name, e.g. "127.0.0.1:5433/app"
    std::vector<SchemaState> schemas;
};

enum class Direction { Up, Down };

struct SchemaPlan {
    std::string schema;
    std::vector<const Version *> steps;  // in order; for undo, the one version to undo
};

struct NodePlan {
    std::string node;
    std::vector<SchemaPlan> schemas;  // only schemas with something to do
};

enum class PlanProblemKind {
    TimelineViolation,  // a version older than the schema's newest applied one is missing
    MissingOnDisk,      // the schema has a version the directory does not
    ChecksumDrift,      // an applied version's file changed since it ran
    UndoNotLatest,      // undo asked for a version that is not the schema's newest
    UnknownVersion,     // undo asked for a version the directory does not hold
};

struct PlanProblem {
    PlanProblemKind kind;
    std::string node;
    std::string schema;
    std::string version;
    std::string other_version;  // timeline: the newer applied version; empty otherwise
    std::string message;        // complete sentence
    std::string hint = {};      // what to do, when the message does not say it
};

struct Plan {
    Direction direction = Direction::Up;
    std::vector<NodePlan> nodes;
    std::vector<PlanProblem> errors;    // any error: nothing may run
    std::vector<PlanProblem> warnings;  // e.g. drift when allowed
};

struct PlanOptions {
    bool drift_is_error = true;
};

// What each candidate schema lacks, in chain order. Schemas that match no
// prefix are left alone. Timeline violations and versions missing on disk are
// errors; checksum drift is an error or a warning as `options` says.
Plan plan_apply(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                const PlanOptions &options);

// Undo of `version` (a version name, or a file name starting with one): every
// schema whose newest version it is gets one step; schemas that never had it are
// skipped; a schema that has it with newer versions after it is UndoNotLatest.
Plan plan_undo(const MigrationDir &dir, const std::vector<NodeState> &nodes,
               const std::string &version);

// Number of steps over all nodes and schemas, and on one node.
size_t step_count(const Plan &plan);
size_t step_count(const NodePlan &node);

}  // namespace shoal
