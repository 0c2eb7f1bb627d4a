// Online versions (online_change.h): the declaration read at load time, through the
// whole loader so the directives parser leaves it alone, and the planner's
// rule that nothing after an online version runs before its contract.
#include "online_change.h"

#include <gtest/gtest.h>

#include <tuple>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

using test::MemoryFiles;

const char *kDeclaration =
    "-- shoal $online=column_type\n"
    "-- shoal $online_table=orders\n"
    "-- shoal $online_column=amount\n"
    "-- shoal $online_type=bigint\n"
    "-- shoal $online_up=amount::bigint\n"
    "-- shoal $online_down=amount::integer\n";

LoadResult load_with_up(const std::string &up, const std::string &dn = "") {
    MemoryFiles files;
    files.files["mig/20250101000000.first.sh.up.sql"] = "CREATE TABLE orders (id int);\n";
    files.files["mig/20250101000000.first.sh.dn.sql"] = "";
    files.files["mig/20250102000000.widen.sh.up.sql"] = up;
    files.files["mig/20250102000000.widen.sh.dn.sql"] = dn;
    return load_migration_dir("mig", files);
}

std::string problems_of(const LoadResult &r) {
    std::string text;
    for (const Problem &p : r.problems) text += to_string(p.where) + ": " + p.message + "\n";
    return text;
}

TEST(Online, ReadsTheDeclaration) {
    LoadResult r = load_with_up(std::string(kDeclaration) + "-- shoal $online_batch_rows=50\n" +
                                "-- shoal $online_batch_delay=2s\n-- shoal $lock_timeout=1s\n");
    ASSERT_TRUE(r.ok()) << problems_of(r);
    const Version &version = r.dir.versions.at(1);
    ASSERT_TRUE(version.up.online);
    const OnlineChange &change = *version.up.online;
    EXPECT_EQ(change.table, "orders");
    EXPECT_EQ(change.column, "amount");
    EXPECT_EQ(change.type, "bigint");
    EXPECT_EQ(change.up, "amount::bigint");
    EXPECT_EQ(change.down, "amount::integer");
    EXPECT_EQ(change.batch_rows, 50);
    EXPECT_EQ(change.batch_delay_ms, 2000);
    EXPECT_EQ(version.up.directives.lock_timeout_ms, 1000);
    EXPECT_EQ(to_string(change.where), "mig/20250102000000.widen.sh.up.sql:1");
    EXPECT_FALSE(r.dir.versions.at(0).up.online);
}

TEST(Online, DefaultsForTheBatches) {
    LoadResult r = load_with_up(kDeclaration);
    ASSERT_TRUE(r.ok()) << problems_of(r);
    EXPECT_EQ(r.dir.versions.at(1).up.online->batch_rows, 1000);
    EXPECT_EQ(r.dir.versions.at(1).up.online->batch_delay_ms, 0);
}

TEST(Online, AStatementBesideTheDeclarationIsAProblemAtItsLine) {
    LoadResult r = load_with_up(std::string(kDeclaration) + "ALTER TABLE orders ADD x int;\n");
    EXPECT_NE(problems_of(r).find("mig/20250102000000.widen.sh.up.sql:7: an online version holds "
                                  "only its declaration"),
              std::string::npos)
        << problems_of(r);
}

TEST(Online, ComputedColumnDeclaration) {
    LoadResult r = load_with_up(
        "-- shoal $online=computed_column\n-- shoal $online_table=Order Lines\n"
        "-- shoal $online_column=Line \"Total\"\n-- shoal $online_type=numeric(12,2)\n"
        "-- shoal $online_up=\"Unit Price\" * qty\n-- shoal $online_not_null=1\n"
        "-- shoal $online_batch_rows=100\n");
    ASSERT_TRUE(r.ok()) << problems_of(r);
    const OnlineChange &change = *r.dir.versions.at(1).up.online;
    EXPECT_EQ(change.operation, "computed_column");
    EXPECT_EQ(change.table, "Order Lines");
    EXPECT_EQ(change.column, "Line \"Total\"");
    EXPECT_EQ(change.type, "numeric(12,2)");
    EXPECT_EQ(change.up, "\"Unit Price\" * qty");
    EXPECT_TRUE(change.not_null);
    EXPECT_EQ(change.batch_rows, 100);
    LoadResult nullable = load_with_up(
        "-- shoal $online=computed_column\n-- shoal $online_table=orders\n-- shoal "
        "$online_column=doubled\n-- shoal $online_type=bigint\n-- shoal $online_up=amount * 2\n");
    ASSERT_TRUE(nullable.ok()) << problems_of(nullable);
    EXPECT_FALSE(nullable.dir.versions.at(1).up.online->not_null);
}

