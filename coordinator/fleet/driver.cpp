// The chain driver: the connections and the phases of a step. Which step runs
// next, and what an ending step means for the rest, is the scheduler's
// (schedule.h: units, semaphores, backoff, waves, steering); this file tells it
// what happened and does what it decides. Two kinds of small state machines,
// advanced by one loop:
//
//   Worker  one connection of one node: Connecting, Joining (shoal.join_run:
//           the connection becomes a member of the run, so no other run can
//           start on the node while it lives), Idle, then the phases of a
//           step (Transaction, Recording; for solo versions
//           SoloPrepare, SoloDrop, SoloStatement, then the recording
//           transaction; for versions holding \getenv values only that
//           transaction: DirectRecord, DirectStatements, DirectRollback, then
//           SoloReset; after a lock timeout, LockHolders: who holds locks in
//           the schema, for the retry's note or the failure),
//           Delaying ($delay), Closed.
//   Control per node, the steering state its shoal.control_state() last gave
//           (Unknown until first read), asked again every kControlPoll on the
//           node's control connection.
//
// Each turn: promote due backoffs, read and ask the control states, let every
// worker whose connection is not busy take its next phase, start the next wave
// when the current one is finished, give every idle worker the unit the
// scheduler admits, then one poll() over every socket with a timeout from the
// nearest deadline. Durable state is only ever the schema's own stamp, written
// in the version's transaction: nothing here needs to survive a crash.
#include "fleet/driver.h"

#include "fleet/online.h"
#include "fleet/queries.h"
#include "resolve.h"
#include "schedule.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <regex>

namespace shoal::fleet {

namespace {

// When no step has started or ended for this long, the progress output says what
// the run waits for, read from pg_stat_activity at most every kWaitPoll.
constexpr auto kStallAfter = std::chrono::seconds(3);
constexpr auto kWaitPoll = std::chrono::seconds(1);

enum class Phase {
    Connecting,
    Joining,
    Idle,
    Transaction,
    Recording,
    SoloPrepare,
    SoloDrop,
    SoloStatement,
    SoloReset,
    DirectRecord,
    DirectStatements,
    DirectRollback,
    LockHolders,
    Delaying,
    Closed,
};

// The settings a transaction step runs with. A connection keeps them at session
// level and sends them again only when they change (a version's directives), or
// after a rollback or a session reset, when they are not known.
struct StepSettings {
    int lock_ms = 0;
    int statement_ms = 0;
    bool synchronous_commit = false;
    bool operator==(const StepSettings &other) const {
        return lock_ms == other.lock_ms && statement_ms == other.statement_ms &&
               synchronous_commit == other.synchronous_commit;
    }
    bool operator!=(const StepSettings &other) const { return !(*this == other); }
};

struct Worker {
    size_t node = 0;
    std::unique_ptr<Connection> connection;
    Phase phase = Phase::Connecting;
    const Unit *unit = nullptr;  // the schedule's unit whose step it runs
    Clock::time_point delay_until{};
    std::vector<std::string> drops;           // solo: leftover indexes still to drop
    size_t solo_next = 0;                     // solo: next statement
    std::optional<DbError> error;             // the step's failure, while rolling back / resetting
    std::optional<StepSettings> session;      // what the connection's session is known to have
    int backend_pid = 0;                      // its server process, once joined
    Clock::time_point step_started{};         // when its running step was sent
    std::optional<std::string> lock_holders;  // after a lock timeout: who held locks, "" unknown
};

// The control_state() query that reads one node's steering.
struct Control {
    bool asking = false;        // a control_state() query is in flight
    bool asking_waits = false;  // ... and the wait events of the node's steps
    Clock::time_point next_ask{};
    Clock::time_point next_wait_ask{};
};

// The file:line the extension puts in an error's context, so identical errors
// of different schemas group together and still say where they come from.
std::string error_text(const DbError &error) {
    static const std::regex location(R"(([^\s"]+\.sql:\d+))");
    std::smatch match;
    std::string text = error.message;
    if (std::regex_search(error.context, match, location)) text += " at " + match.str(1);
    return text;
}

// kLockHolders' rows in words: `pid 1234 (role app, application_name "psql",
// transaction since 2026-12-02 03:20:01 UTC, 12 s, idle in transaction)`.
std::string lock_holders_text(const Rows &rows) {
    std::string text;
    for (size_t row = 0; row < rows.rows.size(); ++row) {
        std::string about = "role " + rows.value(row, 1) + ", application_name \"" +
                            printable(rows.value(row, 2)) + "\"";
        if (!rows.value(row, 3).empty())
            about +=
                ", transaction since " + rows.value(row, 3) + " UTC, " + rows.value(row, 4) + " s";
        if (!rows.value(row, 5).empty()) about += ", " + rows.value(row, 5);
        text += (text.empty() ? "" : "; ") + std::string("pid ") + rows.value(row, 0) + " (" +
                about + ")";
    }
    return text;
}

