// The diff of two schema models and the recipe of each change. A change is a
// Step (its statements up and their undo); steps are grouped into phases that
// become versions, in the order an online change needs them:
//
//   remove-comments  COMMENT ON … IS NULL of comments that go, or whose
//               object goes or is recreated (undo puts them back last)
//   add-value   ALTER TYPE … ADD VALUE of each enum that gains labels: a
//               version of its own, committed before any version uses them
//   drop-index  one solo version per index to drop: DROP INDEX CONCURRENTLY
//   main        renames, trigger and policy drops, row level security off,
//               constraint and table and column drops, sequences, types new
//               and changed, routines the tables may call, new tables (with
//               their indexes and foreign keys: they are empty), added and
//               altered columns, routines that need the tables, routine
//               drops, types dropped, new triggers and policies, row level
//               security on
//   build       one solo version per index to build on an existing table:
//               CREATE [UNIQUE] INDEX CONCURRENTLY (an index replaced: the new
//               one under a temporary name, the old one dropped, then renamed)
//   constrain   CHECK and FOREIGN KEY added NOT VALID, UNIQUE and PRIMARY KEY
//               added USING the index built before, CHECK (c IS NOT NULL)
//               NOT VALID for a column that becomes NOT NULL
//               (and a domain's CHECK, NOT VALID)
//   validate    VALIDATE CONSTRAINT of each of them
//   not-null    SET NOT NULL (the valid CHECK spares the scan), DROP the CHECK
//   set-comments  COMMENT ON … IS of comments new or changed, or on an
//               object recreated
//
// The renames move to the front of remove-comments, else of add-value, when
// that phase has steps: both name objects by their new names.
//
// A version's undo is its steps' undo in reverse order.
#include "schema_diff.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "lint.h"
#include "text.h"

namespace shoal {
namespace {

std::string q(const std::string &name) { return quote_identifier(name); }

struct Step {
    std::string change;  // what it does, for people
    std::vector<std::string> up, dn;
    std::string hazard = {};                // "" or a hazard kind
    std::string why = {};                   // the hazard's reason, for the refusal and the file
    std::vector<std::string> waivers = {};  // lint rules the statements break by design, with why
    bool tail = false;  // solo: the last statement up and down runs in the recording transaction
    // solo: how many last statements up and down run in the recording
    // transaction, when more than `tail`'s one
    size_t up_tail = 0, dn_tail = 0;
};

// lint reads the name list of DROP TRIGGER and DROP POLICY (table, then the
// object) as a schema-qualified name.
const char *const kOnTableWaiver =
    "require-schema-unqualified DROP TRIGGER and DROP POLICY name the table the object is on, "
    "not a schema";

enum Phase {
    RemoveComments,
    AddValue,
    DropIndex,
    Main,
    Build,
    Constrain,
    Validate,
    NotNull,
    SetComments,
    kPhases
};

// The lint rule each hazard's statement breaks, waived when the hazard is allowed.
std::vector<std::string> hazard_waivers(const std::string &kind) {
    if (kind == "drop-table") return {"ban-drop-table"};
    if (kind == "drop-column") return {"ban-drop-column"};
    if (kind == "type-change") return {"changing-column-type"};
    if (kind == "volatile-default") return {"adding-field-with-default"};
    if (kind == "generated-column") return {"adding-field-with-default", "ban-drop-column"};
    if (kind == "not-null-column") return {"adding-not-nullable-field"};
    if (kind == "enum-label") return {"changing-column-type"};
    return {};
}

// The lint rules one statement on an existing table breaks.
std::set<std::string> lint_rules_broken(const std::string &sql) {
    Script script;
    script.path = "generated";
    script.body = sql;
    script.statements.push_back(Statement{sql, {script.path, 1}});
    std::set<std::string> rules;
    for (const LintFinding &finding : lint_script(script))
        if (finding.severity == Severity::Error) rules.insert(finding.rule);
    return rules;
}

std::string alter_table(const std::string &table) { return "ALTER TABLE " + q(table) + " "; }

// `definition` (pg_get_indexdef) as CREATE [UNIQUE] INDEX [CONCURRENTLY IF NOT
// EXISTS] under `name`.
std::string index_sql(const std::string &definition, const std::string &old_name,
                      const std::string &name, bool concurrently) {
    for (const std::string head : {"CREATE UNIQUE INDEX ", "CREATE INDEX "}) {
        const std::string prefix = head + q(old_name) + " ON ";
        if (definition.compare(0, prefix.size(), prefix) != 0) continue;
        return head + (concurrently ? "CONCURRENTLY IF NOT EXISTS " : "") + q(name) + " ON " +
               definition.substr(prefix.size());
    }
    return definition;  // not PostgreSQL's form: the proof names what it does
}

std::string drop_index_concurrently(const std::string &name) {
    return "DROP INDEX CONCURRENTLY IF EXISTS " + q(name);
}

// A name of at most 63 bytes, distinct from `name`: `name` shortened, then `suffix`.
std::string temporary_name(const std::string &name, const std::string &suffix) {
    return name.substr(0, 63 - suffix.size()) + suffix;
}

// The statements that recreate `table` as `model` has it, with its sequences
// and everything but its foreign keys, and those that drop it.
Step table_step(const SchemaModel &model, const Table &table) {
    Step step;
    for (const Sequence &sequence : model.sequences)
        if (sequence.owned_table == table.name) {
            step.up.push_back(create_sequence_sql(sequence));
        }
    for (const std::string &statement : create_table_statements(model, table))
        step.up.push_back(statement);
    // Its owned sequences (and a partitioned table's partitions) go with the table.
    step.dn.push_back("DROP TABLE " + q(table.name));
    return step;
}

// SET DEFAULT or DROP DEFAULT (a default `before` and `after`, "" for none)
// after `alter` (ALTER TABLE t ALTER COLUMN c , ALTER DOMAIN d ).
Step default_change(const std::string &what, const std::string &alter, const std::string &before,
                    const std::string &after) {
    const auto set = [&](const std::string &expr) {
        return expr.empty() ? alter + "DROP DEFAULT" : alter + "SET DEFAULT " + expr;
    };
    return Step{
        what + " default " + (after.empty() ? "dropped" : after), {set(after)}, {set(before)}};
}

Step swapped(Step step) {
    std::swap(step.up, step.dn);
    return step;
}

class Planner {
  public:
    Planner(const SchemaModel &current, const SchemaModel &desired, const GenerateOptions &options)
        : current_(current), desired_(desired), options_(options) {}

    ChangePlan plan(const RenamePlan &renames) {
        ChangePlan plan;
        for (const std::string &line : unmodelled_lines(current_))
            plan.blocked.push_back(line + " (in the reference shard)");
        for (const std::string &line : unmodelled_lines(desired_))
            plan.blocked.push_back(line + " (in the desired schema)");
        if (!plan.blocked.empty()) return plan;
        if (!renames.up.empty()) {
            Step step{join(renames.changes, "; "), renames.up, renames.dn};
            for (const std::string &change : renames.changes)
                if (change.rfind("rename table", 0) == 0 || change.rfind("rename column", 0) == 0)
                    step.waivers.push_back(
                        std::string(change.rfind("rename table", 0) == 0 ? "renaming-table"
                                                                         : "renaming-column") +
                        " asked for by a shoal:renamed-from marker in the desired schema");
            add(Main, step);
        }
        blocked_partition_changes(plan);
        rename_constraints();
        recreated_views_ = views_to_recreate();
        drop_triggers();
        drop_views();
        drop_policies();
        row_security(false);
        drop_constraints();
        drop_partitioned_indexes();
        drop_tables();
        drop_columns();
        sequences();
        create_types();
        alter_enums();
        alter_domains();
        alter_composites();
        create_routines(false);
        create_tables();
        columns();
        storage();
        create_routines(true);
        create_views();
        drop_routines();
        drop_types();
        create_triggers();
        create_policies();
        row_security(true);
        constraints();
        indexes();
        comments();
        grants();
        // Comments are removed and labels added under the new names: the
        // renames go first, in the first version.
        for (const Phase early : {RemoveComments, AddValue})
            if (!renames.up.empty() && !phases_[early].empty()) {
                phases_[early].insert(phases_[early].begin(), phases_[Main].front());
                phases_[Main].erase(phases_[Main].begin());
                break;
            }
        return finish(std::move(plan));
    }

  private:
    const SchemaModel &current_;
    const SchemaModel &desired_;
    const GenerateOptions &options_;
    std::vector<Step> phases_[kPhases];
    std::vector<Step> solo_[kPhases];  // DropIndex and Build: one version per step
    // (table, name) of the constraints rename_constraints() renames, under
    // their old name and their new one: neither dropped nor added.
    std::set<std::pair<std::string, std::string>> renamed_constraints_;
    std::set<std::string> recreated_views_;  // dropped and created (views_to_recreate)

    void add(Phase phase, Step step) {
        if (phase == DropIndex || phase == Build)
            solo_[phase].push_back(std::move(step));
        else
            phases_[phase].push_back(std::move(step));
    }

    bool table_dropped(const std::string &table) const {
        return current_.table(table) && !desired_.table(table);
    }
    bool table_new(const std::string &table) const {
        return desired_.table(table) && !current_.table(table);
    }
    bool column_dropped(const std::string &table, const std::string &column) const {
        const Table *before = current_.table(table);
        const Table *after = desired_.table(table);
        return before && after && before->column(column) && !after->column(column);
    }

