// Output helpers (report.h): exit codes, problems, collapse, grouping.
#include "report.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

// pg-mig's collapse.test.ts cases.
TEST(Collapse, MatchesPgMig) {
    EXPECT_EQ(collapse({"host:sh0000"}), std::vector<std::string>{"host:sh0000"});
    EXPECT_EQ(collapse({"host:sh0001", "host:sh0002", "host:sh0003"}),
              std::vector<std::string>{"host:sh0001-0003"});
    EXPECT_EQ(collapse({"host:sh0001", "host:sh0003"}),
              std::vector<std::string>{"host:sh0001,0003"});
    EXPECT_EQ(collapse({"host:sh0001", "host:sh0002", "host:sh0003", "host:sh0008", "host:sh0009",
                        "other:01", "other:02", "other:03"}),
              (std::vector<std::string>{"host:sh0001-0003,0008-0009", "other:01-03"}));
    EXPECT_EQ(collapse({"host:public", "host:some"}),
              (std::vector<std::string>{"host:public", "host:some"}));
}

TEST(Collapse, UnsortedInputAndMixedNames) {
    EXPECT_EQ(collapse({"n1:sh0008", "n1:public", "n1:sh0002", "n1:sh0001", "n1:sh0003"}),
              (std::vector<std::string>{"n1:public", "n1:sh0001-0003,0008"}));
}

TEST(Report, ProblemFormatAndSorting) {
    EXPECT_EQ(format_problem({{"mig/a.up.sql", 3}, "boom"}), "mig/a.up.sql:3: boom");
    EXPECT_EQ(format_problem({{"mig/a.up.sql", 0}, "boom"}), "mig/a.up.sql: boom");
    EXPECT_EQ(format_problems({{{"b", 1}, "x"}, {{"a", 9}, "y"}, {{"a", 2}, "z"}}),
              "a:2: z\na:9: y\nb:1: x\n");
}

TEST(Report, GroupsIdenticalErrorsAcrossSchemas) {
    std::vector<SchemaError> errors;
    for (int i = 1; i <= 12; ++i) {
        char schema[8];
        std::snprintf(schema, sizeof schema, "sh%04d", i);
        errors.push_back({"node1", schema, "v1", "relation \"x\" already exists", ""});
    }
    errors.push_back({"node2", "sh0100", "v1", "deadlock detected", ""});
    std::vector<std::string> lines = group_errors(errors);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "v1: relation \"x\" already exists — 12 schemas: node1:sh0001-0012");
    EXPECT_EQ(lines[1], "v1: deadlock detected — 1 schema: node2:sh0100");
}

TEST(Report, GroupedErrorsCarryTheirDetail) {
    std::vector<SchemaError> errors{
        {"node1", "sh0001", "v1", "could not create unique index \"u\"",
         "Key (email)=(a) is duplicated."},
        {"node1", "sh0002", "v1", "could not create unique index \"u\"",
         "Key (email)=(b) is duplicated."},
        {"node2", "sh0003", "v1", "value too long", "Failing row contains (x)."},
        {"node2", "sh0004", "v1", "value too long", "Failing row contains (x)."},
        {"node2", "sh0005", "v1", "no detail here", ""},
    };
    std::vector<std::string> lines = group_errors(errors);
    ASSERT_EQ(lines.size(), 3u);
    // Details differ: the first schema's, named.
    EXPECT_EQ(lines[0],
              "v1: could not create unique index \"u\" — 2 schemas: node1:sh0001-0002; "
              "DETAIL (node1:sh0001): Key (email)=(a) is duplicated.");
    // The same detail everywhere: said once, for all.
    EXPECT_EQ(
        lines[1],
        "v1: value too long — 2 schemas: node2:sh0003-0004; DETAIL: Failing row contains (x).");
    EXPECT_EQ(lines[2], "v1: no detail here — 1 schema: node2:sh0005");
}

TEST(Report, ExitCodesAreDistinctAndDocumented) {
    EXPECT_EQ(to_int(ExitCode::Ok), 0);
    std::string table = exit_code_table();
    for (ExitCode code : {ExitCode::MigrationFailed, ExitCode::Usage, ExitCode::BadMigrations,
                          ExitCode::LockHeld, ExitCode::Unreachable, ExitCode::NotUpToDate,
                          ExitCode::ExtensionMissing, ExitCode::Cancelled, ExitCode::Interrupted}) {
        EXPECT_NE(table.find(" " + std::to_string(to_int(code)) + "  "), std::string::npos);
    }
}