// What the scheduler needs of the nodes, and which node each NodePlan is.
std::vector<ScheduledNode> scheduled_nodes(const std::vector<Node> &nodes) {
    std::vector<ScheduledNode> scheduled;
    for (const Node &node : nodes) scheduled.push_back(ScheduledNode{node.host, node.usable});
    return scheduled;
}

std::vector<size_t> node_of_plan(const std::vector<Node> &nodes,
                                 const std::vector<Node *> &planned) {
    std::vector<size_t> node_of;
    for (const Node *node : planned) node_of.push_back(static_cast<size_t>(node - nodes.data()));
    return node_of;
}

class Driver {
  public:
    Driver(std::vector<Node> &nodes, const std::vector<Node *> &planned, const MigrationDir &dir,
           const Plan &plan, const DriveSettings &settings, Progress &progress,
           RunObserver &observer)
        : nodes_(nodes),
          dir_(dir),
          plan_(plan),
          settings_(settings),
          progress_(progress),
          observer_(observer),
          random_(std::random_device{}()),
          schedule_(plan, dir, scheduled_nodes(nodes), node_of_plan(nodes, planned),
                    ScheduleSettings{plan.direction, settings.lock_policy, settings.waves,
                                     settings.max_failures},
                    [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }) {}

    DriveResult run();

  private:
    bool up() const { return plan_.direction == Direction::Up; }
    const Version &version_of(const Unit &unit) const { return schedule_.version_of(unit); }
    const Script &script_of(const Unit &unit) const { return schedule_.script_of(unit); }
    std::string where(const Worker &worker) const {
        return nodes_[worker.node].spec.display + " " + printable(worker.unit->plan->schema) + " " +
               printable(version_of(*worker.unit).name);
    }
    StepRef step_of(const Worker &worker) const {
        return StepRef{nodes_[worker.node].spec.display, worker.unit->plan->schema,
                       version_of(*worker.unit).name};
    }
    double seconds_running(const Worker &worker) const {
        return std::chrono::duration<double>(Clock::now() - worker.step_started).count();
    }

    void build();
    bool stopping() const { return schedule_.stopping(); }
    void poll_controls(Clock::time_point now);
    void read_control(size_t node, Outcome outcome);
    void update_steering();
    bool stalled(Clock::time_point now) const {
        return schedule_.in_flight() > 0 && now - last_moved_ >= kStallAfter;
    }
    std::vector<std::string> busy_pids(size_t node) const;
    void read_waits(const Rows &rows);
    void report_waiting(Clock::time_point now);
    void report_retry_wait(Clock::time_point now);
    void next_wave();
    void admit(Worker &worker);
    void start_step(Worker &worker);
    void advance(Worker &worker, Clock::time_point now);
    void on_batch(Worker &worker, Outcome outcome);
    void keep_notices(const Worker &worker, const std::vector<DbNotice> &notices);
    void continue_solo(Worker &worker);
    StepSettings settings_of(const Worker &worker, const Script &script) const;
    // The synchronous_commit value the worker's node commits steps with.
    const std::string &synchronous_commit_of(const Worker &worker) const;
    void start_direct(Worker &worker);
    void on_direct(Worker &worker, Outcome outcome);
    void reset_solo(Worker &worker, std::optional<DbError> error);
    void step_succeeded(Worker &worker);
    void finish_step(Worker &worker);
    void step_failed(Worker &worker);
    void ask_lock_holders(Worker &worker);
    void close(Worker &worker);
    void joined(Worker &worker, const Outcome &outcome);
    void lose_node(size_t node, const std::string &problem);
    bool idle() const;
    Clock::time_point next_deadline(Clock::time_point now) const;

    std::vector<Node> &nodes_;
    const MigrationDir &dir_;
    const Plan &plan_;
    const DriveSettings &settings_;
    Progress &progress_;
    RunObserver &observer_;

    std::mt19937 random_;
    Schedule schedule_;
    std::vector<Worker> workers_;
    std::vector<Control> controls_;       // per node
    std::vector<NodeSteering> steering_;  // per node, as its control_state() last said
    bool interrupt_seen_ = false;
    Clock::time_point last_moved_ = Clock::now();  // a step started or ended
    std::map<int, std::string> waits_;             // server pid → what it waits for ("" running)
    DriveResult result_;
};

void Driver::build() {
    std::vector<size_t> units_per_node(nodes_.size());
    for (const Unit &unit : schedule_.units()) {
        ++units_per_node[unit.node];
        progress_.add_total(unit.plan->steps.size());
    }
    const Waves &waves = schedule_.waves();
    if (waves.labels.size() > 1) {
        progress_.note(waves.labels[0] + ": " + std::to_string(waves.sizes[0]) + " schema(s)");
        observer_.wave_started(waves.labels[0], waves.sizes[0]);
    }
    controls_.resize(nodes_.size());
    steering_.resize(nodes_.size());
    for (size_t node = 0; node < nodes_.size(); ++node) {
        const int wanted =
            settings_.parallelism > 0 ? settings_.parallelism : nodes_[node].default_parallelism;
        const size_t count_here = std::min<size_t>(std::max(wanted, 1), units_per_node[node]);
        for (size_t i = 0; i < count_here; ++i) {
            Worker worker;
            worker.node = node;
            worker.connection =
                std::make_unique<Connection>(nodes_[node].spec.conninfo, nodes_[node].spec.display);
            worker.connection->step();
            workers_.push_back(std::move(worker));
        }
    }
}