    // A constraint that differs only by its name is renamed in place. A table
    // renamed by marker keeps the name PostgreSQL gave its key (legacy_pkey)
    // where the desired schema has archive_pkey: dropped in the main version
    // and added back versions later, the key would be missing in between, and
    // its index built again.
    void rename_constraints() {
        for (const Constraint &before : current_.constraints) {
            if (desired_.constraint(before.table, before.name) || !before.parent.empty()) continue;
            for (const Constraint &after : desired_.constraints) {
                if (after.table != before.table || after.type != before.type ||
                    after.definition != before.definition ||
                    current_.constraint(after.table, after.name) ||
                    renamed_constraints_.count({after.table, after.name}))
                    continue;
                const std::string rename = alter_table(before.table) + "RENAME CONSTRAINT ";
                add(Main, Step{"rename constraint " + before.table + "." + before.name + " to " +
                                   after.name,
                               {rename + q(before.name) + " TO " + q(after.name)},
                               {rename + q(after.name) + " TO " + q(before.name)}});
                renamed_constraints_.insert({before.table, before.name});
                renamed_constraints_.insert({after.table, after.name});
                break;
            }
        }
    }

    // Constraints that go or change, foreign keys first (they depend on the
    // others' indexes); those of a dropped table only when foreign keys (the
    // rest goes with the table, and comes back with it on undo).
    void drop_constraints() {
        for (const bool foreign : {true, false})
            for (const Constraint &before : current_.constraints) {
                if ((before.type == 'f') != foreign ||
                    renamed_constraints_.count({before.table, before.name}) ||
                    !before.parent.empty())
                    continue;
                const Constraint *after = desired_.constraint(before.table, before.name);
                if (after && after->type == before.type && after->definition == before.definition)
                    continue;
                if (table_dropped(before.table) && !foreign) continue;
                add(Main, Step{"drop constraint " + before.table + "." + before.name,
                               {alter_table(before.table) + "DROP CONSTRAINT " + q(before.name)},
                               {add_constraint_sql(before)}});
            }
    }

    void drop_tables() {
        for (const Table &table : current_.tables) {
            if (!table_dropped(table.name) || table_dropped(table.parent)) continue;
            Step step = swapped(table_step(current_, table));
            step.change = "drop table " + table.name;
            step.hazard = "drop-table";
            step.why = "table " + table.name + " is dropped: its rows are lost";
            add(Main, step);
        }
    }

    void drop_columns() {
        for (const Table &table : current_.tables)
            for (const Column &column : table.columns) {
                if (!column_dropped(table.name, column.name)) continue;
                Step step{"drop column " + table.name + "." + column.name,
                          {alter_table(table.name) + "DROP COLUMN " + q(column.name)},
                          {}};
                // Its owned sequences (serial) go with it, and come back with it.
                const auto owned = [&](const Sequence &s) {
                    return s.owned_table == table.name && s.owned_column == column.name;
                };
                for (const Sequence &sequence : current_.sequences)
                    if (owned(sequence)) step.dn.push_back(create_sequence_sql(sequence));
                step.dn.push_back(alter_table(table.name) + "ADD COLUMN " + column_sql(column));
                for (std::string &sql : column_options_sql(table.name, column))
                    step.dn.push_back(std::move(sql));
                for (const Sequence &sequence : current_.sequences)
                    if (owned(sequence)) step.dn.push_back(sequence_owner_sql(sequence));
                step.hazard = "drop-column";
                step.why =
                    "column " + table.name + "." + column.name + " is dropped: its values are lost";
                add(Main, step);
            }
    }

    // Sequences of their own (those of new or dropped tables come and go with them).
    void sequences() {
        for (const Sequence &before : current_.sequences) {
            if (desired_.sequence(before.name)) continue;
            if (table_dropped(before.owned_table) ||
                column_dropped(before.owned_table, before.owned_column))
                continue;  // dropped with its owner
            Step step{"drop sequence " + before.name,
                      {"DROP SEQUENCE " + q(before.name)},
                      {create_sequence_sql(before)}};
            if (!before.owned_table.empty()) step.dn.push_back(sequence_owner_sql(before));
            add(Main, step);
        }
        for (const Sequence &after : desired_.sequences) {
            if (table_new(after.owned_table)) continue;
            const Sequence *before = current_.sequence(after.name);
            if (!before) {
                add(Main, Step{"create sequence " + after.name,
                               {create_sequence_sql(after)},
                               {"DROP SEQUENCE " + q(after.name)}});
            } else if (before->definition != after.definition) {
                add(Main, Step{"alter sequence " + after.name,
                               {"ALTER SEQUENCE " + q(after.name) + " " + after.definition},
                               {"ALTER SEQUENCE " + q(after.name) + " " + before->definition}});
            }
        }
    }

    // Sequence ownership, once the owning columns exist: after the columns step.
    void sequence_owners() {
        for (const Sequence &after : desired_.sequences) {
            if (table_new(after.owned_table)) continue;
            const Sequence *before = current_.sequence(after.name);
            const std::string owner_before =
                before ? before->owned_table + "." + before->owned_column : ".";
            if (owner_before == after.owned_table + "." + after.owned_column) continue;
            Sequence previous = after;
            previous.owned_table = before ? before->owned_table : "";
            previous.owned_column = before ? before->owned_column : "";
            add(Main,
                Step{"sequence " + after.name + " owned by " +
                         (after.owned_table.empty() ? std::string("nothing")
                                                    : after.owned_table + "." + after.owned_column),
                     {sequence_owner_sql(after)},
                     {sequence_owner_sql(previous)}});
        }
    }

    // New tables: empty, so their indexes and foreign keys need no online recipe.
    void create_tables() {
        for (const Table &table : desired_.tables) {
            if (!table_new(table.name) || table_new(table.parent)) continue;
            Step step = table_step(desired_, table);
            step.change = "create table " + table.name;
            // Undo: the owned sequences must outlive DROP TABLE only when they
            // existed before; new ones go with it.
            add(Main, step);
        }
        for (const Constraint &constraint : desired_.constraints)
            if (constraint.type == 'f' && table_new(constraint.table))
                add(Main, Step{"add constraint " + constraint.table + "." + constraint.name,
                               {add_constraint_sql(constraint)},
                               {alter_table(constraint.table) + "DROP CONSTRAINT " +
                                q(constraint.name)}});
    }

    void columns() {
        for (const Table &table : desired_.tables) {
            const Table *before_table = current_.table(table.name);
            if (!before_table) continue;
            for (const Column &after : table.columns) {
                const Column *before = before_table->column(after.name);
                if (!before)
                    add_column(table.name, after);
                else if (!(*before == after))
                    alter_column(table.name, *before, after);
            }
        }
        sequence_owners();
    }

    void add_column(const std::string &table, const Column &column) {
        Step step{"add column " + table + "." + column.name,
                  {alter_table(table) + "ADD COLUMN " + column_sql(column)},
                  {alter_table(table) + "DROP COLUMN " + q(column.name)}};
        // lint's rule knows which defaults rewrite the table (volatile ones,
        // identity, stored generated): one judgement for both commands.
        if (lint_rules_broken(step.up.front()).count("adding-field-with-default")) {
            const bool generated = !column.generated.empty();
            step.hazard = generated ? "generated-column" : "volatile-default";
            step.why = "column " + table + "." + column.name +
                       (generated         ? " is a stored generated column"
                        : column.identity ? " is an identity column"
                                          : " has a default that is not known to be stable") +
                       ": adding it rewrites the table under an ACCESS EXCLUSIVE lock";
        } else if (column.not_null && column.default_expr.empty()) {
            step.hazard = "not-null-column";
            step.why = "column " + table + "." + column.name +
                       " is NOT NULL without a default: adding it fails on every shard whose "
                       "table has rows";
        }
        add(Main, step);
    }

    void alter_column(const std::string &table, const Column &before, const Column &after) {
        const std::string alter = alter_table(table) + "ALTER COLUMN " + q(after.name) + " ";
        const std::string name = table + "." + after.name;
        if (before.generated != after.generated) {
            // No ALTER turns one generated expression into another: drop, add.
            Step step{"recreate generated column " + name,
                      {alter_table(table) + "DROP COLUMN " + q(before.name),
                       alter_table(table) + "ADD COLUMN " + column_sql(after)},
                      {alter_table(table) + "DROP COLUMN " + q(after.name),
                       alter_table(table) + "ADD COLUMN " + column_sql(before)}};
            step.hazard = "generated-column";
            step.why = "generated column " + name +
                       " changes its expression: it is dropped and added again, which rewrites "
                       "the table under an ACCESS EXCLUSIVE lock";
            add(Main, step);
            return;
        }
        if (before.type != after.type || before.collation != after.collation) {
            const auto type_of = [](const Column &c) {
                return c.type + (c.collation.empty() ? "" : " COLLATE " + c.collation);
            };
            Step step{"column " + name + " type " + type_of(after) + ", was " + type_of(before),
                      {alter + "TYPE " + type_of(after)},
                      {alter + "TYPE " + type_of(before)}};
            step.hazard = "type-change";
            step.why = "column " + name + " changes type from " + type_of(before) + " to " +
                       type_of(after) +
                       ": this usually rewrites the table and its indexes under an ACCESS "
                       "EXCLUSIVE lock";
            add(Main, step);
        }
        if (before.default_expr != after.default_expr)
            add(Main,
                default_change("column " + name, alter, before.default_expr, after.default_expr));
        if (before.identity != after.identity) {
            const auto identity = [](char kind) {
                return std::string(kind == 'a' ? "ALWAYS" : "BY DEFAULT");
            };
            const auto to = [&](const Column &from, const Column &c) {
                if (!c.identity) return alter + "DROP IDENTITY";
                if (!from.identity)
                    return alter + "ADD GENERATED " + identity(c.identity) + " AS IDENTITY";
                return alter + "SET GENERATED " + identity(c.identity);
            };
            add(Main,
                Step{"column " + name + " identity", {to(before, after)}, {to(after, before)}});
        }
        if (before.not_null && !after.not_null)
            add(Main, Step{"column " + name + " drops NOT NULL",
                           {alter + "DROP NOT NULL"},
                           {alter + "SET NOT NULL"}});
        if (!before.not_null && after.not_null) set_not_null(table, after.name);
    }

