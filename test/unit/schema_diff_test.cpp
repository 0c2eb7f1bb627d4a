// Tests of the schema model and the generate plan (coordinator/schema_model.h,
// schema_diff.h): each recipe from two models built here as the catalog
// snapshot would give them, the hazards refused and allowed, what blocks a
// plan, the rename markers, and that every generated version loads as a
// migration and passes shoal lint. No database: the proof on a real shard is
// test/cluster/33_generate.sh.
#include "schema_diff.h"

#include <gtest/gtest.h>

#include "generated_versions.h"
#include "schema_model.h"

namespace shoal {
namespace {

CatalogRow table(const std::string &name) { return {"table", "", name, "", {}}; }

CatalogRow column(const std::string &table, const std::string &name, const std::string &type,
                  int position, bool not_null = false, const std::string &default_expr = "") {
    return {"column",
            table,
            name,
            type,
            {"", not_null ? "t" : "f", default_expr, "", "", std::to_string(position)}};
}

CatalogRow constraint(const std::string &table, const std::string &name, char type,
                      const std::string &definition, const std::string &index = "") {
    return {"constraint", table, name, definition, {std::string(1, type), index}};
}

CatalogRow index(const std::string &table, const std::string &name, const std::string &columns) {
    return {"index",
            table,
            name,
            "CREATE INDEX " + name + " ON " + table + " USING btree (" + columns + ")",
            {}};
}

// users(id bigint primary key, email text), the starting point of most cases.
std::vector<CatalogRow> users() {
    return {table("users"), column("users", "id", "bigint", 1, true),
            column("users", "email", "text", 2),
            constraint("users", "users_pkey", 'p', "PRIMARY KEY (id)",
                       "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)")};
}

using test::expect_loads_and_passes_lint;
using test::plan;
using test::with;

std::string up_text(const ChangePlan &plan, size_t i) {
    return version_file_text(plan.versions.at(i), true, GenerateOptions{});
}

TEST(SchemaModel, QuotesAsQuoteIdentDoes) {
    EXPECT_EQ(quote_identifier("users"), "users");
    EXPECT_EQ(quote_identifier("user_2"), "user_2");
    EXPECT_EQ(quote_identifier("Users"), "\"Users\"");
    EXPECT_EQ(quote_identifier("select"), "\"select\"");
    EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
    EXPECT_EQ(quote_identifier("2x"), "\"2x\"");
    EXPECT_EQ(quote_identifier("name"), "name");  // unreserved keyword
}

TEST(SchemaModel, ColumnsKeepTheirOrderAndTablesSortByName) {
    const SchemaModel model = build_model(
        {column("b", "z", "text", 2), table("b"), table("a"), column("b", "y", "integer", 1)});
    ASSERT_EQ(model.tables.size(), 2u);
    EXPECT_EQ(model.tables[0].name, "a");
    ASSERT_EQ(model.tables[1].columns.size(), 2u);
    EXPECT_EQ(model.tables[1].columns[0].name, "y");
}

TEST(SchemaModel, DumpIsOneFilePerTableWithForeignKeysLast) {
    const SchemaModel model = build_model(with(
        users(),
        {table("orders"), column("orders", "user_id", "bigint", 1),
         constraint("orders", "orders_user_fk", 'f', "FOREIGN KEY (user_id) REFERENCES users(id)"),
         constraint("orders", "orders_check", 'c', "CHECK ((user_id > 0)) NOT VALID"),
         index("orders", "orders_user_idx", "user_id")}));
    std::vector<std::string> blocked;
    const auto files = dump_files(model, blocked);
    EXPECT_TRUE(blocked.empty());
    ASSERT_EQ(files.size(), 3u);
    EXPECT_EQ(files.at("10_table_users.sql"),
              "-- Written by `shoal dump`: one shard's structure, names unqualified.\n"
              "CREATE TABLE users (\n"
              "    id bigint NOT NULL,\n"
              "    email text,\n"
              "    CONSTRAINT users_pkey PRIMARY KEY (id)\n"
              ");\n");
    // A constraint that is not valid cannot be written inside CREATE TABLE.
    EXPECT_NE(files.at("10_table_orders.sql")
                  .find("ALTER TABLE orders ADD CONSTRAINT orders_check CHECK ((user_id > 0)) "
                        "NOT VALID;\nCREATE INDEX orders_user_idx"),
              std::string::npos);
    EXPECT_EQ(files.at("90_foreign_keys.sql").find("REFERENCES users(id);") != std::string::npos,
              true);
}

TEST(SchemaModel, DumpRefusesWhatItDoesNotModel) {
    std::vector<std::string> blocked;
    const auto files = dump_files(
        build_model(with(users(), {{"unmodelled", "view", "active_users", "", {}}})), blocked);
    EXPECT_TRUE(files.empty());
    EXPECT_EQ(blocked, std::vector<std::string>{"view active_users"});
}

TEST(SchemaDiff, SameModelsMeanNoChanges) {
    const ChangePlan same = plan(users(), users());
    EXPECT_TRUE(same.empty());
    EXPECT_TRUE(same.versions.empty());
}

TEST(SchemaDiff, UnmodelledKindsBlockThePlanByName) {
    const ChangePlan blocked =
        plan(users(), with(users(), {{"unmodelled", "trigger", "users.audit", "", {}}}));
    EXPECT_EQ(blocked.blocked,
              std::vector<std::string>{"trigger users.audit (in the desired schema)"});
    EXPECT_TRUE(blocked.versions.empty());
}

TEST(SchemaDiff, AnIndexOnAnExistingTableIsBuiltConcurrentlyInASoloVersion) {
    const ChangePlan p = plan(users(), with(users(), {index("users", "users_email_idx", "email")}));
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_TRUE(p.versions[0].solo);
    EXPECT_EQ(p.versions[0].up,
              std::vector<std::string>{"CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON "
                                       "users USING btree (email)"});
    EXPECT_EQ(p.versions[0].dn,
              std::vector<std::string>{"DROP INDEX CONCURRENTLY IF EXISTS users_email_idx"});
    // Nothing in it takes a strong lock in a transaction.
    EXPECT_EQ(up_text(p, 0).find("$lock_timeout"), std::string::npos);
}

TEST(SchemaDiff, AReplacedIndexIsBuiltBesideTheOldOneThenRenamed) {
    const ChangePlan p = plan(with(users(), {index("users", "users_email_idx", "email")}),
                              with(users(), {index("users", "users_email_idx", "lower(email)")}));
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(up_text(p, 0),
              "-- Generated by shoal generate: replace index users_email_idx\n"
              "-- shoal $lock_timeout=5s\n"
              "COMMIT;\n"
              "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx_shoal_new ON users USING "
              "btree (lower(email));\n"
              "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\n"
              "BEGIN;\n"
              "ALTER INDEX users_email_idx_shoal_new RENAME TO users_email_idx;\n");
}

TEST(SchemaDiff, ACheckIsAddedNotValidThenValidatedInALaterVersion) {
    const ChangePlan p = plan(
        users(),
        with(users(), {constraint("users", "email_len", 'c', "CHECK ((length(email) < 200))")}));
    ASSERT_EQ(p.versions.size(), 2u);
    EXPECT_EQ(p.versions[0].up,
              std::vector<std::string>{"ALTER TABLE users ADD CONSTRAINT email_len CHECK "
                                       "((length(email) < 200)) NOT VALID"});
    EXPECT_EQ(p.versions[1].up,
              std::vector<std::string>{"ALTER TABLE users VALIDATE CONSTRAINT email_len"});
    EXPECT_NE(up_text(p, 0).find("-- shoal $lock_timeout=5s\n"), std::string::npos);
}

TEST(SchemaDiff, AUniqueConstraintIsBuiltAsAnIndexFirst) {
    const ChangePlan p = plan(
        users(), with(users(), {constraint("users", "users_email_key", 'u', "UNIQUE (email)",
                                           "CREATE UNIQUE INDEX users_email_key ON users USING "
                                           "btree (email)")}));
    ASSERT_EQ(p.versions.size(), 2u);
    EXPECT_EQ(p.versions[0].up.at(0),
              "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users USING "
              "btree (email)");
    EXPECT_EQ(
        p.versions[1].up.at(0),
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key");
}

TEST(SchemaDiff, SetNotNullGoesThroughAValidatedCheck) {
    std::vector<CatalogRow> desired = users();
    desired[2] = column("users", "email", "text", 2, true);
    const ChangePlan p = plan(users(), desired);
    ASSERT_EQ(p.versions.size(), 3u);
    EXPECT_EQ(p.versions[0].up.at(0),
              "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT "
              "VALID");
    EXPECT_EQ(p.versions[1].up.at(0), "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null");
    EXPECT_EQ(p.versions[2].up,
              (std::vector<std::string>{"ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                                        "ALTER TABLE users DROP CONSTRAINT users_email_not_null"}));
}

TEST(SchemaDiff, DroppingAColumnIsRefusedUnlessAllowedThenNamedAtTheTop) {
    std::vector<CatalogRow> desired = users();
    desired.erase(desired.begin() + 2);
    const ChangePlan refused = plan(users(), desired);
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0],
              "drop-column: column users.email is dropped: its values are lost; allow it with "
              "--allow-hazard drop-column");
    const ChangePlan allowed = plan(users(), desired, {"drop-column"});
    EXPECT_TRUE(allowed.refused.empty());
    EXPECT_EQ(up_text(allowed, 0),
              "-- Generated by shoal generate: drop column users.email\n"
              "-- shoal:hazard drop-column: column users.email is dropped: its values are lost\n"
              "-- shoal:ignore ban-drop-column allowed with --allow-hazard drop-column\n"
              "-- shoal $lock_timeout=5s\n"
              "ALTER TABLE users DROP COLUMN email;\n");
    EXPECT_EQ(allowed.versions[0].dn,
              std::vector<std::string>{"ALTER TABLE users ADD COLUMN email text"});
}

TEST(SchemaDiff, AVolatileDefaultAndATypeChangeAreHazards) {
    std::vector<CatalogRow> desired =
        with(users(), {column("users", "token", "uuid", 3, false, "gen_random_uuid()")});
    desired[2] = column("users", "email", "character varying(200)", 2);
    const ChangePlan p = plan(users(), desired);
    ASSERT_EQ(p.refused.size(), 2u);
    // In the desired schema's column order.
    EXPECT_EQ(p.refused[0].rfind("type-change: column users.email", 0), 0u) << p.refused[0];
    EXPECT_EQ(p.refused[1].rfind("volatile-default: column users.token", 0), 0u) << p.refused[1];
    // A constant default is no hazard.
    EXPECT_TRUE(plan(users(), with(users(), {column("users", "n", "integer", 3, true, "0")}))
                    .refused.empty());
}

TEST(SchemaDiff, ANewTableIsCreatedWholeInOnePlainVersion) {
    const ChangePlan p = plan(
        users(), with(users(), {table("orders"), column("orders", "user_id", "bigint", 1, true),
                                constraint("orders", "orders_user_fk", 'f',
                                           "FOREIGN KEY (user_id) REFERENCES users(id)"),
                                index("orders", "orders_user_idx", "user_id")}));
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.versions[0].up,
              (std::vector<std::string>{
                  "CREATE TABLE orders (\n    user_id bigint NOT NULL\n)",
                  "CREATE INDEX orders_user_idx ON orders USING btree (user_id)",
                  "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
                  "REFERENCES users(id)"}));
    EXPECT_EQ(p.versions[0].dn,
              (std::vector<std::string>{"ALTER TABLE orders DROP CONSTRAINT orders_user_fk",
                                        "DROP TABLE orders"}));
}

// Whatever the plan, each version loads as a migration and passes lint.
TEST(SchemaDiff, EveryGeneratedVersionLoadsAndPassesLint) {
    std::vector<CatalogRow> desired =
        with(users(), {index("users", "users_email_idx", "email"),
                       constraint("users", "email_len", 'c', "CHECK ((length(email) < 200))"),
                       column("users", "token", "uuid", 3, false, "gen_random_uuid()"),
                       table("orders"), column("orders", "user_id", "bigint", 1, true),
                       constraint("orders", "orders_user_fk", 'f',
                                  "FOREIGN KEY (user_id) REFERENCES users(id)")});
    desired[2] = column("users", "email", "text", 2, true);
    const ChangePlan p =
        plan(with(users(), {table("legacy")}), desired, {"volatile-default", "drop-table"});
    expect_loads_and_passes_lint(p);
}

TEST(SchemaDiff, TheProofRunsSoloStatementsWithoutConcurrently) {
    EXPECT_EQ(without_concurrently("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)"),
              "CREATE INDEX IF NOT EXISTS i ON t (a)");
    EXPECT_EQ(without_concurrently("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)"),
              "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a)");
    EXPECT_EQ(without_concurrently("DROP INDEX CONCURRENTLY IF EXISTS i"),
              "DROP INDEX IF EXISTS i");
    EXPECT_EQ(without_concurrently("REINDEX INDEX CONCURRENTLY i"), "");
}

Script schema_file(const std::string &text) {
    test::MemoryFiles files;
    files.files["schema/t.sql"] = text;
    SchemaDirLoad loaded = load_schema_dir("schema", files);
    EXPECT_TRUE(loaded.ok());
    return loaded.files.at(0);
}

TEST(SchemaDiff, RenameMarkersNameATableOrAColumn) {
    std::vector<Problem> problems;
    const std::vector<Rename> renames =
        find_renames({schema_file("-- shoal:renamed-from people\n"
                                  "CREATE TABLE users (\n"
                                  "    id bigint,\n"
                                  "    email text, -- shoal:renamed-from mail\n"
                                  "    -- shoal:renamed-from \"Nick\"\n"
                                  "    nick text\n"
                                  ");\n")},
                     problems);
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(renames.size(), 3u);
    EXPECT_EQ(renames[0].table + "|" + renames[0].column + "|" + renames[0].from, "users||people");
    EXPECT_EQ(renames[1].table + "|" + renames[1].column + "|" + renames[1].from,
              "users|email|mail");
    EXPECT_EQ(renames[2].table + "|" + renames[2].column + "|" + renames[2].from,
              "users|nick|Nick");
    EXPECT_EQ(renames[1].where.line, 4);
}

TEST(SchemaDiff, AMarkerBeforeAnythingElseIsAProblem) {
    std::vector<Problem> problems;
    find_renames({schema_file("-- shoal:renamed-from old_view\nCREATE VIEW v AS SELECT 1;\n")},
                 problems);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].where.line, 1);
}

TEST(SchemaDiff, RenamesAreCheckedAgainstBothSides) {
    const SchemaModel current = build_model(users());
    std::vector<CatalogRow> renamed = users();
    for (CatalogRow &row : renamed) (row.kind == "table" ? row.name : row.table) = "people";
    const SchemaModel desired = build_model(renamed);
    const RenamePlan ok =
        plan_renames({{"people", "", "users", {"schema/t.sql", 1}}}, current, desired);
    EXPECT_TRUE(ok.problems.empty());
    EXPECT_EQ(ok.up, std::vector<std::string>{"ALTER TABLE users RENAME TO people"});
    EXPECT_EQ(ok.dn, std::vector<std::string>{"ALTER TABLE people RENAME TO users"});
    const RenamePlan wrong =
        plan_renames({{"people", "", "nobody", {"schema/t.sql", 1}}}, current, desired);
    EXPECT_EQ(wrong.problems.size(), 1u);
    // Once applied, the marker describes history: no rename, no problem.
    const RenamePlan done =
        plan_renames({{"people", "", "users", {"schema/t.sql", 1}}}, desired, desired);
    EXPECT_TRUE(done.problems.empty());
    EXPECT_TRUE(done.up.empty());
}

TEST(SchemaDiff, RenameMarkersNameAnIndexOrAConstraint) {
    std::vector<Problem> problems;
    const std::vector<Rename> renames = find_renames(
        {schema_file("CREATE TABLE users (\n"
                     "    id bigint,\n"
                     "    -- shoal:renamed-from people_pkey\n"
                     "    CONSTRAINT users_pkey PRIMARY KEY (id),\n"
                     "    CONSTRAINT \"Positive\" CHECK (id > 0) -- shoal:renamed-from positive\n"
                     ");\n"
                     "-- shoal:renamed-from users_mail\n"
                     "CREATE UNIQUE INDEX IF NOT EXISTS \"Users_Email\" ON ONLY users "
                     "(id);\n"
                     "CREATE INDEX users_id ON users (id); -- shoal:renamed-from by_id\n"
                     "-- shoal:renamed-from fk\n"
                     "ALTER TABLE ONLY users ADD CONSTRAINT users_fk FOREIGN KEY (id) "
                     "REFERENCES users (id);\n")},
        problems);
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(renames.size(), 5u);
    const auto key = [](const Rename &r) {
        return r.table + "|" + r.constraint + "|" + r.index + "|" + r.from;
    };
    EXPECT_EQ(key(renames[0]), "users|users_pkey||people_pkey");
    EXPECT_EQ(key(renames[1]), "users|Positive||positive");
    EXPECT_EQ(key(renames[2]), "users||Users_Email|users_mail");
    EXPECT_EQ(key(renames[3]), "users||users_id|by_id");
    EXPECT_EQ(key(renames[4]), "users|users_fk||fk");
    EXPECT_EQ(renames[0].where.line, 3);
}

// users with an index `name` on email and a check `check` on id.
std::vector<CatalogRow> users_with(const std::string &name, const std::string &check) {
    return with(users(), {index("users", name, "email"),
                          constraint("users", check, 'c', "CHECK ((id > 0))")});
}

TEST(SchemaDiff, AnIndexAndAConstraintAreRenamedByMarker) {
    const SchemaModel current = build_model(users_with("users_mail", "positive"));
    const SchemaModel desired = build_model(users_with("users_email", "users_id_positive"));
    const RenamePlan ok = plan_renames(
        {{"users", "", "users_mail", {"schema/t.sql", 1}, false, "users_email", ""},
         {"users", "", "positive", {"schema/t.sql", 2}, false, "", "users_id_positive"}},
        current, desired);
    EXPECT_TRUE(ok.problems.empty());
    EXPECT_EQ(ok.up, (std::vector<std::string>{
                         "ALTER INDEX users_mail RENAME TO users_email",
                         "ALTER TABLE users RENAME CONSTRAINT positive TO users_id_positive"}));
    EXPECT_EQ(ok.dn, (std::vector<std::string>{
                         "ALTER TABLE users RENAME CONSTRAINT users_id_positive TO positive",
                         "ALTER INDEX users_email RENAME TO users_mail"}));
    EXPECT_EQ(ok.changes,
              (std::vector<std::string>{"rename index users_mail to users_email",
                                        "rename constraint users.positive to users_id_positive"}));
    // Once applied, the markers describe history.
    EXPECT_TRUE(
        plan_renames({{"users", "", "users_mail", {"schema/t.sql", 1}, false, "users_email", ""}},
                     desired, desired)
            .up.empty());
}

TEST(SchemaDiff, AKeyIsRenamedUnderItsTablesNewName) {
    std::vector<CatalogRow> people = users();
    for (CatalogRow &row : people) (row.kind == "table" ? row.name : row.table) = "people";
    people.back().name = "people_id";
    std::vector<CatalogRow> desired = users();
    desired.back().name = "users_id";
    const RenamePlan p =
        plan_renames({{"users", "", "people", {"schema/t.sql", 1}},
                      {"users", "", "people_id", {"schema/t.sql", 3}, false, "", "users_id"}},
                     build_model(people), build_model(desired));
    EXPECT_TRUE(p.problems.empty());
    EXPECT_EQ(p.up, (std::vector<std::string>{"ALTER TABLE people RENAME TO users",
                                              "ALTER TABLE users RENAME CONSTRAINT people_id "
                                              "TO users_id"}));
}

TEST(SchemaDiff, IndexAndConstraintRenamesThatCannotBeNameTheirMarker) {
    const SchemaModel current = build_model(users_with("users_mail", "positive"));
    const SchemaModel desired = build_model(users_with("users_email", "users_id_positive"));
    const auto problems = [](const RenamePlan &p) {
        std::vector<std::string> lines;
        for (const Problem &problem : p.problems) lines.push_back(format_problem(problem));
        return lines;
    };
    // An old name the reference does not have.
    EXPECT_EQ(problems(plan_renames(
                  {{"users", "", "nothing", {"schema/t.sql", 4}, false, "users_email", ""}},
                  current, desired)),
              std::vector<std::string>{
                  "schema/t.sql:4: index users_email renamed from nothing: the reference shard "
                  "must have index nothing and nothing named users_email, the desired schema "
                  "index users_email and not nothing"});
    EXPECT_EQ(plan_renames(
                  {{"users", "", "nothing", {"schema/t.sql", 4}, false, "", "users_id_positive"}},
                  current, desired)
                  .problems.size(),
              1u);
    // Two markers that claim one old index.
    const SchemaModel two = build_model(
        with(users_with("users_email", "positive"), {index("users", "users_lower", "email")}));
    const RenamePlan claimed =
        plan_renames({{"users", "", "users_mail", {"schema/t.sql", 1}, false, "users_email", ""},
                      {"users", "", "users_mail", {"schema/t.sql", 5}, false, "users_lower", ""}},
                     current, two);
    ASSERT_FALSE(claimed.problems.empty());
    EXPECT_EQ(problems(claimed).front(),
              "schema/t.sql:5: a second marker renames index users_mail, which the marker at "
              "schema/t.sql:1 renames already");
    // A new name the reference has for another relation (a table), or for
    // another constraint of the table.
    const SchemaModel taken =
        build_model(with(users_with("users_mail", "positive"),
                         {table("users_email"),
                          constraint("users", "users_id_positive", 'c', "CHECK ((id < 100))")}));
    EXPECT_EQ(plan_renames(
                  {{"users", "", "users_mail", {"schema/t.sql", 1}, false, "users_email", ""},
                   {"users", "", "positive", {"schema/t.sql", 2}, false, "", "users_id_positive"}},
                  taken, desired)
                  .problems.size(),
              2u);
}

// Renamed and changed at once: the rename (on the copy the plan compares, so
// the names agree), then the online-safe replacement under the new name.
TEST(SchemaDiff, ARenamedIndexThatChangesIsRenamedThenReplaced) {
    const SchemaModel renamed_copy = build_model(users_with("users_email", "positive"));
    std::vector<CatalogRow> changed = users_with("users_email", "positive");
    changed[changed.size() - 2] = index("users", "users_email", "lower(email)");
    RenamePlan renames;
    renames.up = {"ALTER INDEX users_mail RENAME TO users_email"};
    renames.dn = {"ALTER INDEX users_email RENAME TO users_mail"};
    renames.changes = {"rename index users_mail to users_email"};
    const ChangePlan p =
        plan_changes(renamed_copy, build_model(changed), renames, GenerateOptions{});
    ASSERT_EQ(p.versions.size(), 2u);
    EXPECT_EQ(p.versions[0].up, renames.up);
    EXPECT_TRUE(p.versions[0].waivers.empty());  // lint has no rule against renaming an index
    EXPECT_EQ(p.versions[1].purpose, "replace index users_email");
}

// The table renamed by marker, as the plan sees it (renamed on a copy and
// read again): its key still has PostgreSQL's name for the old table.
TEST(SchemaDiff, AKeyOnlyRenamedIsRenamedSoTheTableNeverLacksIt) {
    std::vector<CatalogRow> current = users();
    current.back().name = "people_pkey";
    const ChangePlan renamed = plan(current, users());
    ASSERT_EQ(renamed.versions.size(), 1u);
    EXPECT_EQ(renamed.changes, std::vector<std::string>{"rename constraint users.people_pkey to "
                                                        "users_pkey"});
    EXPECT_EQ(renamed.versions[0].up, std::vector<std::string>{"ALTER TABLE users RENAME "
                                                               "CONSTRAINT people_pkey TO "
                                                               "users_pkey"});
    EXPECT_EQ(renamed.versions[0].dn, std::vector<std::string>{"ALTER TABLE users RENAME "
                                                               "CONSTRAINT users_pkey TO "
                                                               "people_pkey"});
    // A key that changed as well is a new key: dropped and built again.
    std::vector<CatalogRow> other = users();
    other.back().definition = "PRIMARY KEY (id, email)";
    const ChangePlan replaced = plan(current, other);
    EXPECT_EQ(replaced.changes.front(), "drop constraint users.people_pkey");
}

// ---- types: enums, domains, composite types ----

CatalogRow enum_type(const std::string &name) { return {"enum", "", name, "", {}}; }

std::vector<CatalogRow> mood(const std::vector<std::string> &labels) {
    std::vector<CatalogRow> rows{enum_type("mood")};
    for (size_t i = 0; i < labels.size(); ++i)
        rows.push_back({"enum label", "mood", labels[i], "", {std::to_string(i + 1)}});
    return rows;
}

CatalogRow domain(const std::string &name, const std::string &base, bool not_null = false,
                  const std::string &default_expr = "", const std::string &collation = "") {
    return {"domain", "", name, base, {collation, not_null ? "t" : "f", default_expr}};
}

CatalogRow domain_check(const std::string &domain, const std::string &name,
                        const std::string &definition) {
    return {"domain constraint", domain, name, definition, {}};
}

CatalogRow attribute(const std::string &type, const std::string &name,
                     const std::string &attribute_type, int position) {
    return {
        "attribute", type, name, attribute_type, {"", "", "", "", "", std::to_string(position)}};
}

// users with a column `feeling mood DEFAULT 'a'::mood`.
std::vector<CatalogRow> users_feeling(const std::vector<std::string> &labels) {
    return with(with(users(), mood(labels)),
                {column("users", "feeling", "mood", 3, false, "'a'::mood")});
}

TEST(SchemaTypes, TheModelKeepsLabelAndAttributeOrderAndDumpsTypesBeforeTables) {
    const SchemaModel model = build_model(
        with(users(), {{"enum label", "mood", "it's", "", {"2"}},
                       {"enum label", "mood", "z", "", {"1"}},
                       enum_type("mood"),
                       domain_check("posint", "positive", "CHECK ((VALUE > 0))"),
                       domain_check("posint", "small", "CHECK ((VALUE < 100)) NOT VALID"),
                       domain("posint", "integer", true, "1"),
                       domain("code", "text", false, "", "\"C\""),
                       attribute("pair", "b", "text", 2),
                       attribute("pair", "a", "posint", 1),
                       {"composite type", "", "pair", "", {}}}));
    ASSERT_EQ(model.enums.size(), 1u);
    EXPECT_EQ(model.enums[0].labels, (std::vector<std::string>{"z", "it's"}));
    ASSERT_EQ(model.domains.size(), 2u);
    EXPECT_EQ(model.domains[1].constraints.size(), 2u);
    ASSERT_EQ(model.composites.size(), 1u);
    EXPECT_EQ(model.composites[0].attributes[0].name, "a");
    std::vector<std::string> blocked;
    const auto files = dump_files(model, blocked);
    EXPECT_TRUE(blocked.empty());
    ASSERT_TRUE(files.count("03_types.sql"));
    EXPECT_EQ(files.at("03_types.sql"),
              "-- Written by `shoal dump`: one shard's structure, names unqualified.\n"
              "CREATE TYPE mood AS ENUM ('z', 'it''s');\n"
              "CREATE DOMAIN code AS text COLLATE \"C\";\n"
              "CREATE DOMAIN posint AS integer DEFAULT 1 NOT NULL CONSTRAINT positive CHECK "
              "((VALUE > 0));\n"
              "ALTER DOMAIN posint ADD CONSTRAINT small CHECK ((VALUE < 100)) NOT VALID;\n"
              "CREATE TYPE pair AS (a posint, b text);\n");
    EXPECT_EQ(files.begin()->first, "03_types.sql");  // loaded before the tables
}

TEST(SchemaTypes, NewLabelsAreAddedInAVersionOfTheirOwnBeforeAnyOther) {
    const ChangePlan p = plan(users_feeling({"a", "c"}), users_feeling({"0", "a", "b", "c", "d"}));
    ASSERT_FALSE(p.versions.empty());
    EXPECT_EQ(p.versions[0].up,
              (std::vector<std::string>{"ALTER TYPE mood ADD VALUE '0' BEFORE 'a'",
                                        "ALTER TYPE mood ADD VALUE 'b' AFTER 'a'",
                                        "ALTER TYPE mood ADD VALUE 'd' AFTER 'c'"}));
    EXPECT_TRUE(p.versions[0].hazards.empty());
    // No ALTER removes a label: the undo recreates the type with the old ones.
    EXPECT_EQ(p.versions[0].dn,
              (std::vector<std::string>{
                  "CREATE TYPE mood_shoal_new AS ENUM ('a', 'c')",
                  "ALTER TABLE users ALTER COLUMN feeling DROP DEFAULT",
                  "ALTER TABLE users ALTER COLUMN feeling TYPE mood_shoal_new USING "
                  "feeling::text::mood_shoal_new",
                  "DROP TYPE mood", "ALTER TYPE mood_shoal_new RENAME TO mood",
                  "ALTER TABLE users ALTER COLUMN feeling SET DEFAULT 'a'::mood"}));
    EXPECT_EQ(p.versions.size(), 1u);
}

// A comment on a type or a domain's check is modelled: removed first and set
// again last when the type (or, for an enum gaining labels, its undo) recreates
// it, or the check is replaced.
TEST(SchemaTypes, CommentsOnRecreatedTypesAndChecksAreSetAgain) {
    const CatalogRow on_mood{"comment", "", "TYPE mood", "'how one feels'", {}};
    const ChangePlan labels =
        plan(with(users_feeling({"a"}), {on_mood}), with(users_feeling({"a", "b"}), {on_mood}));
    EXPECT_EQ(labels.changes, (std::vector<std::string>{"remove comment on TYPE mood",
                                                        "enum mood labels ('a', 'b'), was ('a')",
                                                        "comment on TYPE mood"}));
    const CatalogRow on_check{"comment", "", "CONSTRAINT positive ON DOMAIN posint", "'> 0'", {}};
    const ChangePlan check =
        plan({domain("posint", "integer"),
              domain_check("posint", "positive", "CHECK ((VALUE > 0))"), on_check},
             {domain("posint", "integer"),
              domain_check("posint", "positive", "CHECK ((VALUE > 1))"), on_check});
    EXPECT_EQ(check.changes.front(), "remove comment on CONSTRAINT positive ON DOMAIN posint");
    EXPECT_EQ(check.changes.back(), "comment on CONSTRAINT positive ON DOMAIN posint");
    const ChangePlan same = plan({domain("posint", "integer"), on_check},
                                 {domain("posint", "integer", true), on_check});
    EXPECT_EQ(same.changes, std::vector<std::string>{"domain posint becomes NOT NULL"});
}

TEST(SchemaTypes, ARemovedOrMovedLabelIsAHazardThenTheTypeIsRecreated) {
    const ChangePlan refused = plan(users_feeling({"a", "b"}), users_feeling({"b", "a"}));
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0].rfind("enum-label: enum mood loses or reorders labels", 0), 0u)
        << refused.refused[0];
    const ChangePlan p = plan(users_feeling({"a", "b"}), users_feeling({"a"}), {"enum-label"});
    ASSERT_EQ(p.versions.size(), 1u);
    EXPECT_EQ(p.versions[0].up.front(), "CREATE TYPE mood_shoal_new AS ENUM ('a')");
    EXPECT_EQ(p.versions[0].dn,
              std::vector<std::string>{"ALTER TYPE mood ADD VALUE 'b' AFTER 'a'"});
    EXPECT_EQ(p.versions[0].hazards.size(), 1u);
    expect_loads_and_passes_lint(p);
}