void Driver::admit(Worker &worker) {
    worker.unit = schedule_.admit(worker.node);
    if (worker.unit) start_step(worker);
}

void Driver::start_step(Worker &worker) {
    const Unit &unit = *worker.unit;
    const Version &version = version_of(unit);
    const Script &script = script_of(unit);
    const std::string &schema = unit.plan->schema;
    const StepSettings wanted = settings_of(worker, script);
    const int lock_ms = wanted.lock_ms, statement_ms = wanted.statement_ms;
    worker.error.reset();
    worker.lock_holders.reset();
    worker.step_started = last_moved_ = Clock::now();
    observer_.step_started(step_of(worker));
    if (!script.solo && script.from_environment()) return start_direct(worker);
    if (!script.solo) {
        worker.phase = Phase::Transaction;
        // The step's transaction is the batch's implicit one: what the extended
        // protocol runs before a Sync commits together or not at all, so a step
        // needs no BEGIN and COMMIT to parse and run (3 % of an apply).
        Batch batch;
        // Session-level but inside the step's transaction: kept by its commit,
        // undone by a rollback. synchronous_commit: the node's (commit_mode.h).
        if (worker.session != wanted) {
            batch.push_back(Query{queries::kStepSessionSettings.text,
                                  {std::to_string(lock_ms), std::to_string(statement_ms),
                                   synchronous_commit_of(worker)}});
            worker.session = wanted;
        }
        // An online version's step is its expand (fleet/online.h).
        if (up() && script.online)
            batch.push_back(online_expand_step(schema, version));
        else
            batch.push_back(up() ? Query{queries::kMigApply.text,
                                         {schema, version.name, script.checksum},
                                         "shoal_apply"}
                                 : Query{queries::kMigUndo.text,
                                         {schema, version.name, script.checksum},
                                         "shoal_undo"});
        worker.connection->send(std::move(batch));
        return;
    }
    // Solo: session settings on this connection (reset at the end), and the
    // names of leftovers of an earlier attempt: INVALID indexes this script
    // builds, or any index of such a name when the statement lacks IF NOT
    // EXISTS (it would fail on it, and the version is not recorded, so the
    // index is that attempt's).
    std::vector<std::string> any_state, invalid_only;
    for (const Statement &statement : script.statements)
        if (!statement.concurrent_index.empty())
            (statement.concurrent_index_if_not_exists ? invalid_only : any_state)
                .push_back(statement.concurrent_index);
    worker.phase = Phase::SoloPrepare;
    worker.solo_next = 0;
    worker.connection->send(Batch{
        Query{queries::kSchemaSessionSettings.text,
              {worker.connection->quote_ident(schema), std::to_string(lock_ms),
               std::to_string(statement_ms)}},
        Query{queries::kLeftoverIndexes.text,
              {schema, text_array(any_state), text_array(invalid_only)}},
    });
}

StepSettings Driver::settings_of(const Worker &worker, const Script &script) const {
    return StepSettings{settings_.lock_policy.under(script.directives).lock_timeout_ms,
                        settings_.statement_timeout_for(script.directives),
                        nodes_[worker.node].commits_synchronously};
}

const std::string &Driver::synchronous_commit_of(const Worker &worker) const {
    static const std::string off = "off";
    const Node &node = nodes_[worker.node];
    return node.commits_synchronously ? node.synchronous_level : off;
}

// The recording transaction, for what mig_apply cannot run from the staged
// script: a solo version's statements after its solo part (pg-mig's `COMMIT; …
// BEGIN; …`; none for a plain solo version), and a whole version holding what
// \getenv read (Script::from_environment: staged masked, shoal.script never
// stores values, and its checksum is the same under any value). One
// transaction that first records the version (mig_mark; mig_forget for undo)
// under the schema lock, so the stamp's checks come before anything runs, then
// runs statements [transaction_from, end); a failure rolls both back.
void Driver::start_direct(Worker &worker) {
    const Unit &unit = *worker.unit;
    const std::string &schema = unit.plan->schema;
    const Version &version = version_of(unit);
    const StepSettings wanted = settings_of(worker, script_of(unit));
    const int lock_ms = wanted.lock_ms, statement_ms = wanted.statement_ms;
    worker.phase = Phase::DirectRecord;
    worker.connection->send(Batch{
        Query{queries::kBegin.text},
        Query{queries::kSchemaLocalSettings.text,
              {worker.connection->quote_ident(schema), std::to_string(lock_ms),
               std::to_string(statement_ms)}},
        up() ? Query{queries::kMigMark.text, {schema, version.name, script_of(unit).checksum}}
             : Query{queries::kMigForget.text, {schema, version.name}},
    });
}

