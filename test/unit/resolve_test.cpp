// Resolution of the psql subset (resolve.h), through an in-memory file tree.
#include "resolve.h"

#include <gtest/gtest.h>

#include "memory_files.h"

namespace shoal {
namespace {

using test::MemoryFiles;

Resolved resolve(const MemoryFiles &files, const std::string &path = "mig/v.up.sql") {
    return resolve_script(path, "mig", files);
}

TEST(Resolve, PlainSqlIsUnchangedAndMapsLines) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "CREATE TABLE t(id int);\nSELECT 1;\n";
    Resolved r = resolve(files);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.body, "CREATE TABLE t(id int);\nSELECT 1;\n");
    ASSERT_EQ(r.lines.size(), 2u);
    EXPECT_EQ(to_string(r.lines[1]), "mig/v.up.sql:2");
    EXPECT_EQ(to_string(location_of(r, r.body.find("SELECT"))), "mig/v.up.sql:2");
}

TEST(Resolve, IncludeIsRelativeToMigrationDir) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\i lib/f.sql\nSELECT 2;\n";
    files.files["mig/lib/f.sql"] = "SELECT 1;\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_NE(r.body.find("SELECT 1;\n"), std::string::npos);
    EXPECT_EQ(to_string(location_of(r, r.body.find("SELECT 1"))), "mig/lib/f.sql:1");
    EXPECT_EQ(to_string(location_of(r, r.body.find("SELECT 2"))), "mig/v.up.sql:2");
}

TEST(Resolve, IncludeRelativeIsRelativeToIncludingFile) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\i lib/a.sql\n";
    files.files["mig/lib/a.sql"] = "\\ir b.sql\n";
    files.files["mig/lib/b.sql"] = "SELECT 'b';\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_NE(r.body.find("SELECT 'b';"), std::string::npos);
}

TEST(Resolve, LongIncludeNamesAreAccepted) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\include_relative x.sql\n\\include x.sql\n";
    files.files["mig/x.sql"] = "SELECT 1;\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty());
    EXPECT_EQ(std::count(r.body.begin(), r.body.end(), 'S'), 2);
}

TEST(Resolve, IncludeCycleIsDetected) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\i a.sql\n";
    files.files["mig/a.sql"] = "\\i b.sql\n";
    files.files["mig/b.sql"] = "SELECT 1;\n\\i a.sql\n";
    Resolved r = resolve(files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/b.sql:2");
    EXPECT_NE(r.problems[0].message.find("include cycle: mig/a.sql -> mig/b.sql -> mig/a.sql"),
              std::string::npos)
        << r.problems[0].message;
}

TEST(Resolve, MissingIncludeNamesFileAndLine) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT 1;\n\\ir nope.sql\n";
    Resolved r = resolve(files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2");
}

TEST(Resolve, SetAndAllThreeInterpolations) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] =
        "\\set tbl users\n\\set who 'O''Brien'\n"
        "CREATE TABLE :tbl(id int);\nSELECT :'who', :\"tbl\".id FROM :tbl;\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_NE(r.body.find("CREATE TABLE users(id int);"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("SELECT 'O''Brien', \"users\".id FROM users;"), std::string::npos)
        << r.body;
}

TEST(Resolve, NoInterpolationInQuotesCommentsDollarBodiesOrCasts) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] =
        "\\set x 42\n"
        "SELECT ':x', \":x\", 1::int, :x; -- :x\n"
        "/* :x */ DO $$ BEGIN PERFORM ':x'; RAISE NOTICE '%', :x; END $$;\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty());
    EXPECT_NE(r.body.find("SELECT ':x', \":x\", 1::int, 42; -- :x"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("/* :x */ DO $$ BEGIN PERFORM ':x'; RAISE NOTICE '%', :x; END $$;"),
              std::string::npos)
        << r.body;
}