TEST(SchemaTypes, TypesAreCreatedBeforeTheTablesThatUseThemAndDroppedAfter) {
    const std::vector<CatalogRow> with_table =
        with(with(users(), mood({"a"})), {domain("posint", "integer"),
                                          attribute("pair", "m", "mood", 1),
                                          {"composite type", "", "pair", "", {}},
                                          table("moods"),
                                          column("moods", "m", "mood", 1),
                                          column("moods", "p", "pair", 2),
                                          column("moods", "n", "posint", 3)});
    const ChangePlan created = plan(users(), with_table);
    ASSERT_EQ(created.versions.size(), 1u);
    EXPECT_EQ(created.versions[0].up,
              (std::vector<std::string>{
                  "CREATE TYPE mood AS ENUM ('a')", "CREATE DOMAIN posint AS integer",
                  "CREATE TYPE pair AS (m mood)",
                  "CREATE TABLE moods (\n    m mood,\n    p pair,\n    n posint\n)"}));
    EXPECT_EQ(created.versions[0].dn,
              (std::vector<std::string>{"DROP TABLE moods", "DROP TYPE pair", "DROP DOMAIN posint",
                                        "DROP TYPE mood"}));
    const ChangePlan dropped = plan(with_table, users(), {"drop-table"});
    ASSERT_EQ(dropped.versions.size(), 1u);
    EXPECT_EQ(dropped.versions[0].up,
              (std::vector<std::string>{"DROP TABLE moods", "DROP TYPE pair", "DROP DOMAIN posint",
                                        "DROP TYPE mood"}));
    expect_loads_and_passes_lint(dropped);
}

