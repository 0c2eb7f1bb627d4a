// Tests of partitioned tables and partitions in the schema model and the
// generate plan (coordinator/schema_model.h, schema_diff.h): the model as the
// catalog snapshot gives it, the dump that rebuilds it with every name, the
// recipes (a partition added or dropped, an index of a partitioned table built
// partition by partition and attached), and what blocks. No database: the
// proof on a real shard is test/cluster/33_generate.sh (24-26).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "generated_versions.h"
#include "schema_diff.h"
#include "schema_model.h"

namespace shoal {
namespace {

CatalogRow column(const std::string &table, const std::string &name, const std::string &type,
                  int position) {
    return {"column", table, name, type, {"", "t", "", "", "", std::to_string(position)}};
}

CatalogRow partition(const std::string &name, const std::string &bound) {
    return {"table", "", name, "", {"", "events", bound}};
}

// A partition's key (attached to events_pkey) and index (attached to events_kind).
std::vector<CatalogRow> partition_objects(const std::string &name) {
    return {{"constraint",
             name,
             name + "_pkey",
             "PRIMARY KEY (id, day)",
             {"p", "CREATE UNIQUE INDEX " + name + "_pkey ON " + name + " USING btree (id, day)",
              "events_pkey"}},
            {"index",
             name,
             name + "_kind_idx",
             "CREATE INDEX " + name + "_kind_idx ON " + name + " USING btree (kind)",
             {"events_kind"}}};
}

// events(id, day, kind) partitioned by range of day, with a key, a check and
// an index, and its partitions events_2024 and events_other (DEFAULT).
std::vector<CatalogRow> events(bool with_index = true) {
    std::vector<CatalogRow> rows = {
        {"table", "", "events", "", {"RANGE (day)", "", ""}},
        column("events", "id", "bigint", 1),
        column("events", "day", "date", 2),
        column("events", "kind", "text", 3),
        {"constraint",
         "events",
         "events_pkey",
         "PRIMARY KEY (id, day)",
         {"p", "CREATE UNIQUE INDEX events_pkey ON ONLY events USING btree (id, day)", ""}},
        {"constraint", "events", "events_id_check", "CHECK ((id > 0))", {"c", "", ""}},
        partition("events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
        partition("events_other", "DEFAULT")};
    if (with_index)
        rows.push_back({"index",
                        "events",
                        "events_kind",
                        "CREATE INDEX events_kind ON ONLY events USING btree (kind)",
                        {""}});
    for (const std::string name : {"events_2024", "events_other"})
        for (CatalogRow &row : partition_objects(name))
            if (with_index || row.kind != "index") rows.push_back(row);
    return rows;
}

std::vector<CatalogRow> without(std::vector<CatalogRow> rows, const std::string &table) {
    rows.erase(std::remove_if(
                   rows.begin(), rows.end(),
                   [&](const CatalogRow &row) { return row.name == table || row.table == table; }),
               rows.end());
    return rows;
}

using test::expect_loads_and_passes_lint;
using test::plan;
using test::with;

TEST(SchemaPartitions, TheModelKeepsTheKeyTheBoundsAndWhatIsAttached) {
    const SchemaModel model = build_model(events());
    ASSERT_TRUE(model.table("events") && model.table("events_other"));
    EXPECT_EQ(model.table("events")->partition_key, "RANGE (day)");
    EXPECT_EQ(model.table("events_other")->parent, "events");
    EXPECT_EQ(model.table("events_other")->bound, "DEFAULT");
    EXPECT_EQ(model.index("events_2024_kind_idx")->parent, "events_kind");
    EXPECT_EQ(model.constraint("events_2024", "events_2024_pkey")->parent, "events_pkey");
    EXPECT_TRUE(model.unmodelled.empty());
}

// The partitions' keys and indexes are created first, under their own names,
// then the table's ON ONLY it, and attached: PostgreSQL would name them
// otherwise.
TEST(SchemaPartitions, TheDumpRebuildsEveryNameInOneFilePerPartitionedTable) {
    std::vector<std::string> blocked;
    const std::map<std::string, std::string> files = dump_files(build_model(events()), blocked);
    EXPECT_TRUE(blocked.empty());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files.begin()->first, "10_table_events.sql");
    EXPECT_EQ(files.begin()->second,
              "-- Written by `shoal dump`: one shard's structure, names unqualified.\n"
              "CREATE TABLE events (\n"
              "    id bigint NOT NULL,\n"
              "    day date NOT NULL,\n"
              "    kind text NOT NULL,\n"
              "    CONSTRAINT events_id_check CHECK ((id > 0))\n"
              ") PARTITION BY RANGE (day);\n"
              "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO "
              "('2025-01-01');\n"
              "CREATE TABLE events_other PARTITION OF events DEFAULT;\n"
              "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_pkey PRIMARY KEY (id, day);\n"
              "CREATE INDEX events_2024_kind_idx ON events_2024 USING btree (kind);\n"
              "ALTER TABLE events_other ADD CONSTRAINT events_other_pkey PRIMARY KEY (id, day);\n"
              "CREATE INDEX events_other_kind_idx ON events_other USING btree (kind);\n"
              "ALTER TABLE ONLY events ADD CONSTRAINT events_pkey PRIMARY KEY (id, day);\n"
              "ALTER INDEX events_pkey ATTACH PARTITION events_2024_pkey;\n"
              "ALTER INDEX events_pkey ATTACH PARTITION events_other_pkey;\n"
              "CREATE INDEX events_kind ON ONLY events USING btree (kind);\n"
              "ALTER INDEX events_kind ATTACH PARTITION events_2024_kind_idx;\n"
              "ALTER INDEX events_kind ATTACH PARTITION events_other_kind_idx;\n");
}

TEST(SchemaPartitions, ANewPartitionedTableIsCreatedWithItsPartitionsInOneVersion) {
    const ChangePlan p = plan({}, events());
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.changes, std::vector<std::string>{"create table events"});
    EXPECT_EQ(p.versions[0].up.size(), 13u);
    EXPECT_EQ(p.versions[0].dn, std::vector<std::string>{"DROP TABLE events"});
    expect_loads_and_passes_lint(p);
}

// PostgreSQL creates the new partition's key and index, attached, under the
// names the desired schema's have (it made them the same way).
TEST(SchemaPartitions, APartitionAddedToATableIsCreatedAsAPartitionOfIt) {
    const ChangePlan p =
        plan(events(), with(events(), with({partition("events_2025",
                                                      "FOR VALUES FROM ('2025-01-01') "
                                                      "TO ('2026-01-01')")},
                                           partition_objects("events_2025"))));
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.versions[0].up,
              std::vector<std::string>{"CREATE TABLE events_2025 PARTITION OF events FOR VALUES "
                                       "FROM ('2025-01-01') TO ('2026-01-01')"});
    EXPECT_EQ(p.versions[0].dn, std::vector<std::string>{"DROP TABLE events_2025"});
    expect_loads_and_passes_lint(p);
}

