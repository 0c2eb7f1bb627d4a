// Which schemas `shoal lint --trace` runs its pending versions on (its
// canaries). A pure function of the plan, so the choice is unit-tested; the
// trace (fleet/trace.cpp) only runs what it is given.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "migration.h"
#include "plan.h"

namespace shoal {

// One canary: a schema whose pending steps run in order, in one transaction
// that is rolled back, up to the last version it traces.
struct CanaryChoice {
    size_t node = 0;                     // index into plan.nodes
    const SchemaPlan *schema = nullptr;  // points into plan.nodes[node].schemas
    std::set<const Version *> traced;    // the versions this canary reports on
};

// Canaries for the versions in `wanted`, in chain order: each version not yet
// covered goes to the schema that reaches it soonest (fewest pending steps
// before it; the first such schema in plan order), which then traces the wanted
// versions after it in its chain too, so one transaction usually covers a whole
// chain. Every wanted version is traced by exactly one canary; a wanted version
// no schema has pending gets none.
std::vector<CanaryChoice> choose_canaries(const MigrationDir &dir, const Plan &plan,
                                          const std::set<const Version *> &wanted);

}  // namespace shoal
