// Tests of the routines, triggers and comments of the schema model and the
// generate plan (coordinator/schema_model.h, schema_diff.h): when a routine is
// replaced in place and when it is dropped and created, where routines and
// triggers go among the table changes, that a comment follows its object when
// the object is recreated, and what the proof compares beyond verify's
// fingerprint. No database: test/cluster/33_generate.sh runs the corpus.
#include <gtest/gtest.h>

#include "generated_versions.h"
#include "lint.h"
#include "memory_files.h"
#include "migration_dir.h"
#include "schema_diff.h"
#include "schema_model.h"

namespace shoal {
namespace {

// t(id integer), the table the triggers and comments below hang on.
const std::vector<CatalogRow> kTable = {
    {"table", "", "t", "", {}}, {"column", "t", "id", "integer", {"", "f", "", "", "", "1"}}};

// A plpgsql function `signature` returning `result`, with `body`.
CatalogRow routine(const std::string &signature, const std::string &arguments,
                   const std::string &result, const std::string &body, bool after_tables = false) {
    const std::string name = signature.substr(0, signature.find('('));
    return {"routine",
            "",
            signature,
            "CREATE OR REPLACE FUNCTION " + name + "(" + arguments + ")\n RETURNS " + result +
                "\n LANGUAGE plpgsql\nAS $function$" + body + "$function$\n",
            {"f", arguments + " RETURNS " + result, after_tables ? "t" : "f"}};
}

CatalogRow trigger(const std::string &name, const std::string &function) {
    return {"trigger",
            "t",
            name,
            "CREATE TRIGGER " + name + " BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION " +
                function.substr(0, function.find('(')) + "()",
            {function}};
}

CatalogRow comment(const std::string &target, const std::string &text) {
    return {"comment", "", target, text, {}};
}

std::vector<CatalogRow> plus(std::vector<CatalogRow> rows, const std::vector<CatalogRow> &more) {
    rows.insert(rows.end(), more.begin(), more.end());
    return rows;
}

ChangePlan plan(const std::vector<CatalogRow> &current, const std::vector<CatalogRow> &desired) {
    return plan_changes(build_model(current), build_model(desired), {}, GenerateOptions{});
}

// The first line of every statement of the plan, up or down, one string per
// version, joined by " | ".
std::vector<std::string> firsts(const ChangePlan &p, bool up) {
    std::vector<std::string> versions;
    for (const GeneratedVersion &version : p.versions) {
        std::string text;
        for (const std::string &statement : up ? version.up : version.dn)
            text += (text.empty() ? "" : " | ") + statement.substr(0, statement.find('\n'));
        versions.push_back(text);
    }
    return versions;
}
std::vector<std::string> ups(const ChangePlan &p) { return firsts(p, true); }
std::vector<std::string> dns(const ChangePlan &p) { return firsts(p, false); }

const CatalogRow kTwice =
    routine("twice(integer)", "x integer", "integer", "begin return 2 * x; end");

TEST(SchemaCode, ARoutineIsCreatedAndDroppedWithItsDefinitionAsUndo) {
    const ChangePlan created = plan(kTable, plus(kTable, {kTwice}));
    EXPECT_EQ(created.changes, std::vector<std::string>{"create routine twice(integer)"});
    EXPECT_EQ(ups(created),
              std::vector<std::string>{"CREATE OR REPLACE FUNCTION twice(x integer)"});
    EXPECT_EQ(dns(created), std::vector<std::string>{"DROP FUNCTION twice(integer)"});
    const ChangePlan dropped = plan(plus(kTable, {kTwice}), kTable);
    EXPECT_EQ(ups(dropped), std::vector<std::string>{"DROP FUNCTION twice(integer)"});
    EXPECT_EQ(dropped.versions.at(0).dn.at(0), build_model({kTwice}).routines.at(0).definition);
}

TEST(SchemaCode, ABodyChangeIsReplacedInPlaceAndUndoPutsTheOldOneBack) {
    const CatalogRow thrice =
        routine("twice(integer)", "x integer", "integer", "begin return 3 * x; end");
    const ChangePlan p = plan(plus(kTable, {kTwice}), plus(kTable, {thrice}));
    EXPECT_EQ(p.changes, std::vector<std::string>{"replace routine twice(integer)"});
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_NE(p.versions[0].up.at(0).find("3 * x"), std::string::npos);
    EXPECT_NE(p.versions[0].dn.at(0).find("2 * x"), std::string::npos);
}

TEST(SchemaCode, AResultOrArgumentNameChangeDropsAndCreates) {
    for (const CatalogRow &changed :
         {routine("twice(integer)", "x integer", "bigint", "begin return 2 * x; end"),
          routine("twice(integer)", "y integer", "integer", "begin return 2 * y; end")}) {
        const ChangePlan p = plan(plus(kTable, {kTwice}), plus(kTable, {changed}));
        EXPECT_EQ(p.changes, std::vector<std::string>{"recreate routine twice(integer)"});
        EXPECT_EQ(ups(p),
                  std::vector<std::string>{
                      "DROP FUNCTION twice(integer) | CREATE OR REPLACE FUNCTION "
                      "twice(" +
                      changed.details[1].substr(0, changed.details[1].find(" RETURNS")) + ")"});
        EXPECT_EQ(dns(p), std::vector<std::string>{
                              "DROP FUNCTION twice(integer) | CREATE OR REPLACE FUNCTION "
                              "twice(x integer)"});
    }
}

TEST(SchemaCode, OverloadsAreRoutinesOfTheirOwn) {
    const CatalogRow text_twice =
        routine("twice(text)", "x text", "text", "begin return x || x; end");
    const ChangePlan p = plan(plus(kTable, {kTwice}), plus(kTable, {kTwice, text_twice}));
    EXPECT_EQ(p.changes, std::vector<std::string>{"create routine twice(text)"});
}

TEST(SchemaCode, RoutinesGoBeforeNewTablesOrAfterThemWhenTheyNeedThem) {
    const CatalogRow counter =
        routine("t_count()", "", "bigint", "select count(*) from t", /*after_tables=*/true);
    const ChangePlan p = plan({}, plus(kTable, {kTwice, counter}));
    EXPECT_EQ(p.changes, (std::vector<std::string>{"create routine twice(integer)",
                                                   "create table t", "create routine t_count()"}));
}

TEST(SchemaCode, ATriggerComesAfterItsFunctionAndGoesBeforeIt) {
    const CatalogRow stamp = routine("stamp()", "", "trigger", "begin return new; end");
    const std::vector<CatalogRow> with_trigger =
        plus(kTable, {stamp, trigger("t_stamp", "stamp()")});
    const ChangePlan created = plan(kTable, with_trigger);
    EXPECT_EQ(created.changes,
              (std::vector<std::string>{"create routine stamp()", "create trigger t.t_stamp"}));
    const ChangePlan dropped = plan(with_trigger, kTable);
    EXPECT_EQ(dropped.changes,
              (std::vector<std::string>{"drop trigger t.t_stamp", "drop routine stamp()"}));
    EXPECT_EQ(dns(dropped).at(0).substr(0, 22), "CREATE OR REPLACE FUNC");
}

TEST(SchemaCode, ATriggerWhoseFunctionIsRecreatedIsRecreatedToo) {
    const CatalogRow stamp = routine("stamp()", "", "trigger", "begin return new; end");
    const CatalogRow renamed_result = routine("stamp()", "", "trigger", "begin return null; end");
    // Only the body changes: CREATE OR REPLACE keeps the trigger.
    EXPECT_EQ(plan(plus(kTable, {stamp, trigger("t_stamp", "stamp()")}),
                   plus(kTable, {renamed_result, trigger("t_stamp", "stamp()")}))
                  .changes,
              std::vector<std::string>{"replace routine stamp()"});
    CatalogRow procedure = stamp;
    procedure.details[0] = "p";  // a kind change cannot be replaced in place
    procedure.details[1] = "";
    EXPECT_EQ(plan(plus(kTable, {stamp, trigger("t_stamp", "stamp()")}),
                   plus(kTable, {procedure, trigger("t_stamp", "stamp()")}))
                  .changes,
              (std::vector<std::string>{"drop trigger t.t_stamp", "recreate routine stamp()",
                                        "create trigger t.t_stamp"}));
}

TEST(SchemaCode, CommentsAreSetLastAndRemovedFirstWithTheOldTextAsUndo) {
    const std::vector<CatalogRow> before = plus(kTable, {comment("TABLE t", "'old'")});
    const ChangePlan changed = plan(before, plus(kTable, {comment("TABLE t", "'new'")}));
    EXPECT_EQ(ups(changed), std::vector<std::string>{"COMMENT ON TABLE t IS 'new'"});
    EXPECT_EQ(dns(changed), std::vector<std::string>{"COMMENT ON TABLE t IS 'old'"});
    // A column dropped with its comment: the comment goes first, in its own
    // version, so that undo puts it back once the column is back.
    std::vector<CatalogRow> two_columns =
        plus(kTable, {{"column", "t", "note", "text", {"", "f", "", "", "", "2"}},
                      comment("COLUMN t.note", "'a note'")});
    GenerateOptions options;
    options.allowed_hazards = {"drop-column"};
    const ChangePlan dropped =
        plan_changes(build_model(two_columns), build_model(kTable), {}, options);
    EXPECT_EQ(ups(dropped), (std::vector<std::string>{"COMMENT ON COLUMN t.note IS NULL",
                                                      "ALTER TABLE t DROP COLUMN note"}));
    EXPECT_EQ(dns(dropped).at(0), "COMMENT ON COLUMN t.note IS 'a note'");
}

TEST(SchemaCode, ACommentOnARecreatedObjectIsSetAgain) {
    const CatalogRow changed =
        routine("twice(integer)", "x integer", "bigint", "begin return 2 * x; end");
    const CatalogRow said = comment("FUNCTION twice(integer)", "'doubles'");
    const ChangePlan p = plan(plus(kTable, {kTwice, said}), plus(kTable, {changed, said}));
    EXPECT_EQ(p.changes, (std::vector<std::string>{"remove comment on FUNCTION twice(integer)",
                                                   "recreate routine twice(integer)",
                                                   "comment on FUNCTION twice(integer)"}));
    EXPECT_EQ(dns(p).back(), "COMMENT ON FUNCTION twice(integer) IS NULL");
}

TEST(SchemaCode, DumpPutsRoutinesAroundTheTablesThenTriggersAndComments) {
    const CatalogRow counter =
        routine("t_count()", "", "bigint", "select count(*) from t", /*after_tables=*/true);
    std::vector<std::string> blocked;
    const auto files =
        dump_files(build_model(plus(kTable, {kTwice, counter, trigger("t_twice", "twice(integer)"),
                                             comment("TABLE t", "'the table'")})),
                   blocked);
    std::vector<std::string> names;
    for (const auto &entry : files) names.push_back(entry.first);
    EXPECT_EQ(names,
              (std::vector<std::string>{"05_routines.sql", "10_table_t.sql", "50_routines.sql",
                                        "60_triggers.sql", "95_comments.sql"}));
    EXPECT_NE(files.at("05_routines.sql").find("$function$;\n"), std::string::npos)
        << "the definition ends its statement without pg_get_functiondef's last newline";
    EXPECT_NE(files.at("95_comments.sql").find("COMMENT ON TABLE t IS 'the table';\n"),
              std::string::npos);
}

TEST(SchemaCode, TheProofComparesWhatTheFingerprintDoesNotSee) {
    const CatalogRow with_default =
        routine("twice(integer)", "x integer DEFAULT 1", "integer", "begin return 2 * x; end");
    EXPECT_EQ(unfingerprinted_differences(build_model({kTwice}), build_model({kTwice})),
              std::vector<std::string>{});
    EXPECT_EQ(
        unfingerprinted_differences(build_model({kTwice}), build_model({with_default})).size(), 1u);
    EXPECT_EQ(unfingerprinted_differences(build_model({comment("TABLE t", "'a'")}),
                                          build_model({comment("TABLE t", "'b'")})),
              std::vector<std::string>{"comment on TABLE t is 'b', not 'a'"});
    EXPECT_EQ(
        unfingerprinted_differences(build_model({}), build_model({comment("TABLE t", "'b'")})),
        std::vector<std::string>{"comment on TABLE t is extra: 'b'"});
}

TEST(SchemaCode, VersionsWithRoutinesTriggersAndCommentsLoadAndPassLint) {
    const CatalogRow stamp = routine("stamp()", "", "trigger", "begin return new; end");
    const ChangePlan p = plan(plus(kTable, {comment("TABLE t", "'old'")}),
                              plus(kTable, {kTwice, stamp, trigger("t_stamp", "stamp()"),
                                            comment("FUNCTION twice(integer)", "'doubles'")}));
    ASSERT_EQ(p.versions.size(), 3u);  // remove comments, main, set comments
    test::expect_loads_and_passes_lint(p);
}

CatalogRow view(const std::string &name, const std::string &query, const std::string &columns,
                const std::string &relations, const std::string &routines = "", char kind = 'v') {
    return {"view",
            "",
            name,
            " " + query + ";",
            {std::string(1, kind), columns, relations, routines, ""}};
}

CatalogRow policy(const std::string &name, const std::string &command,
                  const std::string &using_expr, const std::string &check_expr = "") {
    return {"policy", "t", name, "PERMISSIVE", {command, "PUBLIC", using_expr, check_expr}};
}

const CatalogRow kIds = view("ids", "SELECT t.id FROM t", "id integer", "t");

TEST(SchemaCode, AViewWithColumnsAppendedIsReplacedElseRecreatedWithWhatReadsIt) {
    const CatalogRow appended =
        view("ids", "SELECT t.id, 1 AS one FROM t", "id integer\none integer", "t");
    const ChangePlan replaced = plan(plus(kTable, {kIds}), plus(kTable, {appended}));
    EXPECT_EQ(ups(replaced), std::vector<std::string>{"CREATE OR REPLACE VIEW ids AS"});
    EXPECT_EQ(dns(replaced), std::vector<std::string>{"DROP VIEW ids | CREATE VIEW ids AS"});
    // A column goes: the view is dropped and created, and so are the view
    // that reads it and that view's INSTEAD OF trigger (migra #120).
    const CatalogRow reader = view("id_list", "SELECT ids.id FROM ids", "id integer", "ids");
    const CatalogRow instead{"trigger",
                             "id_list",
                             "id_list_insert",
                             "CREATE TRIGGER id_list_insert INSTEAD OF INSERT ON id_list FOR EACH "
                             "ROW EXECUTE FUNCTION stamp()",
                             {"stamp()"}};
    const CatalogRow stamp = routine("stamp()", "", "trigger", "begin return new; end");
    const CatalogRow other = view("ids", "SELECT 1 AS one FROM t", "one integer", "t");
    const ChangePlan recreated = plan(plus(kTable, {stamp, kIds, reader, instead}),
                                      plus(kTable, {stamp, other, reader, instead}));
    EXPECT_EQ(recreated.changes,
              (std::vector<std::string>{"drop trigger id_list.id_list_insert", "drop view id_list",
                                        "drop view ids", "create view ids", "create view id_list",
                                        "create trigger id_list.id_list_insert"}));
}

TEST(SchemaCode, AViewIsRecreatedWhenAColumnItReadsChangesTypeOrARoutineItCallsIsRecreated) {
    std::vector<CatalogRow> bigint_id = kTable;
    bigint_id[1].definition = "bigint";
    GenerateOptions options;
    options.allowed_hazards = {"type-change"};
    const ChangePlan typed = plan_changes(build_model(plus(kTable, {kIds})),
                                          build_model(plus(bigint_id, {kIds})), {}, options);
    EXPECT_EQ(typed.changes,
              (std::vector<std::string>{"drop view ids", "column t.id type bigint, was integer",
                                        "create view ids"}));
    const CatalogRow calls =
        view("twos", "SELECT twice(t.id) AS twice FROM t", "twice integer", "t", "twice(integer)");
    const CatalogRow changed =
        routine("twice(integer)", "y integer", "integer", "begin return 2 * y; end");
    EXPECT_EQ(plan(plus(kTable, {kTwice, calls}), plus(kTable, {changed, calls})).changes,
              (std::vector<std::string>{"drop view twos", "recreate routine twice(integer)",
                                        "create view twos"}));
}

TEST(SchemaCode, AMaterializedViewIsRecreatedWithItsIndexesAsAHazard) {
    const CatalogRow totals = view("totals", "SELECT t.id FROM t", "id integer", "t", "", 'm');
    const CatalogRow totals_id{"index",
                               "totals",
                               "totals_id",
                               "CREATE UNIQUE INDEX totals_id ON totals USING btree (id)",
                               {}};
    const CatalogRow changed =
        view("totals", "SELECT t.id FROM t WHERE t.id > 0", "id integer", "t", "", 'm');
    const ChangePlan refused =
        plan(plus(kTable, {totals, totals_id}), plus(kTable, {changed, totals_id}));
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0].substr(0, 39), "matview-recreate: materialized view tot");
    GenerateOptions options;
    options.allowed_hazards = {"matview-recreate"};
    const ChangePlan p = plan_changes(build_model(plus(kTable, {totals, totals_id})),
                                      build_model(plus(kTable, {changed, totals_id})), {}, options);
    EXPECT_EQ(ups(p), std::vector<std::string>{
                          "DROP MATERIALIZED VIEW totals | CREATE MATERIALIZED VIEW totals AS | "
                          "CREATE UNIQUE INDEX totals_id ON totals USING btree (id)"});
    EXPECT_EQ(dns(p), std::vector<std::string>{
                          "DROP MATERIALIZED VIEW totals | CREATE MATERIALIZED VIEW totals AS | "
                          "CREATE UNIQUE INDEX totals_id ON totals USING btree (id)"});
}

