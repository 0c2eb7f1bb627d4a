// Tests of what generate models beyond tables, columns and their keys
// (coordinator/schema_model.h, schema_diff.h): exclusion constraints, column
// storage, compression and statistics targets, table storage parameters, and
// privileges. Each recipe from two models built as the catalog snapshot would
// give them; the unhappy path first (the hazard refused, a hostile name). No
// database: test/cluster/33_generate.sh runs the corpus cases 11 to 13.
#include <gtest/gtest.h>

#include "generated_versions.h"
#include "schema_diff.h"
#include "schema_model.h"

namespace shoal {
namespace {

using test::expect_loads_and_passes_lint;

const CatalogRow kBookings = {"table", "", "bookings", "", {}};
const CatalogRow kRoom = {"column", "bookings", "room", "integer", {"", "f", "", "", "", "1"}};
const CatalogRow kDuring = {
    "column", "bookings", "during", "tstzrange", {"", "f", "", "", "", "2"}};

CatalogRow exclusion(const std::string &name, const std::string &definition) {
    return {"constraint", "bookings", name, definition, {"x", ""}};
}

const std::string kNoOverlap = "EXCLUDE USING gist (room WITH =, during WITH &&)";

using test::plan;
using test::with;

const std::vector<CatalogRow> kTable = {kBookings, kRoom, kDuring};

// ---- exclusion constraints ----

TEST(SchemaExclusion, AddedToAnExistingTableIsAHazardRefusedUnlessAllowed) {
    const auto desired = with(kTable, {exclusion("no_overlap", kNoOverlap)});
    const ChangePlan refused = plan(kTable, desired);
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0],
              "exclusion-constraint-scan: exclusion constraint bookings.no_overlap is added to an "
              "existing table: its index is built and every row checked under an ACCESS "
              "EXCLUSIVE lock (no NOT VALID, no USING INDEX); allow it with --allow-hazard "
              "exclusion-constraint-scan");

    const ChangePlan allowed = plan(kTable, desired, {"exclusion-constraint-scan"});
    ASSERT_EQ(allowed.versions.size(), 1u);
    EXPECT_EQ(
        allowed.versions[0].up,
        std::vector<std::string>{"ALTER TABLE bookings ADD CONSTRAINT no_overlap " + kNoOverlap});
    EXPECT_EQ(allowed.versions[0].dn,
              std::vector<std::string>{"ALTER TABLE bookings DROP CONSTRAINT no_overlap"});
    EXPECT_EQ(allowed.versions[0].hazards.size(), 1u);
    expect_loads_and_passes_lint(allowed);
}

TEST(SchemaExclusion, ANewTableHasItInItsCreateTable) {
    const std::string deferrable = kNoOverlap + " WHERE ((room > 0)) DEFERRABLE INITIALLY DEFERRED";
    const ChangePlan p = plan({}, with(kTable, {exclusion("no_overlap", deferrable)}));
    EXPECT_TRUE(p.refused.empty());
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.versions[0].up, std::vector<std::string>{"CREATE TABLE bookings (\n"
                                                         "    room integer,\n"
                                                         "    during tstzrange,\n"
                                                         "    CONSTRAINT no_overlap " +
                                                         deferrable + "\n)"});
    EXPECT_TRUE(
        build_model(with(kTable, {exclusion("no_overlap", kNoOverlap)})).unmodelled.empty());
}

