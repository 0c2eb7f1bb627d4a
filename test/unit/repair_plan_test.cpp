// What mark, forget and baseline change (repair_plan.h), over hand-made stamps.
#include "repair_plan.h"

#include <gtest/gtest.h>

#include "versions_dir.h"

namespace shoal {
namespace {

using test::A;
using test::B;
using test::C;
using test::P;

class RepairPlanTest : public ::testing::Test {
  protected:
    void SetUp() override { dir = test::versions_dir({A, B, C, P}); }
    const Version &v(const char *name) { return *find_version(dir, name); }
    SchemaState at(const std::string &schema, std::vector<const char *> versions) {
        SchemaState state{schema, {}};
        for (const char *name : versions) state.applied.push_back({name, ""});
        return state;
    }
    static std::vector<std::string> schemas(const RepairPlan &plan) {
        std::vector<std::string> out;
        for (const RepairStep &step : plan.steps) out.push_back(step.schema);
        return out;
    }
    MigrationDir dir;
};

TEST_F(RepairPlanTest, MarkRecordsTheNextVersionOnly) {
    const std::vector<NodeState> nodes = {
        {"n1", {at("sh1", {A}), at("sh2", {A, B}), at("public", {})}}};
    const RepairPlan plan = plan_mark(dir, nodes, v(B));
    EXPECT_EQ(schemas(plan), (std::vector<std::string>{"sh1"}));
    EXPECT_EQ(plan.steps[0].versions, (std::vector<std::string>{B}));
    EXPECT_EQ(plan.steps[0].checksums, (std::vector<std::string>{v(B).up.checksum}));
    EXPECT_EQ(plan.unchanged, (std::vector<std::string>{"n1:sh2"}));
    EXPECT_TRUE(plan.refused.empty());  // public is not of the version's prefix
}

TEST_F(RepairPlanTest, MarkRefusesASchemaThatLacksAnEarlierVersion) {
    const RepairPlan plan = plan_mark(dir, {{"n1", {at("sh1", {}), at("sh2", {A})}}}, v(B));
    ASSERT_EQ(plan.refused.size(), 1u);
    EXPECT_EQ(plan.refused[0].schema, "sh1");
    EXPECT_NE(plan.refused[0].message.find(A), std::string::npos) << plan.refused[0].message;
}

TEST_F(RepairPlanTest, ForgetOnlyTheLatest) {
    const std::vector<NodeState> nodes = {
        {"n1", {at("sh1", {A, B}), at("sh2", {A, B, C}), at("sh3", {A})}}};
    const RepairPlan plan = plan_forget(dir, nodes, B);
    EXPECT_EQ(schemas(plan), (std::vector<std::string>{"sh1"}));
    ASSERT_EQ(plan.refused.size(), 1u);
    EXPECT_EQ(plan.refused[0].schema, "sh2");
    EXPECT_EQ(plan.unchanged, (std::vector<std::string>{"n1:sh3"}));
}

TEST_F(RepairPlanTest, ForgetTakesAVersionNoLongerOnDisk) {
    const RepairPlan plan = plan_forget(dir, {{"n1", {at("sh1", {A, "20240104000000.gone.sh"})}}},
                                        "20240104000000.gone.sh");
    EXPECT_EQ(schemas(plan), (std::vector<std::string>{"sh1"}));
}

TEST_F(RepairPlanTest, BaselineRecordsEveryMissingVersionUpToTheTarget) {
    const std::vector<NodeState> nodes = {
        {"n1", {at("sh1", {}), at("sh2", {A}), at("sh3", {A, B}), at("sh4", {B})}}};
    const RepairPlan plan = plan_baseline(dir, nodes, v(B));
    ASSERT_EQ(schemas(plan), (std::vector<std::string>{"sh1", "sh2"}));
    EXPECT_EQ(plan.steps[0].versions, (std::vector<std::string>{A, B}));
    EXPECT_EQ(plan.steps[1].versions, (std::vector<std::string>{B}));
    EXPECT_EQ(plan.unchanged, (std::vector<std::string>{"n1:sh3"}));
    ASSERT_EQ(plan.refused.size(), 1u);  // sh4: B without A, a timeline violation
    EXPECT_EQ(plan.refused[0].schema, "sh4");
}

TEST_F(RepairPlanTest, AnUnreadableStampIsRefused) {
    SchemaState broken = at("sh1", {});
    broken.problem = "SH006";
    EXPECT_EQ(plan_mark(dir, {{"n1", {broken}}}, v(A)).refused.size(), 1u);
}

TEST_F(RepairPlanTest, TheReferenceHasExactlyTheChainUpToTheVersion) {
    EXPECT_TRUE(has_exactly_up_to(dir, at("sh1", {A, B}), v(B)));
    EXPECT_FALSE(has_exactly_up_to(dir, at("sh1", {A}), v(B)));
    EXPECT_FALSE(has_exactly_up_to(dir, at("sh1", {A, B, C}), v(B)));
    EXPECT_FALSE(has_exactly_up_to(dir, at("public", {P}), v(B)));
}

}  // namespace
}  // namespace shoal
