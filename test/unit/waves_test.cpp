// Canary and waves over a plan, and the --max-failures arithmetic (waves.h).
#include "waves.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

const Version kVersion{"20250101000000.v.sh", "20250101000000", "v", "sh", {}, {}};

// A plan with `per_node[n]` schemas on node n, each one step.
Plan plan_of(const std::vector<size_t> &per_node) {
    Plan plan;
    for (size_t n = 0; n < per_node.size(); ++n) {
        NodePlan node{"node" + std::to_string(n), {}};
        for (size_t s = 0; s < per_node[n]; ++s)
            node.schemas.push_back({"sh" + std::to_string(s), {&kVersion}});
        plan.nodes.push_back(node);
    }
    return plan;
}

TEST(Waves, WithoutOptionsEverythingIsOneWave) {
    Waves waves = plan_waves(plan_of({3, 2}), {});
    ASSERT_EQ(waves.labels.size(), 1u);
    EXPECT_EQ(waves.sizes[0], 5u);
    EXPECT_FALSE(waves.has_canary);
    EXPECT_EQ(waves.of, (std::vector<std::vector<size_t>>{{0, 0, 0}, {0, 0}}));
}

TEST(Waves, NamedCanariesAreExactlyThoseSchemasOnEveryNode) {
    WaveOptions options;
    options.canary_schemas = {"sh2", "sh0"};
    Waves waves = plan_waves(plan_of({3, 1}), options);
    ASSERT_EQ(waves.labels, (std::vector<std::string>{"canary", "the rest"}));
    EXPECT_EQ(waves.sizes, (std::vector<size_t>{3, 1}));
    EXPECT_TRUE(waves.has_canary);
    EXPECT_EQ(waves.of, (std::vector<std::vector<size_t>>{{0, 1, 0}, {0}}));
}

TEST(Waves, NamedCanariesWithNothingPendingMakeNoCanaryWave) {
    WaveOptions options;
    options.canary_schemas = {"sh9"};
    Waves waves = plan_waves(plan_of({2}), options);
    EXPECT_EQ(waves.labels, (std::vector<std::string>{"the rest"}));
    EXPECT_FALSE(waves.has_canary);
}

TEST(Waves, CanarySpreadsOverNodesRoundRobin) {
    Waves waves = plan_waves(plan_of({4, 4, 4}), WaveOptions{4, {}, {}});
    ASSERT_EQ(waves.labels, (std::vector<std::string>{"canary", "the rest"}));
    EXPECT_EQ(waves.sizes, (std::vector<size_t>{4, 8}));
    EXPECT_TRUE(waves.has_canary);
    // The first schema of every node, then node 0's second.
    EXPECT_EQ(waves.of,
              (std::vector<std::vector<size_t>>{{0, 0, 1, 1}, {0, 1, 1, 1}, {0, 1, 1, 1}}));
}

TEST(Waves, PercentagesAreCumulativeAndRoundUp) {
    Waves waves = plan_waves(plan_of({10, 10, 10}), WaveOptions{0, {1, 10, 50, 100}, {}});
    EXPECT_EQ(waves.labels, (std::vector<std::string>{"wave 1 (1%)", "wave 2 (10%)", "wave 3 (50%)",
                                                      "wave 4 (100%)"}));
    EXPECT_EQ(waves.sizes,
              (std::vector<size_t>{1, 2, 12, 15}));  // 1 of 30 rounds up to 1; 3; 15; 30
}

TEST(Waves, CanaryThenWavesSkipEmptyOnes) {
    // 3 schemas of canary already cover the 1% and 10% waves.
    Waves waves = plan_waves(plan_of({10, 10, 10}), WaveOptions{3, {1, 10, 100}, {}});
    EXPECT_EQ(waves.labels, (std::vector<std::string>{"canary", "wave 3 (100%)"}));
    EXPECT_EQ(waves.sizes, (std::vector<size_t>{3, 27}));
}

TEST(Waves, CanaryLargerThanThePlanTakesEverything) {
    Waves waves = plan_waves(plan_of({1, 1}), WaveOptions{5, {}, {}});
    EXPECT_EQ(waves.labels, (std::vector<std::string>{"canary"}));
    EXPECT_EQ(waves.sizes, (std::vector<size_t>{2}));
}

TEST(Waves, UnevenNodes) {
    Waves waves = plan_waves(plan_of({0, 3, 1}), WaveOptions{2, {}, {}});
    EXPECT_EQ(waves.of, (std::vector<std::vector<size_t>>{{}, {0, 1, 1}, {0}}));
}

TEST(Waves, EmptyPlanHasNoWaves) {
    EXPECT_TRUE(plan_waves(plan_of({0, 0}), WaveOptions{2, {50}, {}}).labels.empty());
}

TEST(Waves, ParsePercents) {
    std::string error;
    EXPECT_EQ(parse_wave_percents("1,10,50,100", error), (std::vector<int>{1, 10, 50, 100}));
    EXPECT_EQ(parse_wave_percents("5, 20%", error),
              (std::vector<int>{5, 20, 100}));  // the last wave is 100
    for (const char *bad : {"", "0,10", "10,5", "10,10", "101", "x", "10,,20"}) {
        error.clear();
        EXPECT_TRUE(parse_wave_percents(bad, error).empty()) << bad;
        EXPECT_NE(error.find("--waves"), std::string::npos) << bad;
    }
}

TEST(Waves, ParseFailureLimit) {
    std::string error;
    auto count = parse_failure_limit("3", error);
    ASSERT_TRUE(count);
    EXPECT_EQ(count->count, 3);
    EXPECT_FALSE(count->percent);
    auto percent = parse_failure_limit("2%", error);
    ASSERT_TRUE(percent);
    EXPECT_TRUE(percent->percent);
    for (const char *bad : {"", "-1", "x", "101%", "2.5%"})
        EXPECT_FALSE(parse_failure_limit(bad, error)) << bad;
}

TEST(Waves, Exceeds) {
    EXPECT_FALSE(exceeds(FailureLimit{0, false}, 0, 10));
    EXPECT_TRUE(exceeds(FailureLimit{0, false}, 1, 10));
    EXPECT_FALSE(exceeds(FailureLimit{2, false}, 2, 10));
    EXPECT_TRUE(exceeds(FailureLimit{2, false}, 3, 10));
    EXPECT_FALSE(exceeds(FailureLimit{10, true}, 1, 10));  // exactly 10%
    EXPECT_TRUE(exceeds(FailureLimit{10, true}, 2, 10));
    EXPECT_FALSE(exceeds(FailureLimit{0, true}, 0, 0));
}

}  // namespace
}  // namespace shoal
