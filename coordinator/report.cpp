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
         "every node listed is a standby"},
        {ExitCode::BadMigrations, "the migration directory or the plan has problems; nothing ran"},
        {ExitCode::LockHeld, "another shoal run holds the run lock"},
        {ExitCode::Unreachable,
         "a node could not be reached, could not be read, or dropped out (its steps unconfirmed): "
         "partial run"},
        {ExitCode::NotUpToDate,
         "check: the database digest is behind the code; verify: schemas differ"},
        {ExitCode::ExtensionMissing,
         "the extension is missing or too old on a node; the message gives the SQL to fix it"},
        {ExitCode::Cancelled,
         "cancelled with shoal cancel (or shoal.cancel() on a node); versions in flight finished, "
         "rerun to go on"},
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
    std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
        return std::tie(a.where.file, a.where.line) < std::tie(b.where.file, b.where.line);
    });
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
                       {"schema", entry.schema.empty() ? Json(nullptr) : Json(entry.schema)},
                       {"reason", entry.reason}});
    return out;
}

std::vector<std::string> group_errors(const std::vector<SchemaError> &errors) {
    std::map<std::pair<std::string, std::string>, std::vector<const SchemaError *>> groups;
    for (const SchemaError &error : errors)
        groups[{error.version, error.message}].push_back(&error);
    std::vector<std::pair<std::pair<std::string, std::string>, std::vector<const SchemaError *>>>
        sorted(groups.begin(), groups.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        return a.second.size() > b.second.size();
    });
    std::vector<std::string> out;
    for (const auto &[key, members] : sorted) {
        const auto &[version, message] = key;
        std::vector<std::string> where;
        for (const SchemaError *error : members)
            where.push_back(error->node + ":" + printable(error->schema));
        // A server's message may quote a schema's name: one group stays one line.
        std::string line = (version.empty() ? "" : printable(version) + ": ") +
                           single_line(message) + " — " + schemas_phrase(where.size()) + ": " +
                           join(collapse(where), ", ");
        const std::string &detail = members.front()->detail;
        const bool shared =
            std::all_of(members.begin(), members.end(),
                        [&](const SchemaError *error) { return error->detail == detail; });
        if (!detail.empty())
            line += (shared ? "; DETAIL: " : "; DETAIL (" + where.front() + "): ") +
                    single_line(detail);
        out.push_back(line);
    }
    return out;
}

Json json_errors(const std::vector<SchemaError> &errors) {
    Json out = Json::array();
    for (const SchemaError &error : errors)
        out.push_back({{"node", error.node},
                       {"schema", error.schema},
                       {"version", error.version},
                       {"message", error.message},
                       {"detail", error.detail}});
    return out;
}

std::vector<std::string> group_notices(const std::vector<SchemaNotice> &notices) {
    std::vector<SchemaError> said;
    for (const SchemaNotice &notice : distinct(notices))
        said.push_back({notice.node, notice.schema, notice.version,
                        notice.severity + ": " + notice.message, ""});
    return group_errors(said);
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

std::string format_plan_problem(const PlanProblem &problem) {
    std::string where = problem.node;
    if (!problem.schema.empty()) where += (where.empty() ? "" : ":") + printable(problem.schema);
    return where.empty() ? problem.message : where + ": " + problem.message;
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
