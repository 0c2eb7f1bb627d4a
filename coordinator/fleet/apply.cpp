// The online commands, as DESIGN.md's "The coordinator's run" lists the steps:
// connect to every node at once, check the extension, take the run lock, read
// the stamps, plan (--dry stops there), stage, before.sql, drive the chains,
// plan again for schemas the run created, after.sql, and store the digest only
// after full success. Each step is one round over all nodes (node.h) or the
// driver's event loop (driver.h); this file only sequences them and decides
// what a failure at each step means for the run.
#include "fleet/apply.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>

#include "digest.h"
#include "last_run.h"
#include "fleet/driver.h"
#include "fleet/dump.h"
#include "fleet/generate.h"
#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/online.h"
#include "fleet/repair.h"
#include "fleet/run_log.h"
#include "fleet/steer.h"
#include "fleet/status.h"
#include "fleet/summary.h"
#include "fleet/trace.h"
#include "fleet/history.h"
#include "fleet/verify.h"
#include "online_change.h"
#include "plan.h"
#include "report.h"
#include "targeting.h"

namespace shoal::fleet {

namespace {

// "commits: synchronous on A (WAL flush 12 µs), asynchronous on B (WAL flush
// 350 µs)": how each usable node's steps commit (commit_mode.h).
std::string commit_modes_note(const std::vector<Node *> &nodes) {
    std::string kinds[2];  // asynchronous, synchronous
    for (const Node *node : nodes) {
        if (!node->usable) continue;
        std::string &list = kinds[node->commits_synchronously ? 1 : 0];
        char flush[48] = "not measured";
        if (node->wal_flush_micros)
            std::snprintf(flush, sizeof flush, "WAL flush %.0f µs", *node->wal_flush_micros);
        list += (list.empty() ? "" : ", ") + node->spec.display + " (" + flush + ")";
    }
    std::string note;
    if (!kinds[1].empty()) note = "synchronous on " + kinds[1];
    if (!kinds[0].empty())
        note += (note.empty() ? "" : "; ") + std::string("asynchronous on ") + kinds[0];
    return note.empty() ? note : "commits: " + note;
}

// pg-mig's digest markers while an undo is under way and after it: a deploy
// gate never mistakes a fleet being undone for one at the code's version.
constexpr const char *kDigestBeforeUndo = "before-undo";
constexpr const char *kDigestAfterUndo = "after-undo";
// A run that creates schemas plans again; bounded in case every round creates more.
constexpr int kMaxRounds = 10;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<NodeState> states_of(const std::vector<Node *> &nodes) {
    std::vector<NodeState> states;
    for (const Node *node : nodes) states.push_back(node->state);
    return states;
}

// Per node still usable, each version its plan runs, once; plan.nodes[i] is planned[i]'s.
bool stage_plan(const std::vector<Node *> &planned, const MigrationDir &dir, const Plan &plan) {
    std::vector<Node *> nodes;
    std::vector<std::vector<StageItem>> items;
    for (size_t i = 0; i < planned.size(); ++i) {
        if (!planned[i]->usable) continue;
        nodes.push_back(planned[i]);
        items.emplace_back();
        std::set<const Version *> seen;
        for (const SchemaPlan &schema : plan.nodes[i].schemas)
            for (const Version *version : schema.steps)
                if (seen.insert(version).second)
                    items.back().push_back(StageItem{version, plan.direction});
    }
    return stage(nodes, dir, items);
}

void add(DriveResult &total, DriveResult round) {
    total.done += round.done;
    for (const auto &[node, count] : round.done_on) total.done_on[node] += count;
    total.not_done += round.not_done;
    total.errors.insert(total.errors.end(), round.errors.begin(), round.errors.end());
    total.notices.insert(total.notices.end(), round.notices.begin(), round.notices.end());
    total.lost.insert(total.lost.end(), round.lost.begin(), round.lost.end());
    total.interrupted = total.interrupted || round.interrupted;
    if (total.cancelled.empty()) total.cancelled = round.cancelled;
    if (total.halted.empty()) total.halted = round.halted;
}

class Migrate {
  public:
    Migrate(const Config &config, const MigrationDir &dir)
        : config_(config),
          dir_(dir),
          up_(config.command != Command::Undo),
          covers_everything_(covers_everything(config.target, dir)),
          progress_(config.json) {
        summary_.command = up_ ? "apply" : "undo";
    }