void Driver::on_direct(Worker &worker, Outcome outcome) {
    const Script &script = script_of(*worker.unit);
    switch (worker.phase) {
        case Phase::DirectRecord: {
            const std::string recorded = outcome.error ? "" : outcome.results.at(2).value(0, 0);
            if (outcome.error || (recorded != "marked" && recorded != "forgotten")) {
                // An error, or nothing to do ('already applied', 'not applied').
                worker.error = outcome.error;
                worker.phase = Phase::DirectRollback;
                worker.connection->send(Batch{Query{queries::kRollback.text}});
                return;
            }
            Batch batch{Query{queries::kRunAsOwner.text, {worker.unit->plan->schema}}};
            for (size_t i = script.transaction_from; i < script.statements.size(); ++i)
                batch.push_back(Query{script.statements[i].sql, {}});
            batch.push_back(
                Query{queries::kLocalSynchronousCommit.text, {synchronous_commit_of(worker)}});
            batch.push_back(Query{queries::kCommit.text});
            worker.phase = Phase::DirectStatements;
            worker.connection->send(std::move(batch));
            return;
        }
        case Phase::DirectStatements:
            if (!outcome.error) return reset_solo(worker, std::nullopt);
            // Each query that succeeded left one result, the role's first: the
            // count less one is the failing statement's place after transaction_from.
            if (!outcome.results.empty() &&
                script.transaction_from + outcome.results.size() - 1 < script.statements.size())
                outcome.error->context =
                    stored_location(
                        dir_.path,
                        script.statements[script.transaction_from + outcome.results.size() - 1]
                            .where) +
                    "\n" + outcome.error->context;
            worker.error = outcome.error;
            worker.phase = Phase::DirectRollback;
            worker.connection->send(Batch{Query{queries::kRollback.text}});
            return;
        default:  // DirectRollback
            reset_solo(worker, worker.error);
    }
}

void Driver::continue_solo(Worker &worker) {
    const Unit &unit = *worker.unit;
    const Script &script = script_of(unit);
    const std::string &schema = unit.plan->schema;
    if (!worker.drops.empty()) {
        const std::string index = worker.drops.back();
        worker.drops.pop_back();
        worker.phase = Phase::SoloDrop;
        worker.connection->send(Batch{Query{queries::drop_leftover_index(
            worker.connection->quote_ident(schema), worker.connection->quote_ident(index))}});
    } else if (worker.solo_next < script.transaction_from) {
        worker.phase = Phase::SoloStatement;
        worker.connection->send(Batch{Query{script.statements[worker.solo_next].sql, {}}});
    } else {
        start_direct(worker);
    }
}

void Driver::reset_solo(Worker &worker, std::optional<DbError> error) {
    worker.error = std::move(error);
    worker.session.reset();
    worker.phase = Phase::SoloReset;
    worker.connection->send(session_reset());
}

void Driver::on_batch(Worker &worker, Outcome outcome) {
    keep_notices(worker, outcome.notices);
    switch (worker.phase) {
        case Phase::Transaction:
            if (!outcome.error) {
                step_succeeded(worker);
            } else {
                // The batch's Sync has already rolled the transaction back.
                worker.error = outcome.error;
                worker.session.reset();  // the rollback undid what the step set
                step_failed(worker);
            }
            break;
        case Phase::Recording:  // a failure we cannot record is still reported by this run
            worker.phase = Phase::Idle;
            break;
        case Phase::SoloPrepare:
            if (outcome.error) return reset_solo(worker, outcome.error);
            worker.drops.clear();
            for (const auto &row : outcome.results.at(1).rows)
                worker.drops.push_back(row.at(0).value_or(""));
            continue_solo(worker);
            break;
        case Phase::SoloDrop:
            if (outcome.error) return reset_solo(worker, outcome.error);
            continue_solo(worker);
            break;
        case Phase::SoloStatement:
            if (outcome.error) {
                const Statement &statement = script_of(*worker.unit).statements[worker.solo_next];
                outcome.error->context =
                    stored_location(dir_.path, statement.where) + "\n" + outcome.error->context;
                return reset_solo(worker, outcome.error);
            }
            ++worker.solo_next;
            continue_solo(worker);
            break;
        case Phase::SoloReset:
            if (worker.error)
                step_failed(worker);
            else
                step_succeeded(worker);
            break;
        case Phase::Joining:
            joined(worker, outcome);
            break;
        case Phase::LockHolders:
            worker.lock_holders = outcome.error || outcome.results.empty()
                                      ? ""
                                      : lock_holders_text(outcome.results[0]);
            step_failed(worker);
            break;
        case Phase::DirectRecord:
        case Phase::DirectStatements:
        case Phase::DirectRollback:
            on_direct(worker, std::move(outcome));
            break;
        case Phase::Connecting:
        case Phase::Idle:
        case Phase::Delaying:
        case Phase::Closed:
            break;
    }
}

