// verify.h: grouping fingerprints by version list, the majority reference, and
// the sentences that say how an outlier differs.
#include "verify.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace shoal {
namespace {

const std::vector<std::string> kV12{"1.a.sh", "2.b.sh"};

std::vector<SchemaObject> users_schema() {
    return {
        {"schema", "", ""},
        {"table", "users", ""},
        {"column", "users.id", "type bigint not null"},
        {"column", "users.name", "type text"},
        {"constraint", "users.users_pkey", "PRIMARY KEY (id)"},
        {"index", "users_email_idx", "CREATE INDEX users_email_idx ON users USING btree (email)"},
        {"index", "users_pkey", "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)"},
    };
}

TEST(VerifyGroups, MajorityIsTheReferenceAndOutliersAreGroupedByFingerprint) {
    const auto groups = group_fingerprints({
        {"n1", "sh0000", kV12, "A"},
        {"n2", "sh0001", kV12, "A"},
        {"n3", "sh0002", kV12, "B"},
        {"n1", "sh0003", kV12, "A"},
        {"n2", "sh0004", kV12, "C"},
        {"n3", "sh0005", kV12, "B"},
        {"n1", "public", {"0.s.public"}, "P"},
    });
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].versions, kV12);
    EXPECT_EQ(groups[0].reference.fingerprint, "A");
    EXPECT_EQ(groups[0].reference.node + ":" + groups[0].reference.schema, "n1:sh0000");
    EXPECT_EQ(groups[0].reference.schemas,
              (std::vector<std::string>{"n1:sh0000", "n2:sh0001", "n1:sh0003"}));
    ASSERT_EQ(groups[0].outliers.size(), 2u);
    EXPECT_EQ(groups[0].outliers[0].fingerprint, "B");
    EXPECT_EQ(groups[0].outliers[0].schemas, (std::vector<std::string>{"n3:sh0002", "n3:sh0005"}));
    EXPECT_EQ(groups[0].outliers[0].node + ":" + groups[0].outliers[0].schema, "n3:sh0002");
    EXPECT_EQ(groups[0].outliers[1].fingerprint, "C");
    EXPECT_TRUE(groups[1].outliers.empty());
    EXPECT_EQ(drift_count(groups), 3u);
}

TEST(VerifyGroups, SameStructureAtOtherVersionsIsNotCompared) {
    const auto groups = group_fingerprints({
        {"n1", "sh0000", kV12, "A"},
        {"n1", "sh0001", {"1.a.sh"}, "B"},
    });
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(drift_count(groups), 0u);
}

TEST(VerifyGroups, ATieIsBrokenTheSameWayEveryTime) {
    const auto one = group_fingerprints({{"n1", "sh0000", kV12, "B"}, {"n2", "sh0001", kV12, "A"}});
    const auto other =
        group_fingerprints({{"n2", "sh0001", kV12, "A"}, {"n1", "sh0000", kV12, "B"}});
    EXPECT_EQ(one[0].reference.fingerprint, "A");
    EXPECT_EQ(other[0].reference.fingerprint, "A");
}

TEST(VerifyDifferences, IdenticalListsInAnyOrderHaveNone) {
    auto shuffled = users_schema();
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_TRUE(describe_differences(users_schema(), shuffled).empty());
}

TEST(VerifyDifferences, DroppedIndex) {
    auto other = users_schema();
    other.erase(other.begin() + 5);
    EXPECT_EQ(describe_differences(users_schema(), other),
              std::vector<std::string>{"index users_email_idx missing"});
}

TEST(VerifyDifferences, AlteredColumnTypeNamesBothTypes) {
    auto other = users_schema();
    other[3].definition = "type character varying(100)";
    EXPECT_EQ(
        describe_differences(users_schema(), other),
        std::vector<std::string>{"column users.name type character varying(100), reference text"});
}

TEST(VerifyDifferences, NullabilityAndEmptyDefinitions) {
    auto other = users_schema();
    other[3].definition = "type text not null";
    other[1].definition = "row level security";
    EXPECT_EQ(describe_differences(users_schema(), other),
              (std::vector<std::string>{"column users.name type text not null, reference text",
                                        "table users row level security, reference (none)"}));
}

TEST(VerifyDifferences, ExtraTableIsOneSentenceNotOnePerColumn) {
    auto other = users_schema();
    other.push_back({"table", "extra_t", ""});
    other.push_back({"column", "extra_t.id", "type integer"});
    other.push_back({"constraint", "extra_t.extra_t_pkey", "PRIMARY KEY (id)"});
    other.push_back(
        {"index", "extra_t_pkey", "CREATE UNIQUE INDEX extra_t_pkey ON extra_t USING btree (id)"});
    EXPECT_EQ(describe_differences(users_schema(), other),
              (std::vector<std::string>{"index extra_t_pkey not in reference",
                                        "table extra_t not in reference"}));
}

TEST(VerifyDifferences, MissingTableAndQuotedNamesWithDots) {
    std::vector<SchemaObject> reference{{"table", "\"a.b\"", ""},
                                        {"column", "\"a.b\".id", "type integer"},
                                        {"column", "a.x", "type integer"},
                                        {"table", "a", ""}};
    std::vector<SchemaObject> other{{"table", "a", ""}};
    EXPECT_EQ(describe_differences(reference, other),
              (std::vector<std::string>{"column a.x missing", "table \"a.b\" missing"}));
}

TEST(VerifyDifferences, LongDefinitionsShowAWindowAroundTheFirstDifference) {
    const std::string body(200, 'x');
    std::vector<SchemaObject> reference{
        {"function", "f()", "returns integer language sql as " + body + "1\nend"}};
    std::vector<SchemaObject> other{
        {"function", "f()", "returns integer language sql as " + body + "2\nend"}};
    const auto differences = describe_differences(reference, other);
    ASSERT_EQ(differences.size(), 1u);
    EXPECT_EQ(differences[0], "function f() differs: \"…" + std::string(30, 'x') +
                                  "2 end\", reference \"…" + std::string(30, 'x') + "1 end\"");
}