    int run();

  private:
    // Plans for the usable nodes' targeted schemas, up to --to; planned_[i]
    // is the node of plan.nodes[i].
    Plan make_plan();
    // --schemas items and named canaries that match no schema, --to's schemas
    // already past it: said on stderr; false when the run must not start.
    bool check_targets();
    void report_node_problems();
    bool report_plan_problems(const Plan &plan) const;
    // Records a round's failures in the summary; with `leave_run`, the nodes
    // named are left out of the rest of the run (their steps: not done).
    void record(const std::vector<NodeError> &errors, bool leave_run);
    // Steps of planned nodes that became unusable before the drive: not done.
    void count_left_out(const Plan &plan);
    // How each node the plan gives steps commits them, chosen once per node and
    // run (commit_mode.h), noted and logged; a node lost meanwhile is left out.
    void choose_commit_modes_for(const Plan &plan);
    // Schemas whose stamp the nodes could not read (never planned), once each:
    // failed by name; they join the summary's errors at the end, so that the
    // rest of the run (re-plan rounds included) goes on meanwhile.
    void note_unreadable();
    // Opens --log-json and checks --metrics' directory; false (said why) when one cannot be
    // written.
    bool open_outputs();
    // Every node listed (standbys aside), reached or not.
    std::vector<std::string> node_names() const {
        std::vector<std::string> names;
        for (const Node &node : nodes_) names.push_back(node.spec.display);
        return names;
    }
    int finish(int code);
    // Closes the run's record on every node where it was opened and that
    // still answers.
    void record_outcome(ExitCode code);
    int finish_summary();
    // A run that stops before anything ran: its reasons were printed on
    // stderr; with --json, the document too (`errors`, and the nodes left out).
    int stopped(ExitCode code, const std::vector<std::string> &errors = {});
    // Every node that was reached is still usable (none left out or lost).
    bool all_usable() const;
    // Never reached at the start of the run (not lost later).
    bool unreachable(const Node &node) const {
        return std::find(summary_.unreachable.begin(), summary_.unreachable.end(),
                         node.spec.display) != summary_.unreachable.end();
    }
    bool before_after(const std::optional<Script> &script);