// What a migration's statements said below ERROR, for the summary, masked as
// its errors are. Only the batches that run them: shoal's own (joining, the
// leftover-index drops, session resets, recording a failure) say nothing of
// the migration's.
void Driver::keep_notices(const Worker &worker, const std::vector<DbNotice> &notices) {
    const bool migration = worker.phase == Phase::Transaction ||
                           worker.phase == Phase::SoloStatement ||
                           worker.phase == Phase::DirectStatements;
    if (!migration || notices.empty()) return;
    const Unit &unit = *worker.unit;
    const auto &secrets = script_of(unit).secrets;
    for (const DbNotice &notice : notices)
        result_.notices.push_back({nodes_[unit.node].spec.display, unit.plan->schema,
                                   version_of(unit).name, notice.severity,
                                   mask_secrets(notice.message, secrets)});
}

// A worker may take steps only as a member of this run on its node: the run lock
// then covers it, whatever happens to the control connection.
void Driver::joined(Worker &worker, const Outcome &outcome) {
    if (outcome.error) {
        worker.phase = Phase::Closed;
        return lose_node(worker.node, "this run does not hold the run lock there any more (" +
                                          outcome.error->message +
                                          "); its remaining schemas were not started");
    }
    worker.backend_pid = std::atoi(outcome.results.at(0).value(0, 1).c_str());
    const bool shared = worker.backend_pid == nodes_[worker.node].backend_pid ||
                        std::any_of(workers_.begin(), workers_.end(), [&](const Worker &other) {
                            return &other != &worker && other.node == worker.node &&
                                   other.backend_pid == worker.backend_pid;
                        });
    if (shared) {
        worker.phase = Phase::Closed;
        return lose_node(
            worker.node,
            "two of this run's connections got the same server process " +
                std::to_string(worker.backend_pid) +
                ": a transaction-pooling proxy is in between; connect directly or through "
                "session pooling");
    }
    worker.phase = Phase::Idle;
}

// Stops everything that has not started on a node; steps in flight end as the
// server decides (their stamps tell the next run). Their connections stay open
// until the run ends, members of the run: no other run starts there meanwhile.
void Driver::lose_node(size_t node, const std::string &problem) {
    Node &lost = nodes_[node];
    if (!lost.usable) return;
    lost.usable = false;
    lost.problem = problem;
    result_.lost.push_back(lost.spec.display);
    progress_.note("lost " + lost.spec.display + ": " + problem);
    observer_.node_lost(lost.spec.display, problem);
    schedule_.lose_node(node);
}

void Driver::step_succeeded(Worker &worker) {
    last_moved_ = Clock::now();
    ++result_.done;
    ++result_.done_on[nodes_[worker.node].spec.display];
    progress_.step_done();
    observer_.step_finished(step_of(worker), seconds_running(worker));
    if (const auto delay_until = schedule_.succeeded(*worker.unit, last_moved_)) {
        worker.phase = Phase::Delaying;
        worker.delay_until = *delay_until;
        return;
    }
    worker.unit = nullptr;
    worker.phase = Phase::Idle;
}

// After a step's $delay.
void Driver::finish_step(Worker &worker) {
    schedule_.finish(*worker.unit);
    worker.unit = nullptr;
    worker.phase = Phase::Idle;
}

// Who holds locks in the schema, asked on the step's own connection right
// after its lock timeout, while the blocker most likely still holds them.
void Driver::ask_lock_holders(Worker &worker) {
    const int lock_ms = settings_of(worker, script_of(*worker.unit)).lock_ms;
    worker.phase = Phase::LockHolders;
    worker.connection->send(Batch{Query{
        queries::kLockHolders.text, {worker.unit->plan->schema, std::to_string(lock_ms) + " ms"}}});
    worker.connection->expire_after(kRoundDeadline);
}