TEST(SchemaTypes, ADomainIsAlteredInPlaceItsChecksAddedNotValidThenValidated) {
    const auto rows = [](bool not_null, const std::string &default_expr,
                         const std::vector<CatalogRow> &checks) {
        return with(with(users(), {domain("posint", "integer", not_null, default_expr)}), checks);
    };
    const ChangePlan p =
        plan(rows(false, "", {domain_check("posint", "old", "CHECK ((VALUE <> 7))")}),
             rows(true, "1", {domain_check("posint", "positive", "CHECK ((VALUE > 0))")}));
    std::vector<std::vector<std::string>> ups;
    for (const GeneratedVersion &version : p.versions) ups.push_back(version.up);
    EXPECT_EQ(ups,
              (std::vector<std::vector<std::string>>{
                  {"ALTER DOMAIN posint SET DEFAULT 1", "ALTER DOMAIN posint SET NOT NULL",
                   "ALTER DOMAIN posint DROP CONSTRAINT old"},
                  {"ALTER DOMAIN posint ADD CONSTRAINT positive CHECK ((VALUE > 0)) NOT VALID"},
                  {"ALTER DOMAIN posint VALIDATE CONSTRAINT positive"}}));
    EXPECT_EQ(p.versions[0].dn,
              (std::vector<std::string>{
                  "ALTER DOMAIN posint ADD CONSTRAINT old CHECK ((VALUE <> 7))",
                  "ALTER DOMAIN posint DROP NOT NULL", "ALTER DOMAIN posint DROP DEFAULT"}));
    expect_loads_and_passes_lint(p);
    // Another base type: a new domain, the columns moved over (a hazard).
    const ChangePlan retyped = plan(
        with(rows(false, "", {}), {column("users", "n", "posint", 3)}),
        with(with(users(), {domain("posint", "bigint")}), {column("users", "n", "posint", 3)}));
    ASSERT_EQ(retyped.refused.size(), 1u);
    EXPECT_EQ(retyped.refused[0].rfind("type-change: domain posint", 0), 0u);
}

