// history's pure part (history.h): --action and --since are checked before
// anything connects, the coordinator's marks are told from hand-made ones by
// version and checksum, nodes merge newest first, names cannot forge lines.
#include "history.h"

#include <gtest/gtest.h>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

TEST(HistoryAction, AnUnknownActionNamesTheValidOnes) {
    EXPECT_EQ(history_action_error("apply"), "");
    EXPECT_EQ(history_action_error("cancel"), "");
    EXPECT_EQ(history_action_error("expand"), "");
    EXPECT_EQ(history_action_error("applied"),
              "--action must be one of apply, undo, mark, forget, fail, pause, resume, cancel, "
              "expand, backfilled, contract, abort, "
              "not \"applied\"");
}

TEST(HistorySince, DurationsCountBackFromNow) {
    const std::time_t now = 1796169600;  // 2026-12-02T00:00:00Z
    std::string error;
    EXPECT_EQ(parse_since("2h", now, error), "2026-12-01T22:00:00Z");
    EXPECT_EQ(parse_since("3d", now, error), "2026-11-29T00:00:00Z");
    EXPECT_EQ(parse_since("90s", now, error), "2026-12-01T23:58:30Z");
    EXPECT_EQ(parse_since("30m", now, error), "2026-12-01T23:30:00Z");
    EXPECT_EQ(parse_since("1w", now, error), "2026-11-25T00:00:00Z");
    EXPECT_EQ(error, "");
}

TEST(HistorySince, DatesAndTimesAreUtc) {
    std::string error;
    EXPECT_EQ(parse_since("2026-12-01", 0, error), "2026-12-01T00:00:00Z");
    EXPECT_EQ(parse_since("2026-12-01T10:30", 0, error), "2026-12-01T10:30:00Z");
    EXPECT_EQ(parse_since("2026-12-01 10:30:05Z", 0, error), "2026-12-01T10:30:05Z");
    EXPECT_EQ(error, "");
}

TEST(HistorySince, AnythingElseIsAUsageError) {
    for (const char *bad : {"yesterday", "2h30m", "-2h", "2026-02-30", "2026-12-01T25:00", "2H",
                            "2026-12-01T10:30+02", ""}) {
        std::string error;
        EXPECT_EQ(parse_since(bad, 0, error), std::nullopt) << bad;
        EXPECT_NE(error.find("--since takes"), std::string::npos) << bad;
    }
}

TEST(HistoryMarks, OnlyVersionsShoalRunsItselfWithTheirChecksums) {
    test::MemoryFiles files;
    files.files["mig/20250101000001.plain.sh.up.sql"] = "CREATE TABLE t (id int);\n";
    files.files["mig/20250101000001.plain.sh.dn.sql"] = "DROP TABLE t;\n";
    files.files["mig/20250101000002.idx.sh.up.sql"] = "CREATE INDEX CONCURRENTLY i ON t (id);\n";
    files.files["mig/20250101000002.idx.sh.dn.sql"] = "DROP INDEX i;\n";
    const LoadResult loaded = load_migration_dir("mig", files);
    ASSERT_TRUE(loaded.ok());
    const CoordinatorMarks marks = coordinator_marks(loaded.dir);
    EXPECT_EQ(marks.versions, std::vector<std::string>{"20250101000002.idx.sh"});
    EXPECT_EQ(marks.checksums, std::vector<std::string>{loaded.dir.versions[1].up.checksum});
}

HistoryEvent event(const std::string &node, long long id, const std::string &schema,
                   const std::string &finished_at) {
    HistoryEvent e;
    e.node = node;
    e.id = id;
    e.schema = schema;
    e.version = "20250101000001.users.sh";
    e.action = e.recorded = "apply";
    e.role = "postgres";
    e.started_at = e.finished_at = finished_at;
    return e;
}