void Driver::step_failed(Worker &worker) {
    if (worker.error->is_lock_timeout() && !worker.lock_holders && !stopping())
        return ask_lock_holders(worker);
    const Unit &unit = *worker.unit;
    last_moved_ = Clock::now();
    DbError error = *worker.error;
    const FailureDecision decision = schedule_.failed(
        unit, StepError{error.is_retryable(), error.sqlstate == "57014"}, last_moved_);
    const std::string held =
        worker.lock_holders.value_or("").empty() ? "" : "held by " + *worker.lock_holders;
    const std::string masked = mask_secrets(error.message, script_of(unit).secrets) +
                               (held.empty() ? "" : " (" + held + ")");
    const auto ms = [](Clock::duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    if (decision.kind == FailureDecision::Retry) {
        const LockPolicy &policy = decision.policy;
        const long wait_ms = ms(decision.wait);
        progress_.retried();
        progress_.note(
            "retry " + std::to_string(decision.attempt) +
            (decision.retries >= 0 ? "/" + std::to_string(decision.retries) : "") + " in " +
            std::to_string(wait_ms) + " ms (" +
            duration_text(std::max<long>(0, policy.retry_for_ms - ms(decision.since_first))) +
            " left of retry_for " + duration_text(policy.retry_for_ms) + "): " + where(worker) +
            ": " + masked);
        observer_.step_retried(step_of(worker), decision.attempt, decision.retries, wait_ms,
                               masked);
    } else if (decision.kind == FailureDecision::Stopped) {
        observer_.step_stopped(step_of(worker), masked);
    }
    if (decision.kind != FailureDecision::Failed) {
        worker.unit = nullptr;
        worker.phase = Phase::Idle;
        return;
    }
    if (error.is_lock_timeout()) {
        const LockPolicy &policy = decision.policy;
        error.detail += (error.detail.empty() ? "" : "\n") + std::string("no retry left after ") +
                        std::to_string(decision.attempt) +
                        (decision.attempt == 1 ? " retry" : " retries") + " in " +
                        duration_text(ms(decision.since_first)) + " (lock_timeout " +
                        duration_text(policy.lock_timeout_ms) + ", retry_for " +
                        duration_text(policy.retry_for_ms) +
                        (policy.retries >= 0 ? ", retries " + std::to_string(policy.retries) : "") +
                        ")" + (held.empty() ? "" : "; the lock is " + held);
    }
    const Version &version = version_of(unit);
    const auto &secrets = script_of(unit).secrets;
    SchemaError failure{nodes_[unit.node].spec.display,
                        unit.plan->schema,
                        version.name,
                        mask_secrets(error_text(error), secrets),
                        mask_secrets(error.detail, secrets),
                        mask_secrets(error.hint, secrets),
                        error.sqlstate};
    progress_.step_failed();
    progress_.note("failed: " + where(worker) + ": " + single_line(failure.message) +
                   (held.empty() ? "" : " (" + held + ")"));
    observer_.step_failed(step_of(worker), seconds_running(worker), failure.message,
                          error.sqlstate);
    result_.errors.push_back(failure);
    worker.unit = nullptr;
    worker.phase = Phase::Recording;
    worker.connection->send(
        Batch{Query{queries::kRecordFailure.text,
                    {unit.plan->schema, version.name, script_of(unit).checksum,
                     mask_secrets(error.to_string() +
                                      (error.context.empty() ? "" : "\nCONTEXT: " + error.context),
                                  secrets)}}});
}

void Driver::close(Worker &worker) {
    worker.phase = Phase::Closed;
    if (worker.unit) {
        // The step's transaction may or may not have committed: the stamp on
        // the node says which, and the next run reads it.
        schedule_.abandon(*worker.unit);
        worker.unit = nullptr;
    }
    const size_t node = worker.node;
    const bool any_left = std::any_of(workers_.begin(), workers_.end(), [&](const Worker &w) {
        return w.node == node && w.phase != Phase::Closed;
    });
    if (!any_left)
        lose_node(node, worker.connection->broken_reason()
                            ? worker.connection->broken_reason()->message
                            : "connection lost");
}

void Driver::advance(Worker &worker, Clock::time_point now) {
    Connection &connection = *worker.connection;
    if (connection.state() == Connection::State::Connecting ||
        connection.state() == Connection::State::Busy)
        return;
    switch (worker.phase) {
        case Phase::Closed:
            return;
        case Phase::Connecting:
            if (connection.state() == Connection::State::Broken) return close(worker);
            worker.phase = Phase::Joining;
            connection.send(Batch{Query{queries::kJoinRun.text, {run_holder()}}});
            connection.expire_after(kRoundDeadline);
            break;
        case Phase::Idle:
            if (connection.state() == Connection::State::Broken) return close(worker);
            break;
        case Phase::Delaying:
            if (now >= worker.delay_until || stopping()) finish_step(worker);
            break;
        default: {
            Outcome outcome = connection.take();
            if (connection.state() == Connection::State::Broken) return close(worker);
            on_batch(worker, std::move(outcome));
        }
    }
}

bool Driver::idle() const {
    return std::all_of(workers_.begin(), workers_.end(), [](const Worker &w) {
        return w.phase == Phase::Idle || w.phase == Phase::Closed;
    });
}

Clock::time_point Driver::next_deadline(Clock::time_point now) const {
    Clock::time_point deadline = now + std::chrono::seconds(1);
    if (const auto retry = schedule_.next_retry()) deadline = std::min(deadline, *retry);
    for (const Worker &worker : workers_)
        if (worker.phase == Phase::Delaying) deadline = std::min(deadline, worker.delay_until);
    for (const Control &control : controls_)
        if (!control.asking) deadline = std::min(deadline, control.next_ask);
    return deadline;
}

void Driver::poll_controls(Clock::time_point now) {
    for (size_t node = 0; node < nodes_.size(); ++node) {
        Control &control = controls_[node];
        Connection *connection = nodes_[node].control.get();
        if (nodes_[node].usable && connection && connection->state() == Connection::State::Broken)
            lose_node(node, "the run lock was lost with its control connection (" +
                                (connection->broken_reason() ? connection->broken_reason()->message
                                                             : std::string("connection lost")) +
                                "); no new step started there");
        if (!nodes_[node].usable || !connection ||
            connection->state() == Connection::State::Broken) {
            steering_[node].state = Steer::Running;  // a node we cannot ask cannot hold the others
            control.asking = false;
            continue;
        }
        if (connection->state() != Connection::State::Idle) continue;
        if (control.asking) {
            control.asking = false;
            control.next_ask = now + kControlPoll;
            Outcome outcome = connection->take();
            if (control.asking_waits && !outcome.error && outcome.results.size() > 1)
                read_waits(outcome.results[1]);
            control.asking_waits = false;
            read_control(node, std::move(outcome));
        } else if (now >= control.next_ask) {
            Batch batch{Query{queries::kControlState.text}};
            const std::vector<std::string> pids = busy_pids(node);
            if (stalled(now) && now >= control.next_wait_ask && !pids.empty()) {
                batch.push_back(Query{queries::kWaits.text, {text_array(pids)}});
                control.asking_waits = true;
                control.next_wait_ask = now + kWaitPoll;
            }
            connection->send(std::move(batch));
            connection->expire_after(kRoundDeadline);
            control.asking = true;
        }
    }
}

std::vector<std::string> Driver::busy_pids(size_t node) const {
    std::vector<std::string> pids;
    for (const Worker &worker : workers_)
        if (worker.node == node && worker.unit && worker.phase != Phase::Delaying &&
            worker.backend_pid != 0)
            pids.push_back(std::to_string(worker.backend_pid));
    return pids;
}

// pg_stat_activity's wait of each busy step's server process, in words.
void Driver::read_waits(const Rows &rows) {
    for (size_t row = 0; row < rows.rows.size(); ++row) {
        const int pid = std::atoi(rows.value(row, 0).c_str());
        const std::string &type = rows.value(row, 1), &event = rows.value(row, 2),
                          &blockers = rows.value(row, 3);
        if (type == "Lock")
            waits_[pid] =
                "a " + event + " lock" + (blockers.empty() ? "" : " held by pid " + blockers);
        else if (!type.empty())
            waits_[pid] = type + "/" + event;
        else
            waits_[pid].clear();
    }
}

// While nothing moves: the oldest step in flight, and what its server process
// waits for (or that it runs: building an index, say).
void Driver::report_waiting(Clock::time_point now) {
    progress_.set_retrying(schedule_.backing_off());
    const Worker *oldest = nullptr;
    size_t busy = 0;
    if (stalled(now))
        for (const Worker &worker : workers_) {
            if (!worker.unit || worker.phase == Phase::Delaying) continue;
            ++busy;
            if (!oldest || worker.step_started < oldest->step_started) oldest = &worker;
        }
    if (!oldest) return report_retry_wait(now);
    const auto wait = waits_.find(oldest->backend_pid);
    std::string what = where(*oldest) + (wait == waits_.end()   ? ""
                                         : wait->second.empty() ? ": running"
                                                                : ": waits for " + wait->second);
    if (busy > 1) what += " (and " + std::to_string(busy - 1) + " more in flight)";
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now - oldest->step_started).count();
    progress_.set_waiting(what, "for " + std::to_string(seconds) + " s");
}