TEST(Resolve, UnsetVariableIsLeftAsPsqlDoes) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT :nothing, :'nothing';\n";
    Resolved r = resolve(files);
    EXPECT_EQ(r.body, "SELECT :nothing, :'nothing';\n");
}

TEST(Resolve, UnsetRemovesVariable) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\set x 1\n\\unset x\nSELECT :x;\n";
    EXPECT_NE(resolve(files).body.find("SELECT :x;"), std::string::npos);
}

TEST(Resolve, GetenvReadsThroughSourceFiles) {
    MemoryFiles files;
    files.env["PG_MIG_HOSTS"] = "a:5432/db,b:5432/db";
    files.files["mig/v.up.sql"] = "\\getenv hosts PG_MIG_HOSTS\nSELECT :'hosts';\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty());
    EXPECT_NE(r.body.find("SELECT 'a:5432/db,b:5432/db';"), std::string::npos);
}

TEST(Resolve, GetenvValuesAreSecretsInEveryForm) {
    MemoryFiles files;
    files.env["DB_PASSWORD"] = "it's/secret";
    files.files["mig/v.up.sql"] =
        "\\getenv pw DB_PASSWORD\n\\set copy :pw\n\\set plain x\n"
        "ALTER ROLE app PASSWORD :'pw';\nSELECT :\"copy\", :plain;\n";
    Resolved r = resolve(files);
    ASSERT_TRUE(r.problems.empty());
    EXPECT_NE(r.body.find("PASSWORD 'it''s/secret'"), std::string::npos);
    // As read, as a literal, and as an identifier through the copy; never the plain variable.
    EXPECT_EQ(r.secrets,
              (std::vector<std::string>{"it's/secret", "'it''s/secret'", "\"it's/secret\""}));
    const std::string masked = mask_secrets(r.body, r.secrets);
    EXPECT_EQ(masked.find("secret"), std::string::npos);
    EXPECT_NE(masked.find("PASSWORD <\\getenv value>;"), std::string::npos);
    EXPECT_NE(masked.find("SELECT <\\getenv value>, x;"), std::string::npos);
}

TEST(Resolve, NoGetenvNoSecrets) {
    MemoryFiles files;
    files.env["DB_PASSWORD"] = "unused";
    files.files["mig/v.up.sql"] = "\\set pw unused\nSELECT :'pw';\n";
    Resolved r = resolve(files);
    EXPECT_TRUE(r.secrets.empty());
    EXPECT_EQ(mask_secrets(r.body, r.secrets), r.body);
}

TEST(Resolve, EchoIsNotSent) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\set n 3\n\\echo making :n tables\nSELECT 1;\n";
    Resolved r = resolve(files);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.body.find("echo"), std::string::npos);
    EXPECT_EQ(r.body.find("making"), std::string::npos);
}

TEST(Resolve, OtherMetaCommandIsRefusedWithLine) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT 1;\nSELECT 'x' AS v \\gset\n\\connect other\n";
    Resolved r = resolve(files);
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2");
    EXPECT_NE(r.problems[0].message.find("\\gset"), std::string::npos);
    EXPECT_EQ(to_string(r.problems[1].where), "mig/v.up.sql:3");
}

TEST(Resolve, BacktickIsRefused) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "\\set HOSTS `echo \"$PG_MIG_HOSTS\"`\n";
    Resolved r = resolve(files);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].message.find("backtick"), std::string::npos);
    EXPECT_EQ(r.problems[0].where.line, 1);
}

TEST(Resolve, BackslashInsideLiteralsIsNotMetaCommand) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT E'a\\'b \\i x', 'c:\\dir';\nDO $f$ SELECT '\\q' $f$;\n";
    Resolved r = resolve(files);
    EXPECT_TRUE(r.problems.empty()) << r.problems[0].message;
}

TEST(Resolve, MultiLineStringKeepsLexerState) {
    MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT 'line one\n\\i not-a-command\n';\n";
    EXPECT_TRUE(resolve(files).problems.empty());
}

}  // namespace
}  // namespace shoal