    // CHECK (c IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL (which a valid
    // CHECK spares the scan since PostgreSQL 12), drop the CHECK.
    void set_not_null(const std::string &table, const std::string &column) {
        const std::string check = temporary_name(table + "_" + column, "_not_null");
        const std::string name = table + "." + column;
        add(Constrain, Step{"column " + name + " becomes NOT NULL: CHECK NOT VALID",
                            {alter_table(table) + "ADD CONSTRAINT " + q(check) + " CHECK (" +
                             q(column) + " IS NOT NULL) NOT VALID"},
                            {alter_table(table) + "DROP CONSTRAINT " + q(check)}});
        add(Validate, Step{"column " + name + " becomes NOT NULL: VALIDATE",
                           {alter_table(table) + "VALIDATE CONSTRAINT " + q(check)},
                           {}});
        Step last{"column " + name + " becomes NOT NULL",
                  {alter_table(table) + "ALTER COLUMN " + q(column) + " SET NOT NULL",
                   alter_table(table) + "DROP CONSTRAINT " + q(check)},
                  {alter_table(table) + "ADD CONSTRAINT " + q(check) + " CHECK (" + q(column) +
                       " IS NOT NULL) NOT VALID",
                   alter_table(table) + "ALTER COLUMN " + q(column) + " DROP NOT NULL"}};
        last.waivers.push_back(
            "setting-not-null the CHECK (" + column +
            " IS NOT NULL) validated by the previous generated version spares the scan");
        add(NotNull, last);
    }

    // Constraints new or changed on a table that existed (a new table has them
    // in its CREATE TABLE, or as validated foreign keys).
    void constraints() {
        for (const Constraint &after : desired_.constraints) {
            if (table_new(after.table) || renamed_constraints_.count({after.table, after.name}) ||
                !after.parent.empty())
                continue;
            const Constraint *before = current_.constraint(after.table, after.name);
            if (before && before->type == after.type && before->definition == after.definition)
                continue;
            const std::string name = after.table + "." + after.name;
            const std::string drop = alter_table(after.table) + "DROP CONSTRAINT " + q(after.name);
            if (after.type == 'x') {
                add_exclusion_constraint(after);
                continue;
            }
            if (after.type == 'p' || after.type == 'u') {
                add(Build, Step{"build the index of constraint " + name,
                                {index_sql(after.index_definition, after.name, after.name, true)},
                                {drop_index_concurrently(after.name)}});
                add(Constrain, Step{"add constraint " + name + " using its index",
                                    {alter_table(after.table) + "ADD CONSTRAINT " + q(after.name) +
                                     (after.type == 'p' ? " PRIMARY KEY" : " UNIQUE") +
                                     " USING INDEX " + q(after.name)},
                                    {drop}});
                continue;
            }
            const std::string definition =
                after.validated() ? after.definition + " NOT VALID" : after.definition;
            add(Constrain, Step{"add constraint " + name + " NOT VALID",
                                {alter_table(after.table) + "ADD CONSTRAINT " + q(after.name) +
                                 " " + definition},
                                {drop}});
            if (after.validated())
                add(Validate,
                    Step{"validate constraint " + name,
                         {alter_table(after.table) + "VALIDATE CONSTRAINT " + q(after.name)},
                         {}});
        }
    }

    // Storage parameters, column storage, compression and statistics targets
    // of the tables that stay (a new table gets them with its CREATE TABLE, a
    // dropped column's come back with it on undo). None rewrites the table:
    // each applies to what is written or analyzed next.
    void storage() {
        for (const Table &after : desired_.tables) {
            const Table *before = current_.table(after.name);
            if (!before) continue;
            if (before->options != after.options)
                add(Main, Step{"storage parameters of table " + after.name,
                               options_change(*before, after), options_change(after, *before)});
            for (const Column &column : after.columns) {
                const Column *was = before->column(column.name);
                Column none;  // a new column's, before it is added: every default
                none.name = column.name;
                const std::string up = column_storage_change(after.name, was ? *was : none, column);
                if (!up.empty())
                    add(Main, Step{"storage of column " + after.name + "." + column.name,
                                   {up},
                                   {column_storage_change(after.name, column, was ? *was : none)}});
            }
        }
    }

    // From one table's storage parameters to another's: RESET of every one
    // `from` has, then SET of those `to` has, in their order (each SET appends
    // to the array, whose order verify's fingerprint sees).
    static std::vector<std::string> options_change(const Table &from, const Table &to) {
        std::vector<std::string> reset, sql;
        for (const std::string &option : from.options)
            reset.push_back(option.substr(0, option.find('=')));
        if (!reset.empty())
            sql.push_back(alter_table(to.name) + "RESET (" + join(reset, ", ") + ")");
        if (!to.options.empty()) sql.push_back(set_options_sql(to.name, to.options));
        return sql;
    }

    // ALTER TABLE … ALTER COLUMN … SET STORAGE, SET COMPRESSION, SET
    // STATISTICS from one column's to another's (the same column of `table`),
    // "" when they agree.
    static std::string column_storage_change(const std::string &table, const Column &from,
                                             const Column &to) {
        const std::string alter = "ALTER COLUMN " + q(to.name) + " ";
        std::vector<std::string> sql;
        const std::string storage = effective_storage(to, from);
        if (storage != effective_storage(from, to)) sql.push_back(alter + "SET STORAGE " + storage);
        if (to.compression != from.compression)
            sql.push_back(alter + "SET COMPRESSION " +
                          (to.compression.empty() ? std::string("default") : to.compression));
        if (to.statistics != from.statistics)
            sql.push_back(alter + "SET STATISTICS " + std::to_string(to.statistics));
        return sql.empty() ? "" : alter_table(table) + join(sql, ", ");
    }

    // An exclusion constraint has no NOT VALID and no USING INDEX: adding
    // one builds its index and checks every row under an ACCESS EXCLUSIVE
    // lock, so on an existing table it is a hazard (a new table has it in its
    // CREATE TABLE).
    void add_exclusion_constraint(const Constraint &after) {
        const std::string name = after.table + "." + after.name;
        Step step{"add exclusion constraint " + name,
                  {add_constraint_sql(after)},
                  {alter_table(after.table) + "DROP CONSTRAINT " + q(after.name)}};
        step.hazard = "exclusion-constraint-scan";
        step.why = "exclusion constraint " + name +
                   " is added to an existing table: its index is built and every row checked "
                   "under an ACCESS EXCLUSIVE lock (no NOT VALID, no USING INDEX)";
        add(Constrain, step);
    }

    void indexes() {
        for (const Index &before : current_.indexes) {
            if (desired_.index(before.name) || table_dropped(before.table)) continue;
            if (!before.parent.empty() || partitioned(current_, before.table)) continue;
            add(DropIndex, Step{"drop index " + before.name,
                                {drop_index_concurrently(before.name)},
                                {index_sql(before.definition, before.name, before.name, true)}});
        }
        for (const Index &after : desired_.indexes) {
            if (table_new(after.table)) continue;  // built with its table
            if (!after.parent.empty() || build_partitioned_index(after)) continue;
            const Index *before = current_.index(after.name);
            if (!before) {
                add(Build, Step{"create index " + after.name,
                                {index_sql(after.definition, after.name, after.name, true)},
                                {drop_index_concurrently(after.name)}});
            } else if (before->definition != after.definition) {
                add(Build, replace_index(*before, after));
            }
        }
    }

    // The new index under a temporary name, the old one dropped, the new one
    // renamed: the table always has one of them. Undo does the same backwards.
    Step replace_index(const Index &before, const Index &after) {
        const std::string temporary = temporary_name(after.name, "_shoal_new");
        const auto recipe = [&](const Index &to) {
            return std::vector<std::string>{
                index_sql(to.definition, to.name, temporary, true),
                drop_index_concurrently(to.name),
                "ALTER INDEX " + q(temporary) + " RENAME TO " + q(to.name)};
        };
        Step step{"replace index " + after.name, recipe(after), recipe(before)};
        step.tail = true;  // the rename runs in the transaction that records the version
        return step;
    }

    // ---- partitioned tables and partitions ----

    bool partitioned(const SchemaModel &model, const std::string &table) const {
        const Table *found = model.table(table);
        return found && !found->partition_key.empty();
    }

    // What has no online recipe: a table partitioned otherwise (its key, or as
    // whose partition with which bound), a key or a foreign key added to a
    // partitioned table that exists (ADD … USING INDEX and NOT VALID foreign
    // keys are refused on one). Each blocks the plan by name.
    void blocked_partition_changes(ChangePlan &plan) const {
        for (const Table &after : desired_.tables) {
            const Table *before = current_.table(after.name);
            if (before && (before->partition_key != after.partition_key ||
                           before->parent != after.parent || before->bound != after.bound))
                plan.blocked.push_back(
                    "partitioning of table " + after.name + " changes (" + partitioning(*before) +
                    " to " + partitioning(after) +
                    "): no online recipe; create the new table beside it and move the rows in "
                    "versions of your own");
        }
        for (const Constraint &after : desired_.constraints) {
            if (after.type == 'c' || !partitioned(current_, after.table)) continue;
            const Constraint *before = current_.constraint(after.table, after.name);
            if (!before || before->definition != after.definition)
                plan.blocked.push_back("constraint " + after.table + "." + after.name +
                                       " added to partitioned table " + after.table +
                                       ": no online recipe for a key or a foreign key there");
        }
    }

    static std::string partitioning(const Table &table) {
        if (!table.parent.empty()) return "partition of " + table.parent + " " + table.bound;
        return table.partition_key.empty() ? "not partitioned"
                                           : "partitioned by " + table.partition_key;
    }

    // The statements that create index `index` of a partitioned table with its
    // partitions' indexes (named as `model` has them), at once.
    std::vector<std::string> partitioned_index_sql(const SchemaModel &model,
                                                   const Index &index) const {
        std::vector<std::string> sql;
        for (const Index &child : model.indexes)
            if (child.parent == index.name) sql.push_back(child.definition);
        sql.push_back(index.definition);
        for (const std::string &attach : attach_index_partitions_sql(model, index.name))
            sql.push_back(attach);
        return sql;
    }