TEST(Online, TheFinalCheckSaysWhatIsOutOfStep) {
    OnlineChange widen;
    widen.column = "amount";
    EXPECT_TRUE(backfills_rows(widen));
    EXPECT_EQ(mismatched_rows("2", widen), "2 row(s) whose new column is not up(amount)");
    OnlineChange computed;
    computed.operation = "computed_column";
    computed.column = "doubled";
    computed.up = "amount * 2";
    EXPECT_TRUE(backfills_rows(computed));
    EXPECT_EQ(mismatched_rows("1", computed), "1 row(s) whose doubled is not amount * 2");
    OnlineChange check;
    check.operation = "check";
    EXPECT_FALSE(backfills_rows(check));
}

TEST(Online, ComputedColumnTakesNoDownAndAYesOrNoNotNull) {
    const std::string problems = problems_of(load_with_up(
        "-- shoal $online=computed_column\n-- shoal $online_table=orders\n-- shoal "
        "$online_column=doubled\n-- shoal $online_type=bigint\n-- shoal $online_up=amount * 2\n"
        "-- shoal $online_down=doubled / 2\n-- shoal $online_not_null=yes\n"));
    EXPECT_NE(problems.find(":6: unknown online directive $online_down (for online "
                            "computed_column)"),
              std::string::npos)
        << problems;
    EXPECT_NE(problems.find(":7: $online_not_null must be 1 or 0"), std::string::npos) << problems;
    const std::string missing = problems_of(
        load_with_up("-- shoal $online=computed_column\n-- shoal $online_table=orders\n-- shoal "
                     "$online_column=doubled\n-- shoal $online_type=bigint\n"));
    EXPECT_NE(missing.find(":1: online computed_column needs -- shoal $online_up="),
              std::string::npos)
        << missing;
}

TEST(Online, SetNotNullNamesItsCheckAfterTheColumn) {
    LoadResult r = load_with_up(
        "-- shoal $online=set_not_null\n-- shoal $online_table=orders\n-- shoal "
        "$online_column=note\n");
    ASSERT_TRUE(r.ok()) << problems_of(r);
    const OnlineChange &change = *r.dir.versions.at(1).up.online;
    EXPECT_EQ(change.operation, "set_not_null");
    EXPECT_EQ(change.table, "orders");
    EXPECT_EQ(constraint_columns(change), std::vector<std::string>{"note"});
    EXPECT_EQ(change.constraint_name, "note_not_null");
    LoadResult named = load_with_up(
        "-- shoal $online=set_not_null\n-- shoal $online_table=orders\n-- shoal "
        "$online_column=note\n-- shoal $online_name=orders_note_present\n");
    ASSERT_TRUE(named.ok()) << problems_of(named);
    EXPECT_EQ(named.dir.versions.at(1).up.online->constraint_name, "orders_note_present");
}

TEST(Online, CheckAndForeignKeyDeclarations) {
    LoadResult check = load_with_up(
        "-- shoal $online=check\n-- shoal $online_table=orders\n-- shoal "
        "$online_name=amount_positive\n-- shoal $online_definition=amount > 0\n");
    ASSERT_TRUE(check.ok()) << problems_of(check);
    EXPECT_EQ(check.dir.versions.at(1).up.online->definition, "amount > 0");
    EXPECT_EQ(check.dir.versions.at(1).up.online->constraint_name, "amount_positive");
    LoadResult key = load_with_up(
        "-- shoal $online=foreign_key\n-- shoal $online_table=lines\n-- shoal "
        "$online_name=lines_order_fk\n-- shoal $online_column=order_id, region\n"
        "-- shoal $online_references=orders (id, region) ON DELETE CASCADE\n");
    ASSERT_TRUE(key.ok()) << problems_of(key);
    const OnlineChange &change = *key.dir.versions.at(1).up.online;
    EXPECT_EQ(constraint_columns(change), (std::vector<std::string>{"order_id", "region"}));
    EXPECT_EQ(change.definition, "orders (id, region) ON DELETE CASCADE");
}

