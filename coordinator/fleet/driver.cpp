// The chain driver. Two kinds of small state machines, advanced by one loop:
//
//   Unit    one schema's chain on one node: Waiting (its wave has not
//           started), Ready (waiting for a worker), Running, Backoff (a lock
//           timeout, until retry_at), Done, Failed, Stopped (not finished:
//           interrupt, cancel, halted waves or lost connection).
//   Worker  one connection of one node: Connecting, Joining (shoal.join_run:
//           the connection becomes a member of the run, so no other run can
//           start on the node while it lives), Idle, then the phases of a
//           step (Transaction, Recording; for solo versions
//           SoloPrepare, SoloDrop, SoloStatement, then the recording
//           transaction; for versions holding \getenv values only that
//           transaction: DirectRecord, DirectStatements, DirectRollback, then
//           SoloReset),
//           Delaying ($delay), Closed.
//   Control per node, the steering state its shoal.control_state() last gave
//           (Unknown until first read), asked again every kControlPoll on the
//           node's control connection.
//
// Each turn: promote due backoffs, read and ask the control states, let every
// worker whose connection is not busy take its next phase, start the next wave
// when the current one is finished, let every idle worker admit the first ready
// unit whose next version the semaphores allow (unless the run is paused or
// stopping), then one poll() over every socket with a timeout from the nearest
// deadline. Ready units are ordered by version, then schema, so the fleet moves
// version by version and a waiting $run_alone version is not starved. Durable
// state is only ever the schema's own stamp, written in the version's
// transaction: nothing here needs to survive a crash.
#include "fleet/driver.h"

#include "fleet/queries.h"
#include "resolve.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>

namespace shoal::fleet {

namespace {

constexpr auto kBackoffBase = std::chrono::milliseconds(200);
// When no step has started or ended for this long, the progress output says what
// the run waits for, read from pg_stat_activity at most every kWaitPoll.
constexpr auto kStallAfter = std::chrono::seconds(3);
constexpr auto kWaitPoll = std::chrono::seconds(1);
constexpr auto kBackoffCap = std::chrono::milliseconds(15000);

enum class UnitState { Waiting, Ready, Running, Backoff, Done, Failed, Stopped };

struct Unit {
    size_t node = 0;
    size_t wave = 0;
    const SchemaPlan *plan = nullptr;
    size_t next = 0;   // index of the step to run next
    int attempts = 0;  // failed attempts of that step so far
    UnitState state = UnitState::Ready;
    Clock::time_point retry_at{};
};

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
    Unit *unit = nullptr;
    std::vector<std::string> slots;  // semaphore keys held for the running step
    bool alone = false;              // holds the fleet-wide $run_alone section
    bool counted = false;            // counts in in_flight_
    Clock::time_point delay_until{};
    std::vector<std::string> drops;  // solo: leftover indexes still to drop
    size_t solo_next = 0;            // solo: next statement
    std::optional<DbError> error;    // the step's failure, while rolling back / resetting
    std::optional<StepSettings> session;  // what the connection's session is known to have
    int backend_pid = 0;                  // its server process, once joined
    Clock::time_point step_started{};     // when its running step was sent
};

enum class Admission { Yes, SkipVersion, Stop };

enum class Steer { Unknown, Running, Paused, Cancelled };

// One node's steering, as its shoal.control_state() last said.
struct Control {
    Steer state = Steer::Unknown;
    bool asking = false;  // a control_state() query is in flight
    bool asking_waits = false;  // ... and the wait events of the node's steps
    Clock::time_point next_ask{};
    Clock::time_point next_wait_ask{};
    std::string said;  // "by ROLE on NODE[: REASON]"
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

class Driver {
public:
    Driver(std::vector<Node> &nodes, const std::vector<Node *> &planned, const MigrationDir &dir, const Plan &plan,
           const DriveSettings &settings, Progress &progress)
        : nodes_(nodes), planned_(planned), dir_(dir), plan_(plan), settings_(settings), progress_(progress), ready_(nodes.size()),
          random_(std::random_device{}()) {}

