// Summary text and JSON of an apply or undo run. The grouping and collapsing
// rules live in the core (report.h); this file only arranges and prints them.
#include "fleet/summary.h"

#include <cstdio>
#include <iostream>
#include <map>

namespace shoal::fleet {

void print_plan(const Plan &plan, bool json, const std::optional<DryRun> &dry) {
    const size_t steps = step_count(plan);
    if (!json || !dry) {
        std::ostream &out = json ? std::cerr : std::cout;
        if (steps)
            out << format_plan(plan);
        else
            out << (dry && !dry->extension.empty()
                        ? "nothing to do on the nodes that have the extension\n"
                        : "nothing to do\n");
        if (dry && !dry->scripts.empty())
            out << join(dry->scripts, ", ") << ": "
                << (dry->before_after.run ? "would run" : "skipped") << " ("
                << dry->before_after.why << ")\n";
        if (dry) out << "dry run: nothing was changed\n";
        out << std::flush;
        return;
    }
    std::map<std::string, std::vector<std::string>> where;  // version → node:schema
    for (const NodePlan &node : plan.nodes)
        for (const SchemaPlan &schema : node.schemas)
            for (const Version *version : schema.steps)
                where[version->name].push_back(node.node + ":" + schema.schema);
    Json versions = Json::array();
    for (const auto &[version, names] : where)
        versions.push_back(
            {{"version", version}, {"schemas", names.size()}, {"where", collapse(names)}});
    Json extension = Json::object();
    for (const auto &[node, sql] : dry->extension) extension[node] = sql;
    std::cout << json_text(json_envelope(
                     dry->command, dry->code,
                     {{"dry", true},
                      {"direction", plan.direction == Direction::Up ? "up" : "down"},
                      {"steps", steps},
                      {"versions", versions},
                      {"before_after",
                       {{"files", dry->scripts},
                        {"run", dry->before_after.run},
                        {"why", dry->before_after.why}}},
                      {"extension", extension},
                      {"errors", Json::array()},
                      {"warnings",
                       json_error_groups(group_errors(schema_errors_of(plan.warnings)))},
                      {"unread", json_unread(dry->unread)},
                      {"standbys", json_standbys(dry->standbys)}}))
              << std::endl;
}

ExitCode exit_code_of(const RunSummary &summary) {
    if (summary.drive.interrupted) return ExitCode::Interrupted;
    if (!summary.drive.cancelled.empty()) return ExitCode::Cancelled;
    if (!summary.drive.errors.empty() || !summary.script_errors.empty() ||
        !summary.run_errors.empty())
        return ExitCode::MigrationFailed;
    if (!summary.drive.lost.empty() || !summary.unreachable.empty() || summary.unconfirmed > 0)
        return ExitCode::Unreachable;
    return ExitCode::Ok;
}

int print_summary(const RunSummary &summary, bool json) {
    const ExitCode code = exit_code_of(summary);
    const DriveResult &drive = summary.drive;
    if (json) {
        // Everything that went wrong, as error objects: the schemas' errors
        // grouped, then each failed round as it is.
        Json errors = json_error_groups(group_errors(drive.errors));
        for (const std::vector<std::string> *messages :
             {&summary.script_errors, &summary.run_errors})
            for (const Json &error : json_messages(*messages)) errors.push_back(error);
        std::cout << json_text(
                         json_envelope(summary.command, code,
                                       {{"done", drive.done},
                                        {"failed", drive.errors.size()},
                                        {"not_done", drive.not_done},
                                        {"unconfirmed", summary.unconfirmed},
                                        {"retries", summary.retries},
                                        {"seconds", json_round(summary.seconds, 3)},
                                        {"interrupted", drive.interrupted},
                                        {"cancelled", json_string_or_null(drive.cancelled)},
                                        {"halted", json_string_or_null(drive.halted)},
                                        {"nothing_to_do", summary.nothing_to_do},
                                        {"digest", json_string_or_null(summary.digest)},
                                        {"schema_errors", json_schema_errors(drive.errors)},
                                        {"script_errors", summary.script_errors},
                                        {"run_errors", summary.run_errors},
                                        {"unreachable", summary.unreachable},
                                        {"lost", drive.lost},
                                        {"notices", json_notices(drive.notices)},
                                        {"grouped_notices", json_grouped_notices(drive.notices)},
                                        {"errors", errors},
                                        {"warnings", Json::array()},
                                        {"unread", json_unread(summary.unread)},
                                        {"standbys", json_standbys(summary.standbys)}}))
                  << std::endl;
        return to_int(code);
    }
    const char *verb = summary.command == "undo" ? "undone" : "applied";
    if (summary.nothing_to_do) {
        std::cout << "nothing to do"
                  << (summary.command == "apply" ? "; before.sql and after.sql skipped" : "")
                  << "\n";
    } else {
        char line[240];
        std::snprintf(line, sizeof line,
                      "%s: %zu %s, %zu failed, %zu not done, %zu retries, in %.1f s",
                      summary.command.c_str(), drive.done, verb, drive.errors.size(),
                      drive.not_done, summary.retries, summary.seconds);
        std::cout << line << "\n";
    }
    if (summary.unconfirmed > 0)
        std::cout << summary.unconfirmed << " more " << verb
                  << " but unconfirmed: their node was lost before its final durable commit (the "
                     "next run reads "
                     "what it kept)\n";
    if (!drive.errors.empty()) {
        std::cout << "errors:\n";
        for (const std::string &group : format_error_groups(drive.errors))
            std::cout << "  " << group << "\n";
    }
    if (!drive.notices.empty()) {
        std::cout << "notices:\n";
        for (const std::string &group : group_notices(drive.notices))
            std::cout << "  " << group << "\n";
    }
    for (const std::string &error : summary.script_errors) std::cout << "error: " << error << "\n";
    for (const std::string &error : summary.run_errors) std::cout << "error: " << error << "\n";
    for (const std::string &node : summary.unreachable)
        std::cout << "skipped (unreachable): " << node << "\n";
    for (const std::string &node : drive.lost) std::cout << "lost during the run: " << node << "\n";
    if (!drive.halted.empty()) std::cout << "halted: " << drive.halted << "\n";
    if (!drive.cancelled.empty())
        std::cout << drive.cancelled
                  << ": versions in flight finished, nothing new started; rerun to finish\n";
    if (drive.interrupted)
        std::cout << "interrupted: in-flight versions were rolled back; rerun to finish\n";
    if (!summary.digest.empty()) std::cout << "digest stored: " << summary.digest << "\n";
    std::cout << (code == ExitCode::Ok ? "Succeeded." : "Failed.") << std::endl;
    return to_int(code);
}

}  // namespace shoal::fleet
