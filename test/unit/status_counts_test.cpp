// status's counts (status_counts.h): a failure is the schema's state only while
// it still lacks the version that failed, and the failed schemas are part of
// "behind", which the text says.
#include "status_counts.h"

#include <gtest/gtest.h>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

const char *const A = "20240101000000.a.sh";
const char *const B = "20240102000000.b.sh";
const char *const C = "20240103000000.c.sh";

class StatusCountsTest : public ::testing::Test {
  protected:
    void SetUp() override { dir = load({A, B, C}); }
    static MigrationDir load(std::vector<const char *> names) {
        test::MemoryFiles files;
        for (const char *name : names) {
            files.files[std::string("mig/") + name + ".up.sql"] = "SELECT 1;\n";
            files.files[std::string("mig/") + name + ".dn.sql"] = "SELECT 0;\n";
        }
        LoadResult r = load_migration_dir("mig", files);
        EXPECT_TRUE(r.ok());
        return r.dir;
    }
    // sh1 at head, sh2 and sh3 at A, sh4 at B; "other" matches no prefix.
    static NodeState node() {
        return NodeState{"n1",
                         {SchemaState{"sh1", {{A, ""}, {B, ""}, {C, ""}}},
                          SchemaState{"sh2", {{A, ""}}}, SchemaState{"sh3", {{A, ""}}},
                          SchemaState{"sh4", {{A, ""}, {B, ""}}}, SchemaState{"other", {}}}};
    }
    StatusCounts count(const MigrationDir &with, const NodeState &state,
                       const std::map<std::string, std::string> &failures) {
        const Plan plan = plan_apply(with, {state}, PlanOptions{false});
        return count_status(with, state, plan.nodes.at(0), plan.errors, failures);
    }
    MigrationDir dir;
};

TEST_F(StatusCountsTest, AFailureAtAVersionTheSchemaStillLacksIsFailedAndPartOfBehind) {
    const StatusCounts counts = count(dir, node(), {{"sh3", B}, {"sh2", B}});
    EXPECT_EQ(counts.schemas, 4u);
    EXPECT_EQ(counts.up_to_date, 1u);
    EXPECT_EQ(counts.behind, 3u);
    EXPECT_EQ(counts.failed, (std::vector<std::string>{"sh2", "sh3"}));
    EXPECT_EQ(format_status_counts(counts),
              "4 schemas: 1 up to date, 3 behind (2 of them failed: sh2-3)");
}

TEST_F(StatusCountsTest, AFailureWhoseVersionIsNowInTheStampIsHistory) {
    // sh1 failed at C once; another tool applied C since. sh4 failed at B and
    // has B now (behind only by C).
    const StatusCounts counts = count(dir, node(), {{"sh1", C}, {"sh4", B}});
    EXPECT_TRUE(counts.failed.empty());
    EXPECT_EQ(counts.behind, 3u);
    EXPECT_EQ(format_status_counts(counts), "4 schemas: 1 up to date, 3 behind");
}

TEST_F(StatusCountsTest, OneSchemaIsSingular) {
    StatusCounts counts;
    counts.schemas = 1;
    counts.up_to_date = 1;
    EXPECT_EQ(format_status_counts(counts), "1 schema: 1 up to date, 0 behind");
}

TEST_F(StatusCountsTest, AFailureAtALaterVersionStillLackedCounts) {
    // sh2 failed at B; its A was undone since by another tool: it lacks both.
    NodeState state = node();
    state.schemas[1].applied.clear();
    EXPECT_EQ(count(dir, state, {{"sh2", B}}).failed, (std::vector<std::string>{"sh2"}));
}

TEST_F(StatusCountsTest, AFailureAtAVersionNoLongerInTheDirectoryIsHistory) {
    // sh4 failed at C, and C's files were removed: it is up to date (sh1,
    // which has C, is now at odds with the directory).
    const MigrationDir without_c = load({A, B});
    const StatusCounts counts = count(without_c, node(), {{"sh4", C}});
    EXPECT_TRUE(counts.failed.empty());
    EXPECT_EQ(counts.behind, 2u);
    EXPECT_EQ(counts.conflicting, (std::set<std::string>{"sh1"}));
    EXPECT_EQ(counts.up_to_date, 1u);
}

TEST_F(StatusCountsTest, EverySchemaIsCountedOnce) {
    NodeState state = node();
    state.schemas[2].problem = "not a constant";    // sh3: unreadable
    state.schemas[3].applied = {{A, ""}, {C, ""}};  // sh4: timeline violation
    const StatusCounts counts = count(dir, state, {{"sh3", B}, {"sh4", B}});
    EXPECT_EQ(counts.unreadable, 1u);
    EXPECT_EQ(counts.conflicting, (std::set<std::string>{"sh4"}));
    EXPECT_EQ(counts.behind, 1u);        // sh2
    EXPECT_TRUE(counts.failed.empty());  // neither is behind: apply would not run B there
    EXPECT_EQ(counts.up_to_date + counts.behind + counts.conflicting.size() + counts.unreadable,
              counts.schemas);
    EXPECT_EQ(
        format_status_counts(counts),
        "4 schemas: 1 up to date, 1 behind, 1 at odds with the directory (apply would refuse), "
        "1 whose stamp cannot be read (below)");
}

TEST_F(StatusCountsTest, ErrorsOfOtherNodesAreNotCounted) {
    const NodeState state = node();
    const Plan plan = plan_apply(dir, {state}, PlanOptions{false});
    const std::vector<PlanProblem> elsewhere{
        PlanProblem{PlanProblemKind::TimelineViolation, "n2", "sh9", A, B, "timeline"}};
    EXPECT_TRUE(count_status(dir, state, plan.nodes.at(0), elsewhere, {}).conflicting.empty());
}

}  // namespace
}  // namespace shoal
