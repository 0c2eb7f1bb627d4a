// Loading a whole migration directory (migration_dir.h) from an in-memory tree.
#include "migration_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "disk_files.h"
#include "memory_files.h"
#include "report.h"

namespace shoal {
namespace {

using test::MemoryFiles;

void add_version(MemoryFiles &files, const std::string &name, const std::string &up = "SELECT 1;\n",
                 const std::string &dn = "") {
    files.files["mig/" + name + ".up.sql"] = up;
    files.files["mig/" + name + ".dn.sql"] = dn;
}

bool has_problem(const LoadResult &r, const std::string &file, const std::string &text) {
    for (const Problem &p : r.problems) {
        if (p.where.file == file && p.message.find(text) != std::string::npos) return true;
    }
    return false;
}

TEST(FileName, AcceptsPgMigNames) {
    VersionFileName f;
    ASSERT_TRUE(parse_version_file_name("20241107201239.add-users.sh.up.sql", f));
    EXPECT_EQ(f.version, "20241107201239.add-users.sh");
    EXPECT_EQ(f.timestamp, "20241107201239");
    EXPECT_EQ(f.title, "add-users");
    EXPECT_EQ(f.prefix, "sh");
    EXPECT_TRUE(f.up);
    ASSERT_TRUE(parse_version_file_name("1.x.sh0000.dn.sql", f));
    EXPECT_FALSE(f.up);
    EXPECT_EQ(f.prefix, "sh0000");
}

TEST(FileName, RejectsOtherNames) {
    VersionFileName f;
    for (const char *name :
         {"20241107.add.users.sh.up.sql", "abc.add.sh.up.sql", "20241107.add.sh.sql",
          "20241107.add.sh.down.sql", "20241107..sh.up.sql", "20241107.add..up.sql",
          "20241107.add.sh.up.SQL", "before.sql"}) {
        EXPECT_FALSE(parse_version_file_name(name, f)) << name;
    }
}

TEST(LoadDir, LoadsSortedVersionsWithBeforeAfter) {
    MemoryFiles files;
    add_version(files, "20240102000000.b.public");
    add_version(files, "20240101000000.a.sh", "CREATE TABLE t(id int);\n", "DROP TABLE t;\n");
    files.files["mig/before.sql"] = "SELECT 'before';\n";
    files.files["mig/after.sql"] = "SELECT 'after';\n";
    files.files["mig/chain.txt"] = "ignored\n";
    files.files["mig/README.md"] = "ignored\n";
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_TRUE(r.ok()) << r.problems[0].message;
    ASSERT_EQ(r.dir.versions.size(), 2u);
    EXPECT_EQ(r.dir.versions[0].name, "20240101000000.a.sh");
    EXPECT_EQ(r.dir.versions[0].up.path, "mig/20240101000000.a.sh.up.sql");
    EXPECT_EQ(r.dir.versions[0].dn.statements.size(), 1u);
    EXPECT_EQ(r.dir.versions[1].prefix, "public");
    ASSERT_TRUE(r.dir.before.has_value());
    ASSERT_TRUE(r.dir.after.has_value());
    EXPECT_EQ(r.dir.after->statements[0].sql, "SELECT 'after'");
}

TEST(LoadDir, MissingDnIsProblem) {
    MemoryFiles files;
    files.files["mig/20240101000000.a.sh.up.sql"] = "SELECT 1;\n";
    LoadResult r = load_migration_dir("mig", files);
    EXPECT_TRUE(has_problem(r, "mig/20240101000000.a.sh.up.sql", "no undo file"));
}

// pg-mig's Registry skips every .dn.sql while listing and reads one only for
// its up file, so an orphan undo file is ignored there: a warning here.
TEST(LoadDir, OrphanDnIsAWarningNotAProblem) {
    MemoryFiles files;
    files.files["mig/20240101000000.a.sh.dn.sql"] = "this is not even SQL";
    add_version(files, "20240102000000.b.sh");
    LoadResult r = load_migration_dir("mig", files);
    EXPECT_TRUE(r.ok()) << r.problems[0].message;
    ASSERT_EQ(r.dir.versions.size(), 1u);
    EXPECT_EQ(r.dir.versions[0].name, "20240102000000.b.sh");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].where.file, "mig/20240101000000.a.sh.dn.sql");
    EXPECT_NE(r.warnings[0].message.find("without its 20240101000000.a.sh.up.sql"),
              std::string::npos);
}

