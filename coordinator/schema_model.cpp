// The schema model: rows of the catalog snapshot in, canonical SQL out. Every
// definition is PostgreSQL's own text (format_type, pg_get_expr,
// pg_get_constraintdef, pg_get_indexdef); this file only puts them in order
// and quotes names.
#include "schema_model.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <tuple>

#include "pg_parse.h"
#include "report.h"
#include "text.h"

namespace shoal {
namespace {

const std::string &detail(const CatalogRow &row, size_t i) {
    static const std::string none;
    return i < row.details.size() ? row.details[i] : none;
}

template <typename T, typename Key>
void sort_by(std::vector<T> &items, Key key) {
    std::sort(items.begin(), items.end(), [&](const T &a, const T &b) { return key(a) < key(b); });
}

std::string q(const std::string &name) { return quote_identifier(name); }

// The lines of `text` ("" has none).
std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    for (size_t at = 0; at < text.size();) {
        const size_t end = std::min(text.find('\n', at), text.size());
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return lines;
}

// A table's name as part of a file name: what is not a letter, digit, - or _
// becomes _ (the file's text keeps the real name).
std::string file_name_part(std::string name) {
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    return name;
}

template <typename T>
const T *named(const std::vector<T> &items, const std::string &name) {
    for (const T &item : items)
        if (item.name == name) return &item;
    return nullptr;
}

template <typename T>
void in_position_order(std::vector<std::pair<int, T>> &found, std::vector<T> &into) {
    std::sort(found.begin(), found.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &entry : found) into.push_back(std::move(entry.second));
}

int position_of(const std::string &text) { return text.empty() ? 0 : std::stoi(text); }

// A column row (and an attribute row, laid out the same) as a Column.
Column column_of(const CatalogRow &row) {
    Column column;
    column.name = row.name;
    column.type = row.definition;
    column.collation = detail(row, 0);
    column.not_null = detail(row, 1) == "t";
    column.default_expr = detail(row, 2);
    column.identity = detail(row, 3).empty() ? 0 : detail(row, 3)[0];
    column.generated = detail(row, 4);
    return column;
}

// The parts of types that arrive as rows of their own, in any order.
struct TypeParts {
    std::map<std::string, std::vector<std::pair<int, std::string>>> labels;  // enum → …
    std::map<std::string, std::vector<std::pair<int, Column>>> attributes;   // composite → …
    std::map<std::string, std::vector<DomainConstraint>> constraints;        // domain → …
};

// A row of the types' kinds into `model` or `parts` (finish_types puts the
// parts in); false when the row is of another kind.
bool build_type(SchemaModel &model, const CatalogRow &row, TypeParts &parts) {
    if (row.kind == "enum") {
        model.enums.push_back(EnumType{row.name, {}});
    } else if (row.kind == "enum label") {
        parts.labels[row.table].emplace_back(position_of(detail(row, 0)), row.name);
    } else if (row.kind == "domain") {
        model.domains.push_back(Domain{
            row.name, row.definition, detail(row, 0), detail(row, 2), detail(row, 1) == "t", {}});
    } else if (row.kind == "domain constraint") {
        parts.constraints[row.table].push_back(DomainConstraint{row.name, row.definition});
    } else if (row.kind == "composite type") {
        model.composites.push_back(CompositeType{row.name, {}});
    } else if (row.kind == "attribute") {
        parts.attributes[row.table].emplace_back(position_of(detail(row, 5)), column_of(row));
    } else {
        return false;
    }
    return true;
}

// The storage rows, which name tables and columns that may come later.
struct StorageParts {
    std::map<std::string, std::vector<std::string>> options;  // table → storage parameters
    std::map<std::pair<std::string, std::string>, const CatalogRow *> columns;  // (table, column)
};

bool build_storage(const CatalogRow &row, StorageParts &parts) {
    if (row.kind == "table options")
        parts.options[row.table] = lines_of(row.definition);
    else if (row.kind == "column options")
        parts.columns[{row.table, row.name}] = &row;
    else
        return false;
    return true;
}

void finish_storage(SchemaModel &model, const StorageParts &parts) {
    for (Table &table : model.tables) {
        if (const auto options = parts.options.find(table.name); options != parts.options.end())
            table.options = options->second;
        for (Column &column : table.columns) {
            const auto found = parts.columns.find({table.name, column.name});
            if (found == parts.columns.end()) continue;
            const CatalogRow &row = *found->second;
            column.type_storage = detail(row, 1);
            column.storage = detail(row, 0) == column.type_storage ? "" : detail(row, 0);
            column.compression = detail(row, 2);
            column.statistics = detail(row, 3).empty() ? -1 : std::stoi(detail(row, 3));
        }
    }
}

void finish_types(SchemaModel &model, TypeParts &parts) {
    for (EnumType &type : model.enums) in_position_order(parts.labels[type.name], type.labels);
    for (CompositeType &type : model.composites)
        in_position_order(parts.attributes[type.name], type.attributes);
    for (Domain &domain : model.domains) {
        domain.constraints = parts.constraints[domain.name];
        sort_by(domain.constraints, [](const DomainConstraint &c) { return c.name; });
    }
    sort_by(model.enums, [](const EnumType &t) { return t.name; });
    sort_by(model.domains, [](const Domain &d) { return d.name; });
    sort_by(model.composites, [](const CompositeType &t) { return t.name; });
}

}  // namespace

bool Column::operator==(const Column &other) const {
    return std::tie(name, type, collation, not_null, default_expr, identity, generated) ==
           std::tie(other.name, other.type, other.collation, other.not_null, other.default_expr,
                    other.identity, other.generated);
}

const Column *Table::column(const std::string &wanted) const {
    for (const Column &c : columns)
        if (c.name == wanted) return &c;
    return nullptr;
}

bool Constraint::validated() const {
    const std::string suffix = " NOT VALID";
    return definition.size() < suffix.size() ||
           definition.compare(definition.size() - suffix.size(), suffix.size(), suffix) != 0;
}

const Table *SchemaModel::table(const std::string &name) const {
    for (const Table &t : tables)
        if (t.name == name) return &t;
    return nullptr;
}

const Constraint *SchemaModel::constraint(const std::string &table, const std::string &name) const {
    for (const Constraint &c : constraints)
        if (c.table == table && c.name == name) return &c;
    return nullptr;
}

const Index *SchemaModel::index(const std::string &name) const {
    for (const Index &i : indexes)
        if (i.name == name) return &i;
    return nullptr;
}

const Sequence *SchemaModel::sequence(const std::string &name) const {
    for (const Sequence &s : sequences)
        if (s.name == name) return &s;
    return nullptr;
}

const EnumType *SchemaModel::enum_type(const std::string &name) const { return named(enums, name); }

const Domain *SchemaModel::domain(const std::string &name) const { return named(domains, name); }

const CompositeType *SchemaModel::composite(const std::string &name) const {
    return named(composites, name);
}

bool DomainConstraint::validated() const {
    return Constraint{"", name, 'c', definition, ""}.validated();
}

std::string Routine::drop_sql() const {
    return std::string(kind == 'p' ? "DROP PROCEDURE " : "DROP FUNCTION ") + signature;
}

const Routine *SchemaModel::routine(const std::string &signature) const {
    for (const Routine &r : routines)
        if (r.signature == signature) return &r;
    return nullptr;
}

const Trigger *SchemaModel::trigger(const std::string &table, const std::string &name) const {
    for (const Trigger &t : triggers)
        if (t.table == table && t.name == name) return &t;
    return nullptr;
}

const Comment *SchemaModel::comment(const std::string &target) const {
    for (const Comment &c : comments)
        if (c.target == target) return &c;
    return nullptr;
}

RowSecurity SchemaModel::row_security_of(const std::string &table) const {
    for (const RowSecurity &r : row_security)
        if (r.table == table) return r;
    return RowSecurity{table};
}

const Policy *SchemaModel::policy(const std::string &table, const std::string &name) const {
    for (const Policy &p : policies)
        if (p.table == table && p.name == name) return &p;
    return nullptr;
}

bool Policy::operator==(const Policy &other) const {
    return std::tie(table, name, kind, command, roles, using_expr, check_expr) ==
           std::tie(other.table, other.name, other.kind, other.command, other.roles,
                    other.using_expr, other.check_expr);
}

std::string Policy::create_sql() const {
    return "CREATE POLICY " + q(name) + " ON " + q(table) + " AS " + kind + " FOR " + command +
           " TO " + roles + (using_expr.empty() ? "" : " USING (" + using_expr + ")") +
           (check_expr.empty() ? "" : " WITH CHECK (" + check_expr + ")");
}

std::string row_security_sql(const std::string &table, bool forced, bool on) {
    const char *verb = forced ? (on ? "FORCE" : "NO FORCE") : (on ? "ENABLE" : "DISABLE");
    return "ALTER TABLE " + q(table) + " " + verb + " ROW LEVEL SECURITY";
}

const View *SchemaModel::view(const std::string &name) const {
    for (const View &v : views)
        if (v.name == name) return &v;
    return nullptr;
}

bool View::operator==(const View &other) const {
    return std::tie(name, kind, query, columns, options) ==
           std::tie(other.name, other.kind, other.query, other.columns, other.options);
}

std::string View::create_sql() const {
    return std::string(kind == 'm' ? "CREATE MATERIALIZED VIEW " : "CREATE VIEW ") + q(name) +
           (options.empty() ? "" : " WITH (" + options + ")") + " AS\n" + query;
}

std::string View::drop_sql() const {
    return std::string(kind == 'm' ? "DROP MATERIALIZED VIEW " : "DROP VIEW ") + q(name);
}

std::vector<const View *> views_in_order(const SchemaModel &model) {
    std::vector<const View *> order;
    std::set<std::string> placed;
    // Each round places, by name, every view whose views are placed; a cycle
    // PostgreSQL does not allow would end the rounds with the rest by name.
    for (bool progress = true; progress && order.size() < model.views.size();) {
        progress = false;
        for (const View &view : model.views) {
            if (placed.count(view.name)) continue;
            const bool ready = std::all_of(
                view.relations.begin(), view.relations.end(), [&](const std::string &relation) {
                    return relation == view.name || !model.view(relation) || placed.count(relation);
                });
            if (!ready) continue;
            order.push_back(&view);
            placed.insert(view.name);
            progress = true;
        }
    }
    for (const View &view : model.views)
        if (!placed.count(view.name)) order.push_back(&view);
    return order;
}

SchemaModel build_model(const std::vector<CatalogRow> &rows) {
    SchemaModel model;
    std::map<std::string, std::vector<std::pair<int, Column>>>
        columns;  // table → (position, column)
    TypeParts parts;
    StorageParts storage;
    for (const CatalogRow &row : rows) {
        if (build_type(model, row, parts)) continue;
        if (build_storage(row, storage)) continue;
        if (row.kind == "table") {
            model.tables.push_back(
                Table{row.name, {}, detail(row, 0), detail(row, 1), detail(row, 2)});
        } else if (row.kind == "column") {
            columns[row.table].emplace_back(position_of(detail(row, 5)), column_of(row));
        } else if (row.kind == "constraint") {
            const std::string &type = detail(row, 0);
            model.constraints.push_back(Constraint{row.table, row.name,
                                                   type.empty() ? 'c' : type[0], row.definition,
                                                   detail(row, 1), detail(row, 2)});
        } else if (row.kind == "index") {
            model.indexes.push_back(Index{row.table, row.name, row.definition, detail(row, 0)});
        } else if (row.kind == "sequence") {
            model.sequences.push_back(
                Sequence{row.name, row.definition, detail(row, 0), detail(row, 1)});
        } else if (row.kind == "routine") {
            // pg_get_functiondef ends with a newline; the statement does not.
            std::string definition = row.definition;
            while (!definition.empty() && definition.back() == '\n') definition.pop_back();
            model.routines.push_back(Routine{row.name,
                                             detail(row, 0).empty() ? 'f' : detail(row, 0)[0],
                                             definition, detail(row, 1), detail(row, 2) == "t"});
        } else if (row.kind == "trigger") {
            model.triggers.push_back(Trigger{row.table, row.name, row.definition, detail(row, 0)});
        } else if (row.kind == "comment") {
            model.comments.push_back(Comment{row.name, row.definition});
        } else if (row.kind == "row security") {
            model.row_security.push_back(
                RowSecurity{row.table, detail(row, 0) == "t", detail(row, 1) == "t"});
        } else if (row.kind == "view") {
            // pg_get_viewdef starts with a space and ends with ';'.
            std::string query = row.definition;
            query.erase(0, query.find_first_not_of(" \n"));
            while (!query.empty() && (query.back() == ';' || query.back() == '\n'))
                query.pop_back();
            model.views.push_back(View{row.name, detail(row, 0).empty() ? 'v' : detail(row, 0)[0],
                                       query, lines_of(detail(row, 1)), detail(row, 4),
                                       lines_of(detail(row, 2)), lines_of(detail(row, 3))});
        } else if (row.kind == "grant") {
            model.grants.push_back(Grant{row.table, detail(row, 0), row.name, row.definition,
                                         position_of(detail(row, 1)), position_of(detail(row, 2))});
        } else if (row.kind == "policy") {
            model.policies.push_back(Policy{row.table, row.name, row.definition, detail(row, 0),
                                            detail(row, 1), detail(row, 2), detail(row, 3)});
        } else {
            model.unmodelled.push_back(Unmodelled{row.table, row.name});
        }
    }
    for (Table &table : model.tables) in_position_order(columns[table.name], table.columns);
    finish_storage(model, storage);
    finish_types(model, parts);
    sort_by(model.tables, [](const Table &t) { return t.name; });
    sort_by(model.constraints, [](const Constraint &c) { return std::tie(c.table, c.name); });
    sort_by(model.indexes, [](const Index &i) { return i.name; });
    sort_by(model.sequences, [](const Sequence &s) { return s.name; });
    sort_by(model.unmodelled, [](const Unmodelled &u) { return std::tie(u.kind, u.name); });
    sort_by(model.routines, [](const Routine &r) { return r.signature; });
    sort_by(model.triggers, [](const Trigger &t) { return std::tie(t.table, t.name); });
    sort_by(model.comments, [](const Comment &c) { return c.target; });
    sort_by(model.row_security, [](const RowSecurity &r) { return r.table; });
    sort_by(model.policies, [](const Policy &p) { return std::tie(p.table, p.name); });
    sort_by(model.views, [](const View &v) { return v.name; });
    sort_by(model.grants, [](const Grant &g) { return g.key(); });
    return model;
}

std::string quote_identifier(const std::string &name) {
    bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '$';
    for (char c : name)
        plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
    if (plain) {
        // A keyword other than an unreserved one must be quoted, as quote_ident does.
        const TokenList tokens = scan_sql(name);
        plain = tokens && tokens->n_tokens == 1 &&
                (tokens->tokens[0]->keyword_kind == PG_QUERY__KEYWORD_KIND__NO_KEYWORD ||
                 tokens->tokens[0]->keyword_kind == PG_QUERY__KEYWORD_KIND__UNRESERVED_KEYWORD);
    }
    if (plain) return name;
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string column_sql(const Column &column) {
    std::string sql = q(column.name) + " " + column.type;
    if (!column.collation.empty()) sql += " COLLATE " + column.collation;
    if (!column.generated.empty())
        sql += " GENERATED ALWAYS AS (" + column.generated + ") STORED";
    else if (!column.default_expr.empty())
        sql += " DEFAULT " + column.default_expr;
    if (column.identity)
        sql += column.identity == 'a' ? " GENERATED ALWAYS AS IDENTITY"
                                      : " GENERATED BY DEFAULT AS IDENTITY";
    if (column.not_null) sql += " NOT NULL";
    return sql;
}

bool inline_constraint(const Constraint &constraint) {
    return constraint.type != 'f' && constraint.validated();
}

std::string create_table_sql(const SchemaModel &model, const Table &table) {
    std::vector<std::string> items;
    for (const Column &column : table.columns) items.push_back(column_sql(column));
    // A partitioned table's keys come after its partitions' (create_partitioned_table_sql).
    for (const Constraint &constraint : model.constraints)
        if (constraint.table == table.name && inline_constraint(constraint) &&
            (table.partition_key.empty() || constraint.type == 'c'))
            items.push_back("CONSTRAINT " + q(constraint.name) + " " + constraint.definition);
    std::string sql = "CREATE TABLE " + q(table.name) + " (";
    for (size_t i = 0; i < items.size(); ++i)
        sql += std::string(i ? "," : "") + "\n    " + items[i];
    return sql + (items.empty() ? ")" : "\n)") +
           (table.partition_key.empty() ? "" : " PARTITION BY " + table.partition_key);
}

std::vector<std::string> create_table_statements(const SchemaModel &model, const Table &table) {
    std::vector<std::string> statements;
    if (!table.partition_key.empty()) {
        statements = create_partitioned_table_sql(model, table);
    } else {
        statements.push_back(table.parent.empty() ? create_table_sql(model, table)
                                                  : create_partition_sql(table));
        // A partition's keys and indexes attached to its table's come with it.
        for (const Constraint &constraint : model.constraints)
            if (constraint.table == table.name && constraint.type != 'f' &&
                constraint.parent.empty() &&
                (!inline_constraint(constraint) || !table.parent.empty()))
                statements.push_back(add_constraint_sql(constraint));
        for (const Index &index : model.indexes)
            if (index.table == table.name && index.parent.empty())
                statements.push_back(index.definition);
        for (const Sequence &sequence : model.sequences)
            if (sequence.owned_table == table.name)
                statements.push_back(sequence_owner_sql(sequence));
    }
    // Storage parameters and column options last: the table's, and its partitions'
    // (created with it).
    for (const Table &each : model.tables)
        if (each.name == table.name || (!table.partition_key.empty() && each.parent == table.name))
            for (std::string &sql : table_options_sql(each)) statements.push_back(std::move(sql));
    return statements;
}

namespace {

// A storage parameter "name=value" as SET (…) takes it: a number or a word
// as it is, anything else as a literal.
std::string option_sql(const std::string &option) {
    static const std::regex plain(R"(^(-?[0-9]+(\.[0-9]+)?|[a-z_][a-z0-9_]*)$)");
    const size_t equals = option.find('=');
    if (equals == std::string::npos) return option;
    const std::string value = option.substr(equals + 1);
    return option.substr(0, equals + 1) +
           (std::regex_match(value, plain) ? value : quote_literal(value));
}

}  // namespace

std::vector<std::string> column_options_sql(const std::string &table, const Column &column) {
    const std::string alter = "ALTER TABLE " + q(table) + " ALTER COLUMN " + q(column.name) + " ";
    std::vector<std::string> sql;
    if (!column.storage.empty()) sql.push_back(alter + "SET STORAGE " + column.storage);
    if (!column.compression.empty()) sql.push_back(alter + "SET COMPRESSION " + column.compression);
    if (column.statistics >= 0)
        sql.push_back(alter + "SET STATISTICS " + std::to_string(column.statistics));
    return sql;
}

std::string set_options_sql(const std::string &table, const std::vector<std::string> &options) {
    std::vector<std::string> items;
    for (const std::string &option : options) items.push_back(option_sql(option));
    return "ALTER TABLE " + q(table) + " SET (" + join(items, ", ") + ")";
}

std::string effective_storage(const Column &column, const Column &other) {
    if (!column.storage.empty()) return column.storage;
    return column.type_storage.empty() ? other.type_storage : column.type_storage;
}

std::vector<std::string> table_options_sql(const Table &table) {
    std::vector<std::string> sql;
    if (!table.options.empty()) sql.push_back(set_options_sql(table.name, table.options));
    for (const Column &column : table.columns)
        for (std::string &statement : column_options_sql(table.name, column))
            sql.push_back(std::move(statement));
    return sql;
}

std::string add_constraint_sql(const Constraint &constraint) {
    return "ALTER TABLE " + q(constraint.table) + " ADD CONSTRAINT " + q(constraint.name) + " " +
           constraint.definition;
}

std::string create_sequence_sql(const Sequence &sequence) {
    return "CREATE SEQUENCE " + q(sequence.name) + " " + sequence.definition;
}

std::string sequence_owner_sql(const Sequence &sequence) {
    return "ALTER SEQUENCE " + q(sequence.name) + " OWNED BY " +
           (sequence.owned_table.empty()
                ? std::string("NONE")
                : q(sequence.owned_table) + "." + q(sequence.owned_column));
}

std::vector<std::string> unmodelled_lines(const SchemaModel &model) {
    std::vector<std::string> lines;
    for (const Unmodelled &u : model.unmodelled) lines.push_back(u.kind + " " + u.name);
    return lines;
}

namespace {

// dump_files' routines before the tables (a default or check may call them)
// or after them, views (with a materialized view's indexes), triggers, policies and row level
// security, then every comment, then the privileges.
void add_routines_triggers_comments(const SchemaModel &model, const std::string &header,
                                    std::map<std::string, std::string> &files) {
    std::string before, after, triggers, security, comments;
    for (const Routine &routine : model.routines)
        (routine.after_tables ? after : before) += routine.definition + ";\n";
    for (const Trigger &trigger : model.triggers) triggers += trigger.definition + ";\n";
    std::string views;
    for (const View *view : views_in_order(model)) {
        views += view->create_sql() + ";\n";
        for (const Index &index : model.indexes)
            if (index.table == view->name) views += index.definition + ";\n";
    }
    for (const Policy &policy : model.policies) security += policy.create_sql() + ";\n";
    for (const RowSecurity &table : model.row_security)
        for (const bool forced : {false, true})
            if (forced ? table.forced : table.enabled)
                security += row_security_sql(table.table, forced, true) + ";\n";
    for (const Comment &comment : model.comments)
        comments += comment_sql(comment.target, &comment) + ";\n";
    std::string grants;
    for (const Grant &grant : model.grants)
        grants += grant_sql(grant, grant.default_level, grant.level) + ";\n";
    const std::pair<const char *, const std::string *> parts[] = {
        {"05_routines.sql", &before},       {"50_routines.sql", &after},
        {"55_views.sql", &views},           {"60_triggers.sql", &triggers},
        {"70_row_security.sql", &security}, {"95_comments.sql", &comments},
        {"97_grants.sql", &grants}};
    for (const auto &[file, text] : parts)
        if (!text->empty()) files[file] = header + *text;
}

}  // namespace

std::string Grant::key() const {
    return target + (column.empty() ? "" : " (" + column + ")") + " " + grantee + " " + privilege;
}

const Grant *SchemaModel::grant(const std::string &key) const {
    for (const Grant &g : grants)
        if (g.key() == key) return &g;
    return nullptr;
}

std::vector<std::string> granted_roles(const SchemaModel &model) {
    std::set<std::string> roles;
    for (const Grant &grant : model.grants)
        if (grant.grantee != "PUBLIC") roles.insert(grant.grantee);
    return {roles.begin(), roles.end()};
}

std::string grant_sql(const Grant &grant, int from, int to) {
    if (from == to) return "";
    const std::string what = grant.privilege +
                             (grant.column.empty() ? "" : " (" + grant.column + ")") + " ON " +
                             grant.target;
    if (to > from)
        return "GRANT " + what + " TO " + grant.grantee + (to == 2 ? " WITH GRANT OPTION" : "");
    return std::string("REVOKE ") + (to == 1 ? "GRANT OPTION FOR " : "") + what + " FROM " +
           grant.grantee;
}

std::string comment_sql(const std::string &target, const Comment *comment) {
    return "COMMENT ON " + target + " IS " + (comment ? comment->text : std::string("NULL"));
}

std::map<std::string, std::string> dump_files(const SchemaModel &model,
                                              std::vector<std::string> &blocked) {
    blocked = unmodelled_lines(model);
    std::map<std::string, std::string> files;
    if (!blocked.empty()) return files;
    const std::string header =
        "-- Written by `shoal dump`: one shard's structure, names unqualified.\n";
    std::string sequences;
    for (const Sequence &sequence : model.sequences)
        sequences += create_sequence_sql(sequence) + ";\n";
    if (!sequences.empty()) files["00_sequences.sql"] = header + sequences;
    std::string types;
    for (const std::string &statement : create_types_sql(model)) types += statement + ";\n";
    if (!types.empty()) files["03_types.sql"] = header + types;
    for (const Table &table : model.tables) {
        if (!table.parent.empty()) continue;  // in its partitioned table's file
        std::string text = header;
        for (const std::string &statement : create_table_statements(model, table))
            text += statement + ";\n";
        // Two names that differ only where file_name_part changes them still get a file each.
        std::string file = "10_table_" + file_name_part(table.name);
        for (int n = 2; files.count(file + ".sql"); ++n)
            file = "10_table_" + file_name_part(table.name) + "_" + std::to_string(n);
        files[file + ".sql"] = text;
    }
    std::string foreign_keys;
    for (const Constraint &constraint : model.constraints)
        if (constraint.type == 'f') foreign_keys += add_constraint_sql(constraint) + ";\n";
    if (!foreign_keys.empty()) files["90_foreign_keys.sql"] = header + foreign_keys;
    add_routines_triggers_comments(model, header, files);
    return files;
}

// ---- partitioned tables and partitions ----

std::string create_partition_sql(const Table &partition) {
    return "CREATE TABLE " + q(partition.name) + " PARTITION OF " + q(partition.parent) + " " +
           partition.bound;
}

std::vector<std::string> attach_index_partitions_sql(const SchemaModel &model,
                                                     const std::string &index) {
    std::vector<std::string> sql;
    const auto attach = [&](const std::string &child) {
        sql.push_back("ALTER INDEX " + q(index) + " ATTACH PARTITION " + q(child));
    };
    for (const Index &child : model.indexes)
        if (child.parent == index) attach(child.name);
    // A key's index has the key's name.
    for (const Constraint &child : model.constraints)
        if (child.parent == index) attach(child.name);
    return sql;
}

std::vector<std::string> create_partitioned_table_sql(const SchemaModel &model, const Table &root) {
    std::vector<std::string> sql{create_table_sql(model, root)};
    std::vector<const Table *> partitions;
    for (const Table &partition : model.tables)
        if (partition.parent == root.name) partitions.push_back(&partition);
    for (const Table *partition : partitions) sql.push_back(create_partition_sql(*partition));
    for (const Table *partition : partitions) {
        for (const Constraint &constraint : model.constraints)
            if (constraint.table == partition->name && constraint.type != 'f')
                sql.push_back(add_constraint_sql(constraint));
        for (const Index &index : model.indexes)
            if (index.table == partition->name) sql.push_back(index.definition);
    }
    for (const Constraint &constraint : model.constraints) {
        if (constraint.table != root.name || constraint.type == 'f' ||
            (constraint.type == 'c' && inline_constraint(constraint)))
            continue;
        if (constraint.type == 'c') {
            sql.push_back(add_constraint_sql(constraint));
            continue;
        }
        sql.push_back("ALTER TABLE ONLY " + q(root.name) + " ADD CONSTRAINT " + q(constraint.name) +
                      " " + constraint.definition);
        for (const std::string &attach : attach_index_partitions_sql(model, constraint.name))
            sql.push_back(attach);
    }
    for (const Index &index : model.indexes) {
        if (index.table != root.name) continue;
        sql.push_back(index.definition);
        for (const std::string &attach : attach_index_partitions_sql(model, index.name))
            sql.push_back(attach);
    }
    for (const Sequence &sequence : model.sequences)
        if (sequence.owned_table == root.name) sql.push_back(sequence_owner_sql(sequence));
    return sql;
}

// ---- types: enums, domains, composite types ----

std::string create_enum_sql(const EnumType &type, const std::string &name) {
    std::vector<std::string> labels;
    for (const std::string &label : type.labels) labels.push_back(quote_literal(label));
    std::string sql = "CREATE TYPE " + q(name) + " AS ENUM (";
    for (size_t i = 0; i < labels.size(); ++i) sql += (i ? ", " : "") + labels[i];
    return sql + ")";
}

std::string create_domain_sql(const Domain &domain, const std::string &name) {
    std::string sql = "CREATE DOMAIN " + q(name) + " AS " + domain.base_type;
    if (!domain.collation.empty()) sql += " COLLATE " + domain.collation;
    if (!domain.default_expr.empty()) sql += " DEFAULT " + domain.default_expr;
    if (domain.not_null) sql += " NOT NULL";
    for (const DomainConstraint &constraint : domain.constraints)
        if (constraint.validated())
            sql += " CONSTRAINT " + q(constraint.name) + " " + constraint.definition;
    return sql;
}

std::string add_domain_constraint_sql(const Domain &domain, const DomainConstraint &constraint) {
    return "ALTER DOMAIN " + q(domain.name) + " ADD CONSTRAINT " + q(constraint.name) + " " +
           constraint.definition;
}

std::string create_composite_sql(const CompositeType &type, const std::string &name) {
    std::string sql = "CREATE TYPE " + q(name) + " AS (";
    for (size_t i = 0; i < type.attributes.size(); ++i)
        sql += std::string(i ? ", " : "") + column_sql(type.attributes[i]);
    return sql + ")";
}

namespace {

// Each type's statements: enums, domains, composite types, each kind by name.
std::vector<std::vector<std::string>> statements_per_type(const SchemaModel &model) {
    std::vector<std::vector<std::string>> types;
    for (const EnumType &type : model.enums) types.push_back({create_enum_sql(type, type.name)});
    for (const Domain &domain : model.domains) {
        types.push_back({create_domain_sql(domain, domain.name)});
        for (const DomainConstraint &constraint : domain.constraints)
            if (!constraint.validated())
                types.back().push_back(add_domain_constraint_sql(domain, constraint));
    }
    for (const CompositeType &type : model.composites)
        types.push_back({create_composite_sql(type, type.name)});
    return types;
}

}  // namespace

std::vector<std::string> create_types_sql(const SchemaModel &model) {
    std::vector<std::string> statements;
    for (const auto &type : statements_per_type(model))
        statements.insert(statements.end(), type.begin(), type.end());
    return statements;
}

namespace {

// The types' statements present in one model and not the other: the
// fingerprint is blind to a domain's collation and to the order of a
// composite type's attributes.
std::vector<std::string> type_differences(const SchemaModel &want, const SchemaModel &got) {
    const auto lines = [](const SchemaModel &model) {
        std::set<std::string> found;
        for (const auto &type : statements_per_type(model)) found.insert(join(type, "; "));
        return found;
    };
    const std::set<std::string> wanted = lines(want), gotten = lines(got);
    std::vector<std::string> differences;
    for (const std::string &line : wanted)
        if (!gotten.count(line)) differences.push_back("expected: " + line);
    for (const std::string &line : gotten)
        if (!wanted.count(line)) differences.push_back("found: " + line);
    return differences;
}

// The storage the fingerprint does not see: TOAST storage parameters (it has
// the table's own), column storage, compression and statistics targets.
std::vector<std::string> storage_differences(const SchemaModel &want, const SchemaModel &got) {
    std::vector<std::string> lines;
    for (const Table &expected : want.tables) {
        const Table *found = got.table(expected.name);
        if (!found) continue;
        if (found->options != expected.options)
            lines.push_back("storage parameters of table " + expected.name + " are (" +
                            join(found->options, ", ") + "), not (" + join(expected.options, ", ") +
                            ")");
        for (const Column &column : expected.columns) {
            const Column *have = found->column(column.name);
            if (!have) continue;
            const auto differs = [&](const std::string &what, const std::string &is,
                                     const std::string &not_) {
                if (is != not_)
                    lines.push_back(what + " of column " + expected.name + "." + column.name +
                                    " is " + (is.empty() ? "the default" : is) + ", not " +
                                    (not_.empty() ? "the default" : not_));
            };
            differs("storage", effective_storage(*have, column), effective_storage(column, *have));
            differs("compression", have->compression, column.compression);
            differs("statistics target", std::to_string(have->statistics),
                    std::to_string(column.statistics));
        }
    }
    return lines;
}

}  // namespace

std::vector<std::string> unfingerprinted_differences(const SchemaModel &expected,
                                                     const SchemaModel &got) {
    std::vector<std::string> lines;
    for (const Routine &want : expected.routines) {
        const Routine *have = got.routine(want.signature);
        if (!have)
            lines.push_back("routine " + want.signature + " is missing");
        else if (have->definition != want.definition)
            lines.push_back("routine " + want.signature + " differs: " + have->definition);
    }
    for (const Routine &have : got.routines)
        if (!expected.routine(have.signature))
            lines.push_back("routine " + have.signature + " is extra");
    for (const Comment &want : expected.comments) {
        const Comment *have = got.comment(want.target);
        if (!have || have->text != want.text)
            lines.push_back("comment on " + want.target + " is " +
                            (have ? have->text : std::string("missing")) + ", not " + want.text);
    }
    for (const Comment &have : got.comments)
        if (!expected.comment(have.target))
            lines.push_back("comment on " + have.target + " is extra: " + have.text);
    for (std::string &line : type_differences(expected, got)) lines.push_back(std::move(line));
    for (std::string &line : storage_differences(expected, got)) lines.push_back(std::move(line));
    const auto level = [](int n) {
        return std::string(n == 2   ? "granted with grant option"
                           : n == 1 ? "granted"
                                    : "not granted");
    };
    for (const Grant &want : expected.grants) {
        const Grant *have = got.grant(want.key());
        const int found = have ? have->level : want.default_level;
        if (found != want.level)
            lines.push_back("privilege " + want.key() + " is " + level(found) +
                            " (expected: " + level(want.level) + ")");
    }
    for (const Grant &have : got.grants)
        if (!expected.grant(have.key()))
            lines.push_back("privilege " + have.key() + " is " + level(have.level) +
                            " (expected: " + level(have.default_level) + ")");
    return lines;
}

}  // namespace shoal
