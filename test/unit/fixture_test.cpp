// The shared fixture test/fixtures/mig loads cleanly from disk and holds what
// the cluster and demo suites rely on.
#include <gtest/gtest.h>

#include "digest.h"
#include "disk_files.h"
#include "migration_dir.h"
#include "plan.h"
#include "report.h"

namespace shoal {
namespace {

class FixtureTest : public ::testing::Test {
  protected:
    void SetUp() override {
        loaded =
            load_migration_dir(std::string(SHOAL_SOURCE_DIR) + "/test/fixtures/mig", DiskFiles());
        ASSERT_TRUE(loaded.ok()) << format_problems(loaded.problems);
    }
    const Version &version(const std::string &name) {
        const Version *v = find_version(loaded.dir, name);
        EXPECT_NE(v, nullptr) << name;
        return *v;
    }
    LoadResult loaded;
};

TEST_F(FixtureTest, LoadsWithoutProblems) {
    EXPECT_TRUE(loaded.warnings.empty()) << format_problems(loaded.warnings);
    EXPECT_GE(loaded.dir.versions.size(), 15u);
    EXPECT_EQ(prefixes(loaded.dir), (std::vector<std::string>{"public", "sh"}));
    ASSERT_TRUE(loaded.dir.before.has_value());
    ASSERT_TRUE(loaded.dir.after.has_value());
    EXPECT_TRUE(std::is_sorted(loaded.dir.versions.begin(), loaded.dir.versions.end(),
                               [](const Version &a, const Version &b) { return a.name < b.name; }));
}

TEST_F(FixtureTest, SoloVersionsAndIdiom) {
    EXPECT_TRUE(version("20240103110000.users-email-unique.sh").up.solo);
    EXPECT_TRUE(version("20240103110000.users-email-unique.sh").dn.solo);
    const Version &idiom = version("20240110180000.posts-author-index.sh");
    EXPECT_TRUE(idiom.up.solo);
    EXPECT_EQ(idiom.up.statements.size(), 2u);  // COMMIT and BEGIN dropped
    EXPECT_EQ(idiom.up.directives.parallelism_global, 4);
    EXPECT_FALSE(version("20240104120000.posts.sh").up.solo);
}

TEST_F(FixtureTest, IncludeAndVariableResolved) {
    const Version &include = version("20240107150000.posts-updated-at.sh");
    EXPECT_NE(include.up.body.find("CREATE OR REPLACE FUNCTION touch_updated_at()"),
              std::string::npos);
    EXPECT_NE(version("20240106140000.post-status.sh").up.body.find("DEFAULT 'draft'"),
              std::string::npos);
}

TEST_F(FixtureTest, DirectivesParsed) {
    EXPECT_TRUE(version("20240105130000.feature-flags.public").up.directives.run_alone);
    EXPECT_EQ(version("20240113210000.posts-published-at.sh").up.directives.lock_timeout_ms, 5000);
    EXPECT_EQ(version("20240113210000.posts-published-at.sh").up.directives.retries, 3);
    EXPECT_EQ(version("20240114220000.users-last-login.sh").up.directives.delay_ms, 10);
}

TEST_F(FixtureTest, PlansEveryShardAndPublic) {
    Plan plan =
        plan_apply(loaded.dir, {{"n1", {{"public", {}}, {"sh0000", {}}, {"sh0001", {}}}}}, {});
    ASSERT_TRUE(plan.errors.empty());
    size_t public_versions = 0;
    for (const Version &v : loaded.dir.versions) public_versions += v.prefix == "public";
    EXPECT_EQ(step_count(plan),
              public_versions + 2 * (loaded.dir.versions.size() - public_versions));
    EXPECT_EQ(code_digest(loaded.dir).substr(0, 15), loaded.dir.versions.back().timestamp + ".");
}

}  // namespace
}  // namespace shoal
