// pg-mig's prefix rule and candidate schemas (schema_prefix.h).
#include "schema_prefix.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

struct PrefixCase {
    const char *schema;
    const char *prefix;
    bool matches;
};

// The table of pg-mig's own schemaNameMatchesPrefix test, plus the edges.
TEST(SchemaPrefix, MatchesPgMigTable) {
    const PrefixCase cases[] = {
        {"sh0001", "sh", true},
        {"sharding", "sh", false},
        {"public", "public", true},
        {"sh0001old1234", "sh", true},
        {"sh0000", "sh", true},
        {"sh0000", "sh0000", true},
        {"sh0000old1234", "sh0000", true},
        {"sh", "sh", true},
        {"publicity", "public", false},
        {"s", "sh", false},
        {"sh0001", "sh0000", false},
        {"public", "sh", false},
    };
    for (const PrefixCase &c : cases) {
        EXPECT_EQ(schema_matches_prefix(c.schema, c.prefix), c.matches)
            << c.schema << " / " << c.prefix;
    }
}

TEST(SchemaPrefix, LongestPrefixWins) {
    std::vector<std::string> prefixes = {"sh", "sh0000", "public"};
    EXPECT_EQ(best_prefix("sh0000", prefixes), "sh0000");
    EXPECT_EQ(best_prefix("sh0001", prefixes), "sh");
    EXPECT_EQ(best_prefix("public", prefixes), "public");
    EXPECT_EQ(best_prefix("sharding", prefixes), "");
}

TEST(SchemaPrefix, CandidatesSkipSystemAndDebugSchemas) {
    EXPECT_TRUE(is_candidate_schema("public"));
    EXPECT_TRUE(is_candidate_schema("sh0001"));
    EXPECT_FALSE(is_candidate_schema("pg_catalog"));
    EXPECT_FALSE(is_candidate_schema("pg_toast"));
    EXPECT_FALSE(is_candidate_schema("information_schema"));
    EXPECT_FALSE(is_candidate_schema("debug_sh0001"));
    EXPECT_FALSE(is_candidate_schema("shoal"));
}

}  // namespace
}  // namespace shoal