TEST(HistoryMerge, NewestFirstAcrossNodesThenTheLimit) {
    const std::vector<std::vector<HistoryEvent>> per_node = {
        {event("n1", 7, "sh0000", "2026-12-01T10:00:03.000000Z"),
         event("n1", 6, "sh0003", "2026-12-01T10:00:01.000000Z")},
        {event("n2", 9, "sh0001", "2026-12-01T10:00:02.000000Z"),
         event("n2", 8, "sh0004", "2026-12-01T10:00:01.000000Z")},
    };
    std::vector<std::string> order;
    for (const HistoryEvent &e : merge_newest_first(per_node, {}, 3))
        order.push_back(e.node + ":" + *e.schema);
    EXPECT_EQ(order, (std::vector<std::string>{"n1:sh0000", "n2:sh0001", "n1:sh0003"}));
}

TEST(HistoryMerge, ASchemaPredicateKeepsItsSchemasAndDropsSchemalessEvents) {
    HistoryEvent pause = event("n1", 5, "", "2026-12-01T10:00:05.000000Z");
    pause.schema.reset();
    const std::vector<std::vector<HistoryEvent>> per_node = {
        {pause, event("n1", 4, "sh0000", "2026-12-01T10:00:04.000000Z"),
         event("n1", 3, "public", "2026-12-01T10:00:03.000000Z")}};
    EXPECT_EQ(merge_newest_first(per_node, {}, 10).size(), 3u);
    const auto kept = merge_newest_first(
        per_node, [](const std::string &schema) { return schema.rfind("sh", 0) == 0; }, 10);
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(*kept[0].schema, "sh0000");
}

TEST(HistoryFormat, AlignedColumnsNullsAsDashesAndTheCoordinatorsMarkSaysSo) {
    HistoryEvent apply = event("127.0.0.1:5433", 2, "sh0001", "2026-12-01T10:00:02.123456Z");
    apply.detail = "statements: 2";
    HistoryEvent solo = event("127.0.0.1:5432", 1, "sh0000", "2026-12-01T10:00:01.000000Z");
    solo.recorded = "mark";
    HistoryEvent pause = event("127.0.0.1:5432", 3, "", "2026-12-01T10:00:03.000000Z");
    pause.schema.reset();
    pause.version.reset();
    pause.action = pause.recorded = "pause";
    pause.detail = "deploy\nfreeze";
    const std::vector<std::string> lines = format_history({pause, apply, solo});
    EXPECT_EQ(lines, (std::vector<std::string>{
                         "2026-12-01T10:00:03Z  127.0.0.1:5432  -       -                        "
                         "pause  postgres  deploy\\nfreeze",
                         "2026-12-01T10:00:02Z  127.0.0.1:5433  sh0001  20250101000001.users.sh  "
                         "apply  postgres  statements: 2",
                         "2026-12-01T10:00:01Z  127.0.0.1:5432  sh0000  20250101000001.users.sh  "
                         "apply  postgres  recorded as mark: shoal runs this version itself"}));
}

TEST(HistoryFormat, AHostileSchemaNameCannotForgeALine) {
    HistoryEvent evil =
        event("n1", 1, "x\n2026-12-01T00:00:00Z  n1  sh0000", "2026-12-01T10:00:01Z");
    const std::vector<std::string> lines = format_history({evil});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find('\n'), std::string::npos);
    EXPECT_NE(lines[0].find("\"x\\n2026"), std::string::npos) << lines[0];
}

TEST(HistoryJson, EveryFieldNullWhereTheRowHasNull) {
    HistoryEvent pause = event("n1", 3, "", "2026-12-01T10:00:03.000000Z");
    pause.schema.reset();
    pause.version.reset();
    pause.action = pause.recorded = "pause";
    pause.started_at = "2026-12-01T10:00:02.500000Z";
    pause.seconds = 0.5;
    EXPECT_EQ(json_text(json_event(pause)),
              R"({"time":"2026-12-01T10:00:03.000000Z","node":"n1","schema":null,"version":null,)"
              R"("action":"pause","recorded_action":"pause","role":"postgres",)"
              R"("started_at":"2026-12-01T10:00:02.500000Z","seconds":0.5,"checksum":null,)"
              R"("detail":null,"id":3})");
}

}  // namespace
}  // namespace shoal