    // An index of a partitioned table gone or changed (built again below)
    // cannot be dropped concurrently: DROP INDEX (its partitions' go with it),
    // in the main version under $lock_timeout, before partitions come and go
    // (its undo then finds the partitions it had).
    void drop_partitioned_indexes() {
        for (const Index &before : current_.indexes) {
            const Index *after = desired_.index(before.name);
            if (!partitioned(current_, before.table) || table_dropped(before.table) ||
                (after && after->definition == before.definition))
                continue;
            Step step{"drop index " + before.name + " of partitioned table " + before.table,
                      {"DROP INDEX " + q(before.name)},
                      partitioned_index_sql(current_, before)};
            step.waivers.push_back(
                "require-concurrent-index-deletion an index of a partitioned table cannot be "
                "dropped concurrently");
            add(Main, step);
        }
    }

    // An index new (or changed: dropped above, then built again) on a partitioned
    // table that exists cannot be built CONCURRENTLY: each partition's is built
    // concurrently, then the table's own is created ON ONLY it (building
    // nothing) and they are attached to it, in the transaction that records
    // the version, so the table's index is never left invalid. False when
    // `after` is not on a partitioned table.
    bool build_partitioned_index(const Index &after) {
        if (!partitioned(desired_, after.table)) return false;
        const Index *before = current_.index(after.name);
        if (before && before->definition == after.definition) return true;
        Step step{"create index " + after.name + " of partitioned table " + after.table, {}, {}};
        for (const Index &child : desired_.indexes)
            if (child.parent == after.name)
                step.up.push_back(index_sql(child.definition, child.name, child.name, true));
        step.up_tail = 1;
        step.up.push_back(after.definition);
        for (const std::string &attach : attach_index_partitions_sql(desired_, after.name)) {
            step.up.push_back(attach);
            ++step.up_tail;
        }
        step.dn = {"DROP INDEX " + q(after.name)};
        step.dn_tail = 1;
        add(Build, step);
        return true;
    }

    // ---- types: enums, domains, composite types ----

    // The columns the plan keeps (of tables neither new nor dropped) whose
    // type is `type` or an array of it, as (table, column).
    std::vector<std::pair<std::string, const Column *>> columns_of_type(
        const std::string &type) const {
        std::vector<std::pair<std::string, const Column *>> found;
        for (const Table &table : current_.tables)
            for (const Column &column : table.columns)
                if (!table_dropped(table.name) && !column_dropped(table.name, column.name) &&
                    (column.type == q(type) || column.type == q(type) + "[]"))
                    found.emplace_back(table.name, &column);
        return found;
    }

    // Type `name` replaced by the one `create` makes under a temporary name:
    // every column of it moved over (its default dropped and set again, as a
    // default is not cast), the old type dropped, the new one renamed.
    // `keyword` is TYPE or DOMAIN. A value moves through its text form; a
    // composite one (`from` to `to`) attribute by attribute, by name.
    std::vector<std::string> recreate_type(const std::string &name, const std::string &keyword,
                                           std::vector<std::string> create,
                                           const CompositeType *from = nullptr,
                                           const CompositeType *to = nullptr) const {
        const std::string temporary = q(temporary_name(name, "_shoal_new"));
        std::vector<std::string> sql = std::move(create), defaults;
        for (const auto &[table, column] : columns_of_type(name)) {
            const std::string alter = alter_table(table) + "ALTER COLUMN " + q(column->name) + " ";
            const std::string type = temporary + (column->type == q(name) ? "" : "[]");
            if (!column->default_expr.empty()) {
                sql.push_back(alter + "DROP DEFAULT");
                defaults.push_back(alter + "SET DEFAULT " + column->default_expr);
            }
            const std::string value = q(column->name);
            std::string moved = value + "::text::" + type;
            if (from && to && type == temporary) {
                std::vector<std::string> fields;
                for (const Column &attribute : to->attributes)
                    fields.push_back(has_attribute(*from, attribute.name)
                                         ? "(" + value + ")." + q(attribute.name)
                                         : "NULL");
                moved = "CASE WHEN " + value + " IS DISTINCT FROM NULL THEN ROW(" +
                        join(fields, ", ") + ")::" + temporary + " END";
            }
            sql.push_back(alter + "TYPE " + type +
                          (column->collation.empty() ? "" : " COLLATE " + column->collation) +
                          " USING " + moved);
        }
        sql.push_back("DROP " + keyword + " " + q(name));
        sql.push_back("ALTER " + keyword + " " + temporary + " RENAME TO " + q(name));
        sql.insert(sql.end(), defaults.begin(), defaults.end());
        return sql;
    }

    // The statements that create `domain` under `name`, its constraints that
    // are not valid added after.
    static std::vector<std::string> domain_sql(Domain domain, const std::string &name) {
        domain.name = name;
        std::vector<std::string> sql{create_domain_sql(domain, name)};
        for (const DomainConstraint &constraint : domain.constraints)
            if (!constraint.validated())
                sql.push_back(add_domain_constraint_sql(domain, constraint));
        return sql;
    }

    void create_types() {
        for (const EnumType &type : desired_.enums)
            if (!current_.enum_type(type.name))
                add(Main, Step{"create enum " + type.name,
                               {create_enum_sql(type, type.name)},
                               {"DROP TYPE " + q(type.name)}});
        for (const Domain &domain : desired_.domains)
            if (!current_.domain(domain.name))
                add(Main, Step{"create domain " + domain.name,
                               domain_sql(domain, domain.name),
                               {"DROP DOMAIN " + q(domain.name)}});
        for (const CompositeType &type : desired_.composites)
            if (!current_.composite(type.name))
                add(Main, Step{"create composite type " + type.name,
                               {create_composite_sql(type, type.name)},
                               {"DROP TYPE " + q(type.name)}});
    }

    // Composite types first, enums last: the reverse of their creation.
    void drop_types() {
        for (const CompositeType &type : current_.composites)
            if (!desired_.composite(type.name))
                add(Main, Step{"drop composite type " + type.name,
                               {"DROP TYPE " + q(type.name)},
                               {create_composite_sql(type, type.name)}});
        for (const Domain &domain : current_.domains)
            if (!desired_.domain(domain.name))
                add(Main, Step{"drop domain " + domain.name,
                               {"DROP DOMAIN " + q(domain.name)},
                               domain_sql(domain, domain.name)});
        for (const EnumType &type : current_.enums)
            if (!desired_.enum_type(type.name))
                add(Main, Step{"drop enum " + type.name,
                               {"DROP TYPE " + q(type.name)},
                               {create_enum_sql(type, type.name)}});
    }

    // ADD VALUE for each label of `to` that `from` lacks, placed BEFORE or
    // AFTER its neighbour; nullopt when `from`'s labels are not all in `to` in
    // the same order (no ALTER removes or moves a label).
    static std::optional<std::vector<std::string>> added_labels(const EnumType &from,
                                                                const EnumType &to) {
        size_t kept = 0;
        for (const std::string &label : to.labels)
            if (kept < from.labels.size() && label == from.labels[kept]) ++kept;
        if (kept != from.labels.size()) return std::nullopt;
        std::vector<std::string> sql;
        for (size_t i = 0; i < to.labels.size(); ++i) {
            const auto &old = from.labels;
            if (std::find(old.begin(), old.end(), to.labels[i]) != old.end()) continue;
            std::string add =
                "ALTER TYPE " + q(to.name) + " ADD VALUE " + quote_literal(to.labels[i]);
            if (i > 0)
                add += " AFTER " + quote_literal(to.labels[i - 1]);
            else if (!old.empty())
                add += " BEFORE " + quote_literal(old.front());
            sql.push_back(add);
        }
        return sql;
    }

    std::vector<std::string> enum_sql(const EnumType &from, const EnumType &to) const {
        if (auto added = added_labels(from, to)) return *added;
        return recreate_type(to.name, "TYPE",
                             {create_enum_sql(to, temporary_name(to.name, "_shoal_new"))});
    }

    // New labels are added in a version of their own: a label added in a
    // transaction cannot be used before it commits. Their undo recreates the
    // type, as no ALTER removes a label.
    void alter_enums() {
        for (const EnumType &after : desired_.enums) {
            const EnumType *before = current_.enum_type(after.name);
            if (!before || before->labels == after.labels) continue;
            const auto labels = [](const EnumType &type) {
                std::vector<std::string> quoted;
                for (const std::string &label : type.labels) quoted.push_back(quote_literal(label));
                return "(" + join(quoted, ", ") + ")";
            };
            Step step{
                "enum " + after.name + " labels " + labels(after) + ", was " + labels(*before),
                enum_sql(*before, after), enum_sql(after, *before)};
            if (added_labels(*before, after)) {
                add(AddValue, step);
                continue;
            }
            step.hazard = "enum-label";
            step.why = "enum " + after.name +
                       " loses or reorders labels: it is replaced by a new type and every column "
                       "of it is rewritten under an ACCESS EXCLUSIVE lock; a row holding a "
                       "removed label makes it fail";
            add(Main, step);
        }
    }

    void alter_domains() {
        for (const Domain &after : desired_.domains) {
            const Domain *before = current_.domain(after.name);
            if (!before) continue;
            const std::string name = after.name;
            const std::string alter = "ALTER DOMAIN " + q(name) + " ";
            if (before->base_type != after.base_type || before->collation != after.collation) {
                const auto recreate = [&](const Domain &to) {
                    return recreate_type(name, "DOMAIN",
                                         domain_sql(to, temporary_name(name, "_shoal_new")));
                };
                Step step{
                    "domain " + name + " type " + after.base_type + ", was " + before->base_type,
                    recreate(after), recreate(*before)};
                step.hazard = "type-change";
                step.why = "domain " + name +
                           " changes its type or collation: it is replaced by "
                           "a new domain and every column of it is rewritten under an ACCESS "
                           "EXCLUSIVE lock";
                add(Main, step);
                continue;
            }
            if (before->default_expr != after.default_expr)
                add(Main, default_change("domain " + name, alter, before->default_expr,
                                         after.default_expr));
            if (before->not_null != after.not_null) {
                const auto set = [&](bool not_null) {
                    return alter + (not_null ? "SET NOT NULL" : "DROP NOT NULL");
                };
                add(Main,
                    Step{"domain " + name + (after.not_null ? " becomes" : " drops") + " NOT NULL",
                         {set(after.not_null)},
                         {set(before->not_null)}});
            }
            domain_constraints(*before, after);
        }
    }

