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

// The one candidate rule (node.cpp filters what it reads and compares with it):
// names any role can make appear in pg_namespace, or that look like them.
TEST(SchemaPrefix, HostileNames) {
    struct Case {
        const char *name;
        bool candidate;
    };
    const Case cases[] = {
        {"pg_temp", false},    // the session's own temp schema, by its alias
        {"pg_temp_3", false},  // any login role gets one with CREATE FUNCTION pg_temp.…
        {"pg_temp_123456", false},
        {"pg_toast", false},
        {"pg_toast_temp_3", false},
        {"pg_", false},
        {"pg_catalog", false},
        {"information_schema", false},
        {"shoal", false},
        {"debug_", false},
        {"PG_TEMP_3", true},  // another name: PostgreSQL reserves only lowercase pg_
        {"Pg_temp_3", true},
        {" pg_temp_3", true},  // a leading space is part of the name
        {"pgtemp", true},
        {"pg", true},
        {"information_schema2", true},
        {"Information_Schema", true},
        {"shoal2", true},
        {"sh0001\npg_temp_3", true},  // control characters do not hide a prefix
        {"public", true},
        {"sh0001", true},
        {"debug", true},  // debug_ is the prefix, underscore included
        {"Debug_sh0001", true},
        {"informationXschema", true},  // a name, not a LIKE pattern: _ is no wildcard
        {"pg%", true},
        {"%", true},
        {"_", true},
        {"p_g_temp", true},
        {"pg\\_temp", true},
        {"a.b", true},
        {"pg＿temp", true},  // a fullwidth low line is not '_'
    };
    for (const Case &c : cases)
        EXPECT_EQ(is_candidate_schema(c.name), c.candidate) << '"' << c.name << '"';
}

}  // namespace
}  // namespace shoal
