// Splitting and classification with libpg_query (split.h).
#include "split.h"

#include <gtest/gtest.h>

#include "memory_files.h"

namespace shoal {
namespace {

SplitResult split(const std::string &text) {
    test::MemoryFiles files;
    files.files["mig/v.up.sql"] = text;
    return split_script(resolve_script("mig/v.up.sql", "mig", files));
}

TEST(Split, StatementsWithLines) {
    SplitResult r =
        split("-- header\nCREATE TABLE a(id int);\n\n/* c */ CREATE TABLE b(id int);\n");
    ASSERT_TRUE(r.problems.empty());
    ASSERT_EQ(r.statements.size(), 2u);
    EXPECT_EQ(r.statements[0].sql, "CREATE TABLE a(id int)");
    EXPECT_EQ(r.statements[0].where.line, 2);
    EXPECT_EQ(r.statements[1].sql, "CREATE TABLE b(id int)");
    EXPECT_EQ(r.statements[1].where.line, 4);
    EXPECT_FALSE(r.solo);
}

TEST(Split, SemicolonsInLiteralsIdentifiersAndDollarBodies) {
    SplitResult r = split(
        "INSERT INTO t VALUES ('a;b', E'c\\';d');\n"
        "CREATE TABLE \"we;ird\"(id int);\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
        "BEGIN\n  RETURN 1; -- ;\nEND;\n$body$;\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    ASSERT_EQ(r.statements.size(), 3u);
    EXPECT_EQ(r.statements[2].where.line, 3);
    EXPECT_FALSE(r.solo);
}

TEST(Split, CreateIndexConcurrentlyAloneIsSolo) {
    SplitResult r = split("-- $parallelism_per_host=2\nCREATE INDEX CONCURRENTLY i ON t(a);\n");
    ASSERT_TRUE(r.problems.empty());
    EXPECT_TRUE(r.solo);
    ASSERT_EQ(r.statements.size(), 1u);
    EXPECT_TRUE(r.statements[0].nontransactional);
}

TEST(Split, NamesTheIndexACreateIndexConcurrentlyBuilds) {
    SplitResult r = split(
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n"
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Odd Name\" ON s.users (name);\n"
        "CREATE INDEX CONCURRENTLY ON users (id);\n"
        "DROP INDEX CONCURRENTLY IF EXISTS old_idx;\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    ASSERT_EQ(r.statements.size(), 4u);
    EXPECT_EQ(r.statements[0].concurrent_index, "users_email_idx");
    EXPECT_FALSE(r.statements[0].concurrent_index_if_not_exists);
    EXPECT_EQ(r.statements[1].concurrent_index, "Odd Name");
    EXPECT_TRUE(r.statements[1].concurrent_index_if_not_exists);
    EXPECT_EQ(r.statements[2].concurrent_index, "");  // unnamed: PostgreSQL picks a fresh name
    EXPECT_EQ(r.statements[3].concurrent_index, "");
}

TEST(Split, AnIndexBuiltInATransactionIsNotConcurrent) {
    SplitResult r = split("CREATE INDEX users_email_idx ON users (email);\n");
    ASSERT_EQ(r.statements.size(), 1u);
    EXPECT_EQ(r.statements[0].concurrent_index, "");
}

TEST(Split, ConcurrentlyInCommentOrLiteralIsNotConcurrent) {
    SplitResult r = split(
        "/* CREATE INDEX CONCURRENTLY x ON t(a); */\n"
        "SELECT 'DROP INDEX CONCURRENTLY y';\n"
        "CREATE INDEX \"concurrently\" ON t(a);\n");
    ASSERT_TRUE(r.problems.empty());
    EXPECT_FALSE(r.solo);
}

TEST(Split, ClassifiesNontransactionalStatements) {
    EXPECT_TRUE(is_nontransactional("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t(a)"));
    EXPECT_TRUE(is_nontransactional("DROP INDEX CONCURRENTLY IF EXISTS i"));
    EXPECT_TRUE(is_nontransactional("REINDEX INDEX CONCURRENTLY i"));
    EXPECT_TRUE(is_nontransactional("REINDEX (CONCURRENTLY) TABLE t"));
    EXPECT_TRUE(is_nontransactional("VACUUM t"));
    EXPECT_TRUE(is_nontransactional("ALTER SYSTEM SET work_mem = '8MB'"));
    EXPECT_TRUE(is_nontransactional("CREATE DATABASE x"));
    EXPECT_FALSE(is_nontransactional("ANALYZE t"));
    EXPECT_FALSE(is_nontransactional("REINDEX INDEX i"));
    EXPECT_FALSE(is_nontransactional("CREATE INDEX i ON t(a)"));
    EXPECT_FALSE(is_nontransactional("DROP INDEX i"));
}

TEST(Split, PgMigCommitBeginIdiomMeansSolo) {
    SplitResult r = split(
        "-- $parallelism_global=4\n"
        "COMMIT;\n"
        "DROP INDEX IF EXISTS i;\n"
        "CREATE INDEX CONCURRENTLY i ON t(a);\n"
        "BEGIN;\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_TRUE(r.solo);
    ASSERT_EQ(r.statements.size(), 2u);
    EXPECT_EQ(r.statements[0].sql, "DROP INDEX IF EXISTS i");
    EXPECT_EQ(r.statements[1].where.line, 4);
}

TEST(Split, StrayBeginOrCommitIsError) {
    SplitResult r = split("CREATE TABLE a(id int);\nCOMMIT;\nCREATE TABLE b(id int);\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2");
    EXPECT_NE(r.problems[0].message.find("transaction control"), std::string::npos);

    SplitResult rollback = split("BEGIN;\nSELECT 1;\nROLLBACK;\n");
    EXPECT_EQ(rollback.problems.size(), 2u);
}

TEST(Split, NontransactionalMixedWithTransactionalIsError) {
    SplitResult r = split("CREATE TABLE t(a int);\nCREATE INDEX CONCURRENTLY i ON t(a);\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:1");
    EXPECT_NE(r.problems[0].message.find("mig/v.up.sql:2"), std::string::npos)
        << r.problems[0].message;
}

// A run has no client data channel: a COPY that reads from or writes to the
// client would leave the connection waiting for data that never comes.
TEST(Split, CopyFromStdinAndToStdoutAreRefusedWithTheirLine) {
    SplitResult r = split(
        "CREATE TABLE t(a int);\n"
        "COPY t FROM STDIN;\n"
        "COPY (SELECT 1) TO STDOUT;\n"
        "COPY t TO STDOUT WITH (FORMAT csv);\n");
    ASSERT_EQ(r.problems.size(), 3u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2");
    EXPECT_EQ(to_string(r.problems[1].where), "mig/v.up.sql:3");
    EXPECT_EQ(to_string(r.problems[2].where), "mig/v.up.sql:4");
    EXPECT_NE(r.problems[0].message.find("COPY … FROM STDIN"), std::string::npos) << r.problems[0].message;
    EXPECT_NE(r.problems[1].message.find("COPY … TO STDOUT"), std::string::npos) << r.problems[1].message;
    EXPECT_NE(r.problems[0].message.find("no client data channel"), std::string::npos);
}

TEST(Split, CopyWithAServerFileOrProgramIsAccepted) {
    SplitResult r = split(
        "COPY t FROM '/srv/data/t.csv';\n"
        "COPY t TO PROGRAM 'gzip > /tmp/t.gz';\n");
    EXPECT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_EQ(r.statements.size(), 2u);
}

TEST(Split, SyntaxErrorReportsLineAndPostgresMessage) {
    SplitResult r = split("CREATE TABLE a(id int);\n\nCREAT TABLE b(id int);\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:3");
    EXPECT_EQ(r.problems[0].message, "syntax error at or near \"CREAT\"");
}

TEST(Split, SyntaxErrorInIncludedFileNamesThatFile) {
    test::MemoryFiles files;
    files.files["mig/v.up.sql"] = "SELECT 1;\n\\i inc.sql\n";
    files.files["mig/inc.sql"] = "SELECT 2;\nSELECT FROM WHERE;\n";
    SplitResult r = split_script(resolve_script("mig/v.up.sql", "mig", files));
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/inc.sql:2");
}

TEST(Split, SyntaxErrorLineCountsUtf8Characters) {
    SplitResult r = split("SELECT 'ééééééé';\nSELECT 'ü' FROM;\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].where.line, 2);
}

TEST(Split, EmptyFileHasNoStatements) {
    SplitResult r = split("-- nothing to undo\n");
    EXPECT_TRUE(r.problems.empty());
    EXPECT_TRUE(r.statements.empty());
    EXPECT_FALSE(r.solo);
}

}  // namespace
}  // namespace shoal