    DriveResult run();

private:
    bool up() const { return plan_.direction == Direction::Up; }
    const Version &version_of(const Unit &unit) const { return *unit.plan->steps[unit.next]; }
    const Script &script_of(const Unit &unit) const { return up() ? version_of(unit).up : version_of(unit).dn; }
    size_t index_of(const Version &version) const { return &version - dir_.versions.data(); }
    size_t index_of(const Unit &unit) const { return &unit - units_.data(); }
    size_t remaining(const Unit &unit) const { return unit.plan->steps.size() - unit.next; }
    std::string where(const Worker &worker) const {
        return nodes_[worker.node].spec.display + " " + printable(worker.unit->plan->schema) + " " +
               printable(version_of(*worker.unit).name);
    }

    void build();
    void set_state(Unit &unit, UnitState state);
    void make_ready(Unit &unit);
    bool stopping() const { return interrupted() || !result_.cancelled.empty(); }
    bool admitting() const { return !stopping() && !paused_ && steering_known_; }
    void poll_controls(Clock::time_point now);
    void read_control(size_t node, Outcome outcome);
    void update_steering();
    bool stalled(Clock::time_point now) const { return in_flight_ > 0 && now - last_moved_ >= kStallAfter; }
    std::vector<std::string> busy_pids(size_t node) const;
    void read_waits(const Rows &rows);
    void report_waiting(Clock::time_point now);
    void next_wave();
    void promote_backoffs(Clock::time_point now);
    Admission admissible(const Version &version, const Script &script, size_t node) const;
    void admit(Worker &worker);
    void start_step(Worker &worker);
    void advance(Worker &worker, Clock::time_point now);
    void on_batch(Worker &worker, Outcome outcome);
    void keep_notices(const Worker &worker, const std::vector<DbNotice> &notices);
    void continue_solo(Worker &worker);
    StepSettings timeouts_of(const Script &script) const;
    void start_direct(Worker &worker);
    void on_direct(Worker &worker, Outcome outcome);
    void reset_solo(Worker &worker, std::optional<DbError> error);
    void step_succeeded(Worker &worker);
    void finish_step(Worker &worker);
    void step_failed(Worker &worker);
    void release(Worker &worker);
    void stop(Unit &unit);
    void close(Worker &worker);
    void joined(Worker &worker, const Outcome &outcome);
    void lose_node(size_t node, const std::string &problem);
    bool idle() const;
    bool work_left() const;
    Clock::time_point next_deadline(Clock::time_point now) const;

    std::vector<Node> &nodes_;
    const std::vector<Node *> &planned_;
    const MigrationDir &dir_;
    const Plan &plan_;
    const DriveSettings &settings_;
    Progress &progress_;

