// mark, forget and baseline against the fleet: open the nodes, take the run
// lock (not for --dry-run), read the stamps, narrow them to the targets, plan
// (repair_plan.h), for baseline compare each candidate's structure with the
// reference's, then record one schema per node at a time, each schema's
// versions in one transaction (a pipelined batch is one implicit transaction),
// and make a stored digest stale where anything changed.
#include "fleet/repair.h"

#include <deque>
#include <iostream>
#include <map>
#include <set>

#include "digest.h"
#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "fleet/status.h"
#include "json.h"
#include "repair_plan.h"
#include "report.h"

namespace shoal::fleet {

bool all_patterns_match(const Targeting &target, const std::vector<NodeState> &nodes) {
    const auto missing = unmatched(target.schemas, nodes);
    for (const std::string &pattern : missing)
        std::cerr << "shoal: --schemas: \"" << printable(pattern)
                  << "\" matches no schema on any node; nothing ran\n";
    return missing.empty();
}

bool narrow_to_targets(const std::vector<Node *> &nodes, const Targeting &target) {
    std::vector<NodeState> states;
    for (const Node *node : nodes) states.push_back(node->state);
    if (!all_patterns_match(target, states)) return false;
    states = targeted_states(std::move(states), target.schemas);
    for (size_t i = 0; i < nodes.size(); ++i) nodes[i]->state = std::move(states[i]);
    return true;
}

namespace {

// What a repair did (or, with --dry-run, would do), for the report.
struct RepairResult {
    std::vector<std::string> changed;     // "node:schema"
    std::vector<std::string> unchanged;   // already as asked
    std::vector<std::string> differing;   // baseline: structure differs from the reference
    std::vector<SchemaError> left_alone;  // baseline: stamps that contradict the directory
    std::vector<SchemaError> errors;
    std::vector<std::string> lost;  // nodes whose connection broke while recording
    std::set<Node *> changed_on;    // nodes where a stamp changed
    size_t not_done = 0;            // schemas not attempted (lost node, interrupt)
};

class Repair {
  public:
    Repair(const Config &config, const MigrationDir &dir) : config_(config), dir_(dir) {}
    int run();

  private:
    int finish(int code) {
        unlock_run(nodes_);
        return code;
    }
    // A refusal before anything was recorded: said on stderr, and with --json
    // as the envelope with the reason (problems already on stderr go in `errors`).
    int stopped(ExitCode code, const std::vector<std::string> &errors = {});
    // The reference's fingerprint and each step's; steps whose structure
    // differs move to result_.differing. False when a node could not say.
    bool compare_with_reference(RepairPlan &plan, size_t reference_node);
    void record(const std::vector<RepairStep> &steps);
    int report(const std::string &version);