// Issue 16's directory: pg-mig applied it, so shoal must load it (status,
// check and apply exited 3 on it), with the same meaning.
TEST(LoadDir, PgMigsConcurrentlyFormWithStatementsAfterBegin) {
    MemoryFiles files;
    add_version(files, "20240101000000.a-idx.sh",
                "-- $parallelism_per_host=2\n"
                "COMMIT;\n"
                "DROP INDEX IF EXISTS a_idx;\n"
                "CREATE INDEX CONCURRENTLY a_idx ON tbl(a);\n"
                "BEGIN;\n"
                "ALTER TABLE tbl ADD COLUMN z int;\n",
                "COMMIT;\nDROP INDEX CONCURRENTLY IF EXISTS a_idx;\nBEGIN;\n"
                "ALTER TABLE tbl DROP COLUMN z;\n");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_TRUE(r.ok()) << format_problems(r.problems);
    EXPECT_TRUE(r.warnings.empty()) << format_problems(r.warnings);
    const Version &v = r.dir.versions.at(0);
    EXPECT_TRUE(v.up.solo);
    EXPECT_EQ(v.up.directives.parallelism_per_host, 2);
    ASSERT_EQ(v.up.statements.size(), 3u);
    EXPECT_EQ(v.up.transaction_from, 2u);
    EXPECT_TRUE(v.dn.solo);
    EXPECT_EQ(v.dn.transaction_from, 1u);
}

TEST(LoadDir, WarningsOfSplittingAreCollected) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh",
                "COMMIT;\nUPDATE t SET a = 1;\nCREATE INDEX CONCURRENTLY i ON t(a);\nBEGIN;\n");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_TRUE(r.ok()) << format_problems(r.problems);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(to_string(r.warnings[0].where), "mig/20240101000000.a.sh.up.sql:2");
}

TEST(LoadDir, BadSqlFileNameIsProblem) {
    MemoryFiles files;
    files.files["mig/add-users.sql"] = "SELECT 1;\n";
    EXPECT_TRUE(
        has_problem(load_migration_dir("mig", files), "mig/add-users.sql", "must be named"));
}

TEST(LoadDir, EveryProblemIsReportedAtOnceSortedByFile) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh", "-- $nope=1\nSELECT 1;\n");
    add_version(files, "20240102000000.b.sh", "SELEC 1;\n");
    add_version(files, "20240103000000.c.sh", "\\copy t from x\n");
    files.files["mig/20240104000000.d.sh.up.sql"] = "";
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_EQ(r.problems.size(), 4u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/20240101000000.a.sh.up.sql:1");
    EXPECT_EQ(to_string(r.problems[1].where), "mig/20240102000000.b.sh.up.sql:1");
    EXPECT_EQ(to_string(r.problems[2].where), "mig/20240103000000.c.sh.up.sql:1");
    EXPECT_EQ(r.problems[3].where.file, "mig/20240104000000.d.sh.up.sql");
}

TEST(LoadDir, UnreadableDirectoryIsProblem) {
    MemoryFiles files;
    LoadResult r = load_migration_dir("nowhere", files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].where.file, "nowhere");
}

TEST(LoadDir, DirectivesComeFromEachFile) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh", "-- $run_alone=1\nSELECT 1;\n",
                "-- $delay=50\nSELECT 2;\n");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.dir.versions[0].up.directives.run_alone);
    EXPECT_EQ(r.dir.versions[0].dn.directives.delay_ms, 50);
    EXPECT_FALSE(r.dir.versions[0].dn.directives.run_alone);
}

TEST(Checksum, SameBodySameHashIncludeChangeNewHash) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh", "\\ir lib/f.sql\n");
    files.files["mig/lib/f.sql"] = "CREATE TABLE t(id int);\n";
    std::string first = load_migration_dir("mig", files).dir.versions[0].up.checksum;
    EXPECT_EQ(first.size(), 64u);
    EXPECT_EQ(load_migration_dir("mig", files).dir.versions[0].up.checksum, first);
    files.files["mig/lib/f.sql"] = "CREATE TABLE t(id bigint);\n";
    EXPECT_NE(load_migration_dir("mig", files).dir.versions[0].up.checksum, first);
}

