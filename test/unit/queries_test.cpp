// The statements the coordinator sends (fleet/queries.h): each one's text takes
// exactly the parameters its entry says, $1 to $params with none skipped, so a
// call site that passes them as documented passes what the server expects.
#include "fleet/queries.h"

#include <gtest/gtest.h>

#include <set>

namespace shoal::fleet::queries {
namespace {

// The numbers n of the $n placeholders in `text`.
std::set<int> placeholders(const std::string &text) {
    std::set<int> numbers;
    for (size_t at = text.find('$'); at != std::string::npos; at = text.find('$', at + 1)) {
        size_t end = at + 1;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end > at + 1) numbers.insert(std::stoi(text.substr(at + 1, end - at - 1)));
    }
    return numbers;
}

std::set<int> one_to(int count) {
    std::set<int> numbers;
    for (int n = 1; n <= count; ++n) numbers.insert(n);
    return numbers;
}

TEST(Queries, PlaceholdersCountFromOne) {
    EXPECT_EQ(placeholders("SELECT f($1, $2::text[], $10)"), (std::set<int>{1, 2, 10}));
    EXPECT_EQ(placeholders("SELECT $$body$$, '$'"), std::set<int>{});
}

TEST(Queries, EachTakesTheParametersItDocuments) {
    for (const Sql *query : kEvery)
        EXPECT_EQ(placeholders(query->text), one_to(query->params)) << query->text;
    for (const Sql &query : kSessionReset)
        EXPECT_EQ(placeholders(query.text), one_to(query.params)) << query.text;
}

TEST(Queries, EveryOneIsListedOnce) {
    std::set<const Sql *> distinct(kEvery.begin(), kEvery.end());
    EXPECT_EQ(distinct.size(), kEvery.size());
}

// Identifiers are quoted by the caller; the builder adds nothing but the dot.
TEST(Queries, LeftoverIndexDropJoinsQuotedNames) {
    EXPECT_EQ(drop_leftover_index("\"sh 1\"", "\"a\"\"b\""),
              "DROP INDEX CONCURRENTLY IF EXISTS \"sh 1\".\"a\"\"b\"");
}

}  // namespace
}  // namespace shoal::fleet::queries