    const Config &config_;
    const MigrationDir &dir_;
    std::vector<Node> nodes_;
    std::vector<Node *> usable_;
    std::vector<std::string> standbys_;
    RepairResult result_;
    bool complete_ = true;
};

std::string where(const Node *node, const std::string &schema) {
    return node->spec.display + ":" + schema;
}

bool Repair::compare_with_reference(RepairPlan &plan, size_t reference_node) {
    std::vector<std::vector<std::string>> names(usable_.size());
    names[reference_node].push_back(config_.reference);
    for (const RepairStep &step : plan.steps) names[step.node].push_back(step.schema);
    std::vector<Batch> batches;
    for (const auto &list : names)
        batches.push_back({Query{queries::kSchemaFingerprints.text, {text_array(list)}}});
    const auto outcomes = exchange(controls(usable_), std::move(batches));
    std::vector<std::map<std::string, std::string>> fingerprints(usable_.size());
    for (size_t i = 0; i < usable_.size(); ++i) {
        if (outcomes[i].error) {
            std::cerr << "shoal: " << usable_[i]->spec.display
                      << ": reading fingerprints failed: " << outcomes[i].error->to_string()
                      << "\n";
            return false;
        }
        for (const auto &row : outcomes[i].results.at(0).rows)
            fingerprints[i][row.at(0).value_or("")] = row.at(1).value_or("");
    }
    const std::string reference = fingerprints[reference_node][config_.reference];
    std::vector<RepairStep> same;
    for (RepairStep &step : plan.steps) {
        if (fingerprints[step.node][step.schema] == reference)
            same.push_back(std::move(step));
        else
            result_.differing.push_back(where(usable_[step.node], step.schema));
    }
    plan.steps = std::move(same);
    return true;
}

void Repair::record(const std::vector<RepairStep> &steps) {
    std::vector<std::deque<const RepairStep *>> queues(usable_.size());
    for (const RepairStep &step : steps) queues[step.node].push_back(&step);
    const bool forget = config_.command == Command::Forget;
    while (!interrupted()) {
        std::vector<Node *> nodes;
        std::vector<const RepairStep *> taken;
        std::vector<Batch> batches;
        for (size_t i = 0; i < usable_.size(); ++i) {
            if (queues[i].empty() || !usable_[i]->usable) continue;
            const RepairStep &step = *queues[i].front();
            queues[i].pop_front();
            Batch batch;
            for (size_t v = 0; v < step.versions.size(); ++v)
                batch.push_back(
                    forget ? Query{queries::kMigForget.text, {step.schema, step.versions[v]}}
                           : Query{queries::kMigMark.text,
                                   {step.schema, step.versions[v], step.checksums[v]}});
            nodes.push_back(usable_[i]);
            taken.push_back(&step);
            batches.push_back(std::move(batch));
        }
        if (nodes.empty()) break;
        const auto outcomes = exchange(controls(nodes), std::move(batches));
        for (size_t i = 0; i < nodes.size(); ++i) {
            const RepairStep &step = *taken[i];
            if (const auto &error = outcomes[i].error) {
                if (nodes[i]->control->state() == Connection::State::Broken) {
                    nodes[i]->usable = false;
                    result_.lost.push_back(nodes[i]->spec.display);
                    ++result_.not_done;
                } else {
                    result_.errors.push_back({nodes[i]->spec.display, step.schema,
                                              step.versions.back(), error->message, error->detail});
                }
                continue;
            }
            // 'already applied' or 'not applied': another session got there first.
            const std::string answer = outcomes[i].results.back().value(0, 0);
            const bool changed = answer == "marked" || answer == "forgotten";
            (changed ? result_.changed : result_.unchanged).push_back(where(nodes[i], step.schema));
            if (changed) result_.changed_on.insert(nodes[i]);
        }
    }
    for (const auto &queue : queues) result_.not_done += queue.size();
}

int Repair::stopped(ExitCode code, const std::vector<std::string> &errors) {
    for (const std::string &error : errors) std::cerr << "shoal: " << error << "\n";
    if (config_.json)
        std::cout << json_text(json_stopped(command_name(config_.command), code,
                                            json_messages(errors), Json::array(), unread_of(nodes_),
                                            standbys_))
                  << std::endl;
    return to_int(code);
}

int Repair::report(const std::string &version) {
    const std::string command = command_name(config_.command);
    const ExitCode code =
        interrupted()                                             ? ExitCode::Interrupted
        : !result_.lost.empty() || !complete_ || result_.not_done ? ExitCode::Unreachable
        : !result_.errors.empty() || !result_.left_alone.empty()  ? ExitCode::MigrationFailed
        : !result_.differing.empty()                              ? ExitCode::NotUpToDate
                                                                  : ExitCode::Ok;
    if (config_.json) {
        std::cout << json_text(json_answer(
                         command, code,
                         {{"version", version},
                          {"reference", json_string_or_null(config_.reference)},
                          {"dry_run", config_.dry},
                          {"changed", result_.changed.size()},
                          {"changed_where", collapse(result_.changed)},
                          {"unchanged", result_.unchanged.size()},
                          {"unchanged_where", collapse(result_.unchanged)},
                          {"differing", result_.differing.size()},
                          {"differing_where", collapse(result_.differing)},
                          {"left_alone", json_error_groups(group_errors(result_.left_alone))},
                          {"schema_errors", json_schema_errors(result_.errors)},
                          {"not_done", result_.not_done},
                          {"lost", result_.lost}},
                         json_error_groups(group_errors(result_.errors)), unread_of(nodes_),
                         standbys_))
                  << std::endl;
        return to_int(code);
    }
    const std::string verb = config_.command == Command::Mark     ? "marked"
                             : config_.command == Command::Forget ? "forgotten"
                                                                  : "recorded up to it";
    const auto count = [](size_t n) {
        return std::to_string(n) + (n == 1 ? " schema" : " schemas");
    };
    const auto list = [&](const std::vector<std::string> &names) {
        return names.empty() ? std::string() : ": " + join(collapse(names), ", ");
    };
    std::cout << command << " " << printable(version) << ": " << count(result_.changed.size())
              << (config_.dry ? " would be " : " ") << verb << list(result_.changed) << "\n";
    if (!result_.unchanged.empty())
        std::cout << "  unchanged (already as asked): " << count(result_.unchanged.size())
                  << list(result_.unchanged) << "\n";
    if (!result_.differing.empty())
        std::cout << "  left alone, structure differs from " << printable(config_.reference) << ": "
                  << count(result_.differing.size()) << list(result_.differing) << "\n";
    for (const std::string &line : format_error_groups(result_.left_alone))
        std::cout << "  left alone: " << line << "\n";
    for (const std::string &line : format_error_groups(result_.errors))
        std::cout << "  error: " << line << "\n";
    if (result_.not_done)
        std::cout << "  not done: " << count(result_.not_done) << " (node lost or interrupted)\n";
    return to_int(code);
}

int Repair::run() {
    const bool forget = config_.command == Command::Forget;
    std::string error;
    const Version *version = find_version(dir_, config_.version);
    // forget also drops versions no longer on disk (the plan's hint for a
    // version removed from the directory); the others need the file's checksum.
    if (!version && !forget) {
        resolve_version(dir_, config_.version, command_name(config_.command), error);
        return stopped(ExitCode::Usage, {error + "; nothing ran"});
    }
    const std::string name = version ? version->name : config_.version;
    nodes_ = open_nodes(config_, complete_, standbys_);
    if (nodes_.empty()) return only_standbys(config_, standbys_);
    if (!complete_ && !config_.skip_unreachable)
        return stopped(left_out_code(nodes_),
                       {"refusing to start with nodes left out (--skip-unreachable runs on the "
                        "others)"});
    usable_ = usable_nodes(nodes_);
    if (usable_.empty()) return stopped(left_out_code(nodes_));
    if (!config_.dry) {
        if (!refuse_transaction_pooling(usable_)) {
            for (const Node *node : usable_)
                if (!node->usable)
                    std::cerr << "shoal: " << node->spec.display << ": " << node->problem << "\n";
            return stopped(ExitCode::Usage);
        }
        const LockResult lock = lock_run(usable_, code_digest(dir_));
        if (!lock.ok) {
            std::vector<std::string> messages;
            for (const std::string &message : lock.messages)
                messages.push_back("run lock: " + message);
            return finish(stopped(lock.held_elsewhere ? ExitCode::LockHeld : ExitCode::Unreachable,
                                  messages));
        }
    }
    if (!read_stamps(usable_)) {
        for (const Node *node : usable_)
            if (!node->usable)
                std::cerr << "shoal: " << node->spec.display << ": " << node->problem << "\n";
        return finish(stopped(ExitCode::Unreachable));
    }
    std::vector<NodeState> all;
    for (const Node *node : usable_) all.push_back(node->state);
    const std::vector<NodeState> states = targeted_states(all, config_.target.schemas);
    if (!all_patterns_match(config_.target, states)) return finish(stopped(ExitCode::Usage));

    RepairPlan plan;
    if (config_.command == Command::Baseline) {
        size_t reference_node = 0;
        const SchemaState *reference = nullptr;
        for (size_t i = 0; i < all.size() && !reference; ++i)
            for (const SchemaState &schema : all[i].schemas)
                if (schema.schema == config_.reference) {
                    reference = &schema;
                    reference_node = i;
                    break;
                }
        if (!reference) {
            return finish(
                stopped(ExitCode::Usage, {"--reference: no schema " + printable(config_.reference) +
                                          " on any node; nothing ran"}));
        }
        if (!has_exactly_up_to(dir_, *reference, *version)) {
            return finish(stopped(
                ExitCode::Usage,
                {"--reference " + printable(config_.reference) + " on " + all[reference_node].node +
                 " must have exactly the versions up to " + name +
                 " applied, to stand for them; bring it there first (shoal apply --nodes N "
                 "--schemas SCHEMA --to VERSION); nothing ran"}));
        }
        plan = plan_baseline(dir_, states, *version);
        result_.left_alone = std::move(plan.refused);
        if (!compare_with_reference(plan, reference_node)) {
            complete_ = false;
            plan.steps.clear();
        }
    } else {
        plan = forget ? plan_forget(dir_, states, name) : plan_mark(dir_, states, *version);
        if (forget && !version && plan.steps.empty() && plan.refused.empty()) {
            return finish(stopped(
                ExitCode::Usage, {"forget: " + printable(name) + " is neither a version in " +
                                  dir_.path + " nor applied in any targeted schema; nothing ran"}));
        }
        if (!plan.refused.empty()) {
            for (const std::string &line : format_error_groups(plan.refused))
                std::cerr << "error: " << line << "\n";
            std::cerr << "shoal: " << command_name(config_.command)
                      << ": nothing changed: narrow the run with --schemas, or repair those "
                         "schemas first\n";
            if (config_.json)
                std::cout << json_text(json_stopped(command_name(config_.command),
                                                    ExitCode::BadMigrations,
                                                    json_error_groups(group_errors(plan.refused))))
                          << std::endl;
            return finish(to_int(ExitCode::BadMigrations));
        }
    }
    result_.unchanged = plan.unchanged;
    if (config_.dry) {
        for (const RepairStep &step : plan.steps)
            result_.changed.push_back(where(usable_[step.node], step.schema));
        return report(name);
    }
    record(plan.steps);
    // A stored code digest no longer says where the fleet is once a stamp changed.
    std::vector<Node *> stale;
    for (Node *node : usable_)
        if (node->usable && result_.changed_on.count(node)) stale.push_back(node);
    const auto outcomes =
        exchange(controls(stale),
                 std::vector<Batch>(stale.size(), Batch{Query{queries::kDigestAfterRepair.text}}));
    for (size_t i = 0; i < stale.size(); ++i)
        if (outcomes[i].error)
            result_.errors.push_back(
                {stale[i]->spec.display, "", "",
                 "marking the digest after-repair failed: " + outcomes[i].error->message, ""});
    return finish(report(name));
}

}  // namespace

int command_repair(const Config &config, const MigrationDir &dir) {
    return Repair(config, dir).run();
}

}  // namespace shoal::fleet
