// The planner (plan.h): apply and undo over hand-made node states.
#include "plan.h"

#include <gtest/gtest.h>

#include "memory_files.h"
#include "migration_dir.h"
#include "report.h"
#include "versions_dir.h"

namespace shoal {
namespace {

using test::A;
using test::B;
using test::C;
using test::P;

class PlanTest : public ::testing::Test {
  protected:
    void SetUp() override {
        test::MemoryFiles files;
        for (const char *name : {A, B, C, P}) {
            files.files[std::string("mig/") + name + ".up.sql"] =
                std::string("SELECT '") + name + "';\n";
            files.files[std::string("mig/") + name + ".dn.sql"] = "SELECT 0;\n";
        }
        LoadResult r = load_migration_dir("mig", files);
        ASSERT_TRUE(r.ok());
        dir = r.dir;
    }
    AppliedVersion applied(const char *name, bool with_checksum = true) {
        return {name, with_checksum ? find_version(dir, name)->up.checksum : ""};
    }
    static std::vector<std::string> step_names(const SchemaPlan &schema) {
        std::vector<std::string> out;
        for (const Version *v : schema.steps) out.push_back(v->name);
        return out;
    }
    MigrationDir dir;
};

TEST_F(PlanTest, FreshSchemasGetWholeChain) {
    Plan plan = plan_apply(dir, {{"n1", {{"sh0001", {}}, {"public", {}}, {"sharding", {}}}}}, {});
    ASSERT_TRUE(plan.errors.empty());
    ASSERT_EQ(plan.nodes.size(), 1u);
    ASSERT_EQ(plan.nodes[0].schemas.size(), 2u);  // sharding matches no prefix
    EXPECT_EQ(plan.nodes[0].schemas[0].schema, "public");
    EXPECT_EQ(step_names(plan.nodes[0].schemas[0]), std::vector<std::string>{P});
    EXPECT_EQ(step_names(plan.nodes[0].schemas[1]), (std::vector<std::string>{A, B, C}));
    EXPECT_EQ(step_count(plan), 4u);
    EXPECT_EQ(plan.direction, Direction::Up);
}

// A schema whose stamp cannot be read fails alone (the fleet layer names it):
// it is never planned, in either direction, and the rest of its node is.
TEST_F(PlanTest, UnreadableStampIsNotPlanned) {
    const std::vector<NodeState> nodes = {
        {"n1",
         {{"sh0001",
           {},
           "shoal cannot read sh0001.mig_versions_const(): its body is not a constant"},
          {"sh0002", {}},
          {"pg_temp_3", {}, "shoal cannot read pg_temp_3.mig_versions_const()"}}}};
    Plan plan = plan_apply(dir, nodes, {});
    ASSERT_TRUE(plan.errors.empty());
    ASSERT_EQ(plan.nodes.at(0).schemas.size(), 1u);
    EXPECT_EQ(plan.nodes[0].schemas[0].schema, "sh0002");
    Plan undo = plan_undo(dir, {{"n1", {{"sh0001", {applied(A)}, "unreadable"}}}}, A);
    EXPECT_EQ(step_count(undo), 0u);
}

TEST_F(PlanTest, PartialChainAndResumeAfterFailure) {
    // sh0001 stopped after A (B failed last run); sh0002 finished; sh0003 never started.
    Plan plan = plan_apply(dir,
                           {{"n1",
                             {{"sh0001", {applied(A)}},
                              {"sh0002", {applied(A), applied(B), applied(C)}},
                              {"sh0003", {}}}}},
                           {});
    ASSERT_TRUE(plan.errors.empty());
    ASSERT_EQ(plan.nodes[0].schemas.size(), 2u);
    EXPECT_EQ(plan.nodes[0].schemas[0].schema, "sh0001");
    EXPECT_EQ(step_names(plan.nodes[0].schemas[0]), (std::vector<std::string>{B, C}));
    EXPECT_EQ(plan.nodes[0].schemas[1].schema, "sh0003");
}

TEST_F(PlanTest, NothingToDo) {
    Plan plan = plan_apply(dir, {{"n1", {{"sh0001", {applied(A), applied(B), applied(C)}}}}}, {});
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(step_count(plan), 0u);
    EXPECT_EQ(format_plan(plan), "");
}

TEST_F(PlanTest, TimelineViolationNamesBothVersionsAndTheFix) {
    // B is new on disk, but C (newer) is already applied.
    Plan plan = plan_apply(dir, {{"n1", {{"sh0001", {applied(A), applied(C)}}}}}, {});
    ASSERT_EQ(plan.errors.size(), 1u);
    const PlanProblem &e = plan.errors[0];
    EXPECT_EQ(e.kind, PlanProblemKind::TimelineViolation);
    EXPECT_EQ(e.version, B);
    EXPECT_EQ(e.other_version, C);
    EXPECT_NE(e.message.find(B), std::string::npos);
    EXPECT_NE(e.message.find(C), std::string::npos);
    EXPECT_NE(e.message.find("undo"), std::string::npos);
    EXPECT_NE(e.message.find("rename"), std::string::npos);
    EXPECT_TRUE(plan.nodes[0].schemas.empty());
}

TEST_F(PlanTest, VersionMissingOnDisk) {
    Plan plan =
        plan_apply(dir, {{"n1", {{"sh0001", {applied(A), {"20240101200000.gone.sh", ""}}}}}}, {});
    ASSERT_EQ(plan.errors.size(), 1u);
    EXPECT_EQ(plan.errors[0].kind, PlanProblemKind::MissingOnDisk);
    EXPECT_EQ(plan.errors[0].version, "20240101200000.gone.sh");
    EXPECT_EQ(plan.errors[0].schema, "sh0001");
    EXPECT_EQ(plan.errors[0].message.rfind("version 20240101200000.gone.sh is applied", 0), 0u);
    EXPECT_NE(plan.errors[0].hint.find("shoal.mig_forget()"), std::string::npos);
}

TEST_F(PlanTest, ChecksumDriftIsErrorOrWarning) {
    std::vector<NodeState> nodes = {{"n1", {{"sh0001", {{A, "0123abcd"}}}}}};
    Plan strict = plan_apply(dir, nodes, {});
    ASSERT_EQ(strict.errors.size(), 1u);
    EXPECT_EQ(strict.errors[0].kind, PlanProblemKind::ChecksumDrift);
    PlanOptions lenient;
    lenient.drift_is_error = false;
    Plan allowed = plan_apply(dir, nodes, lenient);
    EXPECT_TRUE(allowed.errors.empty());
    ASSERT_EQ(allowed.warnings.size(), 1u);
    EXPECT_EQ(step_names(allowed.nodes[0].schemas[0]), (std::vector<std::string>{B, C}));
}

TEST_F(PlanTest, UnknownChecksumFromPgMigIsNotDrift) {
    Plan plan = plan_apply(dir, {{"n1", {{"sh0001", {applied(A, false)}}}}}, {});
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_TRUE(plan.warnings.empty());
}

TEST_F(PlanTest, UndoLatestSkipsSchemasThatNeverHadIt) {
    Plan plan = plan_undo(dir,
                          {{"n1",
                            {{"sh0001", {applied(A), applied(B)}},
                             {"sh0002", {applied(A)}},
                             {"public", {applied(P)}}}}},
                          B);
    ASSERT_TRUE(plan.errors.empty());
    EXPECT_EQ(plan.direction, Direction::Down);
    ASSERT_EQ(plan.nodes[0].schemas.size(), 1u);
    EXPECT_EQ(plan.nodes[0].schemas[0].schema, "sh0001");
    EXPECT_EQ(step_names(plan.nodes[0].schemas[0]), std::vector<std::string>{B});
}

TEST_F(PlanTest, UndoNotLatestIsError) {
    Plan plan = plan_undo(dir, {{"n1", {{"sh0001", {applied(A), applied(B), applied(C)}}}}}, B);
    ASSERT_EQ(plan.errors.size(), 1u);
    EXPECT_EQ(plan.errors[0].kind, PlanProblemKind::UndoNotLatest);
    EXPECT_EQ(plan.errors[0].other_version, C);
}

TEST_F(PlanTest, UndoOfUnknownVersionIsError) {
    Plan plan = plan_undo(dir, {{"n1", {{"sh0001", {applied(A)}}}}}, "20990101000000.x.sh");
    ASSERT_EQ(plan.errors.size(), 1u);
    EXPECT_EQ(plan.errors[0].kind, PlanProblemKind::UnknownVersion);
}

TEST_F(PlanTest, UndoAcceptsFileName) {
    Plan plan = plan_undo(dir, {{"n1", {{"sh0001", {applied(A)}}}}}, std::string(A) + ".dn.sql");
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(step_count(plan), 1u);
}

TEST_F(PlanTest, SeveralNodesAndSummary) {
    Plan plan = plan_apply(dir,
                           {{"n1", {{"sh0001", {}}, {"sh0002", {}}, {"sh0003", {}}}},
                            {"n2", {{"sh0004", {applied(A), applied(B), applied(C)}}}}},
                           {});
    ASSERT_EQ(plan.nodes.size(), 2u);
    EXPECT_TRUE(plan.nodes[1].schemas.empty());
    EXPECT_EQ(format_plan(plan), std::string("apply ") + A + ": 3 schemas: n1:sh0001-0003\n" +
                                     "apply " + B + ": 3 schemas: n1:sh0001-0003\n" + "apply " + C +
                                     ": 3 schemas: n1:sh0001-0003\n");
}

}  // namespace
}  // namespace shoal