TEST(SchemaCode, ViewsAreCreatedAfterTheViewsTheyReadAndDroppedBefore) {
    const CatalogRow reader = view("a_reader", "SELECT z_ids.id FROM z_ids", "id integer", "z_ids");
    const CatalogRow read = view("z_ids", "SELECT t.id FROM t", "id integer", "t");
    EXPECT_EQ(plan(kTable, plus(kTable, {reader, read})).changes,
              (std::vector<std::string>{"create view z_ids", "create view a_reader"}));
    EXPECT_EQ(plan(plus(kTable, {reader, read}), kTable).changes,
              (std::vector<std::string>{"drop view a_reader", "drop view z_ids"}));
}

TEST(SchemaCode, PoliciesAreAlteredWhenTheyCanBeElseDroppedAndCreated) {
    const std::vector<CatalogRow> secured = plus(
        kTable, {{"row security", "t", "", "", {"t", "f"}}, policy("mine", "SELECT", "(id > 0)")});
    const ChangePlan created = plan(kTable, secured);
    EXPECT_EQ(ups(created), std::vector<std::string>{
                                "CREATE POLICY mine ON t AS PERMISSIVE FOR SELECT TO PUBLIC USING "
                                "((id > 0)) | ALTER TABLE t ENABLE ROW LEVEL SECURITY"});
    EXPECT_EQ(dns(created),
              std::vector<std::string>{
                  "ALTER TABLE t DISABLE ROW LEVEL SECURITY | DROP POLICY mine ON t"});
    std::vector<CatalogRow> altered = secured;
    altered.back() = policy("mine", "SELECT", "(id > 1)");
    EXPECT_EQ(ups(plan(secured, altered)),
              std::vector<std::string>{"ALTER POLICY mine ON t TO PUBLIC USING ((id > 1))"});
    altered.back() = policy("mine", "ALL", "(id > 0)");
    EXPECT_EQ(plan(secured, altered).changes,
              (std::vector<std::string>{"drop policy t.mine", "create policy t.mine"}));
    std::vector<CatalogRow> forced = secured;
    forced[2].details = {"f", "t"};
    EXPECT_EQ(ups(plan(secured, forced)),
              std::vector<std::string>{"ALTER TABLE t DISABLE ROW LEVEL SECURITY | ALTER TABLE t "
                                       "FORCE ROW LEVEL SECURITY"});
}

}  // namespace
}  // namespace shoal
