// Turning results into text: exit codes, problems, collapsed schema lists,
// grouped errors and plan summaries. Builds strings only; the caller prints.
#include "report.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "text.h"

namespace shoal {
namespace {

struct CodeDoc {
    ExitCode code;
    const char *meaning;
};

const std::vector<CodeDoc> &code_docs() {
    static const std::vector<CodeDoc> docs = {
        {ExitCode::Ok, "success (check: the database is up to date)"},
        {ExitCode::MigrationFailed,
         "a version failed on some schema, or a node failed a round of the run (staging, "
         "before.sql/after.sql, "
         "the rerun fingerprint, the digest, a stamp it cannot read); the rest went on"},
        {ExitCode::Usage,
         "usage error: bad command line, environment or shoal.ini; a node behind a transaction "
         "pooler; "
         "every node listed is a standby; an undo not confirmed"},
        {ExitCode::BadMigrations, "the migration directory or the plan has problems; nothing ran"},
        {ExitCode::LockHeld, "another shoal run holds the run lock"},
        {ExitCode::Unreachable,
         "a node could not be reached, could not be read, or dropped out (its steps unconfirmed): "
         "partial run"},
        {ExitCode::NotUpToDate,
         "check: the database digest is behind the code; verify: schemas differ; baseline: "
         "schemas differ from the reference (left alone); chain --check: chain.txt is stale"},
        {ExitCode::ExtensionMissing,
         "the extension is missing or too old on a node; the message gives the SQL to fix it"},
        {ExitCode::Cancelled,
         "cancelled with shoal cancel (or shoal.cancel() on a node); versions in flight finished, "
         "rerun to go on"},
        {ExitCode::Refused,
         "a node refused the connection: authentication failed, its database does not exist, "
         "or libpq rejected its settings (an unknown service); a node that is down is 5"},
        {ExitCode::Internal, "internal error in shoal (please report it)"},
        {ExitCode::Interrupted, "interrupted (SIGINT/SIGTERM); nothing was left half done"},
    };
    return docs;
}

std::string pad_number(long n, const std::map<long, size_t> &widths) {
    std::string digits = std::to_string(n);
    auto width = widths.find(n);
    if (width != widths.end() && digits.size() < width->second) {
        digits.insert(0, width->second - digits.size(), '0');
    }
    return digits;
}

// "1-3,8" for {1,2,3,8} (multi-integer-range's notation), each end zero-padded
// to the width it had.
std::string ranges(const std::set<long> &numbers, const std::map<long, size_t> &widths) {
    std::string out;
    for (auto it = numbers.begin(); it != numbers.end();) {
        long first = *it, last = *it;
        for (++it; it != numbers.end() && *it == last + 1; ++it) last = *it;
        if (!out.empty()) out += ',';
        out += pad_number(first, widths);
        if (last != first) out += "-" + pad_number(last, widths);
    }
    return out;
}

void sort_problems(std::vector<Problem> &problems) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
        return std::tie(a.where.file, a.where.line) < std::tie(b.where.file, b.where.line);
    });
}

// Each notice once per schema: a retried step says it again.
std::vector<SchemaNotice> distinct(const std::vector<SchemaNotice> &notices) {
    std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> seen;
    std::vector<SchemaNotice> out;
    for (const SchemaNotice &notice : notices)
        if (seen.insert(
                    {notice.node, notice.schema, notice.version, notice.severity, notice.message})
                .second)
            out.push_back(notice);
    return out;
}

// Notices as errors to group: "SEVERITY: message", each once per schema.
std::vector<SchemaError> said(const std::vector<SchemaNotice> &notices) {
    std::vector<SchemaError> out;
    for (const SchemaNotice &notice : distinct(notices))
        out.push_back({notice.node, notice.schema, notice.version,
                       notice.severity + ": " + notice.message, ""});
    return out;
}

std::string schemas_phrase(size_t count) {
    return std::to_string(count) + (count == 1 ? " schema" : " schemas");
}

}  // namespace

int to_int(ExitCode code) { return static_cast<int>(code); }

std::string exit_code_table() {
    std::string table;
    for (const CodeDoc &doc : code_docs()) {
        std::string number = std::to_string(to_int(doc.code));
        table += std::string(5 - number.size(), ' ') + number + "  " + doc.meaning + "\n";
    }
    return table;
}

std::string format_problem(const Problem &problem) {
    return to_string(problem.where) + ": " + problem.message;
}

std::string format_problems(std::vector<Problem> problems) {
    sort_problems(problems);
    std::string out;
    for (const Problem &problem : problems) out += format_problem(problem) + "\n";
    return out;
}

