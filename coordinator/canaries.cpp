#include "canaries.h"

#include <algorithm>

namespace shoal {

std::vector<CanaryChoice> choose_canaries(const MigrationDir &dir, const Plan &plan,
                                          const std::set<const Version *> &wanted) {
    std::vector<CanaryChoice> canaries;
    std::set<const Version *> covered;
    for (const Version &version : dir.versions) {
        if (!wanted.count(&version) || covered.count(&version)) continue;
        CanaryChoice best;
        size_t best_at = 0;
        for (size_t n = 0; n < plan.nodes.size(); ++n)
            for (const SchemaPlan &schema : plan.nodes[n].schemas) {
                const auto at = std::find(schema.steps.begin(), schema.steps.end(), &version);
                const size_t index = static_cast<size_t>(at - schema.steps.begin());
                if (at == schema.steps.end() || (best.schema && index >= best_at)) continue;
                best = CanaryChoice{n, &schema, {}};
                best_at = index;
            }
        if (!best.schema) continue;
        for (size_t i = best_at; i < best.schema->steps.size(); ++i)
            if (wanted.count(best.schema->steps[i]) && covered.insert(best.schema->steps[i]).second)
                best.traced.insert(best.schema->steps[i]);
        canaries.push_back(std::move(best));
    }
    return canaries;
}

}  // namespace shoal