    // A constraint gone or changed is dropped; a new one is added NOT VALID,
    // then validated in a later version, as a table's CHECK.
    void domain_constraints(const Domain &before, const Domain &after) {
        const auto find = [](const Domain &domain, const std::string &name) {
            for (const DomainConstraint &c : domain.constraints)
                if (c.name == name) return &c;
            return static_cast<const DomainConstraint *>(nullptr);
        };
        const std::string alter = "ALTER DOMAIN " + q(after.name) + " ";
        for (const DomainConstraint &old : before.constraints) {
            const DomainConstraint *now = find(after, old.name);
            if (now && now->definition == old.definition) continue;
            add(Main, Step{"drop constraint " + old.name + " of domain " + after.name,
                           {alter + "DROP CONSTRAINT " + q(old.name)},
                           {add_domain_constraint_sql(before, old)}});
        }
        for (const DomainConstraint &now : after.constraints) {
            const DomainConstraint *old = find(before, now.name);
            if (old && old->definition == now.definition) continue;
            const std::string name = now.name + " of domain " + after.name;
            DomainConstraint not_valid = now;
            if (now.validated()) not_valid.definition += " NOT VALID";
            add(Constrain, Step{"add constraint " + name + " NOT VALID",
                                {add_domain_constraint_sql(after, not_valid)},
                                {alter + "DROP CONSTRAINT " + q(now.name)}});
            if (now.validated())
                add(Validate, Step{"validate constraint " + name,
                                   {alter + "VALIDATE CONSTRAINT " + q(now.name)},
                                   {}});
        }
    }

    // DROP and ADD ATTRIBUTE when they give `to`'s attributes in `to`'s
    // order (an added one comes last), else nullopt.
    static bool has_attribute(const CompositeType &type, const std::string &name) {
        return type.attributes.end() !=
               std::find_if(type.attributes.begin(), type.attributes.end(),
                            [&](const Column &attribute) { return attribute.name == name; });
    }

    static std::optional<std::vector<std::string>> attributes_in_place(const CompositeType &from,
                                                                       const CompositeType &to) {
        const std::string alter = "ALTER TYPE " + q(to.name) + " ";
        std::vector<std::string> sql;
        std::vector<Column> result;
        for (const Column &attribute : from.attributes)
            if (has_attribute(to, attribute.name))
                result.push_back(attribute);
            else
                sql.push_back(alter + "DROP ATTRIBUTE " + q(attribute.name));
        for (const Column &attribute : to.attributes)
            if (!has_attribute(from, attribute.name)) {
                sql.push_back(alter + "ADD ATTRIBUTE " + column_sql(attribute));
                result.push_back(attribute);
            }
        if (!(result == to.attributes)) return std::nullopt;
        return sql;
    }

    std::vector<std::string> composite_sql(const CompositeType &from,
                                           const CompositeType &to) const {
        if (auto in_place = attributes_in_place(from, to)) return *in_place;
        return recreate_type(to.name, "TYPE",
                             {create_composite_sql(to, temporary_name(to.name, "_shoal_new"))},
                             &from, &to);
    }

    // Whether the plan replaces type `name` by a new one (recreate_type): its
    // columns are rewritten, its comments go with the old type.
    bool type_recreated(const std::string &name) const {
        const EnumType *enum_before = current_.enum_type(name);
        const EnumType *enum_after = desired_.enum_type(name);
        if (enum_before && enum_after && enum_before->labels != enum_after->labels &&
            !added_labels(*enum_before, *enum_after))
            return true;
        const Domain *domain_before = current_.domain(name);
        const Domain *domain_after = desired_.domain(name);
        if (domain_before && domain_after &&
            (domain_before->base_type != domain_after->base_type ||
             domain_before->collation != domain_after->collation))
            return true;
        const CompositeType *composite_before = current_.composite(name);
        const CompositeType *composite_after = desired_.composite(name);
        return composite_before && composite_after &&
               !(composite_before->attributes == composite_after->attributes) &&
               !attributes_in_place(*composite_before, *composite_after);
    }

    // An attribute whose type changes, or attributes in another order: the
    // type is recreated (no ALTER ATTRIBUTE … TYPE while a column uses it).
    void alter_composites() {
        for (const CompositeType &after : desired_.composites) {
            const CompositeType *before = current_.composite(after.name);
            if (!before || before->attributes == after.attributes) continue;
            const std::string name = after.name;
            Step step{"composite type " + name + " attributes", composite_sql(*before, after),
                      composite_sql(after, *before)};
            const bool used = !columns_of_type(name).empty();
            const auto in_place = attributes_in_place(*before, after);
            const bool drops =
                in_place &&
                std::any_of(in_place->begin(), in_place->end(), [](const std::string &sql) {
                    return sql.find(" DROP ATTRIBUTE ") != std::string::npos;
                });
            if (used && !in_place) {
                step.hazard = "type-change";
                step.why = "composite type " + name +
                           " changes an attribute's type or the attributes' order: it is "
                           "replaced by a new type and every column of it is rewritten under an "
                           "ACCESS EXCLUSIVE lock";
            } else if (used && drops) {
                step.hazard = "drop-column";
                step.why = "composite type " + name +
                           " loses an attribute: its values in every column of the type are lost";
            } else if (drops) {
                step.waivers.push_back("ban-drop-column composite type " + name +
                                       " is the type of no column: no value is lost");
            }
            add(Main, step);
        }
    }

    // A routine whose kind, arguments or result change: CREATE OR REPLACE
    // cannot change them, so it is dropped and created.
    bool routine_recreated(const std::string &signature) const {
        const Routine *before = current_.routine(signature);
        const Routine *after = desired_.routine(signature);
        return before && after && (before->kind != after->kind || before->fixed != after->fixed);
    }

    bool trigger_changes(const Trigger &before) const {
        const Trigger *after = desired_.trigger(before.table, before.name);
        return !after || after->definition != before.definition ||
               routine_recreated(before.function) || recreated_views_.count(before.table);
    }

    static std::string drop_trigger_sql(const Trigger &trigger) {
        return "DROP TRIGGER " + q(trigger.name) + " ON " + q(trigger.table);
    }

    // Triggers gone or changed, first: before the tables, columns and
    // routines they need go (undo creates them last, once those are back).
    void drop_triggers() {
        for (const Trigger &before : current_.triggers)
            if (trigger_changes(before)) {
                Step step{"drop trigger " + before.table + "." + before.name,
                          {drop_trigger_sql(before)},
                          {before.definition}};
                step.waivers.push_back(kOnTableWaiver);
                add(Main, step);
            }
    }

    // Triggers new or changed, once their tables and routines exist.
    void create_triggers() {
        for (const Trigger &after : desired_.triggers) {
            const Trigger *before = current_.trigger(after.table, after.name);
            if (before && !trigger_changes(*before)) continue;
            add(Main, Step{"create trigger " + after.table + "." + after.name,
                           {after.definition},
                           {drop_trigger_sql(after)}});
        }
    }

    // Routines new or changed: those the tables may call before the tables,
    // those that need the tables after the columns.
    void create_routines(bool after_tables) {
        for (const Routine &after : desired_.routines) {
            if (after.after_tables != after_tables) continue;
            const Routine *before = current_.routine(after.signature);
            if (!before) {
                add(Main, Step{"create routine " + after.signature,
                               {after.definition},
                               {after.drop_sql()}});
            } else if (routine_recreated(after.signature)) {
                add(Main, Step{"recreate routine " + after.signature,
                               {before->drop_sql(), after.definition},
                               {after.drop_sql(), before->definition}});
            } else if (before->definition != after.definition) {
                add(Main, Step{"replace routine " + after.signature,
                               {after.definition},
                               {before->definition}});
            }
        }
    }

    // Routines gone, once nothing that goes with them calls them.
    void drop_routines() {
        for (const Routine &before : current_.routines)
            if (!desired_.routine(before.signature))
                add(Main, Step{"drop routine " + before.signature,
                               {before.drop_sql()},
                               {before.definition}});
    }

    // CREATE OR REPLACE VIEW may only append columns to a plain view.
    static bool view_replaceable(const View &before, const View &after) {
        return before.kind == 'v' && after.kind == 'v' && before.options == after.options &&
               after.columns.size() >= before.columns.size() &&
               std::equal(before.columns.begin(), before.columns.end(), after.columns.begin());
    }

    // The views (of both models) to drop and create: those changed in a way
    // CREATE OR REPLACE cannot say (a materialized view, any change), those
    // that read a column that goes or changes type, or call a routine that
    // goes or is recreated, and then those that read any of them.
    std::set<std::string> views_to_recreate() const {
        std::set<std::string> recreated, recreated_types;
        for (const SchemaModel *model : {&current_, &desired_}) {
            for (const EnumType &type : model->enums)
                if (type_recreated(type.name)) recreated_types.insert(type.name);
            for (const Domain &type : model->domains)
                if (type_recreated(type.name)) recreated_types.insert(type.name);
            for (const CompositeType &type : model->composites)
                if (type_recreated(type.name)) recreated_types.insert(type.name);
        }
        const auto table_changes = [&](const std::string &name) {
            const Table *before = current_.table(name);
            const Table *after = desired_.table(name);
            if (!before || !after) return false;
            for (const Column &column : before->columns) {
                const Column *now = after->column(column.name);
                if (!now || now->type != column.type || now->collation != column.collation ||
                    now->generated != column.generated)
                    return true;
                // A column of a type replaced is moved over to the new type.
                for (const std::string &type : recreated_types)
                    if (column.type == q(type) || column.type == q(type) + "[]") return true;
            }
            return false;
        };
        for (const View &before : current_.views) {
            const View *after = desired_.view(before.name);
            if (!after) continue;
            bool recreate = !(before == *after) && !view_replaceable(before, *after);
            for (const std::string &relation : before.relations)
                recreate = recreate || table_changes(relation);
            for (const std::string &routine : before.routines)
                recreate = recreate || !desired_.routine(routine) || routine_recreated(routine);
            if (recreate) recreated.insert(before.name);
        }
        for (bool grew = true; grew;) {
            grew = false;
            for (const View &before : current_.views)
                if (desired_.view(before.name) && !recreated.count(before.name))
                    for (const std::string &relation : before.relations)
                        if (relation != before.name && current_.view(relation) &&
                            (recreated.count(relation) || !desired_.view(relation))) {
                            recreated.insert(before.name);
                            grew = true;
                            break;
                        }
        }
        return recreated;
    }