TEST(LoadDir, FindVersionAcceptsFileNames) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_NE(find_version(r.dir, "20240101000000.a.sh"), nullptr);
    ASSERT_NE(find_version(r.dir, "20240101000000.a.sh.up.sql"), nullptr);
    EXPECT_EQ(find_version(r.dir, "20240101000000.a"), nullptr);
}

TEST(ChainForSchema, LongestPrefixChainOnly) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh");
    add_version(files, "20240102000000.b.sh0000");
    add_version(files, "20240103000000.c.public");
    add_version(files, "20240104000000.d.sh");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_TRUE(r.ok());
    auto names = [&](const std::string &schema) {
        std::vector<std::string> out;
        for (const Version *v : chain_for_schema(r.dir, schema)) out.push_back(v->name);
        return out;
    };
    EXPECT_EQ(names("sh0001"),
              (std::vector<std::string>{"20240101000000.a.sh", "20240104000000.d.sh"}));
    EXPECT_EQ(names("sh0000"), std::vector<std::string>{"20240102000000.b.sh0000"});
    EXPECT_EQ(names("public"), std::vector<std::string>{"20240103000000.c.public"});
    EXPECT_TRUE(names("sharding").empty());
    EXPECT_TRUE(names("pg_temp_1").empty());
    EXPECT_EQ(prefixes(r.dir).back(), "sh");  // longest first
}

// Issue 14, item 5: a NUL truncated a version to its first statement.
TEST(LoadDir, NulByteInACommentIsAProblemWithFileAndLine) {
    MemoryFiles files;
    add_version(
        files, "20240101000000.a.sh",
        std::string("CREATE TABLE a(id int);\n-- note \0 here\nCREATE TABLE b(id int);\n", 63));
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/20240101000000.a.sh.up.sql:2");
    EXPECT_NE(r.problems[0].message.find("column 9"), std::string::npos) << r.problems[0].message;
    EXPECT_NE(r.problems[0].message.find("NUL"), std::string::npos) << r.problems[0].message;
}

TEST(LoadDir, InvalidUtf8IsAProblemInEveryFileRead) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh", "SELECT 1;\n", "SELECT 'caf\xE9';\n");
    add_version(files, "20240102000000.b.sh", "SELECT 1;\n\\ir lib/f.sql\n");
    files.files["mig/lib/f.sql"] = "SELECT 2;\nSELECT 3; -- \xFF\n";
    files.files["mig/before.sql"] = "SELECT '\xC0\xAF';\n";
    files.files["mig/after.sql"] = std::string("SELECT 1;\0", 10);
    LoadResult r = load_migration_dir("mig", files);
    EXPECT_EQ(r.problems.size(), 4u);
    for (const Problem &p : r.problems) EXPECT_GT(p.where.line, 0) << p.message;
    EXPECT_TRUE(has_problem(r, "mig/20240101000000.a.sh.dn.sql", "not valid UTF-8"));
    EXPECT_TRUE(has_problem(r, "mig/lib/f.sql", "not valid UTF-8"));
    EXPECT_TRUE(has_problem(r, "mig/before.sql", "not valid UTF-8"));
    EXPECT_TRUE(has_problem(r, "mig/after.sql", "NUL"));
}

TEST(LoadDir, InvalidUtf8FromAnEnvironmentVariableIsAProblem) {
    MemoryFiles files;
    files.env["NAME"] = "caf\xE9";
    add_version(files, "20240101000000.a.sh", "\\getenv name NAME\nSELECT :'name';\n");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/20240101000000.a.sh.up.sql:2");
}

