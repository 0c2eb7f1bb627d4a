// Queries on the loaded directory model (migration.h), and what a node stores
// of a location: the same text whatever path the directory was read from.
#include "migration.h"

#include <gtest/gtest.h>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

TEST(StoredLocation, IsRelativeToTheMigrationDirectory) {
    EXPECT_EQ(stored_location("mig", {"mig/1.a.sh.up.sql", 3}), "1.a.sh.up.sql:3");
    EXPECT_EQ(stored_location("/ci/ws/7/repo/mig", {"/ci/ws/7/repo/mig/1.a.sh.up.sql", 3}),
              "1.a.sh.up.sql:3");
    EXPECT_EQ(stored_location(".", {"1.a.sh.up.sql", 0}), "1.a.sh.up.sql");
    EXPECT_EQ(stored_location("../repo/mig", {"../repo/mig/inc/users.sql", 1}), "inc/users.sql:1");
}

TEST(StoredLocation, AFileBesideTheDirectoryIsNamedFromIt) {
    EXPECT_EQ(stored_location("repo/mig", {"repo/shared/note.sql", 2}), "../shared/note.sql:2");
    EXPECT_EQ(stored_location("/ci/repo/mig", {"/ci/repo/shared/note.sql", 2}),
              "../shared/note.sql:2");
    EXPECT_EQ(stored_location("mig", {"../note.sql", 2}), "../../note.sql:2");
    EXPECT_EQ(stored_location(".", {"../shared/note.sql", 2}), "../shared/note.sql:2");
}

TEST(StoredLocation, AFileReachedOnlyThroughTheRootKeepsItsAbsoluteName) {
    EXPECT_EQ(stored_location("mig", {"/opt/sql/common.sql", 1}), "/opt/sql/common.sql:1");
    EXPECT_EQ(stored_location("/ci/ws/7/repo/mig", {"/opt/sql/common.sql", 1}),
              "/opt/sql/common.sql:1");
    EXPECT_EQ(stored_location("/home/me/repo/mig", {"/opt/sql/common.sql", 1}),
              "/opt/sql/common.sql:1");
}

// The whole directory read from three paths stages the same locations.
TEST(StoredLocation, SameForEveryPathOfOneDirectory) {
    auto locations = [](const std::string &root, const std::string &migdir) {
        test::MemoryFiles files;
        files.files[root + "/mig/1.a.sh.up.sql"] =
            "SELECT 1;\n\\i inc/t.sql\n\\ir ../shared/n.sql\n\\i /opt/x.sql\n";
        files.files[root + "/mig/1.a.sh.dn.sql"] = "";
        files.files[root + "/mig/inc/t.sql"] = "SELECT 2;\n";
        files.files[root + "/shared/n.sql"] = "SELECT 3;\n";
        files.files["/opt/x.sql"] = "SELECT 4;\n";
        LoadResult loaded = load_migration_dir(migdir, files);
        EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.problems[0].message);
        std::vector<std::string> out;
        for (const Statement &statement : loaded.dir.versions.at(0).up.statements)
            out.push_back(stored_location(loaded.dir.path, statement.where));
        return out;
    };
    const std::vector<std::string> want = {"1.a.sh.up.sql:1", "inc/t.sql:1", "../shared/n.sql:1",
                                           "/opt/x.sql:1"};
    EXPECT_EQ(locations("repo", "repo/mig"), want);
    EXPECT_EQ(locations("repo", "repo/./mig/"), want);
    EXPECT_EQ(locations("/ci/ws/42/checkout", "/ci/ws/42/checkout/mig"), want);
}

}  // namespace
}  // namespace shoal
