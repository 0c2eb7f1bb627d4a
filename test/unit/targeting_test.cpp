// Targeting (targeting.h): --schemas patterns, --nodes, --canary, the --to cut,
// and when a run covers the whole fleet.
#include "targeting.h"

#include <gtest/gtest.h>

#include "config.h"
#include "versions_dir.h"

namespace shoal {
namespace {

std::vector<SchemaPattern> patterns(const std::vector<std::string> &values) {
    std::string error;
    auto parsed = parse_schema_patterns(values, error);
    EXPECT_TRUE(parsed) << error;
    return parsed.value_or(std::vector<SchemaPattern>{});
}

bool any(const std::vector<std::string> &values, const std::string &schema) {
    return targeted(patterns(values), schema);
}

TEST(SchemaPatterns, ExactNamesMatchOnlyThemselves) {
    EXPECT_TRUE(any({"sh0042"}, "sh0042"));
    EXPECT_FALSE(any({"sh0042"}, "sh00421"));
    EXPECT_FALSE(any({"sh0042"}, "sh004"));
}

TEST(SchemaPatterns, GlobsMatchTheWholeName) {
    EXPECT_TRUE(any({"sh00*"}, "sh0042"));
    EXPECT_TRUE(any({"sh00*"}, "sh00"));
    EXPECT_FALSE(any({"sh00*"}, "xsh0042"));
    EXPECT_TRUE(any({"sh00?2"}, "sh0042"));
    EXPECT_FALSE(any({"sh00?2"}, "sh00422"));
    EXPECT_TRUE(any({"*"}, "public"));
    EXPECT_TRUE(any({"*_archive"}, "sh01_archive"));
}

TEST(SchemaPatterns, RangesKeepTheFirstBoundsWidth) {
    EXPECT_TRUE(any({"sh0000-0099"}, "sh0000"));
    EXPECT_TRUE(any({"sh0000-0099"}, "sh0099"));
    EXPECT_FALSE(any({"sh0000-0099"}, "sh0100"));
    EXPECT_FALSE(any({"sh0000-0099"}, "sh00"));
    EXPECT_FALSE(any({"sh0000-0099"}, "sh00050"));
    EXPECT_FALSE(any({"sh0000-0099"}, "xx0050"));
    EXPECT_TRUE(any({"sh8-12"}, "sh9"));
    EXPECT_FALSE(any({"sh8-12"}, "sh10"));  // the width is the first bound's: one digit
}

TEST(SchemaPatterns, ListsAndRepeatsAddUp) {
    EXPECT_TRUE(any({"sh0001,sh0005"}, "sh0005"));
    EXPECT_TRUE(any({"sh0001", "sh0005"}, "sh0005"));
    EXPECT_FALSE(any({"sh0001", "sh0005"}, "sh0003"));
}

TEST(SchemaPatterns, TheSummarysCollapsedListsReadBack) {
    // collapse() prints "sh0001-0003,0008": the bare number continues the prefix.
    const auto parsed = patterns({"sh0001-0003,0008,0010-0011"});
    ASSERT_EQ(parsed.size(), 3u);
    EXPECT_EQ(parsed[1].text, "sh0008");
    EXPECT_EQ(parsed[2].text, "sh0010-0011");
    EXPECT_TRUE(any({"sh0001-0003,0008"}, "sh0008"));
    EXPECT_FALSE(any({"sh0001-0003,0008"}, "0008"));
    EXPECT_TRUE(any({"sh0001,0002"}, "sh0002"));
}

TEST(SchemaPatterns, EmptyItemsAndReversedRangesAreErrors) {
    std::string error;
    EXPECT_FALSE(parse_schema_patterns({"sh0001,,sh0002"}, error));
    EXPECT_NE(error.find("empty item"), std::string::npos) << error;
    EXPECT_FALSE(parse_schema_patterns({""}, error));
    EXPECT_FALSE(parse_schema_patterns({"sh0099-0000"}, error));
    EXPECT_NE(error.find("sh0099-0000"), std::string::npos) << error;
}

TEST(SchemaPatterns, BracketsAreRefusedNamingTheFormsThatWork) {
    // A character class would otherwise be an exact name matching nothing.
    std::string error;
    EXPECT_FALSE(parse_schema_patterns({"sh0000,sh[0-3]*"}, error));
    EXPECT_NE(error.find("\"sh[0-3]*\": brackets are not supported"), std::string::npos) << error;
    EXPECT_NE(error.find("a glob (sh00*"), std::string::npos) << error;
    EXPECT_NE(error.find("a range (sh0000-0099)"), std::string::npos) << error;
    EXPECT_FALSE(parse_schema_patterns({"sh]"}, error));
}

TEST(SchemaPatterns, UnmatchedNamesEachPatternThatMatchesNothing) {
    const std::vector<NodeState> nodes = {{"n1", {{"sh0001", {}}, {"sh0002", {}}}},
                                          {"n2", {{"sh0003", {}}}}};
    EXPECT_TRUE(unmatched(patterns({"sh0003", "sh*"}), nodes).empty());
    EXPECT_EQ(unmatched(patterns({"sh0003,sh9*,sh0004-0005"}), nodes),
              (std::vector<std::string>{"sh9*", "sh0004-0005"}));
    EXPECT_EQ(unknown_schemas({"sh0001", "sh0042"}, nodes), (std::vector<std::string>{"sh0042"}));
}

TEST(SchemaPatterns, TargetedStatesKeepOnlyMatchingSchemas) {
    const std::vector<NodeState> nodes = {{"n1", {{"sh0001", {}}, {"sh0002", {}}}},
                                          {"n2", {{"sh0003", {}}}}};
    const auto kept = targeted_states(nodes, patterns({"sh0002-0003"}));
    ASSERT_EQ(kept.size(), 2u);
    ASSERT_EQ(kept[0].schemas.size(), 1u);
    EXPECT_EQ(kept[0].schemas[0].schema, "sh0002");
    EXPECT_EQ(kept[1].schemas.size(), 1u);
    EXPECT_EQ(targeted_states(nodes, {})[0].schemas.size(), 2u);
}

TEST(SelectNodes, ByDisplayNameOrPositionInFleetOrder) {
    const std::vector<std::string> displays = {"h:5432", "h:5433", "h:5434"};
    std::string error;
    EXPECT_EQ(select_nodes(displays, "h:5434,1", error), (std::vector<size_t>{0, 2}));
    EXPECT_EQ(select_nodes(displays, "2,h:5433", error), (std::vector<size_t>{1}));
}

TEST(SelectNodes, AnUnknownNodeIsAnErrorListingTheValidOnes) {
    const std::vector<std::string> displays = {"h:5432", "h:5433"};
    std::string error;
    EXPECT_TRUE(select_nodes(displays, "h:5432,h:9999", error).empty());
    EXPECT_NE(error.find("\"h:9999\""), std::string::npos) << error;
    EXPECT_NE(error.find("1 h:5432, 2 h:5433"), std::string::npos) << error;
    EXPECT_TRUE(select_nodes(displays, "3", error).empty());
    EXPECT_TRUE(select_nodes(displays, "0", error).empty());
    EXPECT_TRUE(select_nodes(displays, "", error).empty());
}

TEST(Canary, ANumberOrSchemaNames) {
    std::string error;
    WaveOptions count;
    ASSERT_TRUE(parse_canary("3", count, error));
    EXPECT_EQ(count.canary, 3);
    EXPECT_TRUE(count.canary_schemas.empty());
    WaveOptions named;
    ASSERT_TRUE(parse_canary("sh0042,sh0107", named, error));
    EXPECT_EQ(named.canary, 0);
    EXPECT_EQ(named.canary_schemas, (std::vector<std::string>{"sh0042", "sh0107"}));
    WaveOptions bad;
    EXPECT_FALSE(parse_canary("0", bad, error));
    EXPECT_FALSE(parse_canary("sh0042,", bad, error));
}

// The options as parse_config reads them.
ConfigResult parse(const std::vector<std::string> &args) { return parse_config(args, {}, {}); }

TEST(TargetingOptions, NodesNarrowTheFleetAndSayWhetherToASubset) {
    ConfigResult some = parse({"apply", "--migdir", "m", "--hosts", "a,b,c", "--nodes", "c,1"});
    ASSERT_TRUE(some.ok()) << some.errors[0];
    ASSERT_EQ(some.config.nodes.size(), 2u);
    EXPECT_EQ(some.config.nodes[0].display, "a");
    EXPECT_EQ(some.config.nodes[1].display, "c");
    EXPECT_TRUE(some.config.target.node_subset);
    ConfigResult all = parse({"status", "--migdir", "m", "--hosts", "a,b", "--nodes", "a,b"});
    ASSERT_TRUE(all.ok()) << all.errors[0];
    EXPECT_FALSE(all.config.target.node_subset);
    ConfigResult unknown = parse({"check", "--migdir", "m", "--hosts", "a,b", "--nodes", "x"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.errors[0].find("1 a, 2 b"), std::string::npos) << unknown.errors[0];
}

TEST(TargetingOptions, SchemasToAndNamedCanaries) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--schemas", "sh00*", "--schemas",
                            "sh0100-0199", "--to", "v1", "--canary", "sh0001,sh0002"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.target.schemas.size(), 2u);
    EXPECT_EQ(r.config.target.to, "v1");
    EXPECT_EQ(r.config.waves.canary_schemas, (std::vector<std::string>{"sh0001", "sh0002"}));
    EXPECT_FALSE(parse({"apply", "--migdir", "m", "--schemas", "sh9-1"}).ok());
    EXPECT_FALSE(parse({"check", "--migdir", "m", "--schemas", "sh*"}).ok());
    EXPECT_FALSE(parse({"undo", "v1", "--migdir", "m", "--to", "v2"}).ok());
    EXPECT_FALSE(parse({"--migdir", "m", "--undo", "v1", "--to", "v2"}).ok());
}

TEST(TargetingOptions, RepairsNeedAVersionAndBaselineAReference) {
    ConfigResult mark = parse({"mark", "v1", "--migdir", "m", "--dry-run", "--schemas", "sh1"});
    ASSERT_TRUE(mark.ok()) << mark.errors[0];
    EXPECT_EQ(mark.config.command, Command::Mark);
    EXPECT_EQ(mark.config.version, "v1");
    EXPECT_TRUE(mark.config.dry);
    EXPECT_FALSE(parse({"forget", "--migdir", "m"}).ok());
    EXPECT_FALSE(parse({"baseline", "v1", "--migdir", "m"}).ok());
    ConfigResult baseline = parse({"baseline", "v1", "--migdir", "m", "--reference", "sh0000"});
    ASSERT_TRUE(baseline.ok()) << baseline.errors[0];
    EXPECT_EQ(baseline.config.reference, "sh0000");
    EXPECT_FALSE(parse({"mark", "v1", "--migdir", "m", "--reference", "sh0000"}).ok());
}

class ToTest : public ::testing::Test {
  protected:
    void SetUp() override { dir = test::versions_dir({A, B, C}); }
    static constexpr const char *A = "20240101000000.a.sh";
    static constexpr const char *B = "20240102000000.b.sh";
    static constexpr const char *C = "20240103000000.c.sh";
    MigrationDir dir;
};

TEST_F(ToTest, UnknownVersionsAreAnError) {
    std::string error;
    EXPECT_EQ(resolve_version(dir, "20240102000000.b.sh.up.sql", "--to", error),
              find_version(dir, B));
    EXPECT_EQ(resolve_version(dir, "20990101000000.z.sh", "--to", error), nullptr);
    EXPECT_NE(error.find("--to: no such version"), std::string::npos) << error;
}

TEST_F(ToTest, TheCutKeepsStepsUpToAndIncludingTheTarget) {
    const std::vector<NodeState> nodes = {
        {"n1", {{"sh1", {}}, {"sh2", {{A, ""}}}, {"sh3", {{A, ""}, {B, ""}, {C, ""}}}}}};
    Plan plan = plan_apply(dir, nodes, PlanOptions{});
    cut_plan(plan, *find_version(dir, B));
    ASSERT_EQ(plan.nodes[0].schemas.size(), 2u);
    EXPECT_EQ(plan.nodes[0].schemas[0].steps.size(), 2u);  // sh1: A, B
    EXPECT_EQ(plan.nodes[0].schemas[1].steps.size(), 1u);  // sh2: B
    EXPECT_EQ(plan.nodes[0].schemas[1].steps[0]->name, B);
    EXPECT_EQ(past_version(nodes, *find_version(dir, B)), (std::vector<std::string>{"n1:sh3"}));
    EXPECT_TRUE(past_version(nodes, *find_version(dir, C)).empty());
}

TEST_F(ToTest, OnlyAnUntargetedRunCoversEverything) {
    EXPECT_TRUE(covers_everything(Targeting{}, dir));
    EXPECT_TRUE(covers_everything(Targeting{{}, C, false}, dir));
    EXPECT_FALSE(covers_everything(Targeting{{}, B, false}, dir));
    EXPECT_FALSE(covers_everything(Targeting{{}, "", true}, dir));
    EXPECT_FALSE(covers_everything(Targeting{patterns({"sh*"}), "", false}, dir));
}

}  // namespace
}  // namespace shoal