// Issue 14, item 4: a version cannot leave its schema.
TEST(LoadDir, SessionChangesInVersionsAreProblems) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh", "RESET ALL;\nCREATE TABLE x(id int);\n");
    add_version(files, "20240102000000.b.sh", "SELECT 1;\n", "SELECT 1;\n\nSET ROLE app;\n");
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/20240101000000.a.sh.up.sql:1");
    EXPECT_NE(r.problems[0].message.find("search_path"), std::string::npos);
    EXPECT_EQ(to_string(r.problems[1].where), "mig/20240102000000.b.sh.dn.sql:3");
}

TEST(LoadDir, BeforeAndAfterMayMoveSearchPathButNotTheRole) {
    MemoryFiles files;
    add_version(files, "20240101000000.a.sh");
    files.files["mig/before.sql"] = "SET search_path = public, ext;\nRESET ALL;\nSELECT 1;\n";
    files.files["mig/after.sql"] = "SELECT 1;\nSET SESSION AUTHORIZATION app;\nLISTEN x;\n";
    LoadResult r = load_migration_dir("mig", files);
    ASSERT_EQ(r.problems.size(), 2u) << format_problems(r.problems);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/after.sql:2");
    EXPECT_NE(r.problems[0].message.find("control connection"), std::string::npos);
    EXPECT_EQ(to_string(r.problems[1].where), "mig/after.sql:3");
}

// Issue 14, item 6: symbolic links were skipped in silence.
class SymlinkDir : public ::testing::Test {
  protected:
    void SetUp() override {
        root = std::filesystem::temp_directory_path() /
               ("shoal-symlink-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root);
        std::filesystem::create_directories(root / "mig");
        std::filesystem::create_directories(root / "src");
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    void write(const std::string &relative, const std::string &text) {
        std::ofstream(root / relative) << text;
    }
    void link(const std::string &target, const std::string &relative) {
        std::filesystem::create_symlink(target, root / relative);
    }
    std::string mig() const { return (root / "mig").string(); }
    std::filesystem::path root;
};

TEST_F(SymlinkDir, LinkedVersionFilesAndScriptsCountAsTheirTargets) {
    write("src/up.sql", "CREATE TABLE a(id int);\n");
    write("src/dn.sql", "DROP TABLE a;\n");
    write("src/before.sql", "SELECT 'before';\n");
    link("../src/up.sql", "mig/20240101000000.a.sh.up.sql");
    link((root / "src/dn.sql").string(), "mig/20240101000000.a.sh.dn.sql");
    link("../src/before.sql", "mig/before.sql");
    LoadResult r = load_migration_dir(mig(), DiskFiles());
    ASSERT_TRUE(r.ok()) << r.problems[0].message;
    ASSERT_EQ(r.dir.versions.size(), 1u);
    EXPECT_EQ(r.dir.versions[0].up.statements[0].sql, "CREATE TABLE a(id int)");
    EXPECT_EQ(r.dir.versions[0].dn.statements[0].sql, "DROP TABLE a");
    ASSERT_TRUE(r.dir.before.has_value());
}

TEST_F(SymlinkDir, DanglingAndLoopingLinksAreProblemsByName) {
    write("mig/20240101000000.a.sh.dn.sql", "");
    link("../src/missing.sql", "mig/20240101000000.a.sh.up.sql");
    write("mig/20240102000000.b.sh.dn.sql", "");
    link("20240102000000.b.sh.up.sql", "mig/20240102000000.b.sh.up.sql");
    write("mig/20240103000000.c.sh.up.sql", "\\ir lib/inc.sql\n");
    write("mig/20240103000000.c.sh.dn.sql", "");
    std::filesystem::create_directories(root / "mig/lib");
    link("nowhere.sql", "mig/lib/inc.sql");
    LoadResult r = load_migration_dir(mig(), DiskFiles());
    ASSERT_EQ(r.problems.size(), 3u);
    EXPECT_TRUE(has_problem(r, mig() + "/20240101000000.a.sh.up.sql",
                            "symbolic link to ../src/missing.sql, which does not exist"));
    EXPECT_TRUE(has_problem(r, mig() + "/20240102000000.b.sh.up.sql", "symbolic link loop"));
    EXPECT_TRUE(has_problem(r, mig() + "/20240103000000.c.sh.up.sql",
                            "lib/inc.sql: it is a symbolic link to nowhere.sql"));
}

}  // namespace
}  // namespace shoal