TEST(SchemaExclusion, ChangedIsDroppedThenAddedAndDroppedIsAddedBackByUndo) {
    const auto current =
        with(kTable, {exclusion("no_overlap", kNoOverlap), exclusion("one_room",
                                                                     "EXCLUDE USING "
                                                                     "gist (room WITH "
                                                                     "=)")});
    const auto desired = with(kTable, {exclusion("no_overlap", kNoOverlap + " DEFERRABLE")});
    const ChangePlan p = plan(current, desired, {"exclusion-constraint-scan"});
    ASSERT_EQ(p.versions.size(), 2u);  // main: the drops; constrain: the add
    EXPECT_EQ(p.versions[0].up,
              (std::vector<std::string>{"ALTER TABLE bookings DROP CONSTRAINT no_overlap",
                                        "ALTER TABLE bookings DROP CONSTRAINT one_room"}));
    EXPECT_EQ(p.versions[0].dn,
              (std::vector<std::string>{
                  "ALTER TABLE bookings ADD CONSTRAINT one_room EXCLUDE USING gist (room WITH =)",
                  "ALTER TABLE bookings ADD CONSTRAINT no_overlap " + kNoOverlap}));
    EXPECT_EQ(p.versions[1].up,
              std::vector<std::string>{"ALTER TABLE bookings ADD CONSTRAINT no_overlap " +
                                       kNoOverlap + " DEFERRABLE"});
    expect_loads_and_passes_lint(p);
}

// ---- storage: parameters, column storage, compression, statistics targets ----

const CatalogRow kDocs = {"table", "", "docs", "", {}};
const CatalogRow kBody = {"column", "docs", "Big Body", "text", {"", "f", "", "", "", "1"}};

CatalogRow table_options(const std::string &options) {
    return {"table options", "docs", "", options, {}};
}

CatalogRow column_options(const std::string &storage, const std::string &compression,
                          const std::string &statistics) {
    return {
        "column options", "docs", "Big Body", "", {storage, "EXTENDED", compression, statistics}};
}