std::vector<std::string> collapse(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    struct Group {
        std::set<long> numbers;
        std::map<long, size_t> widths;
    };
    std::vector<std::pair<std::string, Group>> groups;  // in order of first appearance
    for (const std::string &name : names) {
        size_t digits_start = name.size();
        while (digits_start > 0 && name[digits_start - 1] >= '0' && name[digits_start - 1] <= '9') {
            --digits_start;
        }
        size_t digit_count = name.size() - digits_start;
        // Too long to be a counter: keep it whole rather than overflow.
        if (digit_count == 0 || digit_count > 15) {
            out.push_back(name);
            continue;
        }
        std::string stem = name.substr(0, digits_start);
        auto group = std::find_if(groups.begin(), groups.end(),
                                  [&](const auto &g) { return g.first == stem; });
        if (group == groups.end()) group = groups.insert(groups.end(), {stem, Group{}});
        long number = std::stol(name.substr(digits_start));
        group->second.numbers.insert(number);
        group->second.widths[number] = digit_count;
    }
    for (const auto &[stem, group] : groups)
        out.push_back(stem + ranges(group.numbers, group.widths));
    return out;
}

std::string join(const std::vector<std::string> &parts, const std::string &separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
    return out;
}

std::string format_unread(const Unread &unread) {
    if (unread.schema.empty()) return unread.node + ": not read: " + unread.reason;
    return unread.node + ":" + unread.schema + ": stamp not readable: " + unread.reason;
}

Json json_unread(const std::vector<Unread> &unread) {
    Json out = Json::array();
    for (const Unread &entry : unread)
        out.push_back({{"node", entry.node},
                       {"schema", json_string_or_null(entry.schema)},
                       {"reason", entry.reason}});
    return out;
}

Json json_standbys(const std::vector<std::string> &standbys) {
    Json out = Json::array();
    for (const std::string &node : standbys)
        out.push_back({{"node", node},
                       {"reason",
                        "in recovery (a standby): read-only, its primary's changes reach it by "
                        "replication"}});
    return out;
}

std::vector<ErrorGroup> group_errors(const std::vector<SchemaError> &errors) {
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    std::map<Key, std::vector<const SchemaError *>> by_key;
    for (const SchemaError &error : errors)
        by_key[{error.version, error.message, error.hint, error.sqlstate}].push_back(&error);
    std::vector<std::pair<Key, std::vector<const SchemaError *>>> sorted(by_key.begin(),
                                                                         by_key.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        return a.second.size() > b.second.size();
    });
    std::vector<ErrorGroup> groups;
    for (const auto &[key, members] : sorted) {
        ErrorGroup group;
        std::tie(group.version, group.message, group.hint, group.sqlstate) = key;
        const SchemaError &first = *members.front();
        group.detail = first.detail;
        for (const SchemaError *error : members) {
            // A plan problem of no schema (an unknown version) is about no schema.
            if (!error->schema.empty()) group.schemas.emplace_back(error->node, error->schema);
            if (error->detail != first.detail) group.detail_of = first.node + ":" + first.schema;
        }
        groups.push_back(std::move(group));
    }
    return groups;
}

std::string format_error_group(const ErrorGroup &group) {
    // A server's message may quote a schema's name: one group stays one line.
    std::string line = group.file.file.empty() ? "" : to_string(group.file) + ": ";
    if (!group.version.empty()) line += printable(group.version) + ": ";
    line += single_line(group.message);
    std::vector<std::string> where;
    for (const auto &[node, schema] : group.schemas)
        where.push_back(node + ":" + printable(schema));
    if (!where.empty())
        line += " — " + schemas_phrase(where.size()) + ": " + join(collapse(where), ", ");
    if (!group.detail.empty()) {
        // detail_of names the schema raw; shown, it is printable() like the rest.
        const auto &[node, schema] = group.schemas.front();
        line += (group.detail_of.empty() ? "; DETAIL: "
                                         : "; DETAIL (" + node + ":" + printable(schema) + "): ") +
                single_line(group.detail);
    }
    if (!group.hint.empty()) line += "; HINT: " + single_line(group.hint);
    return line;
}

std::vector<std::string> format_error_groups(const std::vector<SchemaError> &errors) {
    std::vector<std::string> lines;
    for (const ErrorGroup &group : group_errors(errors)) lines.push_back(format_error_group(group));
    return lines;
}

Json json_error_group(const ErrorGroup &group) {
    std::vector<std::string> where;
    for (const auto &[node, schema] : group.schemas) where.push_back(node + ":" + schema);
    return {{"version", json_string_or_null(group.version)},
            {"message", group.message},
            {"detail", json_string_or_null(group.detail)},
            {"hint", json_string_or_null(group.hint)},
            {"sqlstate", json_string_or_null(group.sqlstate)},
            {"file", json_string_or_null(group.file.file)},
            {"line", group.file.file.empty() ? Json(nullptr) : Json(group.file.line)},
            {"schemas", group.schemas.size()},
            {"where", collapse(where)},
            {"detail_of", json_string_or_null(group.detail_of)}};
}

