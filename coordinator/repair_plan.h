// What `shoal mark`, `forget` and `baseline` change, schema by schema: a pure
// function of the directory and the stamps read (targeting already applied),
// as plan.h is for apply. The fleet layer (fleet/repair.cpp) reads the nodes,
// the structural fingerprints baseline compares, and records what this says.
#pragma once

#include <string>
#include <vector>

#include "migration.h"
#include "plan.h"
#include "report.h"

namespace shoal {

// One schema's change: the versions recorded as applied (mark, baseline; in
// chain order) or the one dropped from its stamp (forget).
struct RepairStep {
    size_t node = 0;  // index into the NodeState list planned from
    std::string schema;
    std::vector<std::string> versions;
    std::vector<std::string> checksums;  // of each version's up script; forget: none
};

struct RepairPlan {
    std::vector<RepairStep> steps;
    std::vector<std::string> unchanged;  // "node:schema" already as asked
    // mark, forget: schemas that cannot take the change; when any, nothing
    // changes anywhere. baseline: schemas left alone (their plan has problems).
    std::vector<SchemaError> refused;
};

// mark VERSION: every schema of the version's prefix whose next version it is
// gets it; those that have it are unchanged; those that lack an earlier
// version (or whose stamps contradict the directory) are refused.
RepairPlan plan_mark(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                     const Version &version);

// forget VERSION (a name, on disk or not): every schema whose latest version
// it is drops it; a schema that has newer versions after it is refused; the
// rest never had it (unchanged when their prefix takes it).
RepairPlan plan_forget(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                       const std::string &version);

// baseline VERSION: every schema of the version's prefix that is behind it,
// candidates for recording its missing versions up to VERSION once their
// structure is compared; at or past it: unchanged; stamps that contradict the
// directory: refused (left alone, the others go on).
RepairPlan plan_baseline(const MigrationDir &dir, const std::vector<NodeState> &nodes,
                         const Version &version);

// Whether `applied` is exactly the chain of `schema` up to and including `version`.
bool has_exactly_up_to(const MigrationDir &dir, const SchemaState &schema, const Version &version);

}  // namespace shoal