    std::vector<Unit> units_;
    std::vector<std::set<std::pair<size_t, size_t>>> ready_;  // per node: (version index, unit index)
    // Kept up to date by set_state() so that a turn of the loop costs the same
    // with 10 000 schemas as with 10: nothing below walks every unit per turn.
    std::set<std::pair<Clock::time_point, size_t>> backoffs_;  // (retry_at, unit index)
    std::vector<size_t> unfinished_per_wave_;  // units not Done, Failed or Stopped
    size_t unfinished_ = 0;
    std::vector<Worker> workers_;
    std::vector<Control> controls_;     // per node
    bool steering_known_ = false;       // every reachable node's state read once
    bool paused_ = false;
    Waves waves_;
    size_t wave_ = 0;                   // the wave that runs
    std::map<std::string, int> slots_;  // semaphore key → steps holding it
    int in_flight_ = 0;
    bool alone_ = false;
    bool interrupt_seen_ = false;
    Clock::time_point last_moved_ = Clock::now();  // a step started or ended
    std::map<int, std::string> waits_;             // server pid → what it waits for ("" running)
    std::mt19937 random_;
    DriveResult result_;
};

void Driver::build() {
    size_t count = 0;
    for (const NodePlan &node_plan : plan_.nodes) count += node_plan.schemas.size();
    units_.reserve(count);  // Units are referenced by pointer: never reallocate
    std::vector<size_t> units_per_node(nodes_.size());
    waves_ = plan_waves(plan_, settings_.waves);
    for (size_t i = 0; i < plan_.nodes.size(); ++i) {
        const size_t node = static_cast<size_t>(planned_.at(i) - nodes_.data());
        if (!nodes_[node].usable) continue;
        for (size_t s = 0; s < plan_.nodes[i].schemas.size(); ++s) {
            const SchemaPlan &schema = plan_.nodes[i].schemas[s];
            if (schema.steps.empty()) continue;
            Unit unit;
            unit.node = node;
            unit.wave = waves_.of[i][s];
            unit.state = UnitState::Waiting;
            unit.plan = &schema;
            units_.push_back(unit);
            if (unfinished_per_wave_.size() <= unit.wave) unfinished_per_wave_.resize(unit.wave + 1);
            ++unfinished_per_wave_[unit.wave];
            ++unfinished_;
            ++units_per_node[unit.node];
            progress_.add_total(schema.steps.size());
        }
    }
    if (waves_.labels.size() > 1)
        progress_.note(waves_.labels[0] + ": " + std::to_string(waves_.sizes[0]) + " schema(s)");
    for (Unit &unit : units_)
        if (unit.wave == 0) make_ready(unit);
    controls_.resize(nodes_.size());
    for (size_t node = 0; node < nodes_.size(); ++node) {
        const int wanted = settings_.parallelism > 0 ? settings_.parallelism : nodes_[node].default_parallelism;
        const size_t count_here = std::min<size_t>(std::max(wanted, 1), units_per_node[node]);
        for (size_t i = 0; i < count_here; ++i) {
            Worker worker;
            worker.node = node;
            worker.connection = std::make_unique<Connection>(nodes_[node].spec.conninfo, nodes_[node].spec.display);
            worker.connection->step();
            workers_.push_back(std::move(worker));
        }
    }
}

bool finished(UnitState state) {
    return state == UnitState::Done || state == UnitState::Failed || state == UnitState::Stopped;
}

void Driver::set_state(Unit &unit, UnitState state) {
    if (unit.state == UnitState::Backoff) backoffs_.erase({unit.retry_at, index_of(unit)});
    if (!finished(unit.state) && finished(state)) {
        --unfinished_;
        --unfinished_per_wave_[unit.wave];
    }
    unit.state = state;
    if (state == UnitState::Backoff) backoffs_.insert({unit.retry_at, index_of(unit)});
}

void Driver::make_ready(Unit &unit) {
    if (!nodes_[unit.node].usable) return stop(unit);  // its node is lost, or lost the run lock
    set_state(unit, UnitState::Ready);
    ready_[unit.node].insert({index_of(version_of(unit)), index_of(unit)});
}

void Driver::promote_backoffs(Clock::time_point now) {
    while (!backoffs_.empty() && backoffs_.begin()->first <= now) make_ready(units_[backoffs_.begin()->second]);
}

Admission Driver::admissible(const Version &version, const Script &script, size_t node) const {
    if (alone_) return Admission::Stop;
    // A $run_alone version waits for everything in flight to end and lets
    // nothing start meanwhile, so it cannot be starved.
    if (script.directives.run_alone) return in_flight_ == 0 ? Admission::Yes : Admission::Stop;
    const auto full = [this](const std::string &key, int limit) {
        if (limit <= 0) return false;
        const auto found = slots_.find(key);
        return found != slots_.end() && found->second >= limit;
    };
    if (full("host\n" + nodes_[node].host + "\n" + version.name, script.directives.parallelism_per_host))
        return Admission::SkipVersion;
    if (full("global\n" + version.name, script.directives.parallelism_global)) return Admission::SkipVersion;
    return Admission::Yes;
}

void Driver::admit(Worker &worker) {
    auto &ready = ready_[worker.node];
    for (auto it = ready.begin(); it != ready.end();) {
        Unit &unit = units_[it->second];
        const Version &version = version_of(unit);
        const Script &script = script_of(unit);
        switch (admissible(version, script, worker.node)) {
        case Admission::Stop:
            return;
        case Admission::SkipVersion:
            it = ready.lower_bound({it->first + 1, 0});
            continue;
        case Admission::Yes:
            break;
        }
        ready.erase(it);
        if (script.directives.parallelism_per_host > 0)
            worker.slots.push_back("host\n" + nodes_[worker.node].host + "\n" + version.name);
        if (script.directives.parallelism_global > 0) worker.slots.push_back("global\n" + version.name);
        for (const std::string &key : worker.slots) ++slots_[key];
        worker.alone = script.directives.run_alone;
        alone_ = alone_ || worker.alone;
        worker.counted = true;
        ++in_flight_;
        worker.unit = &unit;
        set_state(unit, UnitState::Running);
        start_step(worker);
        return;
    }
}

void Driver::start_step(Worker &worker) {
    const Unit &unit = *worker.unit;
    const Version &version = version_of(unit);
    const Script &script = script_of(unit);
    const std::string &schema = unit.plan->schema;
    const StepSettings timeouts = timeouts_of(script);
    const int lock_ms = timeouts.lock_ms, statement_ms = timeouts.statement_ms;
    worker.error.reset();
    worker.step_started = last_moved_ = Clock::now();
    if (!script.solo && script.from_environment()) return start_direct(worker);
    if (!script.solo) {
        worker.phase = Phase::Transaction;
        // The step's transaction is the batch's implicit one: what the extended
        // protocol runs before a Sync commits together or not at all, so a step
        // needs no BEGIN and COMMIT to parse and run (3 % of an apply).
        Batch batch;
        // Session-level but inside the step's transaction: kept by its commit,
        // undone by a rollback. synchronous_commit: see DriveSettings.
        const StepSettings wanted{lock_ms, statement_ms, settings_.synchronous_commit};
        if (worker.session != wanted) {
            batch.push_back(Query{queries::kStepSessionSettings.text,
                                  {std::to_string(lock_ms), std::to_string(statement_ms),
                                   settings_.synchronous_commit ? "on" : "off"}});
            worker.session = wanted;
        }
        batch.push_back(up() ? Query{queries::kMigApply.text, {schema, version.name, script.checksum},
                                     "shoal_apply"}
                             : Query{queries::kMigUndo.text, {schema, version.name, script.checksum},
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
            (statement.concurrent_index_if_not_exists ? invalid_only : any_state).push_back(statement.concurrent_index);
    worker.phase = Phase::SoloPrepare;
    worker.solo_next = 0;
    worker.connection->send(Batch{
        Query{queries::kSchemaSessionSettings.text,
              {worker.connection->quote_ident(schema), std::to_string(lock_ms), std::to_string(statement_ms)}},
        Query{queries::kLeftoverIndexes.text,
              {schema, text_array(any_state), text_array(invalid_only)}},
    });
}

StepSettings Driver::timeouts_of(const Script &script) const {
    return StepSettings{
        script.directives.lock_timeout_ms >= 0 ? script.directives.lock_timeout_ms : settings_.lock_timeout_ms,
        script.directives.statement_timeout_ms >= 0 ? script.directives.statement_timeout_ms
                                                    : settings_.statement_timeout_ms,
        settings_.synchronous_commit};
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
    const StepSettings timeouts = timeouts_of(script_of(unit));
    const int lock_ms = timeouts.lock_ms, statement_ms = timeouts.statement_ms;
    worker.phase = Phase::DirectRecord;
    worker.connection->send(Batch{
        Query{queries::kBegin.text},
        Query{queries::kSchemaLocalSettings.text,
              {worker.connection->quote_ident(schema), std::to_string(lock_ms), std::to_string(statement_ms)}},
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
                    script.statements[script.transaction_from + outcome.results.size() - 1].where) +
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
        worker.connection->send(Batch{Query{queries::drop_leftover_index(worker.connection->quote_ident(schema),
                                                                          worker.connection->quote_ident(index))}});
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
        for (const auto &row : outcome.results.at(1).rows) worker.drops.push_back(row.at(0).value_or(""));
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
    const bool migration = worker.phase == Phase::Transaction || worker.phase == Phase::SoloStatement ||
                           worker.phase == Phase::DirectStatements;
    if (!migration || notices.empty()) return;
    const Unit &unit = *worker.unit;
    const auto &secrets = script_of(unit).secrets;
    for (const DbNotice &notice : notices)
        result_.notices.push_back({nodes_[unit.node].spec.display, unit.plan->schema, version_of(unit).name,
                                   notice.severity, mask_secrets(notice.message, secrets)});
}

// A worker may take steps only as a member of this run on its node: the run lock
// then covers it, whatever happens to the control connection.
void Driver::joined(Worker &worker, const Outcome &outcome) {
    if (outcome.error) {
        worker.phase = Phase::Closed;
        return lose_node(worker.node, "this run does not hold the run lock there any more (" +
                                          outcome.error->message + "); its remaining schemas were not started");
    }
    worker.backend_pid = std::atoi(outcome.results.at(0).value(0, 1).c_str());
    const bool shared = worker.backend_pid == nodes_[worker.node].backend_pid ||
                        std::any_of(workers_.begin(), workers_.end(), [&](const Worker &other) {
                            return &other != &worker && other.node == worker.node &&
                                   other.backend_pid == worker.backend_pid;
                        });
    if (shared) {
        worker.phase = Phase::Closed;
        return lose_node(worker.node, "two of this run's connections got the same server process " +
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
    for (Unit &unit : units_)
        if (unit.node == node && (unit.state == UnitState::Ready || unit.state == UnitState::Backoff)) stop(unit);
}

void Driver::step_succeeded(Worker &worker) {
    Unit &unit = *worker.unit;
    last_moved_ = Clock::now();
    const int delay = script_of(unit).directives.delay_ms;
    ++result_.done;
    ++result_.done_on[nodes_[unit.node].spec.display];
    progress_.step_done();
    ++unit.next;
    unit.attempts = 0;
    if (delay > 0 && !stopping()) {
        worker.phase = Phase::Delaying;  // keeps the version's slots: that is what $delay throttles
        worker.delay_until = Clock::now() + std::chrono::milliseconds(delay);
        return;
    }
    finish_step(worker);
}

void Driver::finish_step(Worker &worker) {
    Unit &unit = *worker.unit;
    release(worker);
    if (unit.next == unit.plan->steps.size())
        set_state(unit, UnitState::Done);
    else
        make_ready(unit);
    worker.unit = nullptr;
    worker.phase = Phase::Idle;
}

void Driver::step_failed(Worker &worker) {
    Unit &unit = *worker.unit;
    last_moved_ = Clock::now();
    const DbError &error = *worker.error;
    release(worker);
    const int retries = script_of(unit).directives.retries >= 0 ? script_of(unit).directives.retries : settings_.retries;
    if (stopping() && (error.sqlstate == "57014" || error.is_retryable())) {
        // Cancelled by us (or about to be retried): not a failure of the schema.
        stop(unit);
        worker.unit = nullptr;
        worker.phase = Phase::Idle;
        return;
    }
    if (error.is_retryable() && unit.attempts < retries) {
        ++unit.attempts;
        auto backoff = kBackoffBase * (1 << std::min(unit.attempts - 1, 16));
        backoff = std::min<decltype(backoff)>(backoff, kBackoffCap);
        std::uniform_real_distribution<double> jitter(0.5, 1.0);
        const auto wait = std::chrono::milliseconds(static_cast<long>(backoff.count() * jitter(random_)));
        progress_.retried();
        progress_.note("retry " + std::to_string(unit.attempts) + "/" + std::to_string(retries) + " in " +
                       std::to_string(wait.count()) + " ms: " + where(worker) + ": " +
                       mask_secrets(error.message, script_of(unit).secrets));
        unit.retry_at = Clock::now() + wait;
        set_state(unit, UnitState::Backoff);
        worker.unit = nullptr;
        worker.phase = Phase::Idle;
        return;
    }
    const Version &version = version_of(unit);
    const auto &secrets = script_of(unit).secrets;
    SchemaError failure{nodes_[unit.node].spec.display, unit.plan->schema, version.name,
                        mask_secrets(error_text(error), secrets), mask_secrets(error.detail, secrets)};
    progress_.step_failed();
    progress_.note("failed: " + where(worker) + ": " + single_line(failure.message));
    result_.errors.push_back(failure);
    result_.not_done += remaining(unit) - 1;
    set_state(unit, UnitState::Failed);
    worker.unit = nullptr;
    worker.phase = Phase::Recording;
    worker.connection->send(Batch{Query{queries::kRecordFailure.text,
                                        {unit.plan->schema, version.name, script_of(unit).checksum,
                                         mask_secrets(error.to_string() +
                                                          (error.context.empty() ? "" : "\nCONTEXT: " + error.context),
                                                      secrets)}}});
}

void Driver::release(Worker &worker) {
    for (const std::string &key : worker.slots) --slots_[key];
    worker.slots.clear();
    if (worker.alone) alone_ = false;
    worker.alone = false;
    if (worker.counted) --in_flight_;
    worker.counted = false;
}

void Driver::stop(Unit &unit) {
    if (unit.state == UnitState::Ready) ready_[unit.node].erase({index_of(version_of(unit)), index_of(unit)});
    set_state(unit, UnitState::Stopped);
    result_.not_done += remaining(unit);
}

void Driver::close(Worker &worker) {
    worker.phase = Phase::Closed;
    release(worker);
    if (worker.unit) {
        // The step's transaction may or may not have committed: the stamp on
        // the node says which, and the next run reads it.
        stop(*worker.unit);
        worker.unit = nullptr;
    }
    const size_t node = worker.node;
    const bool any_left = std::any_of(workers_.begin(), workers_.end(),
                                      [&](const Worker &w) { return w.node == node && w.phase != Phase::Closed; });
    if (!any_left)
        lose_node(node, worker.connection->broken_reason() ? worker.connection->broken_reason()->message
                                                           : "connection lost");
}

void Driver::advance(Worker &worker, Clock::time_point now) {
    Connection &connection = *worker.connection;
    if (connection.state() == Connection::State::Connecting || connection.state() == Connection::State::Busy) return;
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
    return std::all_of(workers_.begin(), workers_.end(),
                       [](const Worker &w) { return w.phase == Phase::Idle || w.phase == Phase::Closed; });
}

bool Driver::work_left() const { return unfinished_ > 0; }

Clock::time_point Driver::next_deadline(Clock::time_point now) const {
    Clock::time_point deadline = now + std::chrono::seconds(1);
    if (!backoffs_.empty()) deadline = std::min(deadline, backoffs_.begin()->first);
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
        if (!nodes_[node].usable || !connection || connection->state() == Connection::State::Broken) {
            control.state = Steer::Running;  // a node we cannot ask cannot hold the others
            control.asking = false;
            continue;
        }
        if (connection->state() != Connection::State::Idle) continue;
        if (control.asking) {
            control.asking = false;
            control.next_ask = now + kControlPoll;
            Outcome outcome = connection->take();
            if (control.asking_waits && !outcome.error && outcome.results.size() > 1) read_waits(outcome.results[1]);
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
        if (worker.node == node && worker.unit && worker.phase != Phase::Delaying && worker.backend_pid != 0)
            pids.push_back(std::to_string(worker.backend_pid));
    return pids;
}

// pg_stat_activity's wait of each busy step's server process, in words.
void Driver::read_waits(const Rows &rows) {
    for (size_t row = 0; row < rows.rows.size(); ++row) {
        const int pid = std::atoi(rows.value(row, 0).c_str());
        const std::string &type = rows.value(row, 1), &event = rows.value(row, 2), &blockers = rows.value(row, 3);
        if (type == "Lock")
            waits_[pid] = "a " + event + " lock" + (blockers.empty() ? "" : " held by pid " + blockers);
        else if (!type.empty())
            waits_[pid] = type + "/" + event;
        else
            waits_[pid].clear();
    }
}

// While nothing moves: the oldest step in flight, and what its server process
// waits for (or that it runs: building an index, say).
void Driver::report_waiting(Clock::time_point now) {
    const Worker *oldest = nullptr;
    size_t busy = 0;
    if (stalled(now))
        for (const Worker &worker : workers_) {
            if (!worker.unit || worker.phase == Phase::Delaying) continue;
            ++busy;
            if (!oldest || worker.step_started < oldest->step_started) oldest = &worker;
        }
    if (!oldest) return progress_.set_waiting("", "");
    const auto wait = waits_.find(oldest->backend_pid);
    std::string what = where(*oldest) + (wait == waits_.end()     ? ""
                                         : wait->second.empty() ? ": running"
                                                                : ": waits for " + wait->second);
    if (busy > 1) what += " (and " + std::to_string(busy - 1) + " more in flight)";
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - oldest->step_started).count();
    progress_.set_waiting(what, "for " + std::to_string(seconds) + " s");
}

void Driver::read_control(size_t node, Outcome outcome) {
    Control &control = controls_[node];
    if (outcome.error || outcome.results.empty() || outcome.results[0].empty()) {
        // Steering is for people; a node that cannot say is not allowed to stall the run.
        if (control.state == Steer::Unknown && outcome.error)
            progress_.note("cannot read the steering state on " + nodes_[node].spec.display + ": " +
                           outcome.error->message);
        control.state = Steer::Running;
        return;
    }
    const Rows &rows = outcome.results[0];
    const std::string &state = rows.value(0, 0);
    control.state = state == "paused" ? Steer::Paused : state == "cancelled" ? Steer::Cancelled : Steer::Running;
    control.said = "by " + rows.value(0, 1) + " on " + nodes_[node].spec.display +
                   (rows.value(0, 2).empty() ? "" : ": " + rows.value(0, 2));
}

// The fleet's steering is the strictest of its nodes': one cancel ends the run,
// one pause holds every node.
void Driver::update_steering() {
    const auto first = [this](Steer state) {
        return std::find_if(controls_.begin(), controls_.end(), [&](const Control &c) { return c.state == state; });
    };
    steering_known_ = first(Steer::Unknown) == controls_.end();
    if (result_.cancelled.empty() && first(Steer::Cancelled) != controls_.end()) {
        result_.cancelled = "cancelled " + first(Steer::Cancelled)->said;
        progress_.note(result_.cancelled + "; letting the versions in flight finish, starting nothing new");
    }
    const auto pause = first(Steer::Paused);
    if (!paused_ && pause != controls_.end()) {
        paused_ = true;
        progress_.set_paused(pause->said);
        progress_.note("paused " + pause->said + "; versions in flight finish, nothing new starts until resumed");
    } else if (paused_ && pause == controls_.end() && steering_known_) {
        paused_ = false;
        progress_.set_paused("");
        if (result_.cancelled.empty()) progress_.note("resumed: starting new transactions again");
    }
}

// When the running wave is finished: halt on its failures (a canary tolerates
// none; later waves --max-failures, counted over every wave so far), or make
// the next wave's schemas ready.
void Driver::next_wave() {
    if (stopping() || wave_ + 1 >= waves_.labels.size()) return;
    for (size_t wave = 0; wave <= wave_ && wave < unfinished_per_wave_.size(); ++wave)
        if (unfinished_per_wave_[wave] > 0) return;
    size_t failed = 0, ran = 0;
    for (const Unit &unit : units_) {
        if (unit.wave > wave_) continue;
        failed += unit.state == UnitState::Failed;
        ran += unit.state == UnitState::Failed || unit.state == UnitState::Done;
    }
    const std::string &label = waves_.labels[wave_];
    const bool canary = waves_.has_canary && wave_ == 0;
    if (canary ? failed > 0 : exceeds(settings_.max_failures, failed, ran)) {
        result_.halted = std::to_string(failed) + " of " + std::to_string(ran) + " schemas failed in the " +
                         (canary ? "canary" : "waves up to " + label + ", more than --max-failures allows") +
                         "; no further wave started";
        progress_.note("halted: " + result_.halted);
        for (Unit &unit : units_)
            if (unit.state == UnitState::Waiting) stop(unit);
        return;
    }
    ++wave_;
    progress_.note(waves_.labels[wave_] + ": " + std::to_string(waves_.sizes[wave_]) + " schema(s)");
    for (Unit &unit : units_)
        if (unit.wave == wave_ && unit.state == UnitState::Waiting) make_ready(unit);
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
            progress_.note("interrupted: cancelling statements in flight and rolling them back (at most " +
                           std::to_string(kWindDown.count()) + " s; a second Ctrl-C exits at once)");
            for (Worker &worker : workers_) worker.connection->cancel();
        }
        promote_backoffs(now);
        poll_controls(now);
        update_steering();
        for (Worker &worker : workers_) advance(worker, now);
        next_wave();
        // Every idle worker takes its next step in this turn, after every step
        // that ended and every wave that started: the wait below has nothing to
        // wake an idle connection, and a slot freed late in the pass above may
        // be the one a worker earlier in it was waiting for.
        if (admitting())
            for (Worker &worker : workers_)
                if (worker.phase == Phase::Idle && worker.connection->state() == Connection::State::Idle) admit(worker);
        report_waiting(now);
        progress_.tick();
        if (idle() && (stopping() || !work_left())) break;
        if (now >= wind_down_deadline()) {
            // A node that has not answered the cancel (frozen, or its network
            // gone): close its connections, the server rolls them back.
            for (Worker &worker : workers_)
                if (worker.phase != Phase::Closed && worker.connection->state() == Connection::State::Busy) {
                    worker.connection->abandon("no answer within the " + std::to_string(kWindDown.count()) +
                                               " s wind-down after the interrupt");
                    close(worker);
                }
            break;
        }
        wait_and_step(sockets, next_deadline(now));
    }
    for (Unit &unit : units_)
        if (unit.state == UnitState::Waiting || unit.state == UnitState::Ready || unit.state == UnitState::Backoff ||
            unit.state == UnitState::Running)
            stop(unit);
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

DriveResult drive(std::vector<Node> &nodes, const std::vector<Node *> &planned, const MigrationDir &dir,
                  const Plan &plan, const DriveSettings &settings, Progress &progress) {
    Driver driver(nodes, planned, dir, plan, settings, progress);
    return driver.run();
}

}  // namespace shoal::fleet