    // A view with, for a materialized one, its indexes.
    std::vector<std::string> view_with_indexes(const SchemaModel &model, const View &view) const {
        std::vector<std::string> statements{view.create_sql()};
        for (const Index &index : model.indexes)
            if (index.table == view.name) statements.push_back(index.definition);
        return statements;
    }

    // Views gone or recreated, those that read others first, early: before
    // the tables, columns and routines they read change.
    void drop_views() {
        const std::vector<const View *> order = views_in_order(current_);
        for (auto view = order.rbegin(); view != order.rend(); ++view) {
            const View &before = **view;
            const bool recreated = recreated_views_.count(before.name) > 0;
            if (desired_.view(before.name) && !recreated) continue;
            // A materialized view that goes has its indexes dropped concurrently
            // before (indexes()); one recreated takes them with it, and back.
            Step step{"drop view " + before.name,
                      {before.drop_sql()},
                      recreated ? view_with_indexes(current_, before)
                                : std::vector<std::string>{before.create_sql()}};
            if (recreated && before.kind == 'm') {
                step.hazard = "matview-recreate";
                step.why = "materialized view " + before.name +
                           " is dropped and created: creating it runs its query, as a refresh "
                           "does, under an ACCESS EXCLUSIVE lock";
            }
            add(Main, step);
        }
    }

    // Views new, recreated or replaced, each after the views it reads, once
    // the tables and routines exist.
    void create_views() {
        for (const View *view : views_in_order(desired_)) {
            const View &after = *view;
            const View *before = current_.view(after.name);
            if (!before || recreated_views_.count(after.name)) {
                // A new materialized view's indexes are built after it, concurrently (indexes()).
                add(Main, Step{"create view " + after.name,
                               before ? view_with_indexes(desired_, after)
                                      : std::vector<std::string>{after.create_sql()},
                               {after.drop_sql()}});
            } else if (!(*before == after)) {
                std::string replace = after.create_sql();
                replace.replace(0, std::string("CREATE").size(), "CREATE OR REPLACE");
                // Undo: CREATE OR REPLACE cannot take the appended columns away.
                add(Main, Step{"replace view " + after.name,
                               {replace},
                               {after.drop_sql(), before->create_sql()}});
            }
        }
    }

    // ALTER POLICY changes roles and expressions, but cannot take an
    // expression away (nor add one back, for the undo): otherwise drop, create.
    static bool policy_alterable(const Policy &before, const Policy &after) {
        return before.kind == after.kind && before.command == after.command &&
               before.using_expr.empty() == after.using_expr.empty() &&
               before.check_expr.empty() == after.check_expr.empty();
    }

    bool policy_recreated(const Policy &before) const {
        const Policy *after = desired_.policy(before.table, before.name);
        return !after || !policy_alterable(before, *after);
    }

    static std::string drop_policy_sql(const Policy &policy) {
        return "DROP POLICY " + q(policy.name) + " ON " + q(policy.table);
    }

    // Policies gone or recreated, early: before their tables, columns and
    // routines go.
    void drop_policies() {
        for (const Policy &before : current_.policies)
            if (policy_recreated(before)) {
                Step step{"drop policy " + before.table + "." + before.name,
                          {drop_policy_sql(before)},
                          {before.create_sql()}};
                step.waivers.push_back(kOnTableWaiver);
                add(Main, step);
            }
    }

    void create_policies() {
        for (const Policy &after : desired_.policies) {
            const Policy *before = current_.policy(after.table, after.name);
            if (!before || policy_recreated(*before)) {
                add(Main, Step{"create policy " + after.table + "." + after.name,
                               {after.create_sql()},
                               {drop_policy_sql(after)}});
            } else if (!(*before == after)) {
                const auto alter = [](const Policy &p) {
                    return "ALTER POLICY " + q(p.name) + " ON " + q(p.table) + " TO " + p.roles +
                           (p.using_expr.empty() ? "" : " USING (" + p.using_expr + ")") +
                           (p.check_expr.empty() ? "" : " WITH CHECK (" + p.check_expr + ")");
                };
                add(Main, Step{"alter policy " + after.table + "." + after.name,
                               {alter(after)},
                               {alter(*before)}});
            }
        }
    }

    // Row level security switched off (or no longer forced) first, before a
    // table can go; switched on once its policies exist. A table that is not
    // there counts as off.
    void row_security(bool on) {
        std::set<std::string> tables;
        for (const SchemaModel *model : {&current_, &desired_})
            for (const RowSecurity &table : model->row_security) tables.insert(table.table);
        for (const std::string &table : tables) {
            const RowSecurity before = current_.row_security_of(table);
            const RowSecurity after = desired_.row_security_of(table);
            for (const bool forced : {false, true}) {
                const bool was = forced ? before.forced : before.enabled;
                const bool is = forced ? after.forced : after.enabled;
                if (was == is || is != on) continue;
                const char *verb =
                    forced ? (on ? "force" : "no force") : (on ? "enable" : "disable");
                add(Main, Step{std::string(verb) + " row level security of " + table,
                               {row_security_sql(table, forced, on)},
                               {row_security_sql(table, forced, !on)}});
            }
        }
    }

    // The COMMENT ON targets of the objects the plan drops and creates again
    // (their comment goes with them).
    std::set<std::string> recreated_targets() const {
        std::set<std::string> targets;
        for (const Index &before : current_.indexes)
            if (const Index *after = desired_.index(before.name))
                if (after->definition != before.definition)
                    targets.insert("INDEX " + q(before.name));
        for (const Constraint &before : current_.constraints)
            if (const Constraint *after = desired_.constraint(before.table, before.name))
                if (after->type != before.type || after->definition != before.definition)
                    targets.insert("CONSTRAINT " + q(before.name) + " ON " + q(before.table));
        for (const Table &table : current_.tables)
            if (const Table *after = desired_.table(table.name))
                for (const Column &column : table.columns)
                    if (const Column *now = after->column(column.name))
                        if (now->generated != column.generated)
                            targets.insert("COLUMN " + q(table.name) + "." + q(column.name));
        for (const Routine &before : current_.routines)
            if (routine_recreated(before.signature))
                targets.insert((before.kind == 'p' ? "PROCEDURE " : "FUNCTION ") +
                               before.signature);
        for (const Trigger &before : current_.triggers)
            if (desired_.trigger(before.table, before.name) && trigger_changes(before))
                targets.insert("TRIGGER " + q(before.name) + " ON " + q(before.table));
        for (const Policy &before : current_.policies)
            if (desired_.policy(before.table, before.name) && policy_recreated(before))
                targets.insert("POLICY " + q(before.name) + " ON " + q(before.table));
        // An enum that gains labels is recreated by its undo.
        for (const EnumType &before : current_.enums)
            if (const EnumType *after = desired_.enum_type(before.name))
                if (after->labels != before.labels) targets.insert("TYPE " + q(before.name));
        // A composite type whose undo recreates it (an attribute dropped in
        // place comes back last) loses its comments there.
        for (const CompositeType &before : current_.composites)
            if (const CompositeType *after = desired_.composite(before.name);
                after && !(after->attributes == before.attributes) &&
                (!attributes_in_place(before, *after) || !attributes_in_place(*after, before))) {
                targets.insert("TYPE " + q(before.name));
                for (const Column &attribute : before.attributes)
                    targets.insert("COLUMN " + q(before.name) + "." + q(attribute.name));
            }
        for (const Domain &before : current_.domains) {
            const Domain *after = desired_.domain(before.name);
            if (!after) continue;
            const bool recreated = type_recreated(before.name);
            if (recreated) targets.insert("TYPE " + q(before.name));
            for (const DomainConstraint &constraint : before.constraints) {
                const auto now = std::find_if(
                    after->constraints.begin(), after->constraints.end(),
                    [&](const DomainConstraint &c) { return c.name == constraint.name; });
                if (recreated || now == after->constraints.end() ||
                    now->definition != constraint.definition)
                    targets.insert("CONSTRAINT " + q(constraint.name) + " ON DOMAIN " +
                                   q(before.name));
            }
        }
        for (const std::string &name : recreated_views_) {
            const View &view = *current_.view(name);
            targets.insert((view.kind == 'm' ? "MATERIALIZED VIEW " : "VIEW ") + q(name));
            for (const std::string &column : view.columns)
                targets.insert("COLUMN " + q(name) + "." + column.substr(0, column.find(' ')));
            for (const Index &index : current_.indexes)
                if (index.table == name) targets.insert("INDEX " + q(index.name));
        }
        return targets;
    }

    // A comment gone (or on an object dropped or recreated) is removed in the
    // first version, before its object can go; a comment new or changed (or
    // on a recreated object) is set in the last, once its object exists.
    void comments() {
        const std::set<std::string> recreated = recreated_targets();
        for (const Comment &before : current_.comments) {
            const Comment *after = desired_.comment(before.target);
            if (after && !recreated.count(before.target)) continue;
            add(RemoveComments, Step{"remove comment on " + before.target,
                                     {comment_sql(before.target, nullptr)},
                                     {comment_sql(before.target, &before)}});
        }
        for (const Comment &after : desired_.comments) {
            const Comment *before = current_.comment(after.target);
            if (before && before->text == after.text && !recreated.count(after.target)) continue;
            add(SetComments,
                Step{"comment on " + after.target,
                     {comment_sql(after.target, &after)},
                     {comment_sql(after.target,
                                  before && !recreated.count(after.target) ? before : nullptr)}});
        }
    }