TEST(SchemaTypes, AttributesAreAddedAndDroppedInPlaceAndRetypedByRecreating) {
    const auto pair = [](const std::vector<CatalogRow> &attributes, bool used) {
        std::vector<CatalogRow> rows = with(users(), {{"composite type", "", "pair", "", {}}});
        if (used) rows.push_back(column("users", "p", "pair", 3));
        return with(rows, attributes);
    };
    const ChangePlan in_place = plan(
        pair({attribute("pair", "a", "integer", 1), attribute("pair", "b", "text", 2)}, false),
        pair({attribute("pair", "a", "integer", 1), attribute("pair", "c", "text", 3)}, false));
    ASSERT_EQ(in_place.versions.size(), 1u);
    EXPECT_EQ(in_place.versions[0].up,
              (std::vector<std::string>{"ALTER TYPE pair DROP ATTRIBUTE b",
                                        "ALTER TYPE pair ADD ATTRIBUTE c text"}));
    EXPECT_EQ(in_place.versions[0].dn,
              (std::vector<std::string>{"ALTER TYPE pair DROP ATTRIBUTE c",
                                        "ALTER TYPE pair ADD ATTRIBUTE b text"}));
    expect_loads_and_passes_lint(in_place);
    // Used by a column: a dropped attribute loses its values.
    const ChangePlan used =
        plan(pair({attribute("pair", "a", "integer", 1), attribute("pair", "b", "text", 2)}, true),
             pair({attribute("pair", "a", "integer", 1)}, true));
    ASSERT_EQ(used.refused.size(), 1u);
    EXPECT_EQ(used.refused[0].rfind("drop-column: composite type pair", 0), 0u);
    // A type changed: recreated, and a hazard only when a column uses it.
    const ChangePlan retyped =
        plan(pair({attribute("pair", "a", "integer", 1)}, true),
             pair({attribute("pair", "a", "bigint", 1)}, true), {"type-change"});
    ASSERT_EQ(retyped.versions.size(), 1u);
    EXPECT_EQ(retyped.versions[0].up,
              (std::vector<std::string>{
                  "CREATE TYPE pair_shoal_new AS (a bigint)",
                  "ALTER TABLE users ALTER COLUMN p TYPE pair_shoal_new USING CASE WHEN p IS "
                  "DISTINCT FROM NULL THEN ROW((p).a)::pair_shoal_new END",
                  "DROP TYPE pair", "ALTER TYPE pair_shoal_new RENAME TO pair"}));
    expect_loads_and_passes_lint(retyped);
    EXPECT_TRUE(plan(pair({attribute("pair", "a", "integer", 1)}, false),
                     pair({attribute("pair", "a", "bigint", 1)}, false))
                    .refused.empty());
}

