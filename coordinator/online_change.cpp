// The declaration of an online version and the planner's rule for it. An
// online version's up file holds only `-- shoal $online…=` lines (pg-mig
// ignores them, and would stamp the version applied without doing anything:
// lint says so); every key is checked here, so a mistake is a load-time
// problem with file:line, never a half-expanded fleet.
#include "online_change.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "lock_policy.h"
#include "pg_parse.h"
#include "report.h"
#include "text.h"

namespace shoal {
namespace {

// What each operation's declaration must and may say, and where each key goes.
struct OperationKeys {
    std::vector<std::string> required;
    std::vector<std::string> optional;
};
const std::map<std::string, OperationKeys> kOperations = {
    {"column_type",
     {{"$online_table", "$online_column", "$online_type", "$online_up", "$online_down"},
      {"$online_batch_rows", "$online_batch_delay"}}},
    {"set_not_null", {{"$online_table", "$online_column"}, {"$online_name"}}},
    {"check", {{"$online_table", "$online_name", "$online_definition"}, {}}},
    {"foreign_key",
     {{"$online_table", "$online_name", "$online_column", "$online_references"}, {}}},
    {"computed_column",
     {{"$online_table", "$online_column", "$online_type", "$online_up"},
      {"$online_not_null", "$online_batch_rows", "$online_batch_delay"}}},
};

std::string *text_field(OnlineChange &change, const std::string &name) {
    const std::map<std::string, std::string OnlineChange::*> fields = {
        {"$online_table", &OnlineChange::table},
        {"$online_column", &OnlineChange::column},
        {"$online_type", &OnlineChange::type},
        {"$online_up", &OnlineChange::up},
        {"$online_down", &OnlineChange::down},
        {"$online_name", &OnlineChange::constraint_name},
        {"$online_definition", &OnlineChange::definition},
        {"$online_references", &OnlineChange::definition},
    };
    const auto field = fields.find(name);
    return field == fields.end() ? nullptr : &(change.*(field->second));
}

std::string known_operations() {
    std::vector<std::string> names;
    for (const auto &[name, keys] : kOperations) names.push_back(name);
    return join(names, ", ");
}

bool ends_with(const std::string &text, const std::string &tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

struct Line {
    int number;
    std::string value;
};

// `-- shoal $online…=value` lines by name; a repeated name is a problem.
std::map<std::string, Line> declaration_lines(const std::string &file, const std::string &text,
                                              std::vector<Problem> &problems) {
    std::map<std::string, Line> lines;
    int number = 0;
    for (const std::string &line : split_lines(text)) {
        ++number;
        if (line.compare(0, 2, "--") != 0) continue;
        const std::string rest = trim(line.substr(2));
        if (rest.compare(0, 6, "shoal ") != 0) continue;
        const std::string directive = trim(rest.substr(6));
        const size_t equals = directive.find('=');
        if (equals == std::string::npos) continue;
        const std::string name = trim(directive.substr(0, equals));
        if (!is_online_directive(name)) continue;
        if (lines.count(name))
            problems.push_back({{file, number},
                                name + " is declared twice (first at line " +
                                    std::to_string(lines[name].number) + ")"});
        lines[name] = Line{number, trim(directive.substr(equals + 1))};
    }
    return lines;
}

bool parse_count(const std::string &text, int max, int &out) {
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    out = std::stoi(text);
    return out <= max;
}

bool parse_ms(const std::string &text, int &out) {
    const size_t digits = text.find_first_not_of("0123456789");
    const std::string number = text.substr(0, digits);
    const std::string unit = digits == std::string::npos ? "" : text.substr(digits);
    static const std::map<std::string, int> units = {{"", 1}, {"ms", 1}, {"s", 1000}};
    auto factor = units.find(unit);
    int amount = 0;
    if (factor == units.end() || !parse_count(number, 600000, amount)) return false;
    out = amount * factor->second;
    return out <= 600000;
}

// The values the extension splices into SQL as written: into the expand's
// statements and into the sync trigger's body, which then runs on every write
// of the application. Each must be one piece of SQL of its kind and nothing
// more: a `;`, a comment or an unbalanced parenthesis could end the piece and
// carry a statement of its own (`amount) FROM x; DROP TABLE orders; --`),
// and a subquery would run in every write and make the backfill depend on
// other tables.
struct Fragment {
    std::string what;    // "one type", "one SQL expression" …
    std::string before;  // the text it must parse within
    std::string after;
};
const std::map<std::string, Fragment> kFragments = {
    {"$online_type", {"one type", "SELECT (NULL::", ")"}},
    {"$online_up", {"one SQL expression", "SELECT (", ")"}},
    {"$online_down", {"one SQL expression", "SELECT (", ")"}},
    {"$online_definition", {"one SQL condition", "SELECT (", ")"}},
    {"$online_references",
     {"one REFERENCES target", "ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES ", " NOT VALID"}},
};

// Why `value` cannot stand as the fragment `name` is; "" when it can.
std::string fragment_problem(const std::string &name, const std::string &value) {
    const auto fragment = kFragments.find(name);
    if (fragment == kFragments.end()) return "";
    const std::string must = name + " must be " + fragment->second.what + ": ";
    const TokenList tokens = scan_sql(value);
    if (!tokens) return must + "it does not scan (an unterminated quote?)";
    int depth = 0;
    for (size_t i = 0; i < tokens->n_tokens; ++i) {
        switch (tokens->tokens[i]->token) {
            case PG_QUERY__TOKEN__ASCII_59:
                return must + "\";\" ends a statement there";
            case PG_QUERY__TOKEN__SQL_COMMENT:
            case PG_QUERY__TOKEN__C_COMMENT:
                return must + "a comment would hide the rest";
            case PG_QUERY__TOKEN__ASCII_40:
                ++depth;
                break;
            case PG_QUERY__TOKEN__ASCII_41:
                if (--depth < 0) return must + "a \")\" closes what it did not open";
                break;
            case PG_QUERY__TOKEN__SELECT:
            case PG_QUERY__TOKEN__VALUES:
            case PG_QUERY__TOKEN__TABLE:
                return must + "no subquery (the trigger would run it in every write)";
            default:
                break;
        }
    }
    if (depth != 0) return must + "a \"(\" is not closed";
    const ParseTree tree = parse_sql(fragment->second.before + value + fragment->second.after);
    if (!tree.tree) return must + tree.error;
    // Balanced and alone inside the parentheses: one target, one command.
    const PgQuery__Node *statement = tree.tree->stmts[0]->stmt;
    if (statement->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT &&
        statement->alter_table_stmt->n_cmds != 1)
        return must + "one constraint's target, not more commands";
    if (name == "$online_type" &&
        statement->select_stmt->target_list[0]->res_target->val->node_case !=
            PG_QUERY__NODE__NODE_TYPE_CAST)
        return must + "a type name, nothing after it";
    return "";
}

}  // namespace

bool is_online_directive(const std::string &name) { return name.compare(0, 7, "$online") == 0; }

void read_online_declaration(const std::string &file, const std::string &text,
                             const std::vector<Statement> &statements,
                             std::optional<OnlineChange> &online, std::vector<Problem> &problems) {
    std::map<std::string, Line> lines = declaration_lines(file, text, problems);
    if (lines.empty()) return;
    const auto operation = lines.find("$online");
    const Line first = operation != lines.end() ? operation->second : lines.begin()->second;
    const SourceLocation where{file, first.number};
    if (!ends_with(file, ".up.sql")) {
        problems.push_back({where, "an online declaration belongs in a version's .up.sql file"});
        return;
    }
    if (operation == lines.end()) {
        problems.push_back({where, lines.begin()->first + " without -- shoal $online=column_type"});
        return;
    }
    const auto operation_keys = kOperations.find(first.value);
    if (operation_keys == kOperations.end()) {
        problems.push_back({where, "unknown online operation \"" + first.value +
                                       "\" (known: " + known_operations() + ")"});
        return;
    }
    const OperationKeys &keys = operation_keys->second;
    for (const Statement &statement : statements)
        problems.push_back({statement.where,
                            "an online version holds only its declaration; this statement "
                            "belongs in a version of its own"});
    OnlineChange change;
    change.where = where;
    change.operation = first.value;
    bool complete = true;
    for (const std::string &name : keys.required) {
        auto line = lines.find(name);
        if (line == lines.end() || line->second.value.empty()) {
            problems.push_back(
                {where, "online " + change.operation + " needs -- shoal " + name + "=…"});
            complete = false;
        }
    }
    const auto takes = [&](const std::string &name) {
        return std::count(keys.required.begin(), keys.required.end(), name) +
                   std::count(keys.optional.begin(), keys.optional.end(), name) >
               0;
    };
    for (const auto &[name, line] : lines) {
        const SourceLocation at{file, line.number};
        if (name == "$online") continue;
        if (!takes(name)) {
            problems.push_back({at, "unknown online directive " + name + " (for online " +
                                        change.operation + ")"});
            complete = false;
        } else if (name == "$online_batch_rows") {
            if (!parse_count(line.value, 1000000, change.batch_rows) || change.batch_rows == 0)
                problems.push_back({at, name + " must be a count of rows from 1 to 1000000"});
        } else if (name == "$online_batch_delay") {
            if (!parse_ms(line.value, change.batch_delay_ms))
                problems.push_back({at, name + " must be a duration up to 600s (50, 50ms, 2s)"});
        } else if (name == "$online_not_null") {
            if (line.value != "1" && line.value != "0")
                problems.push_back({at, name + " must be 1 or 0"});
            change.not_null = line.value == "1";
        } else if (const std::string problem = fragment_problem(name, line.value);
                   !problem.empty()) {
            problems.push_back({at, problem});
        } else {
            *text_field(change, name) = line.value;
        }
    }
    if (change.operation == "set_not_null" && change.constraint_name.empty())
        change.constraint_name = change.column.substr(0, 50) + "_not_null";
    if (complete && problems.empty()) online = change;
}

std::vector<std::string> constraint_columns(const OnlineChange &change) {
    std::vector<std::string> columns;
    size_t start = 0;
    while (start <= change.column.size()) {
        const size_t comma = std::min(change.column.find(',', start), change.column.size());
        columns.push_back(trim(change.column.substr(start, comma - start)));
        start = comma + 1;
    }
    return columns;
}

bool backfills_rows(const OnlineChange &change) {
    return change.operation == "column_type" || change.operation == "computed_column";
}

std::string mismatched_rows(const std::string &rows, const OnlineChange &change) {
    if (change.operation == "computed_column")
        return rows + " row(s) whose " + change.column + " is not " + change.up;
    return rows + " row(s) whose new column is not up(" + change.column + ")";
}

std::string online_note(const OnlineChange &change) {
    return to_string(change.where) +
           ": note: an online version: pg-mig cannot run it (it would record the version as "
           "applied and change nothing); shoal apply expands and backfills it, shoal complete "
           "contracts it (docs/online.md)";
}

bool hold_at_online(Plan &plan) {
    bool any = false;
    for (NodePlan &node : plan.nodes)
        for (SchemaPlan &schema : node.schemas)
            for (size_t i = 0; i < schema.steps.size(); ++i)
                if (schema.steps[i]->up.online) {
                    schema.steps.resize(i + 1);
                    any = true;
                    break;
                }
    return any;
}

std::string backfill_progress(long long done, long long total, double rows_per_second) {
    std::string text = std::to_string(done) + "/" + std::to_string(total) + " rows";
    if (rows_per_second <= 0 || done >= total) return text;
    const long left_seconds = static_cast<long>(std::ceil((total - done) / rows_per_second));
    return text + ", " + std::to_string(std::llround(rows_per_second)) + " rows/s, about " +
           duration_text(left_seconds * 1000) + " left";
}

std::vector<std::string> not_ready_to_complete(const std::vector<OnlineShard> &shards) {
    std::map<std::string, std::vector<std::string>> by_state;
    for (const OnlineShard &shard : shards)
        if (shard.state != "backfilled")
            by_state[shard.state.empty() ? "not expanded" : shard.state].push_back(
                shard.node + " " + shard.schema);
    std::vector<std::string> lines;
    for (const auto &[state, where] : by_state)
        lines.push_back(std::to_string(where.size()) + " schema(s) " + state + ": " +
                        join(where, ", "));
    return lines;
}

}  // namespace shoal