TEST(Online, EachOperationTakesOnlyItsKeys) {
    const std::string check = problems_of(
        load_with_up("-- shoal $online=check\n-- shoal $online_table=orders\n-- shoal "
                     "$online_definition=amount > 0\n-- shoal $online_batch_rows=10\n"));
    EXPECT_NE(check.find(":1: online check needs -- shoal $online_name="), std::string::npos)
        << check;
    EXPECT_NE(check.find(":4: unknown online directive $online_batch_rows (for online check)"),
              std::string::npos)
        << check;
    const std::string key = problems_of(
        load_with_up("-- shoal $online=foreign_key\n-- shoal $online_table=lines\n-- shoal "
                     "$online_name=fk\n-- shoal $online_column=order_id\n"));
    EXPECT_NE(key.find("online foreign_key needs -- shoal $online_references="), std::string::npos)
        << key;
}

// Every value the extension splices into SQL (and into the sync trigger, which
// runs in every write) must be one piece of its kind: nothing can ride in on it.
TEST(Online, SqlValuesAreOnePieceEach) {
    const auto with = [](const std::string &key, const std::string &value) {
        std::string up = kDeclaration;
        const size_t at = up.find("-- shoal " + key + "=");
        up.replace(at, up.find('\n', at) - at, "-- shoal " + key + "=" + value);
        return problems_of(load_with_up(up));
    };
    const std::vector<std::tuple<std::string, std::string, std::string>> refused = {
        {"$online_up", "amount::bigint) FROM x; DROP TABLE orders; --",
         ":5: $online_up must be one SQL expression: a \")\" closes"},
        {"$online_up", "amount::bigint; DELETE FROM orders",
         ":5: $online_up must be one SQL expression: \";\""},
        {"$online_up", "(amount::bigint", "a \"(\" is not closed"},
        {"$online_up", "'amount", "it does not scan"},
        {"$online_up", "(SELECT max(amount) FROM other.orders)", "no subquery"},
        {"$online_up", "amount::bigint + (TABLE other.t)", "no subquery"},
        {"$online_down", "amount::integer /* old */",
         ":6: $online_down must be one SQL expression: a comment"},
        {"$online_down", "amount::integer -- old", "a comment"},
        {"$online_type", "bigint DEFAULT 0", ":4: $online_type must be one type: syntax error"},
        {"$online_type", "bigint COLLATE \"C\"", "a type name, nothing after it"},
    };
    for (const auto &[key, value, problem] : refused)
        EXPECT_NE(with(key, value).find(problem), std::string::npos) << key << "=" << value << ":\n"
                                                                     << with(key, value);
    for (const auto &[key, value] : std::vector<std::pair<std::string, std::string>>{
             {"$online_up", "replace(amount::text, ';', '--')::bigint"},
             {"$online_up", "(amount * 100)::bigint"},
             {"$online_type", "timestamp with time zone"},
             {"$online_type", "numeric(12, 2)[]"},
             {"$online_type", "\"My Type\""}})
        EXPECT_EQ(with(key, value), "") << key << "=" << value;
    const std::string check = problems_of(load_with_up(
        "-- shoal $online=check\n-- shoal $online_table=orders\n-- shoal $online_name=c\n"
        "-- shoal $online_definition=amount > 0) NOT VALID, DROP COLUMN note, ADD CHECK (true\n"));
    EXPECT_NE(check.find(":4: $online_definition must be one SQL condition"), std::string::npos)
        << check;
    const std::string key = problems_of(load_with_up(
        "-- shoal $online=foreign_key\n-- shoal $online_table=lines\n-- shoal $online_name=fk\n"
        "-- shoal $online_column=order_id\n-- shoal $online_references=orders (id), DROP COLUMN "
        "x\n"));
    EXPECT_NE(key.find(":5: $online_references must be one REFERENCES target"), std::string::npos)
        << key;
}

TEST(Online, UnknownOperationAndKeysAreProblems) {
    EXPECT_NE(
        problems_of(load_with_up("-- shoal $online=rename\n")).find("unknown online operation"),
        std::string::npos);
    const std::string typo =
        problems_of(load_with_up(std::string(kDeclaration) + "-- shoal $online_bach_rows=5\n"));
    EXPECT_NE(typo.find(":7: unknown online directive $online_bach_rows"), std::string::npos)
        << typo;
}