TEST(VerifyReport, TextNamesEachOutlierAndCountsDrift) {
    auto groups = group_fingerprints({
        {"n1", "sh0000", kV12, "A"},
        {"n2", "sh0001", kV12, "A"},
        {"n2", "sh0004", kV12, "B"},
        {"n2", "sh0007", kV12, "B"},
    });
    groups[0].outliers[0].differences = {"index users_email_idx missing"};
    EXPECT_EQ(format_verify(groups),
              "2.b.sh (2 versions): 4 schemas, 2 differ from the reference n1:sh0000 (like 2)\n"
              "  n2:sh0004,0007: index users_email_idx missing\n"
              "drift: 2 of 4 schemas differ from the reference of their version list\n");
}

TEST(VerifyReport, CleanFleet) {
    const auto groups =
        group_fingerprints({{"n1", "sh0000", kV12, "A"}, {"n2", "sh0001", kV12, "A"}});
    EXPECT_EQ(format_verify(groups), "all 2 schemas match the reference of their version list\n");
    EXPECT_EQ(json_text(verify_json(groups, true, ExitCode::Ok)),
              "{\"command\":\"verify\",\"exit_code\":0,\"complete\":true,\"schemas\":2,"
              "\"differing\":0,\"groups\":[{\"versions\":[\"1.a."
              "sh\",\"2.b.sh\"],"
              "\"schemas\":2,\"reference\":\"n1:sh0000\",\"fingerprint\":\"A\",\"matching\":2,"
              "\"outliers\":[]}],"
              "\"errors\":[],\"unread\":[],\"standbys\":[]}");
}

TEST(VerifyReport, JsonListsOutliersWithTheirDifferences) {
    auto groups = group_fingerprints(
        {{"n1", "sh0000", {}, "A"}, {"n1", "sh0001", {}, "A"}, {"n2", "sh0002", {}, "B"}});
    groups[0].outliers[0].differences = {"table \"x\" not in reference"};
    EXPECT_EQ(json_text(verify_json(groups, false, ExitCode::Unreachable)),
              "{\"command\":\"verify\",\"exit_code\":5,\"complete\":false,\"schemas\":3,"
              "\"differing\":1,\"groups\":[{\"versions\":[],"
              "\"schemas\":3,"
              "\"reference\":\"n1:sh0000\",\"fingerprint\":\"A\",\"matching\":2,\"outliers\":[{"
              "\"fingerprint\":\"B\","
              "\"schemas\":[\"n2:sh0002\"],\"differences\":[\"table \\\"x\\\" not in "
              "reference\"]}]}],\"errors\":[],\"unread\":[],\"standbys\":[]}");
}

// A node or a schema that could not be read is part of the answer, never dropped.
TEST(VerifyReport, JsonNamesWhatCouldNotBeRead) {
    const auto groups = group_fingerprints({{"n1", "sh0000", kV12, "A"}});
    EXPECT_EQ(
        json_text(verify_json(
            groups, false, ExitCode::Unreachable,
            {{"n2", "", "reading the stamps failed: boom"}, {"n1", "sh0001", "not a constant"}})),
        "{\"command\":\"verify\",\"exit_code\":5,\"complete\":false,\"schemas\":1,\"differing\":0,"
        "\"groups\":[{\"versions\":[\"1.a.sh\","
        "\"2.b.sh\"],"
        "\"schemas\":1,\"reference\":\"n1:sh0000\",\"fingerprint\":\"A\",\"matching\":1,"
        "\"outliers\":[]}],\"errors\":[],"
        "\"unread\":[{\"node\":\"n2\",\"schema\":null,\"reason\":\"reading the stamps failed: "
        "boom\"},"
        "{\"node\":\"n1\",\"schema\":\"sh0001\",\"reason\":\"not a constant\"}],\"standbys\":[]}");
    EXPECT_EQ(format_unread({"n2", "", "boom"}), "n2: not read: boom");
    EXPECT_EQ(format_unread({"n1", "sh0001", "not a constant"}),
              "n1:sh0001: stamp not readable: not a constant");
}

// A standby is not part of the comparison, but the answer says it was skipped.
TEST(VerifyReport, JsonNamesTheStandbysSkipped) {
    const std::string json = json_text(verify_json(
        group_fingerprints({{"n1", "sh0000", kV12, "A"}}), true, ExitCode::Ok, {}, {"n3"}));
    EXPECT_EQ(json.substr(json.rfind(",\"unread\"")),
              ",\"unread\":[],\"standbys\":[{\"node\":\"n3\",\"reason\":\"in recovery (a "
              "standby): read-only, its primary's changes reach it by replication\"}]}");
}

// Issue 14, item 12: object names and definitions come from the database
// (names arrive quoted as SQL identifiers, which keeps a newline as it is).
TEST(Verify, DifferencesShowNamesAndDefinitionsEscaped) {
    const std::vector<SchemaObject> reference = {{"table", "t", "table"},
                                                 {"column", "t.a", "type text"}};
    const std::vector<SchemaObject> other = {{"table", "t", "table"},
                                             {"column", "t.a", "type text\x1b[2K"},
                                             {"table", "x\nSucceeded.", "table"}};
    const std::vector<std::string> lines = describe_differences(reference, other);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "column t.a type text\\x1b[2K, reference text");
    EXPECT_EQ(lines[1], "table x\\nSucceeded. not in reference");
}

}  // namespace
}  // namespace shoal