    const Config &config_;
    const MigrationDir &dir_;
    const bool up_;
    // No --schemas, --nodes or --to short of the head: only such a run stores
    // the digest and the rerun fingerprint (targeting.h).
    const bool covers_everything_;
    const Version *to_ = nullptr;  // --to
    // An online version was planned: it stays short of the stamp until
    // `shoal complete`, so the run stores no digest.
    bool holds_online_ = false;
    Progress progress_;
    std::vector<Node> nodes_;
    std::vector<Node *> planned_;
    RunSummary summary_;
    std::set<std::string> reported_;   // nodes whose problem was printed
    std::set<const Node *> left_out_;  // nodes whose planned steps count as not done
    std::set<const Node *> commit_mode_chosen_;
    std::vector<SchemaError> unreadable_;
    std::set<std::pair<std::string, std::string>> unreadable_seen_;  // (node, schema)
    Clock::time_point started_ = Clock::now();
    RunLog run_log_;
    std::set<const Node *> begun_;  // nodes where begin_runs() opened the run's record
};

Plan Migrate::make_plan() {
    planned_ = usable_nodes(nodes_);
    const auto states = targeted_states(states_of(planned_), config_.target.schemas);
    if (!up_) return plan_undo(dir_, states, config_.undo_version);
    Plan plan = plan_apply(dir_, states, PlanOptions{!config_.allow_drift});
    if (to_) cut_plan(plan, *to_);
    // An online version's step is its expand; its backfill follows the chains.
    holds_online_ = hold_at_online(plan) || holds_online_;
    return plan;
}

bool Migrate::check_targets() {
    const auto states = targeted_states(states_of(usable_nodes(nodes_)), config_.target.schemas);
    if (!all_patterns_match(config_.target, states)) return false;
    const auto unknown = unknown_schemas(config_.waves.canary_schemas, states);
    for (const std::string &name : unknown)
        std::cerr << "shoal: --canary: " << printable(name)
                  << " is no targeted schema on any node; nothing ran\n";
    if (!unknown.empty()) return false;
    if (to_) {
        const auto past = past_version(states, *to_);
        if (!past.empty())
            std::cerr << "shoal: --to " << to_->name << ": " << past.size()
                      << " schema(s) already past it, left as they are: "
                      << join(collapse(past), ", ") << "\n";
    }
    return true;
}

// Prints, once per node, why a node stopped being usable.
void Migrate::report_node_problems() {
    for (const Node &node : nodes_)
        if (!node.usable && reported_.insert(node.spec.display).second)
            std::cerr << "shoal: " << node.spec.display << ": " << node.problem << "\n";
}

bool Migrate::report_plan_problems(const Plan &plan) const {
    std::cerr << format_plan_problems(plan);
    return !plan.errors.empty();
}

void Migrate::record(const std::vector<NodeError> &errors, bool leave_run) {
    for (const NodeError &error : errors) {
        summary_.run_errors.push_back(error.message());
        if (!leave_run || !error.node->usable) continue;
        error.node->usable = false;
        error.node->problem = error.problem();
        reported_.insert(error.node->spec.display);  // the summary says it
    }
}

void Migrate::count_left_out(const Plan &plan) {
    for (size_t i = 0; i < planned_.size(); ++i) {
        if (planned_[i]->usable || !left_out_.insert(planned_[i]).second) continue;
        summary_.drive.not_done += step_count(plan.nodes[i]);
    }
}

void Migrate::choose_commit_modes_for(const Plan &plan) {
    // Only where steps will run: a node with nothing to do is not written to.
    std::vector<Node *> stepping;
    for (size_t i = 0; i < planned_.size(); ++i)
        if (planned_[i]->usable && !commit_mode_chosen_.count(planned_[i]) &&
            step_count(plan.nodes[i]) > 0)
            stepping.push_back(planned_[i]);
    if (stepping.empty()) return;
    commit_mode_chosen_.insert(stepping.begin(), stepping.end());
    record(choose_commit_modes(stepping, config_.commit_mode), true);
    count_left_out(plan);
    for (const Node *node : stepping)
        if (node->usable)
            run_log_.commit_mode(node->spec.display, node->commits_synchronously,
                                 node->wal_flush_micros);
    if (const std::string note = commit_modes_note(stepping);
        config_.commit_mode == CommitMode::Auto && !note.empty())
        progress_.note(note);
}

void Migrate::note_unreadable() {
    for (const Node *node : usable_nodes(nodes_))
        for (const SchemaState &schema : node->state.schemas)
            if (!schema.problem.empty() &&
                unreadable_seen_.insert({node->spec.display, schema.schema}).second)
                unreadable_.push_back(SchemaError{node->spec.display, schema.schema, "",
                                                  "its stamp cannot be read: " + schema.problem,
                                                  ""});
}

int Migrate::stopped(ExitCode code, const std::vector<std::string> &errors) {
    if (config_.json)
        std::cout << json_text(json_stopped(summary_.command, code, json_messages(errors),
                                            Json::array(), unread_of(nodes_), summary_.standbys))
                  << std::endl;
    return to_int(code);
}

bool Migrate::open_outputs() {
    std::string error;
    if (!config_.log_json.empty()) run_log_.open(config_.log_json, error);
    if (error.empty() && !config_.metrics.empty()) error = metrics_path_problem(config_.metrics);
    if (!error.empty()) std::cerr << "shoal: " << error << "\n";
    return error.empty();
}

void Migrate::record_outcome(ExitCode code) {
    std::vector<Node *> begun;
    std::vector<RunEnd> ends;
    for (Node &node : nodes_) {
        if (!begun_.count(&node) || node.control->state() != Connection::State::Idle) continue;
        RunEnd end{run_outcome(code)};
        const auto done = summary_.drive.done_on.find(node.spec.display);
        if (done != summary_.drive.done_on.end()) end.steps_done = done->second;
        end.steps_failed = std::count_if(
            summary_.drive.errors.begin(), summary_.drive.errors.end(),
            [&](const SchemaError &error) { return error.node == node.spec.display; });
        end.digest_stored = !summary_.digest.empty();
        begun.push_back(&node);
        ends.push_back(end);
    }
    for (const NodeError &error : end_runs(begun, ends))
        std::cerr << "shoal: " << error.message() << "\n";
    begun_.clear();
}

// Closes the run's record, releases the run lock on every node, reports the
// end of a run that may have changed something (--log-json, --metrics), then
// returns `code`.
int Migrate::finish(int code) {
    record_outcome(static_cast<ExitCode>(code));
    unlock_run(nodes_);
    if (config_.dry) return code;
    summary_.seconds = seconds_since(started_);
    run_log_.run_finished(summary_, code);
    if (!config_.metrics.empty()) {
        const std::string problem = write_metrics(config_.metrics, summary_, code, node_names());
        if (!problem.empty()) std::cerr << "shoal: " << problem << "\n";
    }
    return code;
}

int Migrate::finish_summary() {
    auto &errors = summary_.drive.errors;
    errors.insert(errors.end(), unreadable_.begin(), unreadable_.end());
    unreadable_.clear();
    // Where the chain's transactions committed asynchronously, nothing is
    // reported done before one flushing commit made it durable. It goes to
    // every such node that did steps and still answers on its control
    // connection, a node whose workers were all lost included; a node where it
    // does not confirm (or that could not be asked) confirmed nothing of the
    // run. On a node that commits synchronously every step's own commit was
    // durable when it returned: it is not asked.
    std::vector<Node *> asked;
    for (Node &node : nodes_) {
        const auto done = summary_.drive.done_on.find(node.spec.display);
        const bool did_steps = done != summary_.drive.done_on.end() && done->second > 0;
        if (did_steps && !node.commits_synchronously &&
            node.control->state() == Connection::State::Idle)
            asked.push_back(&node);
    }
    std::set<const Node *> confirmed;
    const std::vector<bool> answers = make_durable(asked);
    for (size_t i = 0; i < asked.size(); ++i)
        if (answers[i]) confirmed.insert(asked[i]);
    for (Node &node : nodes_) {
        // Lost in a round after the drive (after.sql, a write, this commit):
        // the driver did not see it go.
        auto &lost = summary_.drive.lost;
        if (node.control->state() == Connection::State::Broken && !unreachable(node) &&
            std::find(lost.begin(), lost.end(), node.spec.display) == lost.end())
            lost.push_back(node.spec.display);
        auto done = summary_.drive.done_on.find(node.spec.display);
        if (node.commits_synchronously || done == summary_.drive.done_on.end() ||
            confirmed.count(&node))
            continue;
        summary_.drive.done -= done->second;
        summary_.unconfirmed += done->second;
        done->second = 0;
    }
    report_node_problems();
    for (const Node &node : nodes_)
        if (unreachable(node))
            summary_.unread.push_back(Unread{node.spec.display, "", node.problem});
    summary_.drive.interrupted = summary_.drive.interrupted || interrupted();
    summary_.retries = progress_.retries();
    summary_.seconds = seconds_since(started_);
    return finish(print_summary(summary_, config_.json));
}

bool Migrate::before_after(const std::optional<Script> &script) {
    if (!script) return true;
    auto nodes = usable_nodes(nodes_);
    progress_.note("running " + script->path + " on " + std::to_string(nodes.size()) + " node(s)");
    return run_public_script(nodes, *script, summary_.script_errors);
}

bool Migrate::all_usable() const {
    return std::all_of(nodes_.begin(), nodes_.end(),
                       [&](const Node &node) { return node.usable || unreachable(node); });
}

int Migrate::run() {
    if (!config_.target.to.empty()) {
        std::string error;
        to_ = resolve_version(dir_, config_.target.to, "--to", error);
        if (!to_) {
            std::cerr << "shoal: " << error << "; nothing ran\n";
            return stopped(ExitCode::Usage, {error + "; nothing ran"});
        }
    }
    if (!open_outputs()) return stopped(ExitCode::Usage);
    nodes_ = connect_nodes(config_.nodes);
    summary_.standbys = skip_standbys(nodes_);
    if (nodes_.empty())
        return stopped(ExitCode::Usage, {"every node listed is a standby; list the primaries"});
    for (const Node &node : nodes_)
        if (!node.usable) summary_.unreachable.push_back(node.spec.display);
    report_node_problems();
    if (!summary_.unreachable.empty() && !config_.skip_unreachable) {
        const std::string why =
            "refusing to start with unreachable nodes (--skip-unreachable runs on the others)";
        std::cerr << "shoal: " << why << "\n";
        return stopped(connect_failure_code(nodes_), {why});
    }
    if (usable_nodes(nodes_).empty()) {
        // Nothing was read, so nothing can be said to be done or up to date.
        std::cerr << "shoal: no node could be reached; nothing ran\n";
        return finish_summary();
    }
    const ExtensionMode extension = !config_.install_extension ? ExtensionMode::Check
                                    : config_.dry              ? ExtensionMode::Preview
                                                               : ExtensionMode::Install;
    if (!check_extensions(usable_nodes(nodes_), extension)) {
        report_node_problems();
        return stopped(left_out_code(nodes_));
    }
    if (!refuse_transaction_pooling(usable_nodes(nodes_))) {
        report_node_problems();
        return stopped(ExitCode::Usage);
    }
    const std::string digest = code_digest(dir_);
    // A dry run writes nothing, the run lock's record included, and does not
    // keep a real run from starting.
    const LockResult lock = config_.dry ? LockResult{} : lock_run(usable_nodes(nodes_), digest);
    if (!lock.ok) {
        std::vector<std::string> errors;
        for (const std::string &message : lock.messages) {
            errors.push_back("run lock: " + message);
            std::cerr << "shoal: " << errors.back() << "\n";
        }
        return finish(
            stopped(lock.held_elsewhere ? ExitCode::LockHeld : ExitCode::Unreachable, errors));
    }
    if (!config_.dry) {
        // Status tells the last run's outcome from this record: a run that
        // cannot keep one on every node does not start.
        const auto locked = usable_nodes(nodes_);
        const auto failed = begin_runs(locked, summary_.command,
                                       covers_everything_ ? "" : run_scope(config_.target));
        begun_.insert(locked.begin(), locked.end());
        for (const NodeError &error : failed) begun_.erase(error.node);
        if (!failed.empty()) {
            std::vector<std::string> errors;
            for (const NodeError &error : failed) {
                errors.push_back(error.message());
                std::cerr << "shoal: " << errors.back() << "\n";
            }
            return finish(stopped(ExitCode::Unreachable, errors));
        }
    }
    // A pause set before the run holds it too: say so before anything else.
    if (!config_.dry) announce_pause(usable_nodes(nodes_), progress_);
    if (!read_stamps(usable_nodes(nodes_))) {
        report_node_problems();
        return finish(stopped(ExitCode::Unreachable));
    }
    note_unreadable();
    if (!check_targets()) return finish(to_int(ExitCode::Usage));
    // Setup rounds are short; an interrupt during them ends the run before
    // anything is changed.
    if (interrupted()) return finish_summary();
    Plan plan = make_plan();
    if (report_plan_problems(plan)) {
        if (config_.json)
            std::cout << json_text(json_plan_stopped(summary_.command, plan)) << std::endl;
        return finish(to_int(ExitCode::BadMigrations));
    }

    const size_t steps = step_count(plan);
    auto nodes = usable_nodes(nodes_);
    const BeforeAfter scripts =
        before_after_decision(steps, !up_, config_.force, read_fingerprints(nodes, dir_));
    if (config_.dry) {
        DryRun dry;
        dry.command = summary_.command;
        dry.code = summary_.unreachable.empty() ? ExitCode::Ok : ExitCode::Unreachable;
        dry.before_after = scripts;
        dry.unread = unread_of(nodes_);
        dry.standbys = summary_.standbys;
        if (dir_.before) dry.scripts.push_back("before.sql");
        if (dir_.after) dry.scripts.push_back("after.sql");
        for (const Node &node : nodes_)
            if (!node.extension_fix.empty())
                dry.extension.emplace_back(node.spec.display, node.extension_fix);
        report_node_problems();
        print_plan(plan, config_.json, dry);
        return finish(to_int(dry.code));
    }
    if (!scripts.run) {
        // Keep pg-mig's invariant: a fleet with nothing to do carries the
        // digest; not when a stamp could not be read: that schema may lack anything.
        if (up_ && unreadable_.empty() && covers_everything_) {
            const auto failed = set_digests(nodes, digest, "storing the digest");
            record(failed, false);
            if (failed.empty()) summary_.digest = digest;
        }
        summary_.nothing_to_do = true;
        return finish_summary();
    }
    print_plan(plan, config_.json);
    run_log_.run_started(summary_.command, node_names(), steps);
    // A crash from here on must rerun before.sql and after.sql next time; a
    // node where that cannot be made sure of is left out of the run.
    record(write_fingerprints(nodes, std::vector<std::string>(nodes.size(), ""),
                              "clearing the rerun fingerprint"),
           true);
    // During an undo a deploy gate must not pass: a node whose digest still
    // reads the code's is left out.
    if (!up_)
        record(set_digests(usable_nodes(nodes_), kDigestBeforeUndo,
                           std::string("storing the digest ") + kDigestBeforeUndo),
               true);
    count_left_out(plan);

    if (interrupted() || !before_after(dir_.before)) {
        summary_.drive.not_done = steps;
        return finish_summary();
    }
    DriveSettings settings;
    settings.parallelism = config_.parallelism;
    settings.waves = config_.waves;
    settings.max_failures = config_.max_failures;
    settings.lock_policy = config_.lock_policy;
    for (int round = 0; step_count(plan) > 0; ++round) {
        if (round == kMaxRounds) {
            // Each round created schemas that the next one had to migrate.
            summary_.drive.not_done += step_count(plan);
            summary_.run_errors.push_back(
                std::to_string(step_count(plan)) + " steps still planned after " +
                std::to_string(kMaxRounds) +
                " rounds: every round created schemas that match a prefix");
            break;
        }
        choose_commit_modes_for(plan);
        // A node that cannot stage is left out of this run; the others go on.
        nodes = usable_nodes(nodes_);
        if (!stage_plan(planned_, dir_, plan))
            for (const Node *node : nodes)
                if (!node->usable) {
                    summary_.run_errors.push_back(node->spec.display + ": " + node->problem);
                    reported_.insert(node->spec.display);
                }
        count_left_out(plan);
        add(summary_.drive, drive(nodes_, planned_, dir_, plan, settings, progress_, run_log_));
        if (!up_ || !summary_.drive.errors.empty() || summary_.drive.interrupted ||
            !summary_.drive.lost.empty() || !summary_.drive.cancelled.empty())
            break;
        // The run may have created schemas that now match a prefix. If it did
        // not, every planned step is done and there is nothing to read again.
        if (same_schemas(usable_nodes(nodes_))) break;
        if (!read_stamps(usable_nodes(nodes_))) break;
        note_unreadable();
        plan = make_plan();
        if (report_plan_problems(plan)) {
            summary_.script_errors.push_back(
                "the plan for schemas created during the run has problems (above)");
            break;
        }
        // What the run now does beyond the plan it printed first.
        if (step_count(plan) > 0) {
            progress_.note("schemas created during the run match a prefix; planned again:");
            print_plan(plan, config_.json);
        }
    }
    if (summary_.drive.interrupted || interrupted()) {
        summary_.drive.interrupted = true;
        return finish_summary();
    }
    if (!summary_.drive.cancelled.empty()) return finish_summary();
    if (holds_online_) {
        BackfillResult filled =
            backfill(usable_nodes(nodes_), dir_, config_.target, settings, progress_);
        auto &errors = summary_.drive.errors;
        errors.insert(errors.end(), filled.errors.begin(), filled.errors.end());
        summary_.drive.cancelled = filled.cancelled;
        summary_.drive.interrupted = filled.interrupted;
        if (filled.interrupted || !filled.cancelled.empty()) return finish_summary();
    }
    before_after(dir_.after);
    const bool clean = summary_.drive.errors.empty() && summary_.drive.lost.empty() &&
                       summary_.script_errors.empty() && summary_.run_errors.empty() &&
                       unreadable_.empty() && summary_.drive.not_done == 0 && !interrupted() &&
                       all_usable();
    // A narrowed run ran before.sql and after.sql for part of the fleet only:
    // the next full run runs them again.
    if (clean && covers_everything_ && !holds_online_) {
        // Read after after.sql, as pg-mig does: it may have changed the schemas.
        // A node left with an empty fingerprint (its schemas could not be read,
        // or the write failed) reruns before.sql and after.sql next time: safe,
        // but not what this run meant to leave.
        nodes = usable_nodes(nodes_);
        std::vector<std::string> fingerprints;
        for (const NodeFingerprint &fingerprint : read_fingerprints(nodes, dir_))
            fingerprints.push_back(fingerprint.current);
        record(write_fingerprints(nodes, fingerprints, "storing the rerun fingerprint"), false);
        // The digest says every schema reached the head: stored only where
        // that is known, and claimed only when every node confirmed it.
        nodes = usable_nodes(nodes_);
        if (all_usable() && unreadable_.empty()) {
            const std::string stored = up_ ? digest : kDigestAfterUndo;
            const auto failed = set_digests(nodes, stored, "storing the digest");
            record(failed, false);
            if (failed.empty()) summary_.digest = stored;
        }
    }
    return finish_summary();
}

}  // namespace

int run_online_command(const Config &config, const MigrationDir &dir) {
    install_interrupt_handlers();
    // "shoal apply run 1a2b3c4d": the run id run_holder() ends with, so a run's
    // sessions in pg_stat_activity match the holder shoal.run_lock shows.
    const std::string &holder = run_holder();
    set_session_name("shoal " + command_name(config.command) +
                     holder.substr(holder.rfind(" run ")));
    switch (config.command) {
        case Command::Apply:
        case Command::Undo:
            return Migrate(config, dir).run();
        case Command::Status:
            return command_status(config, dir);
        case Command::Check:
            return command_check(config, dir);
        case Command::Verify:
            return command_verify(config, dir);
        case Command::History:
            return command_history(config, dir);
        case Command::Lint:
            return command_trace(config, dir);
        case Command::Mark:
        case Command::Forget:
        case Command::Baseline:
            return command_repair(config, dir);
        case Command::Dump:
            return command_dump(config, dir);
        case Command::Generate:
            return command_generate(config, dir);
        case Command::Complete:
        case Command::Abort:
            return command_online_change(config, dir);
        default:
            std::cerr << "shoal: not an online command\n";
            return to_int(ExitCode::Usage);
    }
}

}  // namespace shoal::fleet
