// status and check (verify is in verify.cpp): connect to every node at once,
// read, compare, print. Unreachable nodes are reported, never waited for; the
// exit code says whether the answer covers the whole fleet.
#include "fleet/status.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

#include "digest.h"
#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/online.h"
#include "fleet/queries.h"
#include "fleet/repair.h"
#include "fleet/steer.h"
#include "fleet/summary.h"
#include "last_run.h"
#include "plan.h"
#include "report.h"
#include "status_counts.h"
#include "status_where.h"

namespace shoal::fleet {

std::vector<std::string> skip_standbys(std::vector<Node> &nodes) {
    std::vector<std::string> standbys;
    for (const Node &node : nodes) {
        if (!node.standby) continue;
        standbys.push_back(node.spec.display);
        std::cerr << "shoal: " << node.spec.display
                  << ": skipped (standby): it is in recovery, read-only; its primary's changes "
                     "reach it by "
                     "replication\n";
    }
    nodes.erase(
        std::remove_if(nodes.begin(), nodes.end(), [](const Node &node) { return node.standby; }),
        nodes.end());
    if (nodes.empty())
        std::cerr
            << "shoal: no primary in --hosts: every node listed is a standby; list the primaries\n";
    return standbys;
}

namespace {

// Pending groups a node's text shows; --json has every one.
constexpr size_t kPendingLines = 5;

// The row of queries::kLastRun; nullopt when the node recorded no run.
std::optional<LastRun> last_run_of(const Rows &rows) {
    if (rows.empty()) return std::nullopt;
    const auto &row = rows.rows.front();
    const auto number = [](const std::optional<std::string> &text) -> std::optional<long long> {
        if (!text) return std::nullopt;
        return std::stoll(*text);
    };
    LastRun run;
    run.outcome = rows.value(0, 0);
    run.command = rows.value(0, 1);
    run.scope = rows.value(0, 2);
    run.role = rows.value(0, 3);
    run.started_at = rows.value(0, 4);
    run.finished_at = row.at(5);
    if (row.at(6)) run.seconds = std::stod(*row.at(6));
    run.steps_done = number(row.at(7));
    run.steps_failed = number(row.at(8));
    if (row.at(9)) run.digest_stored = *row.at(9) == "t";
    return run;
}

// Prints why each node that is not usable is left out; true when none is.
bool report_left_out(const std::vector<Node> &nodes) {
    bool none = true;
    for (const Node &node : nodes) {
        if (node.usable) continue;
        none = false;
        std::cerr << "shoal: " << node.spec.display << ": " << node.problem << "\n";
    }
    return none;
}

}  // namespace

std::vector<Node> open_nodes(const Config &config, bool &complete,
                             std::vector<std::string> &standbys) {
    std::vector<Node> nodes = connect_nodes(config.nodes);
    standbys = skip_standbys(nodes);
    check_extensions(usable_nodes(nodes), ExtensionMode::Check);
    complete = report_left_out(nodes);
    return nodes;
}

ExitCode connect_failure_code(const std::vector<Node> &nodes) {
    const bool refused =
        std::any_of(nodes.begin(), nodes.end(), [](const Node &node) { return node.refused; });
    return refused ? ExitCode::Refused : ExitCode::Unreachable;
}

ExitCode left_out_code(const std::vector<Node> &nodes) {
    const bool lacking = std::any_of(nodes.begin(), nodes.end(),
                                     [](const Node &node) { return !node.extension_fix.empty(); });
    return lacking ? ExitCode::ExtensionMissing : connect_failure_code(nodes);
}

std::vector<Unread> unread_of(const std::vector<Node> &nodes) {
    std::vector<Unread> out;
    for (const Node &node : nodes) {
        if (!node.usable) {
            out.push_back(Unread{node.spec.display, "", node.problem});
            continue;
        }
        for (const SchemaState &schema : node.state.schemas)
            if (!schema.problem.empty())
                out.push_back(Unread{node.spec.display, schema.schema, schema.problem});
    }
    return out;
}

int only_standbys(const Config &config, const std::vector<std::string> &standbys) {
    if (config.json)
        std::cout << json_text(json_stopped(command_name(config.command), ExitCode::Usage,
                                            json_messages({"every node listed is a standby; list "
                                                           "the primaries"}),
                                            Json::array(), {}, standbys))
                  << std::endl;
    return to_int(ExitCode::Usage);
}

int command_status(const Config &config, const MigrationDir &dir) {
    bool complete = false;
    std::vector<std::string> standbys;
    std::vector<Node> nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return only_standbys(config, standbys);
    auto usable = usable_nodes(nodes);
    if (!read_stamps(usable)) {
        complete = false;
        for (const Node *node : usable)
            if (!node->usable)
                std::cerr << "shoal: " << node->spec.display << ": " << node->problem << "\n";
    }
    usable = usable_nodes(nodes);
    if (!narrow_to_targets(usable, config.target)) return to_int(ExitCode::Usage);
    const Batch batch{
        // Each schema's latest event, where it is a failure: the version that failed.
        Query{queries::kLatestFailures.text},
        Query{queries::kLastEvent.text},
        Query{queries::kDigest.text},
        Query{queries::kRunLockHolder.text},
        // The newest run the node recorded (extension 1.8).
        Query{queries::kLastRun.text},
    };
    auto outcomes = exchange(controls(usable), std::vector<Batch>(usable.size(), batch));
    const auto steering = read_steering(usable);  // paused or cancelled, by whom, since when, why
    std::vector<NodeState> states;
    for (const Node *node : usable) states.push_back(node->state);
    const Plan plan =
        plan_apply(dir, states, PlanOptions{});  // drift is at odds with the directory

    Json listed = Json::array();
    for (size_t i = 0; i < usable.size(); ++i) {
        const Node &node = *usable[i];
        const Outcome &outcome = outcomes[i];
        if (outcome.error) {
            // Reported below with the nodes that could not be read.
            usable[i]->usable = false;
            usable[i]->problem = "reading its status failed: " + outcome.error->to_string();
            continue;
        }
        std::map<std::string, std::string> failures;  // schema → the version that failed
        std::map<std::string, std::string> recorded;  // schema → what record_failure() stored
        for (const auto &row : outcome.results.at(0).rows) {
            failures[row.at(0).value_or("")] = row.at(1).value_or("");
            recorded[row.at(0).value_or("")] = row.at(2).value_or("");
        }
        // plan.nodes[i] was planned from usable[i].
        const StatusCounts counts =
            count_status(dir, node.state, plan.nodes.at(i), plan.errors, failures);
        std::vector<SchemaError> problems;
        for (const SchemaError &problem : schema_errors_of(plan.errors))
            if (problem.node == node.state.node) problems.push_back(problem);
        std::vector<SchemaError> failed;
        for (const std::string &schema : counts.failed)
            failed.push_back(recorded_failure(node.spec.display, schema, failures.at(schema),
                                              recorded.at(schema)));
        const std::vector<PendingGroup> pending = group_pending(plan.nodes.at(i));
        const bool any_event = !outcome.results.at(1).empty();
        const std::string last_run = any_event ? outcome.results.at(1).value(0, 0) : "";
        const std::string last_role = any_event ? outcome.results.at(1).value(0, 1) : "";
        const std::string digest = outcome.results.at(2).value(0, 0);
        const std::string lock =
            outcome.results.at(3).empty() ? "" : outcome.results.at(3).value(0, 0);
        const std::optional<LastRun> recorded_run = last_run_of(outcome.results.at(4));
        if (config.json) {
            const Json recorded_json = recorded_run ? json_last_run(*recorded_run) : Json(nullptr);
            listed.push_back({{"node", node.spec.display},
                              {"schemas", counts.schemas},
                              {"up_to_date", counts.up_to_date},
                              {"behind", counts.behind},
                              {"failed", counts.failed.size()},
                              {"conflicting", counts.conflicting.size()},
                              {"unreadable", counts.unreadable},
                              {"problems", json_error_groups(group_errors(problems))},
                              {"failed_schemas", counts.failed},
                              {"last_run", json_string_or_null(last_run)},
                              {"digest", json_string_or_null(digest)},
                              {"lock_holder", json_string_or_null(lock)},
                              {"pending", json_pending(pending)},
                              {"failures", json_schema_errors(failed)},
                              {"grouped_failures", json_error_groups(group_errors(failed))},
                              {"last_role", json_string_or_null(last_role)},
                              {"steering", steering_json(steering[i])},
                              {"recorded_run", recorded_json}});
            continue;
        }
        std::cout << node.spec.display << ": " << format_status_counts(counts);
        for (const std::string &problem : format_error_groups(problems))
            std::cout << "\n  problem: " << problem;
        for (const std::string &line : format_pending_lines(pending, kPendingLines))
            std::cout << "\n  pending: " << line;
        for (const std::string &line : format_error_groups(failed))
            std::cout << "\n  failed: " << line;
        // A node whose runs all predate extension 1.8 knows only its last event.
        std::cout << "\n  last run: "
                  << (recorded_run       ? format_last_run(*recorded_run)
                      : last_run.empty() ? "never"
                                         : last_run + " by " + printable(last_role))
                  << "\n  digest: " << (digest.empty() ? "none" : digest)
                  << "\n  run lock: " << (lock.empty() ? "free" : "held by " + lock)
                  << "\n  steering: " << (steering[i] ? format_steering(*steering[i]) : "unknown")
                  << "\n";
    }
    // A node or a schema that could not be read is part of the answer: it is
    // named with its reason, and the answer is not complete.
    const std::vector<Unread> unread = unread_of(nodes);
    complete = complete && unread.empty();
    const ExitCode code = complete ? ExitCode::Ok : left_out_code(nodes);
    if (config.json) {
        std::cout << json_text(json_answer("status", code,
                                           {{"code_digest", code_digest(dir)},
                                            {"complete", complete},
                                            {"nodes", listed}},
                                           Json::array(), unread, standbys))
                  << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        print_online_states(usable_nodes(nodes));
        std::cout << "code digest: " << code_digest(dir) << std::endl;
    }
    return to_int(code);
}

int command_check(const Config &config, const MigrationDir &dir) {
    // No extension: the gate reads what pg-mig's reads, on every node. Stricter
    // than pg-mig's loadDBDigest (the best digest of the nodes that answer):
    // every node must answer, and each must be at the code's digest.
    std::vector<Node> nodes = connect_nodes(config.nodes);
    const std::vector<std::string> standbys = skip_standbys(nodes);
    if (nodes.empty()) return only_standbys(config, standbys);
    const auto reached = usable_nodes(nodes);
    const std::vector<std::optional<std::string>> read = read_digests(reached);
    std::vector<Node *> usable;
    std::vector<std::string> digests;
    for (size_t i = 0; i < reached.size(); ++i) {
        if (!read[i]) continue;
        usable.push_back(reached[i]);
        digests.push_back(*read[i]);
    }
    const bool complete = report_left_out(nodes);
    const std::string wanted = code_digest(dir);
    bool up_to_date = true;
    std::vector<bool> satisfied;
    for (size_t i = 0; i < usable.size(); ++i) {
        satisfied.push_back(digest_satisfies(digests[i], wanted));
        up_to_date = up_to_date && satisfied[i];
        if (!config.json)
            std::cout << usable[i]->spec.display << ": "
                      << (digests[i].empty() ? "no digest" : digests[i])
                      << (satisfied[i] ? " (up to date)" : " (behind)") << "\n";
    }
    const ExitCode code = !complete    ? connect_failure_code(nodes)
                          : up_to_date ? ExitCode::Ok
                                       : ExitCode::NotUpToDate;
    // A node that could not be asked is named in the answer, not only on stderr.
    const std::vector<Unread> unread = unread_of(nodes);
    if (config.json) {
        Json listed = Json::array();
        for (size_t i = 0; i < usable.size(); ++i)
            listed.push_back({{"node", usable[i]->spec.display},
                              {"digest", json_string_or_null(digests[i])},
                              {"up_to_date", satisfied[i]}});
        std::cout << json_text(json_answer("check", code,
                                           {{"code_digest", wanted}, {"nodes", listed}},
                                           Json::array(), unread, standbys))
                  << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        std::cout << "code digest: " << wanted << "\n"
                  << (code == ExitCode::Ok ? "up to date" : "NOT up to date") << std::endl;
    }
    return to_int(code);
}

}  // namespace shoal::fleet
