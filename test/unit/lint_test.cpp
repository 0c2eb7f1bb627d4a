// Tests of `shoal lint` (coordinator/lint.h): every rule fires on one statement
// and stays quiet on its safe counterpart; waivers, line mapping, version
// selection, JSON and exit codes. Scripts are built here from SQL text; no files,
// no database.
#include "lint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "memory_files.h"
#include "report.h"
#include "resolve.h"
#include "split.h"

namespace shoal {
namespace {

// A Script as the loader builds it: resolved and split by the core (resolve.h,
// split.h). The loader refuses a file PostgreSQL cannot parse, so for the
// syntax-error rule the whole text becomes one statement.
Script script_of(const std::string &sql,
                 const std::string &path = "mig/20240101000000.t.sh.up.sql") {
    test::MemoryFiles files;
    files.files[path] = sql;
    const Resolved resolved = resolve_script(path, "mig", files);
    SplitResult split = split_script(resolved);
    Script script;
    script.path = path;
    script.body = resolved.body;
    script.solo = split.solo;
    script.transaction_from = split.transaction_from;
    script.statements = std::move(split.statements);
    if (script.statements.empty() && !split.problems.empty())
        script.statements.push_back({sql, {path, 1}});
    return script;
}

std::vector<LintFinding> lint(const std::string &sql, const std::string &prefix = "sh") {
    return lint_script(script_of(sql), {prefix});
}

const LintFinding *find(const std::vector<LintFinding> &findings, const std::string &rule) {
    for (const LintFinding &f : findings)
        if (f.rule == rule) return &f;
    return nullptr;
}

std::string rules_of(const std::vector<LintFinding> &findings) {
    std::string all;
    for (const LintFinding &f : findings) all += f.rule + " ";
    return all;
}

struct RuleCase {
    std::string rule;
    std::string fires;  // a script on which the rule fires
    std::string quiet;  // the safe form: the rule does not fire
};

void PrintTo(const RuleCase &c, std::ostream *os) { *os << c.rule; }

const std::string kLongName(64, 'x');

const RuleCase kCases[] = {
    {"require-concurrent-index-creation", "CREATE INDEX i ON users (email);",
     "CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);"},
    {"require-concurrent-index-deletion", "DROP INDEX i;", "DROP INDEX CONCURRENTLY IF EXISTS i;"},
    {"constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0);",
     "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID;"},
    {"adding-foreign-key-constraint",
     "ALTER TABLE t ADD COLUMN user_id bigint REFERENCES users (id);",
     "ALTER TABLE t ADD COLUMN user_id bigint;"},
    {"adding-not-nullable-field", "ALTER TABLE t ADD COLUMN x text NOT NULL;",
     "ALTER TABLE t ADD COLUMN x text NOT NULL DEFAULT '';"},
    {"adding-field-with-default", "ALTER TABLE t ADD COLUMN x uuid DEFAULT gen_random_uuid();",
     "ALTER TABLE t ADD COLUMN x timestamptz DEFAULT now();"},
    {"changing-column-type", "ALTER TABLE t ALTER COLUMN x TYPE bigint;",
     "CREATE TABLE t (x bigint);\nALTER TABLE t ALTER COLUMN x TYPE text;"},
    {"setting-not-null", "ALTER TABLE t ALTER COLUMN x SET NOT NULL;",
     "ALTER TABLE t ADD CONSTRAINT x_not_null CHECK (x IS NOT NULL) NOT VALID;"},
    {"disallowed-unique-constraint", "ALTER TABLE t ADD CONSTRAINT u UNIQUE (x);",
     "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i;"},
    {"renaming-column", "ALTER TABLE t RENAME COLUMN a TO b;",
     "ALTER TABLE t RENAME CONSTRAINT a TO b;"},
    {"renaming-table", "ALTER TABLE t RENAME TO u;", "ALTER INDEX i RENAME TO j;"},
    {"ban-drop-column", "ALTER TABLE t DROP COLUMN x;", "ALTER TABLE t DROP CONSTRAINT c;"},
    {"ban-drop-table", "DROP TABLE t;", "DROP VIEW v;"},
    {"ban-drop-not-null", "ALTER TABLE t ALTER COLUMN x DROP NOT NULL;",
     "ALTER TABLE t ALTER COLUMN x SET DEFAULT 0;"},
    {"prefer-robust-stmts", "CREATE INDEX CONCURRENTLY i ON t (x);",
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);"},
    {"ban-concurrent-index-creation-in-transaction",
     "CREATE TABLE a (id bigint);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);",
     "COMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\nBEGIN;"},
    {"transaction-nesting", "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;",
     "COMMIT;\nDROP INDEX CONCURRENTLY IF EXISTS i;\nBEGIN;"},
    {"leaving-the-schema", "RESET ALL;\nCREATE TABLE a (id bigint);",
     "SET lock_timeout = '1s';\nCREATE TABLE a (id bigint);"},
    {"prefer-bigint-over-int", "CREATE TABLE a (id int);", "CREATE TABLE a (id bigint);"},
    {"prefer-timestamptz", "CREATE TABLE a (at timestamp);", "CREATE TABLE a (at timestamptz);"},
    {"prefer-text-field", "CREATE TABLE a (s varchar(20));", "CREATE TABLE a (s text);"},
    {"identifier-too-long", "CREATE TABLE a (" + kLongName + " bigint);",
     "CREATE TABLE a (" + kLongName.substr(1) + " bigint);"},
    {"require-schema-unqualified", "ALTER TABLE public.users ADD COLUMN x text;",
     "CREATE TABLE a (user_id bigint REFERENCES public.users (id));"},
    {"invalid-waiver", "-- shoal:ignore ban-drop-table\nDROP TABLE t;",
     "-- shoal:ignore ban-drop-table unused since release 42\nDROP TABLE t;"},
    {"syntax-error", "CREATE TABEL t (id bigint);", "CREATE TABLE t (id bigint);"},
};

class LintRule : public testing::TestWithParam<RuleCase> {};

TEST_P(LintRule, FiresOnTheDangerousForm) {
    const std::vector<LintFinding> findings = lint(GetParam().fires);
    const LintFinding *f = find(findings, GetParam().rule);
    ASSERT_NE(f, nullptr) << GetParam().fires << "\nfound: " << rules_of(findings);
    EXPECT_FALSE(f->waived);
    EXPECT_FALSE(f->why.empty());
    EXPECT_FALSE(f->recipe.empty());
    EXPECT_EQ(f->where.file, "mig/20240101000000.t.sh.up.sql");
    EXPECT_GT(f->where.line, 0);
}

TEST_P(LintRule, QuietOnTheSafeForm) {
    const std::vector<LintFinding> findings = lint(GetParam().quiet);
    const LintFinding *f = find(findings, GetParam().rule);
    EXPECT_TRUE(f == nullptr || f->waived) << GetParam().quiet << "\nfound: " << rules_of(findings);
}

INSTANTIATE_TEST_SUITE_P(Rules, LintRule, testing::ValuesIn(kCases), [](const auto &info) {
    std::string name = info.param.rule;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
});

TEST(LintRules, EveryRuleHasATestCase) {
    for (const std::string &rule : lint_rule_names())
        EXPECT_TRUE(std::any_of(std::begin(kCases), std::end(kCases), [&](const RuleCase &c) {
            return c.rule == rule;
        })) << rule;
}

TEST(LintRules, EveryRuleIsDocumented) {
    std::ifstream file(std::string(SHOAL_SOURCE_DIR) + "/docs/lint.md");
    std::stringstream doc;
    doc << file.rdbuf();
    for (const std::string &rule : lint_rule_names())
        EXPECT_NE(doc.str().find("### `" + rule + "`"), std::string::npos) << rule;
}

TEST(LintRules, SafeMigrationIsClean) {
    const std::vector<LintFinding> findings = lint(
        "CREATE TABLE orders (\n"
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  user_id bigint NOT NULL REFERENCES public.users (id),\n"
        "  note text,\n"
        "  created_at timestamptz NOT NULL DEFAULT now()\n"
        ");\n"
        "CREATE INDEX orders_user ON orders (user_id);\n"
        "ALTER TABLE users ADD COLUMN nickname text;\n"
        "ALTER TABLE users ADD CONSTRAINT users_nick CHECK (length(nickname) < 100) NOT VALID;\n");
    EXPECT_TRUE(findings.empty()) << rules_of(findings);
}

TEST(LintRules, ForeignKeyWithoutNotValidIsMissingNotValid) {
    const auto findings =
        lint("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id);");
    EXPECT_NE(find(findings, "constraint-missing-not-valid"), nullptr) << rules_of(findings);
}

TEST(LintRules, ValidateInTheSameVersionAsNotValidIsMissingNotValid) {
    const auto findings = lint(
        "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT c;");
    ASSERT_NE(find(findings, "constraint-missing-not-valid"), nullptr) << rules_of(findings);
    EXPECT_EQ(find(findings, "constraint-missing-not-valid")->where.line, 2);
    EXPECT_EQ(lint("ALTER TABLE t VALIDATE CONSTRAINT c;").size(), 0u);
}

TEST(LintRules, RewritingColumnsCountAsDefaults) {
    for (const char *sql : {"ALTER TABLE t ADD COLUMN n bigserial;",
                            "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
                            "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS (a * 2) STORED;",
                            "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s');"}) {
        const auto findings = lint(sql);
        EXPECT_NE(find(findings, "adding-field-with-default"), nullptr) << sql;
        EXPECT_EQ(find(findings, "adding-not-nullable-field"), nullptr) << sql;
    }
    EXPECT_EQ(lint("ALTER TABLE t ADD COLUMN n bigint NOT NULL DEFAULT 0;").size(), 0u);
}

TEST(LintRules, PublicVersionsMayQualifyTargets) {
    EXPECT_TRUE(lint("ALTER TABLE public.users ADD COLUMN x text;", "public").empty());
    EXPECT_NE(find(lint("CREATE TABLE sh0001.t (id bigint);"), "require-schema-unqualified"),
              nullptr);
    EXPECT_NE(find(lint("DROP VIEW public.v;"), "require-schema-unqualified"), nullptr);
    EXPECT_NE(find(lint("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';"),
                   "require-schema-unqualified"),
              nullptr);
}

TEST(LintRules, OnlyDdlTargetsMustBeUnqualified) {
    for (const char *sql :
         {"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (x);",
          "CREATE TRIGGER tr AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION f();",
          "ALTER TABLE public.t RENAME TO u;", "CREATE TABLE public.t AS SELECT 1 AS x;"})
        EXPECT_NE(find(lint(sql), "require-schema-unqualified"), nullptr) << sql;
    for (const char *sql : {"INSERT INTO public.shards (name) SELECT current_schema();",
                            "CREATE VIEW v AS SELECT * FROM public.settings;",
                            "CREATE TABLE a (id bigint) INHERITS (public.base);",
                            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES "
                            "public.users (id) NOT VALID;"})
        EXPECT_EQ(find(lint(sql), "require-schema-unqualified"), nullptr) << sql;
}

TEST(LintRules, IndexOnOnlyThePartitionedParentBuildsNothing) {
    EXPECT_EQ(
        find(lint("CREATE INDEX i ON ONLY events (at);"), "require-concurrent-index-creation"),
        nullptr);
}

TEST(LintRules, QuotedIdentifiersAreMeasuredWithoutQuotes) {
    EXPECT_EQ(lint("CREATE TABLE \"" + kLongName.substr(1) + "\" (id bigint);").size(), 0u);
    EXPECT_NE(find(lint("CREATE TABLE \"" + kLongName + "\" (id bigint);"), "identifier-too-long"),
              nullptr);
}

TEST(LintRules, SoloVersionsFollowTheLoadersClassification) {
    EXPECT_TRUE(lint("VACUUM t;").empty());
    EXPECT_NE(find(lint("CREATE TABLE a (id bigint);\nVACUUM t;"),
                   "ban-concurrent-index-creation-in-transaction"),
              nullptr);
    EXPECT_TRUE(
        lint("SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);")
            .empty());
}

TEST(LintRules, WrapperIsOnlyTheFirstCommitAndTheLastBegin) {
    const std::string wrapped =
        "COMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\nBEGIN;";
    // The loader drops the wrapper; a Script built from the raw statements is judged alike.
    Script raw;
    raw.body = wrapped;
    raw.statements = {{"COMMIT", {"v", 1}},
                      {"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x)", {"v", 2}},
                      {"BEGIN", {"v", 3}}};
    EXPECT_TRUE(lint_script(raw).empty()) << rules_of(lint_script(raw));
    raw.statements.insert(raw.statements.begin() + 2, {"COMMIT", {"v", 3}});
    EXPECT_NE(find(lint_script(raw), "transaction-nesting"), nullptr);
}

// pg-mig's form with statements after BEGIN (issue 16): they run in the
// transaction that records the version, the CONCURRENTLY before it outside one.
TEST(LintRules, StatementsAfterTheWrappersBeginAreNotMixing) {
    const std::string form =
        "-- $parallelism_per_host=2\nCOMMIT;\nDROP INDEX IF EXISTS a_idx;\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON tbl(a);\nBEGIN;\n"
        "ALTER TABLE tbl ADD COLUMN z bigint;";
    const auto findings = lint(form);
    EXPECT_EQ(find(findings, "ban-concurrent-index-creation-in-transaction"), nullptr)
        << rules_of(findings);
    EXPECT_EQ(find(findings, "transaction-nesting"), nullptr) << rules_of(findings);
    Script raw;
    raw.body = form;
    raw.statements = {{"COMMIT", {"v", 2}},
                      {"DROP INDEX IF EXISTS a_idx", {"v", 3}},
                      {"CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON tbl(a)", {"v", 4}},
                      {"BEGIN", {"v", 5}},
                      {"ALTER TABLE tbl ADD COLUMN z bigint", {"v", 6}}};
    EXPECT_EQ(find(lint_script(raw), "ban-concurrent-index-creation-in-transaction"), nullptr)
        << rules_of(lint_script(raw));
    EXPECT_EQ(find(lint_script(raw), "transaction-nesting"), nullptr) << rules_of(lint_script(raw));
    raw.statements.push_back({"CREATE INDEX CONCURRENTLY IF NOT EXISTS b ON tbl(b)", {"v", 7}});
    EXPECT_NE(find(lint_script(raw), "ban-concurrent-index-creation-in-transaction"), nullptr);
}

TEST(LintFindings, PointAtTheOffendingLineInsideTheStatement) {
    const auto findings = lint(
        "-- the orders table\n"
        "\n"
        "CREATE TABLE orders (\n"
        "  id bigint,\n"
        "  placed timestamp\n"
        ");\n");
    ASSERT_EQ(findings.size(), 1u) << rules_of(findings);
    EXPECT_EQ(findings[0].rule, "prefer-timestamptz");
    EXPECT_EQ(findings[0].where.line, 5);
    EXPECT_EQ(findings[0].severity, Severity::Warning);
    EXPECT_EQ(findings[0].statement.rfind("CREATE TABLE orders (", 0), 0u) << findings[0].statement;
}

TEST(LintFindings, WaiverCoversTheRuleInItsFileWithItsReason) {
    const auto findings = lint(
        "-- shoal:ignore ban-drop-column   the app stopped reading it in 3.2\n"
        "ALTER TABLE t DROP COLUMN a;\n"
        "ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n");
    ASSERT_EQ(findings.size(), 2u) << rules_of(findings);
    EXPECT_TRUE(findings[0].waived);
    EXPECT_EQ(findings[0].waiver_reason, "the app stopped reading it in 3.2");
    EXPECT_EQ(findings[1].rule, "setting-not-null");
    EXPECT_FALSE(findings[1].waived);
}

TEST(LintFindings, WaiverOfAnUnknownRuleIsAnError) {
    const auto findings = lint("SELECT 1;\n-- shoal:ignore no-such-rule because\n");
    ASSERT_EQ(findings.size(), 1u) << rules_of(findings);
    EXPECT_EQ(findings[0].rule, "invalid-waiver");
    EXPECT_EQ(findings[0].where.line, 2);
    EXPECT_NE(findings[0].why.find("no-such-rule"), std::string::npos);
}

TEST(LintFindings, InvalidWaiverAfterAnIncludeHasItsFileLine) {
    test::MemoryFiles files;
    files.files["mig/v.sh.up.sql"] = "\\ir common.sql\nSELECT 1;\n-- shoal:ignore ban-drop-table\n";
    files.files["mig/common.sql"] = "SELECT 2;\nSELECT 3;\n";
    const Resolved resolved = resolve_script("mig/v.sh.up.sql", "mig", files);
    Script script;
    script.path = "mig/v.sh.up.sql";
    script.body = resolved.body;
    script.statements = split_script(resolved).statements;
    const auto findings = lint_script(script);
    ASSERT_EQ(findings.size(), 1u) << rules_of(findings);
    EXPECT_EQ(to_string(findings[0].where), "mig/v.sh.up.sql:3");
}

TEST(LintFindings, WaiverInsideAStringIsNotAWaiver) {
    const auto findings = lint("DROP TABLE t;\nSELECT '-- shoal:ignore ban-drop-table because';\n");
    ASSERT_NE(find(findings, "ban-drop-table"), nullptr);
    EXPECT_FALSE(find(findings, "ban-drop-table")->waived);
}

MigrationDir dir_of(const std::vector<std::pair<std::string, std::string>> &versions) {
    MigrationDir dir;
    dir.path = "mig";
    for (const auto &[name, sql] : versions) {
        Version v;
        v.name = name;
        v.timestamp = name.substr(0, name.find('.'));
        v.prefix = name.substr(name.rfind('.') + 1);
        v.up = script_of(sql, "mig/" + name + ".up.sql");
        dir.versions.push_back(v);
    }
    return dir;
}

int run(const MigrationDir &dir, std::vector<std::string> args, std::string *output = nullptr) {
    Config config;
    config.command = Command::Lint;
    config.lint_args = std::move(args);
    std::ostringstream out;
    const int code = run_lint(config, dir, out);
    if (output) *output = out.str();
    return code;
}

const MigrationDir kDir =
    dir_of({{"20240101000000.users.sh", "CREATE TABLE users (id bigint);"},
            {"20240102000000.index.sh", "CREATE INDEX users_id ON users (id);"},
            {"20240103000000.stamp.sh", "ALTER TABLE users ADD COLUMN at timestamp;"}});

TEST(LintCommand, ExitCodeIsBadMigrationsOnErrorsOnly) {
    std::string output;
    EXPECT_EQ(run(kDir, {}, &output), static_cast<int>(ExitCode::BadMigrations));
    EXPECT_NE(
        output.find(
            "mig/20240102000000.index.sh.up.sql:1: error [require-concurrent-index-creation]"),
        std::string::npos)
        << output;
    EXPECT_NE(output.find("3 versions, 1 error, 1 warning, 0 waived"), std::string::npos) << output;
    EXPECT_EQ(run(kDir, {"20240103000000.stamp.sh"}), static_cast<int>(ExitCode::Ok));
    EXPECT_EQ(run(kDir, {"20240101000000.users.sh", "--json"}), static_cast<int>(ExitCode::Ok));
    EXPECT_EQ(run(kDir, {"--all"}), static_cast<int>(ExitCode::BadMigrations));
}

TEST(LintCommand, BadArgumentsAreUsageErrors) {
    EXPECT_EQ(run(kDir, {"20990101000000.nope.sh"}), static_cast<int>(ExitCode::Usage));
    EXPECT_EQ(run(kDir, {"--all", "20240101000000.users.sh"}), static_cast<int>(ExitCode::Usage));
    EXPECT_EQ(run(kDir, {"--frobnicate"}), static_cast<int>(ExitCode::Usage));
    std::string output;
    EXPECT_EQ(run(kDir, {"--help"}, &output), static_cast<int>(ExitCode::Ok));
    EXPECT_EQ(output, lint_help());
}

TEST(LintCommand, JsonHoldsEveryField) {
    std::string output;
    run(kDir, {"20240102000000.index.sh.up.sql", "--json"}, &output);
    EXPECT_EQ(output.rfind(
                  "{\"command\":\"lint\",\"exit_code\":3,\"versions\":1,\"counts\":{\"errors\":1,"
                  "\"warnings\":0,\"waived\":0},\"findings\":[{",
                  0),
              0u)
        << output;
    for (const char *field :
         {"\"rule\":\"require-concurrent-index-creation\"", "\"severity\":\"error\"",
          "\"file\":\"mig/20240102000000.index.sh.up.sql\"", "\"line\":1",
          "\"statement\":\"CREATE INDEX users_id ON users (id)\"",
          "\"why\":", "\"recipe\":", "\"waived\":false", "\"waiver_reason\":null"})
        EXPECT_NE(output.find(field), std::string::npos) << field << "\n" << output;
}

// The document's keys in docs/json.md's order; the trace's members last.
TEST(LintCommand, JsonKeysInDocumentedOrder) {
    std::string output;
    run(kDir, {"20240102000000.index.sh.up.sql", "--json"}, &output);
    const Json document = Json::parse(output);
    std::vector<std::string> keys, finding_keys;
    for (const auto &item : document.items()) keys.push_back(item.key());
    for (const auto &item : document["findings"].at(0).items()) finding_keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"command", "exit_code", "versions", "counts",
                                              "findings", "errors"}));
    EXPECT_EQ(finding_keys,
              (std::vector<std::string>{"rule", "severity", "file", "line", "statement", "why",
                                        "recipe", "waived", "waiver_reason"}));
}

TEST(LintCommand, JsonWithATraceHoldsItsMembers) {
    Config config;
    config.command = Command::Lint;
    config.lint_args = {"--json"};
    LintTrace trace;
    trace.versions = {&kDir.versions.at(0)};
    trace.json = Json::array({Json{{"version", kDir.versions.at(0).name}}});
    trace.unread = {{"n2", "", "boom"}};
    trace.standbys = {"n3"};
    std::ostringstream out;
    EXPECT_EQ(run_lint(config, kDir, out, &trace), static_cast<int>(ExitCode::Ok));
    EXPECT_EQ(out.str(),
              "{\"command\":\"lint\",\"exit_code\":0,\"versions\":1,\"counts\":{\"errors\":0,"
              "\"warnings\":0,\"waived\":0},\"findings\":[],"
              "\"trace\":[{\"version\":\"20240101000000.users.sh\"}],\"errors\":[],"
              "\"unread\":[{\"node\":\"n2\",\"schema\":null,\"reason\":\"boom\"}],\"standbys\":[{"
              "\"node\":\"n3\",\"reason\":\"in recovery (a standby): read-only, its primary's "
              "changes reach it by replication\"}]}\n");
}

}  // namespace
}  // namespace shoal