TEST(Online, MissingKeysAreNamed) {
    const std::string text =
        problems_of(load_with_up("-- shoal $online=column_type\n"
                                 "-- shoal $online_table=orders\n"));
    for (const char *key : {"$online_column", "$online_type", "$online_up", "$online_down"})
        EXPECT_NE(text.find(std::string("needs -- shoal ") + key), std::string::npos) << text;
    EXPECT_EQ(text.find("$online_table="), std::string::npos) << text;
}

TEST(Online, BadBatchValuesAreProblems) {
    const std::string text = problems_of(
        load_with_up(std::string(kDeclaration) +
                     "-- shoal $online_batch_rows=0\n-- shoal $online_batch_delay=soon\n"));
    EXPECT_NE(text.find(":7: $online_batch_rows must be"), std::string::npos) << text;
    EXPECT_NE(text.find(":8: $online_batch_delay must be"), std::string::npos) << text;
}

TEST(Online, OnlyInAnUpFile) {
    const std::string text = problems_of(load_with_up(kDeclaration, kDeclaration));
    EXPECT_NE(text.find("widen.sh.dn.sql:1: an online declaration belongs in a version's .up.sql"),
              std::string::npos)
        << text;
}

TEST(Online, DeclaredTwiceIsAProblem) {
    const std::string text =
        problems_of(load_with_up(std::string(kDeclaration) + "-- shoal $online_type=numeric\n"));
    EXPECT_NE(text.find(":7: $online_type is declared twice (first at line 4)"), std::string::npos)
        << text;
}

TEST(Online, LintSaysPgMigCannotRunIt) {
    LoadResult r = load_with_up(kDeclaration);
    ASSERT_TRUE(r.ok()) << problems_of(r);
    EXPECT_EQ(
        online_note(*r.dir.versions.at(1).up.online)
            .rfind("mig/20250102000000.widen.sh.up.sql:1: note: an online version: pg-mig cannot "
                   "run it",
                   0),
        0u);
}

TEST(Online, PlanStopsAfterTheFirstOnlineVersion) {
    Version plain, online, later;
    online.up.online = OnlineChange{};
    Plan plan;
    plan.nodes.push_back(NodePlan{
        "n1", {SchemaPlan{"sh1", {&plain, &online, &later}}, SchemaPlan{"sh2", {&later}}}});
    EXPECT_TRUE(hold_at_online(plan));
    EXPECT_EQ(plan.nodes[0].schemas[0].steps, (std::vector<const Version *>{&plain, &online}));
    EXPECT_EQ(plan.nodes[0].schemas[1].steps, (std::vector<const Version *>{&later}));
    Plan plain_plan;
    plain_plan.nodes.push_back(NodePlan{"n1", {SchemaPlan{"sh1", {&plain, &later}}}});
    EXPECT_FALSE(hold_at_online(plain_plan));
    EXPECT_EQ(plain_plan.nodes[0].schemas[0].steps.size(), 2u);
}

TEST(Online, CompleteWaitsForEveryBackfill) {
    EXPECT_TRUE(
        not_ready_to_complete({{"n1", "sh1", "backfilled"}, {"n2", "sh2", "backfilled"}}).empty());
    EXPECT_EQ(not_ready_to_complete({{"n1", "sh1", "backfilled"},
                                     {"n1", "sh2", "backfilling"},
                                     {"n2", "sh3", ""},
                                     {"n2", "sh4", "backfilling"}}),
              (std::vector<std::string>{"2 schema(s) backfilling: n1 sh2, n2 sh4",
                                        "1 schema(s) not expanded: n2 sh3"}));
}

TEST(Online, BackfillProgressGivesTheRateAndWhatIsLeft) {
    EXPECT_EQ(backfill_progress(0, 3000, 0), "0/3000 rows");
    EXPECT_EQ(backfill_progress(1200, 3000, 400), "1200/3000 rows, 400 rows/s, about 5 s left");
    EXPECT_EQ(backfill_progress(1000, 49000, 400), "1000/49000 rows, 400 rows/s, about 2 min left");
    EXPECT_EQ(backfill_progress(2999, 3000, 7.4), "2999/3000 rows, 7 rows/s, about 1 s left");
    EXPECT_EQ(backfill_progress(3000, 3000, 400), "3000/3000 rows");
}

}  // namespace
}  // namespace shoal