TEST(SchemaTypes, ARenameMarkerBeforeCreateTypeRenamesTheType) {
    std::vector<Problem> problems;
    const std::vector<Rename> renames = find_renames(
        {schema_file("-- shoal:renamed-from feeling\nCREATE TYPE mood AS ENUM ('a');\n"
                     "CREATE DOMAIN posint AS integer; -- shoal:renamed-from whole\n")},
        problems);
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(renames.size(), 2u);
    EXPECT_TRUE(renames[0].type && renames[1].type);
    std::vector<CatalogRow> before = mood({"a"});
    before[0].name = "feeling";
    for (size_t i = 1; i < before.size(); ++i) before[i].table = "feeling";
    before.push_back(domain("whole", "integer"));
    const RenamePlan p =
        plan_renames(renames, build_model(before),
                     build_model(with(mood({"a"}), {domain("posint", "integer")})));
    EXPECT_TRUE(p.problems.empty());
    EXPECT_EQ(p.up, (std::vector<std::string>{"ALTER TYPE feeling RENAME TO mood",
                                              "ALTER TYPE whole RENAME TO posint"}));
    EXPECT_EQ(p.dn, (std::vector<std::string>{"ALTER TYPE posint RENAME TO whole",
                                              "ALTER TYPE mood RENAME TO feeling"}));
}

// What verify's fingerprint does not see, the proofs see.
TEST(SchemaTypes, TypeDifferencesNameACollationAndAnAttributeOrder) {
    const SchemaModel plain = build_model({domain("code", "text"),
                                           {"composite type", "", "pair", "", {}},
                                           attribute("pair", "a", "integer", 1),
                                           attribute("pair", "b", "text", 2)});
    EXPECT_TRUE(unfingerprinted_differences(plain, plain).empty());
    const SchemaModel other = build_model({domain("code", "text", false, "", "\"C\""),
                                           {"composite type", "", "pair", "", {}},
                                           attribute("pair", "a", "integer", 2),
                                           attribute("pair", "b", "text", 1)});
    EXPECT_EQ(unfingerprinted_differences(plain, other),
              (std::vector<std::string>{"expected: CREATE DOMAIN code AS text",
                                        "expected: CREATE TYPE pair AS (a integer, b text)",
                                        "found: CREATE DOMAIN code AS text COLLATE \"C\"",
                                        "found: CREATE TYPE pair AS (b text, a integer)"}));
}

}  // namespace
}  // namespace shoal
