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

TEST(Split, PlainVersionsRunWhollyInTheTransactionSoloOnesWhollyOutside) {
    EXPECT_EQ(split("CREATE TABLE a(id int);\n").transaction_from, 0u);
    SplitResult solo = split("CREATE INDEX CONCURRENTLY i ON t(a);\n");
    EXPECT_EQ(solo.transaction_from, 1u);
    SplitResult idiom = split("COMMIT;\nCREATE INDEX CONCURRENTLY i ON t(a);\nBEGIN;\n");
    EXPECT_EQ(idiom.transaction_from, 1u);
}

// pg-mig's validateCreateIndexConcurrently: "end with BEGIN; with other
// optional SQL statements after it" (issue 16's example). pg-mig runs what is
// between COMMIT and BEGIN outside a transaction, then the rest in the
// transaction that writes the stamp: so does shoal, with transaction_from.
TEST(Split, PgMigIdiomWithStatementsAfterBegin) {
    SplitResult r = split(
        "-- $parallelism_per_host=2\n"
        "COMMIT;\n"
        "DROP INDEX IF EXISTS a_idx;\n"
        "CREATE INDEX CONCURRENTLY a_idx ON tbl(a);\n"
        "BEGIN;\n"
        "ALTER TABLE tbl ADD COLUMN z int;\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_TRUE(r.warnings.empty()) << r.warnings[0].message;
    EXPECT_TRUE(r.solo);
    ASSERT_EQ(r.statements.size(), 3u);
    EXPECT_EQ(r.statements[0].sql, "DROP INDEX IF EXISTS a_idx");
    EXPECT_EQ(r.statements[1].concurrent_index, "a_idx");
    EXPECT_EQ(r.statements[2].sql, "ALTER TABLE tbl ADD COLUMN z int");
    EXPECT_EQ(r.statements[2].where.line, 6);
    EXPECT_EQ(r.transaction_from, 2u);
}

// Every success case of pg-mig's own unit tests (validateCreateIndexConcurrently.test.ts,
// validateDropIndexConcurrently.test.ts), made valid SQL: their strings carry a
// stray `',` and name a table `some`, a reserved word (pg-mig checks them by regex).
TEST(Split, EveryFormPgMigsValidatorTestsAccept) {
    const char *forms[] = {
        "-- $parallelism_global=1\nCOMMIT;\nDROP INDEX IF EXISTS \"abc\"\"def\";\n"
        "CREATE INDEX CONCURRENTLY \"abc\"\"def\" ON tbl(col);\nBEGIN;\nCREATE TABLE some_t(id "
        "bigint);",
        "-- $parallelism_global=1\nCOMMIT;\nDROP INDEX IF EXISTS \"abc\"\"def\";\n"
        "CREATE uNiQuE   INDEX  CONCURRENTLY  \"abc\"\"def\" ON tbl(col);\nBEGIN;\n"
        "CREATE TABLE some_t(id bigint);",
        "-- $parallelism_per_host=1\nCOMMIT;\nDROP INDEX IF EXISTS \"abc\"\"def\";\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS  \"abc\"\"def\" ON tbl(col);\nBEGIN;\n"
        "CREATE TABLE some_t(id bigint);",
        "-- Some comment.\n/* Some other\ncomment. */\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"abc\"\"def\" ON tbl(col);",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"abc\"\"def\" ON tbl(col) WHERE col='a;b';",
        "; ; CREATE INDEX CONCURRENTLY IF NOT EXISTS \"abc\"\"def\" ON tbl(col) WHERE "
        "\"a;b\"=42;;;",
        "COMMIT;\nDROP INDEX CONCURRENTLY \"abc\"\"def\";\nBEGIN;\nCREATE TABLE some_t(id bigint);",
        "COMMIT;\nDROP INDEX CONCURRENTLY IF EXISTS \"abc\"\"def\";\nBEGIN;\n"
        "CREATE TABLE some_t(id bigint);",
        "-- Some comment.\n/* Some other\ncomment. */\nDROP INDEX CONCURRENTLY IF EXISTS "
        "\"abc\"\"def\";",
        "DROP INDEX CONCURRENTLY IF EXISTS \"ab;c\"\"def\";",
    };
    for (const char *form : forms) {
        SplitResult r = split(form);
        EXPECT_TRUE(r.problems.empty()) << form << "\n" << r.problems[0].message;
        EXPECT_TRUE(r.solo) << form;
        const bool tail = std::string(form).find("CREATE TABLE some_t") != std::string::npos;
        EXPECT_EQ(r.transaction_from, r.statements.size() - (tail ? 1 : 0)) << form;
    }
}

// pg-mig runs each statement between COMMIT and BEGIN on its own; so does
// shoal, but a retry runs it again, so an ordinary one there is a warning.
TEST(Split, OrdinaryStatementBetweenCommitAndBeginIsAWarning) {
    SplitResult r = split(
        "COMMIT;\nALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY i ON t(b);\n"
        "BEGIN;\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_TRUE(r.solo);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].where.line, 2);
    EXPECT_NE(r.warnings[0].message.find("after BEGIN"), std::string::npos)
        << r.warnings[0].message;
}

TEST(Split, AfterBeginOnlyWhatRunsInATransaction) {
    SplitResult concurrently = split(
        "COMMIT;\nCREATE INDEX CONCURRENTLY i ON t(a);\nBEGIN;\n"
        "CREATE INDEX CONCURRENTLY j ON t(b);\n");
    ASSERT_EQ(concurrently.problems.size(), 1u);
    EXPECT_EQ(concurrently.problems[0].where.line, 4);

    SplitResult again = split(
        "COMMIT;\nCREATE INDEX CONCURRENTLY i ON t(a);\nBEGIN;\nSELECT 1;\nCOMMIT;\n"
        "CREATE INDEX CONCURRENTLY j ON t(b);\nBEGIN;\n");
    ASSERT_EQ(again.problems.size(), 3u);  // the COMMIT, the CONCURRENTLY after it, the BEGIN
    EXPECT_EQ(again.problems[0].where.line, 5);
    EXPECT_NE(again.problems[0].message.find("transaction control"), std::string::npos);
    EXPECT_NE(again.problems[0].message.find("two versions"), std::string::npos)
        << again.problems[0].message;
}

// COMMIT; BEGIN; with nothing between them: pg-mig ends its transaction and
// opens another, which holds the rest and the stamp: a plain version.
TEST(Split, EmptyIdiomIsAPlainVersion) {
    SplitResult r = split("COMMIT;\nBEGIN;\nCREATE TABLE a(id int);\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_FALSE(r.solo);
    ASSERT_EQ(r.statements.size(), 1u);
    EXPECT_EQ(r.transaction_from, 0u);
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
    EXPECT_NE(r.problems[0].message.find("COPY … FROM STDIN"), std::string::npos)
        << r.problems[0].message;
    EXPECT_NE(r.problems[1].message.find("COPY … TO STDOUT"), std::string::npos)
        << r.problems[1].message;
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

// Issue 14, item 4: what would take a step out of its schema, or leave state
// in the session, is refused with the statement's line.
TEST(Split, StatementsThatLeaveTheSchemaOrTheSessionAreProblems) {
    const char *refused[] = {
        "RESET ALL",
        "RESET search_path",
        "RESET ROLE",
        "RESET SESSION AUTHORIZATION",
        "SET search_path = public",
        "SET SESSION search_path TO public",
        "SET LOCAL search_path TO public",
        "SET \"Search_Path\" TO public",
        "SET SCHEMA 'public'",
        "SET search_path FROM CURRENT",
        "SET ROLE app",
        "SET LOCAL ROLE app",
        "SET SESSION AUTHORIZATION app",
        "SET SESSION AUTHORIZATION DEFAULT",
        "PREPARE p AS SELECT 1",
        "DEALLOCATE ALL",
        "DEALLOCATE p",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
        "LISTEN ch",
        "UNLISTEN *",
        "DISCARD ALL",
        "DISCARD TEMP",
    };
    for (const char *statement : refused) {
        SplitResult r =
            split(std::string("SELECT 1;\n") + statement + ";\nCREATE TABLE x(id int);\n");
        ASSERT_EQ(r.problems.size(), 1u) << statement;
        EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2") << statement;
        EXPECT_NE(r.problems[0].message.find("is not allowed"), std::string::npos)
            << r.problems[0].message;
        EXPECT_NE(r.problems[0].message.find(
                      "Each schema's step runs with search_path set to that schema"),
                  std::string::npos)
            << r.problems[0].message;
    }
}

// The statement a problem names is on one line whatever its layout, short, and
// cut at a character boundary.
TEST(Split, ProblemNamesTheStatementOnOneLine) {
    SplitResult r = split("SET\n    search_path\n  = public;\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].message.rfind("\"SET search_path = public\" is not allowed", 0), 0u)
        << r.problems[0].message;
    // 19 + 40 bytes, then a two-byte character across the 60-byte cut.
    r = split("SET search_path = '" + std::string(40, 'x') + "éé';\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(
        r.problems[0].message.rfind("\"SET search_path = '" + std::string(40, 'x') + "...\"", 0),
        0u)
        << r.problems[0].message;
}

TEST(Split, SettingsThatStayInTheSchemaAreFine) {
    for (const char *statement :
         {"SET lock_timeout = '1s'", "SET LOCAL statement_timeout = 0", "RESET lock_timeout",
          "DECLARE c CURSOR FOR SELECT 1", "NOTIFY ch",
          "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = public AS 'SELECT 1'",
          "DO $$ BEGIN PERFORM 1; END $$"}) {
        SplitResult r = split(std::string(statement) + ";\n");
        EXPECT_TRUE(r.problems.empty()) << statement << ": " << r.problems[0].message;
    }
}

TEST(Split, BeforeAndAfterMayMoveSearchPathButNotTheRole) {
    test::MemoryFiles files;
    files.files["mig/before.sql"] =
        "SET search_path = public, ext;\nRESET ALL;\nSET ROLE app;\nPREPARE p AS SELECT 1;\n";
    SplitResult r =
        split_script(resolve_script("mig/before.sql", "mig", files), ScriptPlace::PublicScript);
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/before.sql:3");
    EXPECT_NE(r.problems[0].message.find("control connection"), std::string::npos);
    EXPECT_EQ(to_string(r.problems[1].where), "mig/before.sql:4");
}

// Issue 14, item 5: whatever reaches libpg_query keeps its length.
TEST(Split, NulByteIsNeverTruncatedAway) {
    Resolved resolved;
    resolved.body = std::string("SELECT 1;\n-- \0\nDROP TABLE t;\n", 29);
    resolved.lines = {{"mig/v.up.sql", 1}, {"mig/v.up.sql", 2}, {"mig/v.up.sql", 3}};
    resolved.line_starts = {0, 10, 15};
    SplitResult r = split_script(resolved);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(to_string(r.problems[0].where), "mig/v.up.sql:2");
    EXPECT_NE(r.problems[0].message.find("NUL"), std::string::npos);
    EXPECT_TRUE(r.statements.empty());
}

}  // namespace
}  // namespace shoal
