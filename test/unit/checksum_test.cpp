// What a version's checksum covers (issue 16, item 12): its files, the version
// and what it includes, never values read from the environment. Checksums are
// stored in every stamp shoal wrote, so those of versions without \getenv are
// pinned here: a change to them would report drift on every migrated fleet.
#include "checksum.h"

#include <gtest/gtest.h>

#include "digest.h"
#include "disk_files.h"
#include "memory_files.h"
#include "migration_dir.h"
#include "plan.h"
#include "report.h"

namespace shoal {
namespace {

const char *const kRegion = "20240101000000.region.sh";

// A version reading DEPLOY_REGION, and a plain one, loaded with `region` in
// the environment; `edit` is appended to the version's file.
LoadResult load_region(const std::string &region, const std::string &edit = "") {
    test::MemoryFiles files;
    files.files[std::string("mig/") + kRegion + ".up.sql"] =
        "\\getenv region DEPLOY_REGION\nCREATE TABLE conf (region text);\nINSERT INTO conf VALUES "
        "(:'region');\n"
        "\\set copy 'at ' :region\n\\i inc/note.sql\n" +
        edit;
    files.files[std::string("mig/") + kRegion + ".dn.sql"] = "DROP TABLE conf;\n";
    files.files["mig/inc/note.sql"] = "COMMENT ON TABLE conf IS :'copy';\n";
    files.files["mig/20240102000000.plain.sh.up.sql"] = "SELECT 1;\n";
    files.files["mig/20240102000000.plain.sh.dn.sql"] = "";
    files.env["DEPLOY_REGION"] = region;
    LoadResult loaded = load_migration_dir("mig", files);
    EXPECT_TRUE(loaded.ok()) << format_problems(loaded.problems);
    return loaded;
}

const Script &up(const LoadResult &loaded, const char *name = kRegion) {
    return find_version(loaded.dir, name)->up;
}

TEST(Checksum, OfAVersionWithoutGetenvIsTheOneShoalAlwaysComputed) {
    test::MemoryFiles files;
    files.files["mig/20240101000000.users.sh.up.sql"] =
        "\\set t users\nCREATE TABLE :\"t\" (id int);\n\\i inc/more.sql\nINSERT INTO :t VALUES "
        "(1);\n";
    files.files["mig/20240101000000.users.sh.dn.sql"] = "DROP TABLE users;\n";
    files.files["mig/inc/more.sql"] = "ALTER TABLE users ADD COLUMN name text;\n";
    LoadResult loaded = load_migration_dir("mig", files);
    ASSERT_TRUE(loaded.ok()) << format_problems(loaded.problems);
    const Version &users = loaded.dir.versions.at(0);
    EXPECT_EQ(users.up.checksum, sha256_hex(users.up.body));
    EXPECT_EQ(users.up.checksum,
              "ad2b4ce7fc5ca0c1cb4dc87b18f258ab794aed04f29b60764f2d84c5711e96a5");
    EXPECT_EQ(users.dn.checksum,
              "de1015707e41d6682186c3440c58b222518e75eae7becfba74346468eefdfc5d");
}

TEST(Checksum, OfTheFixtureVersionsIsPinned) {
    LoadResult loaded =
        load_migration_dir(std::string(SHOAL_SOURCE_DIR) + "/test/fixtures/mig", DiskFiles());
    ASSERT_TRUE(loaded.ok()) << format_problems(loaded.problems);
    // \set and :'var'; \ir of an included file.
    EXPECT_EQ(find_version(loaded.dir, "20240106140000.post-status.sh")->up.checksum,
              "69a3b9140ec72173a75edb6abfe97b81cdc89df78b2d4f304091c45ed83ba4d1");
    EXPECT_EQ(find_version(loaded.dir, "20240107150000.posts-updated-at.sh")->up.checksum,
              "e2cb0549f404fffefb6ae08b75d33816c8f5e04a45f27982746b3c009d206e20");
    std::string all;
    for (const Version &version : loaded.dir.versions)
        all += version.up.checksum + version.dn.checksum;
    EXPECT_EQ(sha256_hex(all), "db0d3c81c7e84134aebeb5b7bd490bfc7be7fa46f6e7c60e61d9632dd2240e05");
}

TEST(Checksum, OfAGetenvVersionIgnoresTheValues) {
    LoadResult eu = load_region("eu-west"), us = load_region("us-east");
    EXPECT_NE(up(eu).body, up(us).body);
    EXPECT_EQ(up(eu).checksum, up(us).checksum);
    EXPECT_EQ(up(eu, "20240102000000.plain.sh").checksum, sha256_hex("SELECT 1;\n"));
    EXPECT_EQ(code_digest(eu.dir), code_digest(us.dir));
}

// psql's idiom for a default: \getenv leaves the variable alone when unset.
TEST(Checksum, OfAGetenvVersionIsTheSameWithTheVariableUnset) {
    auto checksum = [](bool set) {
        test::MemoryFiles files;
        files.files["mig/1.a.sh.up.sql"] =
            "\\set region eu\n\\getenv region DEPLOY_REGION\nSELECT :'region';\n";
        files.files["mig/1.a.sh.dn.sql"] = "";
        if (set) files.env["DEPLOY_REGION"] = "us";
        return load_migration_dir("mig", files).dir.versions.at(0).up.checksum;
    };
    EXPECT_EQ(checksum(true), checksum(false));
}

// One checksum stands for the statements of every environment, so a script
// the environment shaped never runs from what was staged under it.
TEST(Checksum, AScriptTheEnvironmentShapedIsMarkedSo) {
    auto load = [](const std::string &up, bool set) {
        test::MemoryFiles files;
        files.files["mig/1.a.sh.up.sql"] = up;
        files.files["mig/1.a.sh.dn.sql"] = "";
        if (set) files.env["DEPLOY_REGION"] = "us";
        return load_migration_dir("mig", files).dir.versions.at(0).up;
    };
    const std::string with_default =
        "\\set region eu\n\\getenv region DEPLOY_REGION\nSELECT :'region';\n";
    EXPECT_TRUE(load(with_default, true).from_environment());
    EXPECT_TRUE(load(with_default, false).from_environment());  // unset: the default stands in
    EXPECT_FALSE(load("\\getenv region DEPLOY_REGION\nSELECT 1;\n", true).from_environment());
    EXPECT_FALSE(load("SELECT 1;\n", true).from_environment());
}

TEST(Checksum, OfAGetenvVersionCoversItsFiles) {
    EXPECT_NE(up(load_region("eu-west")).checksum,
              up(load_region("eu-west", "SELECT 2;\n")).checksum);
}

// Before issue 16 the checksum was of the body with the values: a stamp
// written then holds that, and it is still recognised under the same values.
TEST(Checksum, WithValuesIsWhatShoalComputedBefore) {
    LoadResult eu = load_region("eu-west");
    EXPECT_EQ(up(eu).checksum_with_values, sha256_hex(up(eu).body));
    EXPECT_EQ(up(eu).checksum_with_values,
              "8975bcb02ff81d0c8472230e211805d94a81b0085639659839018c084c62ffee");
    EXPECT_NE(up(eu).checksum_with_values, up(eu).checksum);
    EXPECT_EQ(up(eu, "20240102000000.plain.sh").checksum_with_values, "");
}

// Planned against a stamp that recorded `checksum` for the \getenv version.
Plan plan_over(const LoadResult &loaded, const std::string &checksum) {
    return plan_apply(loaded.dir, {{"n1", {{"sh0001", {{kRegion, checksum}}}}}}, {});
}

TEST(Checksum, AStampIsNotDriftWhateverTheValuesNow) {
    LoadResult eu = load_region("eu-west"), us = load_region("us-east");
    EXPECT_TRUE(plan_over(us, up(eu).checksum).errors.empty());
    // Recorded before issue 16, and loaded now with the values it ran with.
    EXPECT_TRUE(plan_over(eu, up(eu).checksum_with_values).errors.empty());
}

TEST(Checksum, AnEditedFileIsDrift) {
    LoadResult edited = load_region("eu-west", "SELECT 2;\n");
    for (const std::string &recorded :
         {up(load_region("eu-west")).checksum, up(load_region("eu-west")).checksum_with_values}) {
        Plan plan = plan_over(edited, recorded);
        ASSERT_EQ(plan.errors.size(), 1u);
        EXPECT_EQ(plan.errors[0].kind, PlanProblemKind::ChecksumDrift);
    }
}

// A checksum recorded before issue 16 holds the values it ran with, which no
// stamp keeps: under other values it cannot be told from an edit.
TEST(Checksum, AStampFromBeforeUnderOtherValuesIsDrift) {
    Plan plan = plan_over(load_region("us-east"), up(load_region("eu-west")).checksum_with_values);
    ASSERT_EQ(plan.errors.size(), 1u);
    EXPECT_EQ(plan.errors[0].kind, PlanProblemKind::ChecksumDrift);
    EXPECT_NE(plan.errors[0].message.find("\\getenv value differs"), std::string::npos)
        << plan.errors[0].message;
}

}  // namespace
}  // namespace shoal