TEST(SchemaPartitions, APartitionDroppedIsAHazardItsRowsAreLost) {
    const std::vector<CatalogRow> fewer = without(events(), "events_2024");
    const ChangePlan refused = plan(events(), fewer);
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0],
              "drop-table: table events_2024 is dropped: its rows are lost; allow it with "
              "--allow-hazard drop-table");
    const ChangePlan allowed = plan(events(), fewer, {"drop-table"});
    ASSERT_EQ(allowed.versions.size(), 1u);
    EXPECT_EQ(allowed.versions[0].up, std::vector<std::string>{"DROP TABLE events_2024"});
    // Its undo puts it back with its own key and index, attached.
    EXPECT_EQ(allowed.versions[0].dn.front(),
              "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO "
              "('2025-01-01')");
    // A partitioned table dropped takes its partitions with it.
    const ChangePlan all = plan(events(), {}, {"drop-table"});
    ASSERT_EQ(all.versions.size(), 1u);
    EXPECT_EQ(all.versions[0].up, std::vector<std::string>{"DROP TABLE events"});
}

// CREATE INDEX CONCURRENTLY is refused on a partitioned table: each
// partition's is built concurrently, then the table's ON ONLY it and attached
// in the transaction that records the version.
TEST(SchemaPartitions, AnIndexOfAPartitionedTableIsBuiltPartitionByPartition) {
    const ChangePlan p = plan(events(false), events());
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(version_file_text(p.versions[0], true, GenerateOptions{}),
              "-- Generated by shoal generate: create index events_kind of partitioned table "
              "events\n"
              "-- shoal $lock_timeout=5s\n"
              "COMMIT;\n"
              "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_kind_idx ON events_2024 USING "
              "btree (kind);\n"
              "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_other_kind_idx ON events_other "
              "USING btree (kind);\n"
              "BEGIN;\n"
              "CREATE INDEX events_kind ON ONLY events USING btree (kind);\n"
              "ALTER INDEX events_kind ATTACH PARTITION events_2024_kind_idx;\n"
              "ALTER INDEX events_kind ATTACH PARTITION events_other_kind_idx;\n");
    EXPECT_EQ(p.versions[0].dn, std::vector<std::string>{"DROP INDEX events_kind"});
    expect_loads_and_passes_lint(p);
    // Dropped: DROP INDEX (there is no concurrent form), its partitions' with it.
    const ChangePlan dropped = plan(events(), events(false));
    ASSERT_EQ(dropped.versions.size(), 1u);
    EXPECT_EQ(dropped.versions[0].up, std::vector<std::string>{"DROP INDEX events_kind"});
    EXPECT_EQ(dropped.versions[0].dn.back(),
              "ALTER INDEX events_kind ATTACH PARTITION events_other_kind_idx");
    expect_loads_and_passes_lint(dropped);
}