TEST(SchemaStorage, TheModelHoldsThemAndTheProofComparesThem) {
    const SchemaModel model =
        build_model({kDocs, kBody, table_options("fillfactor=70\ntoast.autovacuum_enabled=false"),
                     column_options("EXTERNAL", "lz4", "500")});
    EXPECT_TRUE(model.unmodelled.empty());
    const Column &body = model.tables.at(0).columns.at(0);
    EXPECT_EQ(body.storage, "EXTERNAL");
    EXPECT_EQ(body.compression, "lz4");
    EXPECT_EQ(body.statistics, 500);
    EXPECT_EQ(table_options_sql(model.tables.at(0)),
              (std::vector<std::string>{
                  "ALTER TABLE docs SET (fillfactor=70, toast.autovacuum_enabled=false)",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE EXTERNAL",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET COMPRESSION lz4",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STATISTICS 500"}));
    // verify's fingerprint sees none of them but the table's own parameters.
    EXPECT_EQ(
        unfingerprinted_differences(model, build_model({kDocs, kBody})),
        (std::vector<std::string>{"storage parameters of table docs are (), not (fillfactor=70, "
                                  "toast.autovacuum_enabled=false)",
                                  "storage of column docs.Big Body is EXTENDED, not EXTERNAL",
                                  "compression of column docs.Big Body is the default, not lz4",
                                  "statistics target of column docs.Big Body is -1, not 500"}));
}

TEST(SchemaStorage, AValueThatIsNoNumberNorWordIsALiteral) {
    const SchemaModel model = build_model({kDocs, table_options("odd=a b'c")});
    EXPECT_EQ(table_options_sql(model.tables.at(0)),
              std::vector<std::string>{"ALTER TABLE docs SET (odd='a b''c')"});
}

TEST(SchemaStorage, ChangedInPlaceWithoutHazardAndUndoneTheOtherWay) {
    const ChangePlan p =
        plan({kDocs, kBody, table_options("autovacuum_enabled=false\nfillfactor=70")},
             {kDocs, kBody, table_options("fillfactor=80\ntoast.autovacuum_enabled=false"),
              column_options("MAIN", "lz4", "0")});
    EXPECT_TRUE(p.refused.empty());
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.versions[0].up,
              (std::vector<std::string>{
                  "ALTER TABLE docs RESET (autovacuum_enabled, fillfactor)",
                  "ALTER TABLE docs SET (fillfactor=80, toast.autovacuum_enabled=false)",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE MAIN, ALTER COLUMN "
                  "\"Big Body\" SET COMPRESSION lz4, ALTER COLUMN \"Big Body\" SET STATISTICS 0"}));
    EXPECT_EQ(p.versions[0].dn,
              (std::vector<std::string>{
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE EXTENDED, ALTER COLUMN "
                  "\"Big Body\" SET COMPRESSION default, ALTER COLUMN \"Big Body\" SET "
                  "STATISTICS -1",
                  "ALTER TABLE docs RESET (fillfactor, toast.autovacuum_enabled)",
                  "ALTER TABLE docs SET (autovacuum_enabled=false, fillfactor=70)"}));
    expect_loads_and_passes_lint(p);
}

TEST(SchemaStorage, ANewTableOrColumnGetsThemAndADroppedColumnGetsThemBack) {
    const std::vector<CatalogRow> stored = {kDocs, kBody, table_options("fillfactor=70"),
                                            column_options("EXTERNAL", "", "")};
    const ChangePlan created = plan({}, stored);
    ASSERT_EQ(created.versions.size(), 1u);
    EXPECT_EQ(
        created.versions[0].up,
        (std::vector<std::string>{
            "CREATE TABLE docs (\n    \"Big Body\" text\n)", "ALTER TABLE docs SET (fillfactor=70)",
            "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE EXTERNAL"}));

    const ChangePlan added = plan({kDocs, table_options("fillfactor=70")}, stored);
    ASSERT_EQ(added.versions.size(), 1u);
    EXPECT_EQ(added.versions[0].up,
              (std::vector<std::string>{
                  "ALTER TABLE docs ADD COLUMN \"Big Body\" text",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE EXTERNAL"}));

    const ChangePlan dropped =
        plan(stored, {kDocs, table_options("fillfactor=70")}, {"drop-column"});
    ASSERT_EQ(dropped.versions.size(), 1u);
    EXPECT_EQ(dropped.versions[0].dn,
              (std::vector<std::string>{
                  "ALTER TABLE docs ADD COLUMN \"Big Body\" text",
                  "ALTER TABLE docs ALTER COLUMN \"Big Body\" SET STORAGE EXTERNAL"}));
}

// ---- privileges ----

// A role name as quote_ident gives it: quotes, upper case and a space.
const std::string kReader = "\"Read \"\"Only\"\" Role\"";

CatalogRow privilege(const std::string &target, const std::string &grantee, const std::string &what,
                     int level, int default_level = 0, const std::string &column = "") {
    return {"grant",
            target,
            grantee,
            what,
            {column, std::to_string(level), std::to_string(default_level)}};
}

TEST(SchemaGrants, EachLevelChangeIsOneGrantOrRevoke) {
    const Grant select{"TABLE docs", "", kReader, "SELECT", 2, 0};
    EXPECT_EQ(grant_sql(select, 0, 2),
              "GRANT SELECT ON TABLE docs TO " + kReader + " WITH GRANT OPTION");
    EXPECT_EQ(grant_sql(select, 0, 1), "GRANT SELECT ON TABLE docs TO " + kReader);
    EXPECT_EQ(grant_sql(select, 2, 0), "REVOKE SELECT ON TABLE docs FROM " + kReader);
    EXPECT_EQ(grant_sql(select, 2, 1),
              "REVOKE GRANT OPTION FOR SELECT ON TABLE docs FROM " + kReader);
    EXPECT_EQ(grant_sql(select, 1, 1), "");
    const Grant column{"TABLE docs", "\"Big Body\"", "PUBLIC", "UPDATE", 1, 0};
    EXPECT_EQ(grant_sql(column, 0, 1), "GRANT UPDATE (\"Big Body\") ON TABLE docs TO PUBLIC");
}

TEST(SchemaGrants, TakenAwayFirstAndGivenLastOnAnExistingTable) {
    const ChangePlan p = plan({kDocs, kBody, privilege("TABLE docs", "writer", "INSERT", 1)},
                              {kDocs, kBody, privilege("TABLE docs", kReader, "SELECT", 1),
                               privilege("TABLE docs", kReader, "UPDATE", 2, 0, "\"Big Body\"")});
    ASSERT_EQ(p.versions.size(), 2u);
    EXPECT_EQ(p.versions[0].up,
              std::vector<std::string>{"REVOKE INSERT ON TABLE docs FROM writer"});
    EXPECT_EQ(p.versions[0].dn, std::vector<std::string>{"GRANT INSERT ON TABLE docs TO writer"});
    EXPECT_EQ(p.versions[1].up,
              (std::vector<std::string>{"GRANT SELECT ON TABLE docs TO " + kReader,
                                        "GRANT UPDATE (\"Big Body\") ON TABLE docs TO " + kReader +
                                            " WITH GRANT OPTION"}));
    expect_loads_and_passes_lint(p);
}

TEST(SchemaGrants, ANewObjectGetsThemOnceItExistsADroppedOneBackOnUndo) {
    const CatalogRow twice = {"routine",
                              "",
                              "twice(integer)",
                              "CREATE OR REPLACE FUNCTION twice(x integer)\n RETURNS integer\n "
                              "LANGUAGE sql\nAS $function$select 2 * x$function$\n",
                              {"f", "x integer RETURNS integer", "t"}};
    // PUBLIC's default EXECUTE taken away from a new function.
    const ChangePlan created =
        plan({}, {twice, privilege("FUNCTION twice(integer)", "PUBLIC", "EXECUTE", 0, 1)});
    ASSERT_EQ(created.versions.size(), 2u);
    EXPECT_EQ(created.versions[1].up,
              std::vector<std::string>{"REVOKE EXECUTE ON FUNCTION twice(integer) FROM PUBLIC"});
    EXPECT_EQ(created.versions[1].dn,
              std::vector<std::string>{"GRANT EXECUTE ON FUNCTION twice(integer) TO PUBLIC"});

    const ChangePlan dropped =
        plan({kDocs, kBody, privilege("TABLE docs", kReader, "SELECT", 1)}, {}, {"drop-table"});
    ASSERT_EQ(dropped.versions.size(), 2u);
    EXPECT_EQ(dropped.versions[0].up,
              std::vector<std::string>{"REVOKE SELECT ON TABLE docs FROM " + kReader});
    EXPECT_EQ(dropped.versions[1].up, std::vector<std::string>{"DROP TABLE docs"});
    expect_loads_and_passes_lint(dropped);
}

TEST(SchemaGrants, DumpedLastAndComparedByTheProof) {
    const SchemaModel model =
        build_model({kDocs, kBody, privilege("TABLE docs", kReader, "SELECT", 2),
                     privilege("TABLE docs", "PUBLIC", "SELECT", 1, 0, "\"Big Body\"")});
    EXPECT_TRUE(model.unmodelled.empty());
    std::vector<std::string> blocked;
    const auto files = dump_files(model, blocked);
    EXPECT_EQ(files.at("97_grants.sql"),
              "-- Written by `shoal dump`: one shard's structure, names unqualified.\n"
              "GRANT SELECT ON TABLE docs TO " +
                  kReader +
                  " WITH GRANT OPTION;\n"
                  "GRANT SELECT (\"Big Body\") ON TABLE docs TO PUBLIC;\n");
    EXPECT_EQ(unfingerprinted_differences(model, build_model({kDocs, kBody})),
              (std::vector<std::string>{
                  "privilege TABLE docs " + kReader +
                      " SELECT is not granted (expected: granted with grant option)",
                  "privilege TABLE docs (\"Big Body\") PUBLIC SELECT is not granted (expected: "
                  "granted)"}));
}

// generate checks that each exists on every node before it writes anything.
TEST(SchemaGrants, TheRolesGrantedToAreNamedOnceAndPublicIsNone) {
    const SchemaModel model =
        build_model({kDocs, kBody, privilege("TABLE docs", kReader, "SELECT", 1),
                     privilege("TABLE docs", kReader, "INSERT", 1),
                     privilege("TABLE docs", "PUBLIC", "UPDATE", 1),
                     privilege("TABLE docs", "auditor", "DELETE", 1)});
    EXPECT_EQ(granted_roles(model), (std::vector<std::string>{kReader, "auditor"}));
}

}  // namespace
}  // namespace shoal
