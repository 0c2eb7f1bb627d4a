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