// Issue 14, item 12: a schema named with a newline or an escape sequence must
// not forge a line of shoal's output.
TEST(Report, SchemaAndVersionNamesAreShownEscaped) {
    const std::string forged = "sh0901\nSucceeded.";
    const std::string escape = "sh0902\x1b[2K\rSucceeded.";
    std::vector<SchemaError> errors = {{"node1", forged, "v1", "division by zero", ""},
                                       {"node1", escape, "v1", "division by zero", ""},
                                       {"node1", "sh0001", "v1", "division by zero", ""}};
    std::vector<std::string> lines = group_errors(errors);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "v1: division by zero — 3 schemas: node1:\"sh0901\\nSucceeded.\", "
              "node1:\"sh0902\\x1b[2K\\rSucceeded.\", node1:sh0001");

    Version version;
    version.name = "20250101000009.v.sh";
    Plan plan;
    plan.nodes.push_back({"node1", {{forged, {&version}}, {"sh0001", {&version}}}});
    EXPECT_EQ(
        format_plan(plan),
        "apply 20250101000009.v.sh: 2 schemas: node1:\"sh0901\\nSucceeded.\", node1:sh0001\n");
    EXPECT_EQ(
        format_plan_problem({PlanProblemKind::TimelineViolation, "node1", escape, "v", "", "m"}),
        "node1:\"sh0902\\x1b[2K\\rSucceeded.\": m");
    for (const std::string &text : {lines[0], format_plan(plan)})
        EXPECT_EQ(text.find_first_of("\x1b\r"), std::string::npos);
}

TEST(Report, AServerMessageQuotingANameStaysOnOneLine) {
    std::vector<std::string> lines = group_errors(
        {{"node1", "sh0001", "v1", "permission denied for schema \"sh0001\nSucceeded.\"",
          "see \"sh0001\nSucceeded.\""}});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "v1: permission denied for schema \"sh0001\\nSucceeded.\" — 1 schema: node1:sh0001; "
              "DETAIL: see \"sh0001\\nSucceeded.\"");
}

TEST(Report, JsonEscapesControlCharacters) {
    EXPECT_EQ(json_text("sh0901\nSucceeded.\x1b[2K\r\x01\x7f"),
              "\"sh0901\\nSucceeded.\\u001b[2K\\r\\u0001\x7f\"");
}

// Names and server messages are whatever bytes a database holds (SQL_ASCII
// takes any): the document must still parse, and say what it could.
TEST(Report, JsonOfHostileBytesParses) {
    const std::string hostile =
        std::string("sh\"0\\1\b\f\x1f caf\xc3\xa9 \xff\xc3(") + '\0' + "end";
    const std::string text =
        json_text({{"schema", hostile}, {"list", std::vector<std::string>{hostile}}});
    EXPECT_EQ(
        text,
        "{\"schema\":\"sh\\\"0\\\\1\\b\\f\\u001f caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd(\\u0000end\","
        "\"list\":[\"sh\\\"0\\\\1\\b\\f\\u001f caf\xc3\xa9 "
        "\xef\xbf\xbd\xef\xbf\xbd(\\u0000end\"]}");
    const Json parsed = Json::parse(text);
    EXPECT_EQ(parsed["schema"].get<std::string>(),
              std::string("sh\"0\\1\b\f\x1f caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd(") + '\0' + "end");
    EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(Report, JsonRoundsTimes) {
    EXPECT_EQ(json_text({{"seconds", json_round(1.23456, 3)}, {"ms", json_round(0.0004, 3)}}),
              "{\"seconds\":1.235,\"ms\":0.0}");
}

// Notices are grouped as errors are, one line per (version, severity, message);
// a schema that said it twice (a retried step) counts once.
TEST(Report, NoticesGroupLikeErrors) {
    const std::vector<SchemaNotice> notices = {{"n1", "sh0001", "v1", "WARNING", "big table"},
                                               {"n1", "sh0002", "v1", "WARNING", "big table"},
                                               {"n1", "sh0002", "v1", "WARNING", "big table"},
                                               {"n2", "sh0003", "v1", "NOTICE", "big table"},
                                               {"n1", "sh0001", "v2", "WARNING", "big table"}};
    EXPECT_EQ(group_notices(notices),
              (std::vector<std::string>{"v1: WARNING: big table — 2 schemas: n1:sh0001-0002",
                                        "v1: NOTICE: big table — 1 schema: n2:sh0003",
                                        "v2: WARNING: big table — 1 schema: n1:sh0001"}));
    const Json listed = json_notices(notices);
    ASSERT_EQ(listed.size(), 4u);
    EXPECT_EQ(json_text(listed[0]),
              "{\"node\":\"n1\",\"schema\":\"sh0001\",\"version\":\"v1\",\"severity\":\"WARNING\","
              "\"message\":\"big table\"}");
}

}  // namespace
}  // namespace shoal
