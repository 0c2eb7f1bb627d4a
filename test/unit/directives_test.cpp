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
                                          "-- shoal $lock_timeout=5s\n"
                                          "--shoal $statement_timeout = 2min\n"
                                          "-- shoal $retries=3\n"
                                          "-- shoal $retry_for=5min\n"
                                          "CREATE TABLE t(id int);\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_TRUE(r.warnings.empty()) << r.warnings[0].message;
    EXPECT_EQ(r.directives.parallelism_per_host, 2);
    EXPECT_EQ(r.directives.parallelism_global, 5);
    EXPECT_EQ(r.directives.delay_ms, 100);
    EXPECT_TRUE(r.directives.run_alone);
    EXPECT_EQ(r.directives.lock_timeout_ms, 5000);
    EXPECT_EQ(r.directives.statement_timeout_ms, 120000);
    EXPECT_EQ(r.directives.retries, 3);
    EXPECT_EQ(r.directives.retry_for_ms, 300000);
}

TEST(Directives, RetryForIsADuration) {
    DirectivesResult r = parse_directives("v.up.sql", "-- shoal $retry_for=soon\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].message.find("must be a duration"), std::string::npos)
        << r.problems[0].message;
    EXPECT_EQ(parse_directives("v.up.sql", "SELECT 1;\n").directives.retry_for_ms, -1);
}

// pg-mig's extractVars throws "Unknown variable" for any `-- $name=` it does
// not know, so shoal's own directives in that spelling make pg-mig refuse the
// directory. They still work, with a warning that names the spelling to move to.
TEST(Directives, ShoalsOwnInPgMigsSpellingWorkWithAWarning) {
    DirectivesResult r = parse_directives("v.up.sql",
                                          "-- $lock_timeout=5s\n"
                                          "-- $statement_timeout=2min\n"
                                          "-- $retries=3\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_EQ(r.directives.lock_timeout_ms, 5000);
    EXPECT_EQ(r.directives.statement_timeout_ms, 120000);
    EXPECT_EQ(r.directives.retries, 3);
    ASSERT_EQ(r.warnings.size(), 3u);
    EXPECT_EQ(r.warnings[0].where.line, 1);
    EXPECT_NE(r.warnings[0].message.find("-- shoal $lock_timeout=5s"), std::string::npos)
        << r.warnings[0].message;
    EXPECT_NE(r.warnings[0].message.find("Unknown variable"), std::string::npos);
}

// Only shoal's own names after `-- shoal`: pg-mig's four there would be
// invisible to pg-mig, so the two tools would run the version differently.
TEST(Directives, PgMigsDirectivesInShoalsSpellingAreErrors) {
    DirectivesResult r =
        parse_directives("v.up.sql", "-- shoal $delay=5\n-- shoal $lock_timout=1s\n");
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_NE(r.problems[0].message.find("-- $delay=5"), std::string::npos)
        << r.problems[0].message;
    EXPECT_NE(r.problems[1].message.find("unknown directive"), std::string::npos);
}

// pg-mig stores parseInt(value.trim()) and then reads `x || Infinity` for
// the parallelisms, `x || 0` for $delay, `!!x` for $run_alone (Registry.ts
// buildFile). The same values mean the same here; odd text gets a warning.
TEST(Directives, ValuesMeanWhatPgMigsParseIntMakesOfThem) {
    struct Case {
        const char *line;
        int per_host, global, delay;
        bool run_alone, warned;
    };
    const Case cases[] = {
        {"-- $delay=10ms", -1, -1, 10, false, true},
        {"-- $delay=1e3", -1, -1, 1, false, true},
        {"-- $delay=0x10", -1, -1, 16, false, true},
        {"-- $delay= 25 ", -1, -1, 25, false, false},
        {"-- $delay=soon", -1, -1, -1, false, true},
        {"-- $delay=-5", -1, -1, -1, false, true},
        {"-- $delay=99999999999", -1, -1, 1, false, true},        // Node's setTimeout: 1 ms
        {"-- $parallelism_per_host=0", -1, -1, -1, false, true},  // 0 || Infinity
        {"-- $parallelism_per_host=+3", 3, -1, -1, false, true},
        {"-- $parallelism_global=2 -- two", -1, 2, -1, false, true},
        {"-- $parallelism_global=99999999999", -1, 2147483647, -1, false, false},
        {"-- $run_alone=true", -1, -1, -1, false, true},  // parseInt("true") is NaN
        {"-- $run_alone=2", -1, -1, -1, true, true},
        {"-- $run_alone=0", -1, -1, -1, false, false},
    };
    for (const Case &c : cases) {
        DirectivesResult r = parse_directives("v.up.sql", std::string(c.line) + "\n");
        EXPECT_TRUE(r.problems.empty()) << c.line << ": " << r.problems[0].message;
        EXPECT_EQ(r.directives.parallelism_per_host, c.per_host) << c.line;
        EXPECT_EQ(r.directives.parallelism_global, c.global) << c.line;
        EXPECT_EQ(r.directives.delay_ms, c.delay) << c.line;
        EXPECT_EQ(r.directives.run_alone, c.run_alone) << c.line;
        EXPECT_EQ(r.warnings.size(), c.warned ? 1u : 0u) << c.line;
    }
}

// A negative parallelism is a semaphore pg-mig never acquires: it would wait
// forever. Refused rather than copied.
TEST(Directives, NegativeParallelismIsAnError) {
    DirectivesResult r = parse_directives("v.up.sql", "-- $parallelism_global=-1\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].message.find("forever"), std::string::npos) << r.problems[0].message;
}

// pg-mig's regex needs at least one character after `=`; spaces count, and
// then the name is checked: `-- $bogus= ` is pg-mig's "Unknown variable".
TEST(Directives, WhatPgMigsRegexMatchesIsWhatIsChecked) {
    EXPECT_TRUE(parse_directives("v.up.sql", "-- $bogus=\n").problems.empty());
    EXPECT_EQ(parse_directives("v.up.sql", "-- $bogus= \n").problems.size(), 1u);
    EXPECT_EQ(parse_directives("v.up.sql", "-- $delay= \n").directives.delay_ms, -1);
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

TEST(Directives, BadValueOfShoalsOwnIsError) {
    DirectivesResult r =
        parse_directives("v.up.sql", "-- shoal $retries=x\n-- shoal $lock_timeout=5 years\n");
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
