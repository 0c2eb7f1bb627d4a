// status and check (verify is in verify.cpp): connect to every node at once,
// read, compare, print. Unreachable nodes are reported, never waited for; the
// exit code says whether the answer covers the whole fleet.
#include "fleet/status.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>

#include "digest.h"
#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/summary.h"
#include "migration_dir.h"
#include "plan.h"
#include "report.h"

namespace shoal::fleet {

namespace {

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

std::vector<Node> open_nodes(const Config &config, bool &complete) {
    std::vector<Node> nodes = connect_nodes(config.nodes);
    check_extensions(usable_nodes(nodes), ExtensionMode::Check);
    complete = report_left_out(nodes);
    return nodes;
}

ExitCode left_out_code(const std::vector<Node> &nodes) {
    const bool lacking = std::any_of(nodes.begin(), nodes.end(), [](const Node &node) {
        return !node.extension_fix.empty();
    });
    return lacking ? ExitCode::ExtensionMissing : ExitCode::Unreachable;
}

std::vector<Unread> unread_of(const std::vector<Node> &nodes) {
    std::vector<Unread> out;
    for (const Node &node : nodes) {
        if (!node.usable) {
            out.push_back(Unread{node.spec.display, "", node.problem});
            continue;
        }
        for (const SchemaState &schema : node.state.schemas)
            if (!schema.problem.empty()) out.push_back(Unread{node.spec.display, schema.schema, schema.problem});
    }
    return out;
}

namespace {

struct NodeStatus {
    size_t schemas = 0;  // schemas some version applies to
    size_t behind = 0;
    size_t unreadable = 0;  // schemas whose stamp cannot be read
    std::vector<std::string> failed;  // schemas whose latest event is a failure
    std::set<std::string> conflicting;  // schemas apply would refuse (plan errors: unknown version, timeline, drift)
    std::vector<std::string> problems;  // those errors, for people
    std::string last_run, digest, lock;
};

}  // namespace

int command_status(const Config &config, const MigrationDir &dir) {
    bool complete = false;
    std::vector<Node> nodes = open_nodes(config, complete);
    auto usable = usable_nodes(nodes);
    if (!read_stamps(usable)) {
        complete = false;
        for (const Node *node : usable)
            if (!node->usable) std::cerr << "shoal: " << node->spec.display << ": " << node->problem << "\n";
    }
    usable = usable_nodes(nodes);
    const Batch batch{
        Query{"SELECT e.schema FROM (SELECT DISTINCT ON (schema) schema, action FROM shoal.event"
              " ORDER BY schema, id DESC) e WHERE e.action OPERATOR(pg_catalog.=) 'fail' ORDER BY 1",
              {}},
        Query{"SELECT pg_catalog.max(finished_at)::text FROM shoal.event", {}},
        Query{"SELECT shoal.digest()", {}},
        Query{"SELECT holder || ' (pid ' || pid || coalesce(', from ' || client_addr::text, '') || ', since ' ||"
              " since::text || ')' FROM shoal.run_lock",
              {}},
    };
    auto outcomes = exchange(controls(usable), std::vector<Batch>(usable.size(), batch));
    std::vector<NodeState> states;
    for (const Node *node : usable) states.push_back(node->state);
    const Plan plan = plan_apply(dir, states, PlanOptions{false});

    std::string json = "[";
    for (size_t i = 0; i < usable.size(); ++i) {
        const Node &node = *usable[i];
        NodeStatus status;
        for (const SchemaState &schema : node.state.schemas) {
            if (chain_for_schema(dir, schema.schema).empty()) continue;
            ++status.schemas;
            if (!schema.problem.empty()) ++status.unreadable;  // never planned: not up to date either
        }
        status.behind = plan.nodes.at(i).schemas.size();  // planned from usable[i]
        for (const PlanProblem &problem : plan.errors) {
            if (problem.node != plan.nodes.at(i).node) continue;
            if (!problem.schema.empty()) status.conflicting.insert(problem.schema);
            status.problems.push_back(format_plan_problem(problem));
        }
        const Outcome &outcome = outcomes[i];
        if (outcome.error) {
            // Reported below with the nodes that could not be read.
            usable[i]->usable = false;
            usable[i]->problem = "reading its status failed: " + outcome.error->to_string();
            continue;
        }
        for (const auto &row : outcome.results.at(0).rows) status.failed.push_back(row.at(0).value_or(""));
        status.last_run = outcome.results.at(1).value(0, 0);
        status.digest = outcome.results.at(2).value(0, 0);
        if (!outcome.results.at(3).empty()) status.lock = outcome.results.at(3).value(0, 0);
        const size_t not_at_head = status.behind + status.conflicting.size() + status.unreadable;
        const size_t up_to_date = status.schemas - std::min(status.schemas, not_at_head);
        if (config.json) {
            json += std::string(json.size() > 1 ? "," : "") + "{\"node\":" + json_string(node.spec.display) +
                    ",\"schemas\":" + std::to_string(status.schemas) + ",\"up_to_date\":" + std::to_string(up_to_date) +
                    ",\"behind\":" + std::to_string(status.behind) + ",\"failed\":" + std::to_string(status.failed.size()) +
                    ",\"conflicting\":" + std::to_string(status.conflicting.size()) +
                    ",\"unreadable\":" + std::to_string(status.unreadable) +
                    ",\"problems\":" + json_list(status.problems) + ",\"failed_schemas\":[";
            for (size_t f = 0; f < status.failed.size(); ++f) json += (f ? "," : "") + json_string(status.failed[f]);
            json += "],\"last_run\":" + json_string(status.last_run) + ",\"digest\":" + json_string(status.digest) +
                    ",\"lock_holder\":" + json_string(status.lock) + "}";
            continue;
        }
        std::cout << node.spec.display << ": " << status.schemas << " schemas: " << up_to_date << " up to date, "
                  << status.behind << " behind, " << status.failed.size() << " failed";
        if (!status.failed.empty()) {
            std::vector<std::string> names;
            for (const std::string &schema : status.failed) names.push_back(printable(schema));
            std::cout << " (" << join(collapse(names), ",") << ")";
        }
        if (!status.conflicting.empty())
            std::cout << ", " << status.conflicting.size() << " at odds with the directory (apply would refuse)";
        if (status.unreadable) std::cout << ", " << status.unreadable << " whose stamp cannot be read (below)";
        for (const std::string &problem : status.problems) std::cout << "\n  problem: " << problem;
        std::cout << "\n  last run: " << (status.last_run.empty() ? "never" : status.last_run)
                  << "\n  digest: " << (status.digest.empty() ? "none" : status.digest)
                  << "\n  run lock: " << (status.lock.empty() ? "free" : "held by " + status.lock) << "\n";
    }
    // A node or a schema that could not be read is part of the answer: it is
    // named with its reason, and the answer is not complete.
    const std::vector<Unread> unread = unread_of(nodes);
    complete = complete && unread.empty();
    if (config.json) {
        std::cout << "{\"code_digest\":" << json_string(code_digest(dir)) << ",\"complete\":"
                  << (complete ? "true" : "false") << ",\"nodes\":" << json << "],\"unread\":" << json_unread(unread)
                  << "}" << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        std::cout << "code digest: " << code_digest(dir) << std::endl;
    }
    return to_int(complete ? ExitCode::Ok : left_out_code(nodes));
}

int command_check(const Config &config, const MigrationDir &dir) {
    // No extension: the gate reads what pg-mig's reads, on every node. Stricter
    // than pg-mig's loadDBDigest (the best digest of the nodes that answer):
    // every node must answer, and each must be at the code's digest.
    std::vector<Node> nodes = connect_nodes(config.nodes);
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
    for (size_t i = 0; i < usable.size(); ++i) {
        const bool ok = digest_satisfies(digests[i], wanted);
        up_to_date = up_to_date && ok;
        if (!config.json)
            std::cout << usable[i]->spec.display << ": " << (digests[i].empty() ? "no digest" : digests[i])
                      << (ok ? " (up to date)" : " (behind)") << "\n";
    }
    const ExitCode code = !complete ? ExitCode::Unreachable : up_to_date ? ExitCode::Ok : ExitCode::NotUpToDate;
    // A node that could not be asked is named in the answer, not only on stderr.
    const std::vector<Unread> unread = unread_of(nodes);
    if (config.json) {
        std::string nodes_json = "[";
        for (size_t i = 0; i < usable.size(); ++i)
            nodes_json += std::string(i ? "," : "") + "{\"node\":" + json_string(usable[i]->spec.display) +
                          ",\"digest\":" + json_string(digests[i]) + ",\"up_to_date\":" +
                          (digest_satisfies(digests[i], wanted) ? "true" : "false") + "}";
        std::cout << "{\"code_digest\":" << json_string(wanted) << ",\"exit_code\":" << to_int(code)
                  << ",\"nodes\":" << nodes_json << "],\"unread\":" << json_unread(unread) << "}" << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        std::cout << "code digest: " << wanted << "\n"
                  << (code == ExitCode::Ok ? "up to date" : "NOT up to date") << std::endl;
    }
    return to_int(code);
}

}  // namespace shoal::fleet