// While nothing runs and nothing moved for a while, only backoffs: the next
// retry, and when.
void Driver::report_retry_wait(Clock::time_point now) {
    const Unit *next = schedule_.next_backoff();
    if (!next || now - last_moved_ < kStallAfter) return progress_.set_waiting("", "");
    const size_t more = schedule_.backing_off() - 1;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(next->retry_at - now).count();
    progress_.set_waiting("the retry of " + nodes_[next->node].spec.display + " " +
                              printable(next->plan->schema) + " " +
                              printable(version_of(*next).name) + " after a lock timeout" +
                              (more ? " (and " + std::to_string(more) + " more)" : ""),
                          "in " + std::to_string(seconds) + " s");
}

void Driver::read_control(size_t node, Outcome outcome) {
    if (outcome.error || outcome.results.empty() || outcome.results[0].empty()) {
        // Steering is for people; a node that cannot say is not allowed to stall the run.
        if (steering_[node].state == Steer::Unknown && outcome.error)
            progress_.note("cannot read the steering state on " + nodes_[node].spec.display + ": " +
                           outcome.error->message);
        steering_[node].state = Steer::Running;
        return;
    }
    const Rows &rows = outcome.results[0];
    const std::string &state = rows.value(0, 0);
    const Steer before = steering_[node].state;
    steering_[node].state = state == "paused"      ? Steer::Paused
                            : state == "cancelled" ? Steer::Cancelled
                                                   : Steer::Running;
    steering_[node].said = "by " + rows.value(0, 1) + " on " + nodes_[node].spec.display +
                           (rows.value(0, 2).empty() ? "" : ": " + rows.value(0, 2));
    // shoal.resume() in psql answers `running` for its own node: say at once
    // that the run still holds for another node's pause.
    const auto still_paused =
        std::find_if(steering_.begin(), steering_.end(),
                     [](const NodeSteering &other) { return other.state == Steer::Paused; });
    if (before == Steer::Paused && steering_[node].state == Steer::Running &&
        still_paused != steering_.end())
        progress_.note("resumed on " + nodes_[node].spec.display + ", but the run stays paused " +
                       still_paused->said + "; `shoal resume` resumes every node");
}

