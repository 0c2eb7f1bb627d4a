// Which schemas `shoal lint --trace` runs pending versions on (canaries.h).
#include "canaries.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

Version version_named(const std::string &name) {
    return Version{name, name.substr(0, 14), "v", "sh", {}, {}};
}

struct Fixture {
    MigrationDir dir;
    Plan plan;

    explicit Fixture(size_t versions) {
        for (size_t i = 0; i < versions; ++i)
            dir.versions.push_back(version_named("2025010100000" + std::to_string(i) + ".v.sh"));
    }
    const Version *v(size_t i) const { return &dir.versions[i]; }
    // A schema on node `n` whose pending chain is the versions `from`..last.
    void schema(size_t n, const std::string &name, size_t from) {
        while (plan.nodes.size() <= n)
            plan.nodes.push_back(NodePlan{"node" + std::to_string(plan.nodes.size()), {}});
        SchemaPlan schema{name, {}};
        for (size_t i = from; i < dir.versions.size(); ++i) schema.steps.push_back(v(i));
        plan.nodes[n].schemas.push_back(schema);
    }
    std::set<const Version *> all() const {
        std::set<const Version *> wanted;
        for (const Version &version : dir.versions) wanted.insert(&version);
        return wanted;
    }
};

TEST(Canaries, OneSchemaAtTheSameStateTracesTheWholeChain) {
    Fixture f(3);
    f.schema(0, "sh0", 0);
    f.schema(1, "sh1", 0);
    const std::vector<CanaryChoice> canaries = choose_canaries(f.dir, f.plan, f.all());
    ASSERT_EQ(canaries.size(), 1u);
    EXPECT_EQ(canaries[0].node, 0u);
    EXPECT_EQ(canaries[0].schema->schema, "sh0");
    EXPECT_EQ(canaries[0].traced, f.all());
}

TEST(Canaries, EachVersionRunsOnASchemaRightBeforeIt) {
    // sh-old lacks all three versions; sh-new on node 1 lacks only the last:
    // the last is traced where it is the next step, not after two others.
    Fixture f(3);
    f.schema(0, "sh-old", 0);
    f.schema(1, "sh-new", 2);
    const std::set<const Version *> wanted{f.v(2)};
    const std::vector<CanaryChoice> canaries = choose_canaries(f.dir, f.plan, wanted);
    ASSERT_EQ(canaries.size(), 1u);
    EXPECT_EQ(canaries[0].node, 1u);
    EXPECT_EQ(canaries[0].schema->schema, "sh-new");
    EXPECT_EQ(canaries[0].traced, wanted);
}

TEST(Canaries, EveryWantedVersionIsTracedExactlyOnce) {
    Fixture f(4);
    f.schema(0, "a", 1);  // lacks v1..v3
    f.schema(1, "b", 0);  // lacks v0..v3
    f.schema(2, "c", 3);  // lacks v3
    const std::vector<CanaryChoice> canaries = choose_canaries(f.dir, f.plan, f.all());
    std::multiset<const Version *> traced;
    for (const CanaryChoice &canary : canaries)
        traced.insert(canary.traced.begin(), canary.traced.end());
    EXPECT_EQ(traced, (std::multiset<const Version *>{f.v(0), f.v(1), f.v(2), f.v(3)}));
    // v0 only b has: b traces the whole chain, and no other canary is needed.
    ASSERT_EQ(canaries.size(), 1u);
    EXPECT_EQ(canaries[0].schema->schema, "b");
}

TEST(Canaries, UnwantedVersionsRunButAreNotTraced) {
    Fixture f(3);
    f.schema(0, "sh0", 0);
    const std::set<const Version *> wanted{f.v(1)};
    const std::vector<CanaryChoice> canaries = choose_canaries(f.dir, f.plan, wanted);
    ASSERT_EQ(canaries.size(), 1u);
    EXPECT_EQ(canaries[0].traced,
              wanted);  // v0 runs before it (the trace applies it), v2 not at all
}

TEST(Canaries, AVersionNoSchemaHasPendingGetsNoCanary) {
    Fixture f(2);
    f.schema(0, "sh0", 1);
    EXPECT_TRUE(choose_canaries(f.dir, f.plan, {f.v(0)}).empty());
    EXPECT_TRUE(choose_canaries(f.dir, Plan{}, f.all()).empty());
}

}  // namespace
}  // namespace shoal
