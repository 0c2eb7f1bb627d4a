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
    std::vector<std::string> lines = format_error_groups(errors);
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
    std::vector<std::string> lines = format_error_groups(errors);
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
    std::vector<std::string> lines = format_error_groups(errors);
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
    Plan refused;
    refused.errors.push_back({PlanProblemKind::TimelineViolation, "node1", escape, "v", "", "m"});
    EXPECT_EQ(format_plan_problems(refused),
              "error: v: m — 1 schema: node1:\"sh0902\\x1b[2K\\rSucceeded.\"\n");
    for (const std::string &text : {lines[0], format_plan(plan)})
        EXPECT_EQ(text.find_first_of("\x1b\r"), std::string::npos);
}

TEST(Report, AServerMessageQuotingANameStaysOnOneLine) {
    std::vector<std::string> lines = format_error_groups(
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

// Issue 18, item 6: a plan problem that 1 512 schemas share is one line, not
// 1 512; the undo of a version that is not the latest likewise.
TEST(Report, PlanProblemsAreGroupedAcrossSchemas) {
    Plan plan;
    for (int i = 0; i < 1512; ++i) {
        char schema[8];
        std::snprintf(schema, sizeof schema, "sh%04d", i);
        plan.errors.push_back({PlanProblemKind::MissingOnDisk, i < 756 ? "n1" : "n2", schema, "v9",
                               "", "version v9 is applied, but it is not in mig",
                               "rebase on top of the main branch"});
    }
    plan.errors.push_back({PlanProblemKind::UndoNotLatest, "n2", "sh2000", "v8", "v9",
                           "only the latest version can be undone"});
    EXPECT_EQ(format_plan_problems(plan),
              "error: v9: version v9 is applied, but it is not in mig — 1512 schemas: "
              "n1:sh0000-0755, n2:sh0756-1511; HINT: rebase on top of the main branch\n"
              "error: v8: only the latest version can be undone — 1 schema: n2:sh2000\n");
    const Json document = json_plan_stopped("apply", plan);
    EXPECT_EQ(json_text(document["errors"][0]),
              "{\"version\":\"v9\",\"message\":\"version v9 is applied, but it is not in mig\","
              "\"detail\":null,\"hint\":\"rebase on top of the main branch\",\"sqlstate\":null,"
              "\"file\":null,\"line\":null,\"schemas\":1512,"
              "\"where\":[\"n1:sh0000-0755\",\"n2:sh0756-1511\"],\"detail_of\":null}");
    EXPECT_EQ(document["exit_code"], 3);
    plan.errors.clear();
    EXPECT_EQ(format_plan_problems(plan), "");
}

// Errors group by version, message, hint and SQLSTATE: the same words with
// another SQLSTATE or HINT are another error.
TEST(Report, GroupsKeepHintAndSqlstate) {
    const std::vector<SchemaError> errors = {
        {"n1", "sh0001", "v1", "no", "", "add the column first", "P0001"},
        {"n1", "sh0002", "v1", "no", "", "add the column first", "P0001"},
        {"n1", "sh0003", "v1", "no", "", "", "P0001"},
        {"n1", "sh0004", "v1", "no", "", "add the column first", "23505"}};
    const std::vector<ErrorGroup> groups = group_errors(errors);
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(format_error_group(groups[0]),
              "v1: no — 2 schemas: n1:sh0001-0002; HINT: add the column first");
    EXPECT_EQ(json_text(json_error_group(groups[0])["sqlstate"]), "\"P0001\"");
}

// A detail that differs per schema is the first schema's, and says whose.
TEST(Report, AGroupsDetailSaysWhoseItIsWhenSchemasDiffer) {
    const std::vector<ErrorGroup> groups =
        group_errors({{"n1", "sh0001", "v1", "dup", "Key (a)=(1)"},
                      {"n1", "sh0002", "v1", "dup", "Key (a)=(2)"}});
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].detail_of, "n1:sh0001");
    EXPECT_EQ(json_text(json_error_group(groups[0])["detail_of"]), "\"n1:sh0001\"");
    EXPECT_EQ(json_text(json_error_group(
                  group_errors({{"n1", "s", "v1", "dup", "same"}})[0])["detail_of"]),
              "null");
}

// JSON carries a hostile name as it is (escaped by JSON); the text shows it
// through printable(). A node name with a port and a schema name with a colon
// stay apart.
TEST(Report, HostileNamesInGroupedErrors) {
    const std::string hostile = "sh:1\"\nSucceeded.";
    const std::vector<ErrorGroup> groups =
        group_errors({{"127.0.0.1:5432", hostile, "v1", "boom", ""}});
    EXPECT_EQ(format_error_group(groups[0]),
              "v1: boom — 1 schema: 127.0.0.1:5432:\"sh:1\\\"\\nSucceeded.\"");
    const Json where = json_error_group(groups[0])["where"];
    EXPECT_EQ(where[0].get<std::string>(), "127.0.0.1:5432:" + hostile);
    EXPECT_EQ(json_text(where).find('\n'), std::string::npos);
}

// Every document starts with command and exit_code; a command that stopped
// has errors, warnings, unread and standbys, with null for what is not there.
TEST(Report, TheEnvelopeOfAStoppedCommand) {
    EXPECT_EQ(json_text(json_stopped("", ExitCode::Usage, json_messages({"unknown command"}))),
              "{\"command\":null,\"exit_code\":2,\"errors\":[{\"version\":null,\"message\":"
              "\"unknown command\",\"detail\":null,\"hint\":null,\"sqlstate\":null,\"file\":null,"
              "\"line\":null,\"schemas\":0,\"where\":[],\"detail_of\":null}],\"warnings\":[],"
              "\"unread\":[],\"standbys\":[]}");
    const Json loaded = json_stopped(
        "list", ExitCode::BadMigrations,
        json_problems({{{"mig/b.up.sql", 2}, "second"}, {{"mig/a.up.sql", 7}, "first"}}),
        Json::array(), {{"n1", "", "unreachable: refused"}}, {"n3"});
    EXPECT_EQ(json_text(loaded["errors"][0]["file"]), "\"mig/a.up.sql\"");
    EXPECT_EQ(json_text(loaded["errors"][0]["line"]), "7");
    EXPECT_EQ(json_text(loaded["unread"]),
              "[{\"node\":\"n1\",\"schema\":null,\"reason\":\"unreachable: refused\"}]");
    EXPECT_EQ(loaded["standbys"][0]["node"], "n3");
}

}  // namespace
}  // namespace shoal