    // ---- privileges ----

    // Whether `model` has the object (and column) `grant` names.
    static bool has_object(const SchemaModel &model, const Grant &grant) {
        const size_t space = grant.target.find(' ');
        const std::string kind = grant.target.substr(0, space);
        const std::string name = grant.target.substr(space + 1);
        const auto quoted = [&](const auto &items) {
            return std::any_of(items.begin(), items.end(),
                               [&](const auto &item) { return q(item.name) == name; });
        };
        if (kind == "SEQUENCE") return quoted(model.sequences);
        if (kind == "FUNCTION" || kind == "PROCEDURE") return model.routine(name) != nullptr;
        if (kind == "TYPE")
            return quoted(model.enums) || quoted(model.domains) || quoted(model.composites);
        for (const Table &table : model.tables)
            if (q(table.name) == name)
                return grant.column.empty() ||
                       std::any_of(table.columns.begin(), table.columns.end(),
                                   [&](const Column &c) { return q(c.name) == grant.column; });
        for (const View &view : model.views)
            if (q(view.name) == name)
                return grant.column.empty() ||
                       std::any_of(view.columns.begin(), view.columns.end(),
                                   [&](const std::string &c) {
                                       return c.rfind(grant.column + " ", 0) == 0;
                                   });
        return false;
    }

    // Whether the plan drops and creates again the object (or column) of
    // `grant`, given the COMMENT ON targets of what it recreates: its
    // privileges go with it.
    static bool object_recreated(const Grant &grant, const std::set<std::string> &recreated) {
        const std::string name = grant.target.substr(grant.target.find(' ') + 1);
        if (grant.target.rfind("TABLE ", 0) != 0) return recreated.count(grant.target) > 0;
        return recreated.count("VIEW " + name) || recreated.count("MATERIALIZED VIEW " + name) ||
               (!grant.column.empty() && recreated.count("COLUMN " + name + "." + grant.column));
    }

    // GRANT or REVOKE of `grant`'s privilege from level `from` to `to`, and back.
    void privilege_step(Phase phase, const Grant &grant, int from, int to) {
        if (from == to) return;
        add(phase, Step{std::string(to > from ? "grant " : "revoke ") + grant.privilege +
                            (grant.column.empty() ? "" : " (" + grant.column + ")") + " on " +
                            grant.target + (to > from ? " to " : " from ") + grant.grantee,
                        {grant_sql(grant, from, to)},
                        {grant_sql(grant, to, from)}});
    }

    // Privileges are taken away in the first version (those of an object that
    // goes or is recreated too: their undo gives them back last, once the
    // object is back) and given in the last, once every object exists (on a
    // recreated object again). A grant to the owner is implicit: the model
    // holds none.
    void grants() {
        const std::set<std::string> recreated = recreated_targets();
        std::map<std::string, const Grant *> keys;
        for (const SchemaModel *model : {&current_, &desired_})
            for (const Grant &grant : model->grants) keys.emplace(grant.key(), &grant);
        for (const auto &[key, grant] : keys) {
            const Grant *before = current_.grant(key);
            const Grant *after = desired_.grant(key);
            const int was = before ? before->level : grant->default_level;
            const int is = after ? after->level : grant->default_level;
            const bool existed = has_object(current_, *grant);
            const bool stays = has_object(desired_, *grant);
            const int between = !existed || !stays || object_recreated(*grant, recreated)
                                    ? grant->default_level
                                    : std::min(was, is);
            if (existed) privilege_step(RemoveComments, *grant, was, between);
            if (stays) privilege_step(SetComments, *grant, between, is);
        }
    }

