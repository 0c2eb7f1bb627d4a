// pg-mig's rerun fingerprint (rerun_fingerprint.h): the schema list as pg-mig
// reads it back from psql, the hash of before.sql and after.sql as files, and
// when before.sql and after.sql run.
#include "rerun_fingerprint.h"

#include <gtest/gtest.h>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

// Expected hashes computed with coreutils:
//   printf "SELECT 'B';\n\nSELECT 'A';\n" | sha256sum   (before.sql, "\n", after.sql)
//   printf "SELECT 'A';\n" | sha256sum
//   printf '' | sha256sum
const char *const kBeforeAfterSha =
    "a3a3e132f3f8df5dd2f4977441d928f6c1455366c1effb4d6a2027fe60219adc";
const char *const kAfterSha = "d3fb8576d4db1c40ec8cef3e523b49094d72cf6d29b396609492327b92f558af";
const char *const kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

MigrationDir load(const std::map<std::string, std::string> &files) {
    test::MemoryFiles memory;
    for (const auto &[name, text] : files) memory.files["/mig/" + name] = text;
    LoadResult loaded = load_migration_dir("/mig", memory);
    EXPECT_TRUE(loaded.problems.empty());
    return loaded.dir;
}

TEST(RerunFingerprint, PgMigsFormat) {
    const MigrationDir dir =
        load({{"before.sql", "SELECT 'B';\n"}, {"after.sql", "SELECT 'A';\n"}});
    EXPECT_EQ(rerun_fingerprint({"public", "sh0001", "shoal"}, dir),
              std::string("public,sh0001,shoal,hash=") + kBeforeAfterSha);
    EXPECT_EQ(rerun_fingerprint({}, dir), std::string("hash=") + kBeforeAfterSha);
}

TEST(RerunFingerprint, HashesTheFilesNotWhatTheyInclude) {
    const MigrationDir plain = load({{"after.sql", "SELECT 'A';\n"}});
    EXPECT_EQ(before_after_hash(plain), kAfterSha);
    EXPECT_EQ(before_after_hash(MigrationDir{}), kEmptySha);
    // The resolved body differs with the included file; pg-mig's hash does not.
    const MigrationDir one = load({{"before.sql", "\\ir x.inc\n"}, {"x.inc", "SELECT 1;\n"}});
    const MigrationDir two = load({{"before.sql", "\\ir x.inc\n"}, {"x.inc", "SELECT 2;\n"}});
    EXPECT_NE(one.before->body, two.before->body);
    EXPECT_EQ(before_after_hash(one), before_after_hash(two));
}

TEST(RerunFingerprint, NamesAsPgMigReadsThemFromPsql) {
    EXPECT_EQ(as_pgmig_reads({"a", "b"}), (std::vector<std::string>{"a", "b"}));
    // A newline splits a name into two rows; an empty row is dropped.
    EXPECT_EQ(as_pgmig_reads({"a\nb", "\nc"}), (std::vector<std::string>{"a", "b", "c"}));
    // The field separator cuts a name.
    EXPECT_EQ(as_pgmig_reads({"a\x01z", "b"}), (std::vector<std::string>{"a", "b"}));
    // Only the end of the whole output is trimmed: the last name's white space,
    // Unicode spaces included, not another name's.
    EXPECT_EQ(as_pgmig_reads({"a ", "b \t\u00a0\u3000"}), (std::vector<std::string>{"a ", "b"}));
    EXPECT_EQ(as_pgmig_reads({"a", " "}), (std::vector<std::string>{"a"}));
    EXPECT_EQ(as_pgmig_reads({"b\u00e9"}), (std::vector<std::string>{"b\u00e9"}));
    EXPECT_EQ(as_pgmig_reads({}), (std::vector<std::string>{}));
}

TEST(RerunFingerprint, WhenBeforeAndAfterRun) {
    const std::vector<NodeFingerprint> same{{"n1", "x", "x"}, {"n2", "y", "y"}};
    EXPECT_FALSE(before_after_decision(0, false, false, same).run);
    EXPECT_TRUE(before_after_decision(3, false, false, same).run);
    EXPECT_TRUE(before_after_decision(0, false, true, same).run);
    EXPECT_TRUE(before_after_decision(2, true, false, same).run);
    EXPECT_FALSE(before_after_decision(0, true, true, {{"n1", "", "x"}}).run);
    // Never stored, changed, or unreadable: run, naming the nodes.
    const BeforeAfter changed = before_after_decision(
        0, false, false, {{"n1", "", "x"}, {"n2", "y", "y"}, {"n3", "z", "w"}});
    EXPECT_TRUE(changed.run);
    EXPECT_NE(changed.why.find("n1, n3"), std::string::npos) << changed.why;
    EXPECT_TRUE(before_after_decision(0, false, false, {{"n1", "", ""}}).run);
}

}  // namespace
}  // namespace shoal