void Driver::update_steering() {
    const SteeringChange change = schedule_.steer(steering_);
    if (change.cancelled) {
        result_.cancelled = schedule_.cancelled();
        progress_.note(result_.cancelled +
                       "; letting the versions in flight finish, starting nothing new");
        observer_.steered("cancelled", result_.cancelled);
    }
    if (change.paused) {
        progress_.set_paused(*change.paused);
        progress_.note("paused " + *change.paused +
                       "; versions in flight finish, nothing new starts until resumed");
        observer_.steered("paused", "paused " + *change.paused);
    } else if (change.resumed) {
        progress_.set_paused("");
        if (result_.cancelled.empty()) progress_.note("resumed: starting new transactions again");
        observer_.steered("resumed", "resumed: every node is running");
    }
}

void Driver::next_wave() {
    switch (schedule_.next_wave().kind) {
        case WaveEvent::None:
            break;
        case WaveEvent::Halted:
            result_.halted = schedule_.halted();
            progress_.note("halted: " + result_.halted);
            observer_.halted(result_.halted);
            break;
        case WaveEvent::Started: {
            const Waves &waves = schedule_.waves();
            progress_.note(waves.labels[schedule_.wave()] + ": " +
                           std::to_string(waves.sizes[schedule_.wave()]) + " schema(s)");
            observer_.wave_started(waves.labels[schedule_.wave()], waves.sizes[schedule_.wave()]);
        }
    }
}

DriveResult Driver::run() {
    build();
    std::vector<Connection *> sockets;
    for (Worker &worker : workers_) sockets.push_back(worker.connection.get());
    for (Node &node : nodes_)
        if (node.usable) sockets.push_back(node.control.get());
    while (true) {
        const auto now = Clock::now();
        if (interrupted() && !interrupt_seen_) {
            interrupt_seen_ = true;
            result_.interrupted = true;
            schedule_.interrupt();
            progress_.note(
                "interrupted: cancelling statements in flight and rolling them back (at most " +
                std::to_string(kWindDown.count()) + " s; a second Ctrl-C exits at once)");
            for (Worker &worker : workers_) worker.connection->cancel();
            observer_.interrupted();
        }
        schedule_.promote_backoffs(now);
        poll_controls(now);
        update_steering();
        for (Worker &worker : workers_) advance(worker, now);
        next_wave();
        // Every idle worker takes its next step in this turn, after every step
        // that ended and every wave that started: the wait below has nothing to
        // wake an idle connection, and a slot freed late in the pass above may
        // be the one a worker earlier in it was waiting for.
        if (schedule_.admitting())
            for (Worker &worker : workers_)
                if (worker.phase == Phase::Idle &&
                    worker.connection->state() == Connection::State::Idle)
                    admit(worker);
        report_waiting(now);
        progress_.tick();
        if (idle() && (stopping() || !schedule_.work_left())) break;
        if (now >= wind_down_deadline()) {
            // A node that has not answered the cancel (frozen, or its network
            // gone): close its connections, the server rolls them back.
            for (Worker &worker : workers_)
                if (worker.phase != Phase::Closed &&
                    worker.connection->state() == Connection::State::Busy) {
                    worker.connection->abandon("no answer within the " +
                                               std::to_string(kWindDown.count()) +
                                               " s wind-down after the interrupt");
                    close(worker);
                }
            break;
        }
        wait_and_step(sockets, next_deadline(now));
    }
    schedule_.stop_all();
    result_.not_done = schedule_.not_done();
    // The control connections serve the rounds after this one: let a
    // control_state() still in flight end, and drop its answer.
    std::vector<Connection *> asking;
    for (size_t node = 0; node < nodes_.size(); ++node)
        if (controls_[node].asking) asking.push_back(nodes_[node].control.get());
    wait_all(asking, Clock::now() + kWindDown);
    for (Connection *connection : asking) connection->take();
    progress_.end();
    return result_;
}

}  // namespace

DriveResult drive(std::vector<Node> &nodes, const std::vector<Node *> &planned,
                  const MigrationDir &dir, const Plan &plan, const DriveSettings &settings,
                  Progress &progress, RunObserver &observer) {
    Driver driver(nodes, planned, dir, plan, settings, progress, observer);
    return driver.run();
}

}  // namespace shoal::fleet
