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

std::vector<CatalogRow> with(std::vector<CatalogRow> rows, const std::vector<CatalogRow> &more) {
    rows.insert(rows.end(), more.begin(), more.end());
    return rows;
}

ChangePlan plan(const std::vector<CatalogRow> &current, const std::vector<CatalogRow> &desired,
                std::set<std::string> allowed = {}) {
    GenerateOptions options;
    options.allowed_hazards = std::move(allowed);
    return plan_changes(build_model(current), build_model(desired), {}, options);
}

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

}  // namespace
}  // namespace shoal