Json json_error_groups(const std::vector<ErrorGroup> &groups) {
    Json out = Json::array();
    for (const ErrorGroup &group : groups) out.push_back(json_error_group(group));
    return out;
}

Json json_messages(const std::vector<std::string> &messages) {
    Json out = Json::array();
    for (const std::string &message : messages) {
        ErrorGroup group;
        group.message = message;
        out.push_back(json_error_group(group));
    }
    return out;
}

ErrorGroup error_group_of(const Problem &problem) {
    ErrorGroup group;
    group.message = problem.message;
    group.file = problem.where;
    return group;
}

Json json_problems(std::vector<Problem> problems) {
    sort_problems(problems);
    Json out = Json::array();
    for (const Problem &problem : problems)
        out.push_back(json_error_group(error_group_of(problem)));
    return out;
}

std::vector<SchemaError> schema_errors_of(const std::vector<PlanProblem> &problems) {
    std::vector<SchemaError> errors;
    for (const PlanProblem &problem : problems)
        errors.push_back(
            {problem.node, problem.schema, problem.version, problem.message, "", problem.hint, ""});
    return errors;
}

std::string format_plan_problems(const Plan &plan) {
    std::string out;
    for (const std::string &line : format_error_groups(schema_errors_of(plan.warnings)))
        out += "warning: " + line + "\n";
    for (const std::string &line : format_error_groups(schema_errors_of(plan.errors)))
        out += "error: " + line + "\n";
    return out;
}

Json json_plan_stopped(const std::string &command, const Plan &plan) {
    return json_stopped(command, ExitCode::BadMigrations,
                        json_error_groups(group_errors(schema_errors_of(plan.errors))),
                        json_error_groups(group_errors(schema_errors_of(plan.warnings))));
}

Json json_schema_errors(const std::vector<SchemaError> &errors) {
    Json out = Json::array();
    for (const SchemaError &error : errors)
        out.push_back({{"node", error.node},
                       {"schema", error.schema},
                       {"version", json_string_or_null(error.version)},
                       {"message", error.message},
                       {"detail", json_string_or_null(error.detail)},
                       {"hint", json_string_or_null(error.hint)},
                       {"sqlstate", json_string_or_null(error.sqlstate)}});
    return out;
}

Json json_envelope(const std::string &command, ExitCode code, const Json &fields) {
    Json document = {{"command", json_string_or_null(command)}, {"exit_code", to_int(code)}};
    for (const auto &[key, value] : fields.items()) document[key] = value;
    return document;
}

Json json_answer(const std::string &command, ExitCode code, const Json &fields, const Json &errors,
                 const std::vector<Unread> &unread, const std::vector<std::string> &standbys) {
    Json document = json_envelope(command, code, fields);
    document["errors"] = errors;
    document["unread"] = json_unread(unread);
    document["standbys"] = json_standbys(standbys);
    return document;
}

Json json_stopped(const std::string &command, ExitCode code, const Json &errors,
                  const Json &warnings, const std::vector<Unread> &unread,
                  const std::vector<std::string> &standbys) {
    return json_envelope(command, code,
                         {{"errors", errors},
                          {"warnings", warnings},
                          {"unread", json_unread(unread)},
                          {"standbys", json_standbys(standbys)}});
}

std::vector<std::string> group_notices(const std::vector<SchemaNotice> &notices) {
    return format_error_groups(said(notices));
}

Json json_grouped_notices(const std::vector<SchemaNotice> &notices) {
    return json_error_groups(group_errors(said(notices)));
}

Json json_notices(const std::vector<SchemaNotice> &notices) {
    Json out = Json::array();
    for (const SchemaNotice &notice : distinct(notices))
        out.push_back({{"node", notice.node},
                       {"schema", notice.schema},
                       {"version", notice.version},
                       {"severity", notice.severity},
                       {"message", notice.message}});
    return out;
}

std::string format_plan(const Plan &plan) {
    std::map<std::string, std::vector<std::string>> by_version;
    for (const NodePlan &node : plan.nodes) {
        for (const SchemaPlan &schema : node.schemas) {
            for (const Version *step : schema.steps) {
                by_version[printable(step->name)].push_back(node.node + ":" +
                                                            printable(schema.schema));
            }
        }
    }
    const char *direction = plan.direction == Direction::Up ? "apply" : "undo";
    std::string out;
    for (const auto &[version, where] : by_version) {
        out += std::string(direction) + " " + version + ": " + schemas_phrase(where.size()) + ": " +
               join(collapse(where), ", ") + "\n";
    }
    return out;
}

}  // namespace shoal