TEST(SchemaPartitions, NamesAreQuotedWhereverTheyAreWritten) {
    const SchemaModel model =
        build_model({{"table", "", "Events", "", {"LIST (kind)", "", ""}},
                     column("Events", "kind", "text", 1),
                     {"table", "", "select", "", {"", "Events", "FOR VALUES IN ('a')"}},
                     {"index",
                      "Events",
                      "By Kind",
                      "CREATE INDEX \"By Kind\" ON ONLY \"Events\" USING btree (kind)",
                      {""}},
                     {"index",
                      "select",
                      "select_kind_idx",
                      "CREATE INDEX select_kind_idx ON \"select\" USING btree (kind)",
                      {"By Kind"}}});
    EXPECT_EQ(create_partition_sql(*model.table("select")),
              "CREATE TABLE \"select\" PARTITION OF \"Events\" FOR VALUES IN ('a')");
    EXPECT_EQ(attach_index_partitions_sql(model, "By Kind"),
              std::vector<std::string>{"ALTER INDEX \"By Kind\" ATTACH PARTITION select_kind_idx"});
}

TEST(SchemaPartitions, ChangesWithoutAnOnlineRecipeBlockThePlanByName) {
    std::vector<CatalogRow> by_list = events();
    by_list[0].details[0] = "LIST (kind)";
    EXPECT_EQ(plan(events(), by_list).blocked,
              std::vector<std::string>{
                  "partitioning of table events changes (partitioned by RANGE (day) to "
                  "partitioned by LIST (kind)): no online recipe; create the new table beside "
                  "it and move the rows in versions of your own"});
    std::vector<CatalogRow> other_bound = events();
    other_bound[6].details[2] = "FOR VALUES FROM ('2023-01-01') TO ('2025-01-01')";
    EXPECT_EQ(plan(events(), other_bound).blocked.size(), 1u);
    std::vector<CatalogRow> unique =
        with(events(), {{"constraint",
                         "events",
                         "events_kind_key",
                         "UNIQUE (kind, day)",
                         {"u",
                          "CREATE UNIQUE INDEX events_kind_key ON ONLY events USING btree (kind, "
                          "day)",
                          ""}}});
    EXPECT_EQ(plan(events(), unique).blocked,
              std::vector<std::string>{"constraint events.events_kind_key added to partitioned "
                                       "table events: no online recipe for a key or a foreign "
                                       "key there"});
}

}  // namespace
}  // namespace shoal
