// pause, resume and cancel over the fleet, and the steering state as status
// and apply show it. One round per command: each node reads its state, changes
// it (not with --dry-run) and reads it again, in one batch.
#include "fleet/steer.h"

#include <iostream>

#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "fleet/status.h"
#include "report.h"
#include "text.h"

namespace shoal::fleet {

namespace {

Steering steering_of(const Rows &rows) {
    return Steering{rows.value(0, 0), rows.value(0, 1), rows.value(0, 2), rows.value(0, 3),
                    rows.value(0, 4)};
}

// The statement that makes the change, and whether it would change `now`.
struct Change {
    const queries::Sql &sql;
    bool (*changes)(const Steering &now);
};

Change change_of(Command command) {
    switch (command) {
        case Command::Pause:
            return {queries::kPause, [](const Steering &now) { return now.state == "running"; }};
        case Command::Resume:
            return {queries::kResume, [](const Steering &now) { return now.state != "running"; }};
        default:  // Cancel: only where a run holds the lock, which the next run clears anyway.
            return {queries::kCancelRun, [](const Steering &now) {
                        return now.state != "cancelled" && !now.run.empty();
                    }};
    }
}

// The line a node gets: what it is now, and what the command did there.
std::string node_line(Command command, bool dry, bool changes, const Steering &before,
                      const std::optional<Steering> &after) {
    const std::string verb = command_name(command);
    if (dry)
        return "now " + format_steering(before) + "; " +
               (changes ? "would " + verb : std::string("nothing to change"));
    if (command == Command::Cancel && before.run.empty())
        return "no run in progress, nothing to cancel; " + format_steering(*after);
    return format_steering(*after) + (changes ? "" : " (unchanged)");
}

std::string closing_line(Command command, bool dry, size_t changed, size_t nodes) {
    if (dry)
        return "dry run: " + std::to_string(changed) + " of " + std::to_string(nodes) +
               " node(s) would change; nothing changed";
    switch (command) {
        case Command::Pause:
            return "paused: a run starts no new schema transaction until `shoal resume`";
        case Command::Resume:
            return "resumed: every node reached is running";
        default:
            return changed == 0 ? "no run in progress: nothing cancelled"
                                : "cancelled the run on " + std::to_string(changed) +
                                      " node(s): versions in flight finish, nothing new starts";
    }
}

}  // namespace

std::vector<std::optional<Steering>> read_steering(std::vector<Node *> nodes) {
    const auto outcomes = exchange(
        controls(nodes), std::vector<Batch>(nodes.size(), {Query{queries::kSteering.text}}));
    std::vector<std::optional<Steering>> steering;
    for (const Outcome &outcome : outcomes) {
        if (outcome.error || outcome.results.empty() || outcome.results[0].empty())
            steering.emplace_back();
        else
            steering.push_back(steering_of(outcome.results[0]));
    }
    return steering;
}

std::string format_steering(const Steering &steering) {
    if (steering.state == "running") return "running";
    return steering.state + " by " + steering.by + " since " + steering.since +
           (steering.reason.empty() ? "" : ": " + single_line(steering.reason));
}

Json steering_json(const std::optional<Steering> &steering) {
    if (!steering) return nullptr;
    const auto or_null = [](const std::string &value) -> Json {
        return value.empty() ? Json(nullptr) : Json(value);
    };
    return {{"state", steering->state},
            {"by", steering->by},
            {"since", steering->since},
            {"reason", or_null(steering->reason)}};
}

void announce_pause(const std::vector<Node *> &nodes, Progress &progress) {
    const auto steering = read_steering(nodes);
    for (size_t i = 0; i < nodes.size(); ++i)
        if (steering[i] && steering[i]->state == "paused")
            progress.note("the fleet is paused: " + nodes[i]->spec.display + " " +
                          format_steering(*steering[i]) +
                          "; this run starts no schema transaction until `shoal resume`");
}

int run_steering_command(const Config &config) {
    install_interrupt_handlers();
    set_session_name("shoal " + command_name(config.command));
    bool complete = false;
    std::vector<std::string> standbys;
    std::vector<Node> nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return only_standbys(config, standbys);
    const std::vector<Node *> usable = usable_nodes(nodes);
    const Change change = change_of(config.command);
    const std::optional<std::string> reason = config.reason;
    Batch batch{Query{queries::kSteering.text}};
    if (!config.dry) {
        batch.push_back(Query{change.sql.text, {reason}});
        batch.push_back(Query{queries::kSteering.text});
    }
    const auto outcomes = exchange(controls(usable), std::vector<Batch>(usable.size(), batch));

    Json listed = Json::array();
    size_t changed = 0, answered = 0;
    for (size_t i = 0; i < usable.size(); ++i) {
        Node &node = *usable[i];
        const Outcome &outcome = outcomes[i];
        if (outcome.error || outcome.results.size() != batch.size()) {
            node.usable = false;
            node.problem = command_name(config.command) +
                           " failed: " + (outcome.error ? outcome.error->to_string() : "no answer");
            std::cerr << "shoal: " << node.spec.display << ": " << node.problem << "\n";
            complete = false;
            continue;
        }
        ++answered;
        const Steering before = steering_of(outcome.results.front());
        std::optional<Steering> after;
        if (!config.dry) after = steering_of(outcome.results.back());
        const bool changes = config.dry ? change.changes(before) : before.state != after->state;
        changed += changes;
        if (config.json) {
            listed.push_back({{"node", node.spec.display},
                              {"changed", changes},
                              {"run", before.run.empty() ? Json(nullptr) : Json(before.run)},
                              {"before", steering_json(before)},
                              {"after", steering_json(after)}});
            continue;
        }
        std::cout << node.spec.display << ": "
                  << node_line(config.command, config.dry, changes, before, after) << "\n";
    }
    const std::vector<Unread> unread = unread_of(nodes);
    complete = complete && unread.empty();
    const ExitCode code = complete ? ExitCode::Ok : left_out_code(nodes);
    if (config.json) {
        std::cout << json_text(json_answer(command_name(config.command), code,
                                           {{"dry_run", config.dry},
                                            {"reason", reason ? Json(*reason) : Json(nullptr)},
                                            {"complete", complete},
                                            {"nodes", listed}},
                                           Json::array(), unread, standbys))
                  << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        if (answered > 0) std::cout << closing_line(config.command, config.dry, changed, answered);
        std::cout << std::endl;
    }
    return to_int(code);
}

}  // namespace shoal::fleet
