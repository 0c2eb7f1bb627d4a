// `-- $name=value` directives (directives.h).
#include "directives.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

TEST(Directives, EveryKnownDirective) {
    DirectivesResult r = parse_directives("v.up.sql",
                                          "-- $parallelism_per_host=2\n"
                                          "--$parallelism_global = 5\n"
                                          "-- $delay=100\n"
                                          "-- $run_alone=1\n"
                                          "-- $lock_timeout=5s\n"
                                          "-- $statement_timeout=2min\n"
                                          "-- $retries=3\n"
                                          "CREATE TABLE t(id int);\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_EQ(r.directives.parallelism_per_host, 2);
    EXPECT_EQ(r.directives.parallelism_global, 5);
    EXPECT_EQ(r.directives.delay_ms, 100);
    EXPECT_TRUE(r.directives.run_alone);
    EXPECT_EQ(r.directives.lock_timeout_ms, 5000);
    EXPECT_EQ(r.directives.statement_timeout_ms, 120000);
    EXPECT_EQ(r.directives.retries, 3);
}

TEST(Directives, UnsetMeansDefault) {
    DirectivesResult r = parse_directives("v.up.sql", "SELECT 1;\n-- just a comment $x\n");
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.directives.parallelism_per_host, -1);
    EXPECT_EQ(r.directives.lock_timeout_ms, -1);
    EXPECT_FALSE(r.directives.run_alone);
}

TEST(Directives, UnknownDirectiveIsErrorWithLine) {
    DirectivesResult r = parse_directives("mig/v.up.sql", "SELECT 1;\n\n-- $paralelism=3\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].where.file, "mig/v.up.sql");
    EXPECT_EQ(r.problems[0].where.line, 3);
    EXPECT_NE(r.problems[0].message.find("unknown directive $paralelism"), std::string::npos);
}

TEST(Directives, BadValueIsError) {
    DirectivesResult r =
        parse_directives("v.up.sql", "-- $parallelism_global=0\n-- $lock_timeout=5 years\n");
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_EQ(r.problems[0].where.line, 1);
    EXPECT_EQ(r.problems[1].where.line, 2);
}

TEST(Directives, OnlyAtLineStartAsPgMig) {
    DirectivesResult r = parse_directives("v.up.sql", "SELECT 1; -- $bogus=1\n");
    EXPECT_TRUE(r.problems.empty());
}

}  // namespace
}  // namespace shoal
