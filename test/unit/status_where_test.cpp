// status's "what is missing where" (status_where.h): schemas lacking the same
// versions are one group and one line, however many there are; lists are cut,
// never thousands of names long; recorded failures split as the summary groups them.
#include "status_where.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace shoal {
namespace {

Version version(const std::string &name) {
    Version v;
    v.name = name;
    return v;
}

std::string shard(int n) {
    char name[16];
    std::snprintf(name, sizeof name, "sh%04d", n);
    return name;
}

class StatusWhereTest : public ::testing::Test {
  protected:
    const Version a = version("20250101000000.a.sh"), b = version("20250102000000.add-email.sh"),
                  c = version("20250103000000.c.sh"), d = version("20250104000000.d.sh");
};

TEST_F(StatusWhereTest, SchemasLackingTheSameVersionsAreOneGroupTheLargestFirst) {
    NodePlan plan{"n1",
                  {{"sh0002", {&b}}, {"sh0000", {&b}}, {"sh0001", {&b}}, {"sh0009", {&a, &b}}}};
    const std::vector<PendingGroup> groups = group_pending(plan);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].schemas, (std::vector<std::string>{"sh0000", "sh0001", "sh0002"}));
    EXPECT_EQ(groups[0].versions, std::vector<std::string>{b.name});
    EXPECT_EQ(format_pending(groups[0]), "sh0000-0002 (3) lack 20250102000000.add-email.sh");
    EXPECT_EQ(format_pending(groups[1]),
              "sh0009 lacks 20250101000000.a.sh, 20250102000000.add-email.sh");
}

TEST_F(StatusWhereTest, ManyVersionsAreNamedByTheFirstAndTheLast) {
    const PendingGroup group{{a.name, b.name, c.name, d.name}, {"sh0001"}};
    EXPECT_EQ(format_pending(group),
              "sh0001 lacks 4 versions: 20250101000000.a.sh … 20250104000000.d.sh");
}

TEST_F(StatusWhereTest, AFleetOf4096SchemasAtManyVersionsPrintsAHandfulOfShortLines) {
    std::vector<Version> chain;
    for (int i = 0; i < 40; ++i)
        chain.push_back(version("2025010100" + std::to_string(1000 + i) + ".v.sh"));
    // Every third schema on this node (round-robin placement), spread over 40
    // positions in the chain: the worst case for both grouping and collapsing.
    NodePlan plan{"n1", {}};
    for (int n = 0; n < 3 * 4096; n += 3) {
        SchemaPlan schema{shard(n), {}};
        for (size_t i = static_cast<size_t>(n) % 40; i < chain.size(); ++i)
            schema.steps.push_back(&chain[i]);
        plan.schemas.push_back(schema);
    }
    const std::vector<PendingGroup> groups = group_pending(plan);
    EXPECT_EQ(groups.size(), 40u);
    const std::vector<std::string> lines = format_pending_lines(groups, 5);
    ASSERT_EQ(lines.size(), 6u);
    for (const std::string &line : lines) EXPECT_LT(line.size(), 200u) << line;
    EXPECT_NE(lines[0].find(",… ("), std::string::npos) << lines[0];
    size_t shown = 0;
    for (size_t i = 0; i < 5; ++i) shown += groups[i].schemas.size();
    EXPECT_EQ(lines[5], "… and 35 more groups: " + std::to_string(4096 - shown) +
                            " schemas (--json lists every group)");
}

TEST_F(StatusWhereTest, HostileNamesArePrintedAsWhatTheyAre) {
    const PendingGroup group{{"2025\n.x.sh"}, {"evil\nsh0001: 0 behind"}};
    EXPECT_EQ(format_pending(group), "\"evil\\nsh0001: 0 behind\" lacks \"2025\\n.x.sh\"");
}

TEST_F(StatusWhereTest, JsonHasEveryGroupWithItsCountAndCollapsedSchemas) {
    NodePlan plan{"n1", {{"sh0001", {&b}}, {"sh0002", {&b}}}};
    EXPECT_EQ(
        json_text(json_pending(group_pending(plan))),
        R"([{"versions":["20250102000000.add-email.sh"],"schemas":2,"where":["sh0001-0002"]}])");
}

TEST_F(StatusWhereTest, ARecordedFailureSplitsIntoMessageAndDetail) {
    const SchemaError error = recorded_failure(
        "n1", "sh0001", b.name,
        "new row violates check constraint \"email_lower\" (SQLSTATE 23514)\n"
        "DETAIL: Failing row contains (2, UPPER@example.com).\n"
        "CONTEXT: migration 20250102000000.add-email.sh, statement 2 of 2, at x.up.sql:2");
    EXPECT_EQ(error.message, "new row violates check constraint \"email_lower\" (SQLSTATE 23514)");
    EXPECT_EQ(error.detail, "Failing row contains (2, UPPER@example.com).");
    EXPECT_EQ(recorded_failure("n1", "sh0001", b.name, "DETAIL: only a message").detail, "");
    EXPECT_EQ(recorded_failure("n1", "sh0001", b.name, "").message, "");
}

}  // namespace
}  // namespace shoal