    // Each phase's steps as versions; hazards not allowed are refused.
    ChangePlan finish(ChangePlan plan) {
        const auto version_of = [&](const std::vector<Step> &steps, bool solo) {
            GeneratedVersion version;
            version.solo = solo;
            std::vector<std::string> purposes;
            for (const Step &step : steps) {
                plan.changes.push_back(step.change);
                purposes.push_back(step.change);
                if (!step.hazard.empty()) {
                    if (!options_.allowed_hazards.count(step.hazard)) {
                        plan.refused.push_back(step.hazard + ": " + step.why +
                                               "; allow it with --allow-hazard " + step.hazard);
                    } else {
                        version.hazards.push_back(step.hazard + ": " + step.why);
                        for (const std::string &rule : hazard_waivers(step.hazard))
                            version.waivers.push_back(rule + " allowed with --allow-hazard " +
                                                      step.hazard);
                    }
                }
                version.waivers.insert(version.waivers.end(), step.waivers.begin(),
                                       step.waivers.end());
                version.up.insert(version.up.end(), step.up.begin(), step.up.end());
            }
            for (auto step = steps.rbegin(); step != steps.rend(); ++step)
                version.dn.insert(version.dn.end(), step->dn.begin(), step->dn.end());
            if (solo) {
                const Step &step = steps.front();
                version.up_transaction_from = version.up.size() - (step.tail ? 1 : step.up_tail);
                version.dn_transaction_from = version.dn.size() - (step.tail ? 1 : step.dn_tail);
            }
            version.purpose = join(purposes, "; ");
            std::sort(version.waivers.begin(), version.waivers.end());
            version.waivers.erase(std::unique(version.waivers.begin(), version.waivers.end()),
                                  version.waivers.end());
            plan.versions.push_back(std::move(version));
        };
        for (int phase = 0; phase < kPhases; ++phase) {
            for (const Step &step : solo_[phase]) version_of({step}, true);
            if (!phases_[phase].empty()) version_of(phases_[phase], false);
        }
        return plan;
    }
};

// An identifier as written in SQL, as PostgreSQL folds it.
std::string folded(const std::string &written) {
    if (written.size() >= 2 && written.front() == '"' && written.back() == '"') {
        std::string name;
        for (size_t i = 1; i + 1 < written.size(); ++i) {
            name += written[i];
            if (written[i] == '"') ++i;
        }
        return name;
    }
    std::string name = written;
    for (char &c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return name;
}

// One rename: `up`, its undo `dn` (the undo runs newest first), and what it
// does for people.
void add_rename(RenamePlan &plan, std::string up, std::string dn, std::string change) {
    plan.up.push_back(std::move(up));
    plan.dn.insert(plan.dn.begin(), std::move(dn));
    plan.changes.push_back(std::move(change));
}

// ---- types: enums, domains, composite types ----

bool has_type(const SchemaModel &model, const std::string &name) {
    return model.enum_type(name) || model.domain(name) || model.composite(name);
}

// ALTER TYPE … RENAME (a domain's too) for the markers before CREATE TYPE
// and CREATE DOMAIN, checked as a table's.
void plan_type_renames(const std::vector<Rename> &renames, const SchemaModel &current,
                       const SchemaModel &desired, RenamePlan &plan) {
    for (const Rename &rename : renames) {
        if (!rename.type) continue;
        if (has_type(current, rename.table) && !has_type(current, rename.from)) continue;
        if (!has_type(current, rename.from) || has_type(desired, rename.from) ||
            !has_type(desired, rename.table) || has_type(current, rename.table)) {
            plan.problems.push_back(
                {rename.where, "type " + rename.table + " renamed from " + rename.from +
                                   ": the reference shard must have " + rename.from + " and not " +
                                   rename.table + ", the desired schema the other way round"});
            continue;
        }
        add_rename(plan, "ALTER TYPE " + q(rename.from) + " RENAME TO " + q(rename.table),
                   "ALTER TYPE " + q(rename.table) + " RENAME TO " + q(rename.from),
                   "rename type " + rename.from + " to " + rename.table);
    }
}

// ---- renames of indexes and constraints ----

// Whether `name` is taken in `model` by a relation (a table, index, sequence,
// view, composite type, or the index of a primary key or unique constraint):
// they share one namespace, which an index renamed, or a key, must not collide in.
bool relation_named(const SchemaModel &model, const std::string &name) {
    if (model.table(name) || model.index(name) || model.sequence(name) || model.view(name) ||
        model.composite(name))
        return true;
    return std::any_of(
        model.constraints.begin(), model.constraints.end(),
        [&](const Constraint &c) { return (c.type == 'p' || c.type == 'u') && c.name == name; });
}

// What a marker renames, as one key: two markers with the same key claim one
// old object.
std::string renamed_object(const Rename &rename) {
    if (rename.type) return "type " + rename.from;
    if (!rename.index.empty()) return "index " + rename.from;
    if (!rename.constraint.empty()) return "constraint " + rename.table + "." + rename.from;
    if (!rename.column.empty()) return "column " + rename.table + "." + rename.from;
    return "table " + rename.from;
}

// ALTER INDEX … RENAME and ALTER TABLE … RENAME CONSTRAINT (a key's index is
// renamed with it) for the markers before CREATE INDEX and a named
// constraint, after the tables' renames (`tables`: new name → old). Also
// refuses two markers that claim one old object, of any kind.
void plan_index_and_constraint_renames(const std::vector<Rename> &renames,
                                       const SchemaModel &current, const SchemaModel &desired,
                                       const std::map<std::string, std::string> &tables,
                                       RenamePlan &plan) {
    std::map<std::string, const Rename *> claimed;
    for (const Rename &rename : renames) {
        const auto [first, fresh] = claimed.emplace(renamed_object(rename), &rename);
        if (!fresh)
            plan.problems.push_back({rename.where, "a second marker renames " + first->first +
                                                       ", which the marker at " +
                                                       to_string(first->second->where) +
                                                       " renames already"});
    }
    for (const Rename &rename : renames) {
        if (rename.index.empty()) continue;
        if (current.index(rename.index) && !current.index(rename.from)) continue;
        if (!current.index(rename.from) || desired.index(rename.from) ||
            !desired.index(rename.index) || relation_named(current, rename.index)) {
            plan.problems.push_back(
                {rename.where, "index " + rename.index + " renamed from " + rename.from +
                                   ": the reference shard must have index " + rename.from +
                                   " and nothing named " + rename.index +
                                   ", the desired schema index " + rename.index + " and not " +
                                   rename.from});
            continue;
        }
        add_rename(plan, "ALTER INDEX " + q(rename.from) + " RENAME TO " + q(rename.index),
                   "ALTER INDEX " + q(rename.index) + " RENAME TO " + q(rename.from),
                   "rename index " + rename.from + " to " + rename.index);
    }
    for (const Rename &rename : renames) {
        if (rename.constraint.empty()) continue;
        const auto old_table = tables.find(rename.table);
        const std::string before = old_table == tables.end() ? rename.table : old_table->second;
        if (current.constraint(before, rename.constraint) &&
            !current.constraint(before, rename.from))
            continue;
        const Constraint *after = desired.constraint(rename.table, rename.constraint);
        const bool key = after && (after->type == 'p' || after->type == 'u');
        if (!current.constraint(before, rename.from) ||
            desired.constraint(rename.table, rename.from) || !after ||
            current.constraint(before, rename.constraint) ||
            (key && relation_named(current, rename.constraint))) {
            plan.problems.push_back(
                {rename.where, "constraint " + rename.table + "." + rename.constraint +
                                   " renamed from " + rename.from +
                                   ": the reference shard's table must have " + rename.from +
                                   " and not " + rename.constraint +
                                   (key ? " (nor a relation of that name)" : "") +
                                   ", the desired schema's the other way round"});
            continue;
        }
        const std::string alter = "ALTER TABLE " + q(rename.table) + " RENAME CONSTRAINT ";
        add_rename(
            plan, alter + q(rename.from) + " TO " + q(rename.constraint),
            alter + q(rename.constraint) + " TO " + q(rename.from),
            "rename constraint " + rename.table + "." + rename.from + " to " + rename.constraint);
    }
}

}  // namespace

const std::vector<std::string> &hazard_kinds() {
    static const std::vector<std::string> kinds = {
        "drop-table",       "drop-column",      "type-change",
        "volatile-default", "generated-column", "not-null-column",
        "enum-label",       "matview-recreate", "exclusion-constraint-scan"};
    return kinds;
}

std::vector<Rename> find_renames(const std::vector<Script> &files, std::vector<Problem> &problems) {
    static const std::string ident = R"((\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*))";
    static const std::regex marker(R"(^(.*?)--\s*shoal:renamed-from\s+)" + ident + R"(\s*$)");
    static const std::regex create_table(
        R"(^\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)" + ident,
        std::regex::icase);
    static const std::regex column_line(R"(^\s*\(?\s*)" + ident);
    static const std::regex create_type(R"(^\s*CREATE\s+(?:TYPE|DOMAIN)\s+)" + ident,
                                        std::regex::icase);
    static const std::regex not_a_column(
        R"(^(constraint|primary|unique|check|foreign|exclude|like|create|alter|drop)$)",
        std::regex::icase);
    static const std::regex table_end(R"(^\s*\))");
    static const std::regex create_index(
        R"(^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?)" +
            ident + R"((?:\s+ON\s+(?:ONLY\s+)?)" + ident + ")?",
        std::regex::icase);
    static const std::regex constraint_line(R"(^\s*,?\s*CONSTRAINT\s+)" + ident, std::regex::icase);
    static const std::regex add_constraint(
        R"(^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?)" + ident +
            R"(\s+ADD\s+CONSTRAINT\s+)" + ident,
        std::regex::icase);
    std::vector<Rename> renames;
    for (const Script &file : files) {
        std::string table;  // the CREATE TABLE the lines belong to
        std::optional<Rename> pending;
        const std::vector<std::string> lines = split_lines(file.body);
        for (size_t i = 0; i < lines.size(); ++i) {
            std::string code = lines[i];
            std::smatch m;
            if (std::regex_match(lines[i], m, marker)) {
                if (pending)
                    problems.push_back(
                        {pending->where,
                         "a second renamed-from marker follows this one before any definition"});
                pending = Rename{"", "", folded(m[2]), {file.path, static_cast<int>(i + 1)}};
                code = m[1];
            }
            if (trim(code).empty() || trim(code).rfind("--", 0) == 0) continue;
            std::smatch name;
            if (std::regex_search(code, name, create_table)) {
                table = folded(name[1]);
                if (pending) {
                    pending->table = table;
                    renames.push_back(*pending);
                }
            } else if (pending && std::regex_search(code, name, create_type)) {
                pending->table = folded(name[1]);
                pending->type = true;
                renames.push_back(*pending);
            } else if (pending && std::regex_search(code, name, create_index)) {
                pending->index = folded(name[1]);
                pending->table = name[2].matched ? folded(name[2]) : "";
                renames.push_back(*pending);
            } else if (pending &&
                       ((!table.empty() && std::regex_search(code, name, constraint_line)) ||
                        std::regex_search(code, name, add_constraint))) {
                pending->table = name.size() > 2 ? folded(name[1]) : table;
                pending->constraint = folded(name[name.size() - 1]);
                renames.push_back(*pending);
            } else if (pending) {
                if (!table.empty() && std::regex_search(code, name, column_line) &&
                    !std::regex_match(name[1].str(), not_a_column)) {
                    pending->table = table;
                    pending->column = folded(name[1]);
                    renames.push_back(*pending);
                } else {
                    problems.push_back({pending->where,
                                        "a shoal:renamed-from marker must stand on or before a "
                                        "CREATE TABLE, a column definition, CREATE TYPE, CREATE "
                                        "DOMAIN, CREATE INDEX or a named constraint"});
                }
            }
            pending.reset();
            if (std::regex_search(code, table_end)) table.clear();
        }
        if (pending)
            problems.push_back(
                {pending->where, "a shoal:renamed-from marker with no definition after it"});
    }
    return renames;
}

RenamePlan plan_renames(const std::vector<Rename> &renames, const SchemaModel &current,
                        const SchemaModel &desired) {
    RenamePlan plan;
    std::map<std::string, std::string> tables;  // new → old, for the columns' table
    for (const Rename &rename : renames) {
        if (!rename.column.empty() || rename.type || !rename.index.empty() ||
            !rename.constraint.empty())
            continue;
        // A marker whose rename the reference already has is history: nothing to do.
        if (current.table(rename.table) && !current.table(rename.from)) continue;
        if (!current.table(rename.from) || desired.table(rename.from) ||
            !desired.table(rename.table) || current.table(rename.table)) {
            plan.problems.push_back(
                {rename.where, "table " + rename.table + " renamed from " + rename.from +
                                   ": the reference shard must have " + rename.from + " and not " +
                                   rename.table + ", the desired schema the other way round"});
            continue;
        }
        tables[rename.table] = rename.from;
        add_rename(plan, "ALTER TABLE " + q(rename.from) + " RENAME TO " + q(rename.table),
                   "ALTER TABLE " + q(rename.table) + " RENAME TO " + q(rename.from),
                   "rename table " + rename.from + " to " + rename.table);
    }
    plan_type_renames(renames, current, desired, plan);
    for (const Rename &rename : renames) {
        if (rename.column.empty()) continue;
        const auto old_table = tables.find(rename.table);
        const Table *before =
            current.table(old_table == tables.end() ? rename.table : old_table->second);
        const Table *after = desired.table(rename.table);
        if (before && before->column(rename.column) && !before->column(rename.from)) continue;
        if (!before || !after || !before->column(rename.from) || after->column(rename.from) ||
            !after->column(rename.column) || before->column(rename.column)) {
            plan.problems.push_back(
                {rename.where, "column " + rename.table + "." + rename.column + " renamed from " +
                                   rename.from + ": the reference shard's table must have " +
                                   rename.from + " and not " + rename.column +
                                   ", the desired schema's the other way round"});
            continue;
        }
        const std::string alter = "ALTER TABLE " + q(rename.table) + " RENAME COLUMN ";
        add_rename(plan, alter + q(rename.from) + " TO " + q(rename.column),
                   alter + q(rename.column) + " TO " + q(rename.from),
                   "rename column " + rename.table + "." + rename.from + " to " + rename.column);
    }
    plan_index_and_constraint_renames(renames, current, desired, tables, plan);
    return plan;
}

ChangePlan plan_changes(const SchemaModel &current, const SchemaModel &desired,
                        const RenamePlan &renames, const GenerateOptions &options) {
    return Planner(current, desired, options).plan(renames);
}

std::string version_file_text(const GeneratedVersion &version, bool up,
                              const GenerateOptions &options) {
    const std::vector<std::string> &statements = up ? version.up : version.dn;
    const size_t transaction_from = up ? version.up_transaction_from : version.dn_transaction_from;
    std::string text =
        "-- Generated by shoal generate: " + version.purpose + (up ? "" : " (undo)") + "\n";
    for (const std::string &hazard : version.hazards) text += "-- shoal:hazard " + hazard + "\n";
    if (up)
        for (const std::string &waiver : version.waivers)
            text += "-- shoal:ignore " + waiver + "\n";
    const bool locks = !version.solo || transaction_from < statements.size();
    if (locks && !statements.empty())
        text += "-- shoal $lock_timeout=" + options.lock_timeout + "\n";
    const bool wrapped = version.solo && transaction_from < statements.size();
    if (wrapped) text += "COMMIT;\n";
    for (size_t i = 0; i < statements.size(); ++i) {
        if (wrapped && i == transaction_from) text += "BEGIN;\n";
        text += statements[i] + ";\n";
    }
    return text;
}

std::string without_concurrently(const std::string &sql) {
    static const std::regex form(R"(^((?:CREATE (?:UNIQUE )?|DROP )INDEX) CONCURRENTLY )");
    std::smatch m;
    if (!std::regex_search(sql, m, form)) return "";
    return m[1].str() + " " + m.suffix().str();
}

}  // namespace shoal
