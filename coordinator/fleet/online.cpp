// Online versions against the fleet. The backfill and the contract run in
// rounds: each round sends every busy connection one short transaction (a
// batch with its cursor, or one schema's contract) and waits for all of them;
// between rounds the steering state is read and the version's delay kept.
// Everything a rerun needs is in the shards (shoal.online, written in each
// batch's transaction): nothing here survives a crash, nothing needs to.
#include "fleet/online.h"

#include <algorithm>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "digest.h"
#include "json.h"
#include "lock_policy.h"
#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "fleet/repair.h"
#include "fleet/status.h"
#include "online_change.h"
#include "plan.h"
#include "schema_prefix.h"
#include "targeting.h"
#include "text.h"

namespace shoal::fleet {
namespace {

// How often the backfill reads the steering (pause, cancel) between batches.
constexpr auto kSteeringPoll = std::chrono::milliseconds(250);
constexpr auto kProgressEvery = std::chrono::seconds(2);

// Waits until `until`, or an interrupt.
void wait_until(Clock::time_point until) {
    while (!interrupted() && Clock::now() < until) wait_and_step({}, until);
}

// A batch, contract or abort that timed out on a lock is retried as the
// driver retries a step (lock_policy.h): backoff with jitter, for up to the
// policy's retry_for after its first lock timeout, at most its retries.
class LockRetries {
  public:
    // After a lock timeout at `now`: the wait before the next try, or none
    // when the policy gives up.
    std::optional<std::chrono::milliseconds> after_timeout(const LockPolicy &policy,
                                                           Clock::time_point now) {
        if (count_ == 0) first_ = now;
        const auto since_first =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - first_);
        const auto wait = retry_wait(policy, count_ + 1, since_first, jitter());
        if (wait) ++count_;
        return wait;
    }
    void succeeded() { count_ = 0; }
    // "retry 2/5 in 870 ms (58 s left of retry_for 1 min)", as the driver says it.
    std::string describe(const LockPolicy &policy, std::chrono::milliseconds wait) const {
        const long since_first =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - first_).count();
        return "retry " + std::to_string(count_) +
               (policy.retries >= 0 ? "/" + std::to_string(policy.retries) : "") + " in " +
               std::to_string(wait.count()) + " ms (" +
               duration_text(std::max<long>(0, policy.retry_for_ms - since_first)) +
               " left of retry_for " + duration_text(policy.retry_for_ms) + ")";
    }
    // Why a lock timeout is final: the detail the driver gives a step's.
    std::string gave_up(const LockPolicy &policy) const {
        return "no retry left after " + std::to_string(count_) +
               (count_ == 1 ? " retry" : " retries") + " (lock_timeout " +
               duration_text(policy.lock_timeout_ms) + ", retry_for " +
               duration_text(policy.retry_for_ms) +
               (policy.retries >= 0 ? ", retries " + std::to_string(policy.retries) : "") + ")";
    }

  private:
    static double jitter() {
        static std::mt19937 random{std::random_device{}()};
        return std::uniform_real_distribution<double>(0.0, 1.0)(random);
    }
    int count_ = 0;
    Clock::time_point first_{};
};

// One row of shoal.online_state.
struct OnlineRow {
    std::string schema;
    std::string version;
    std::string state;
    long long done = 0;
    long long total = -1;                    // -1: not counted yet
    double expanded_at = 0, updated_at = 0;  // seconds since the epoch
};

// Every node's shoal.online_state; a node that cannot say is named on stderr
// and has no rows.
std::vector<std::vector<OnlineRow>> read_online_rows(const std::vector<Node *> &nodes) {
    std::vector<Batch> batches(nodes.size(), Batch{Query{queries::kOnlineStates.text}});
    const auto outcomes = exchange(controls(nodes), std::move(batches));
    std::vector<std::vector<OnlineRow>> rows(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (outcomes[i].error) {
            std::cerr << "shoal: " << nodes[i]->spec.display
                      << ": reading shoal.online_state failed: " << outcomes[i].error->to_string()
                      << "\n";
            continue;
        }
        for (const auto &row : outcomes[i].results.at(0).rows)
            rows[i].push_back(OnlineRow{
                row.at(0).value_or(""), row.at(1).value_or(""), row.at(2).value_or(""),
                std::stoll(row.at(3).value_or("0")), row.at(4) ? std::stoll(*row.at(4)) : -1,
                std::stod(row.at(5).value_or("0")), std::stod(row.at(6).value_or("0"))});
    }
    return rows;
}

// The steering of the fleet between two rounds: "" when running; else why not.
// lost: the nodes whose control connection broke instead of answering (a
// frozen node's, at the round deadline), with why, by index in `nodes`.
struct Steering {
    bool paused = false;
    std::string cancelled;
    std::vector<std::pair<size_t, std::string>> lost;
};

// Asks the usable nodes only: a lost node cannot hold the others (as the driver).
Steering read_steering(const std::vector<Node *> &nodes) {
    std::vector<Node *> asked;
    std::vector<size_t> index_of;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i]->usable) {
            asked.push_back(nodes[i]);
            index_of.push_back(i);
        }
    std::vector<Batch> batches(asked.size(), Batch{Query{queries::kControlState.text}});
    const auto outcomes = exchange(controls(asked), std::move(batches));
    Steering steering;
    for (size_t n = 0; n < asked.size(); ++n) {
        const size_t i = index_of[n];
        if (outcomes[n].error && nodes[i]->control->state() == Connection::State::Broken)
            steering.lost.emplace_back(i, outcomes[n].error->message);
        // A node whose state cannot be read counts as running (as the driver).
        if (outcomes[n].error || outcomes[n].results.at(0).empty()) continue;
        const Rows &row = outcomes[n].results.at(0);
        if (row.value(0, 0) == "paused") steering.paused = true;
        if (row.value(0, 0) == "cancelled" && steering.cancelled.empty())
            steering.cancelled = "cancelled by " + row.value(0, 1) + " on " +
                                 nodes[i]->spec.display +
                                 (row.value(0, 2).empty() ? "" : ": " + row.value(0, 2));
    }
    return steering;
}

// One schema's backfill.
struct Shard {
    size_t node = 0;
    std::string schema;
    const Version *version = nullptr;
    long long done = 0;
    long long total = -1;
    LockRetries retries;
    Clock::time_point not_before{};
    // A column type change's indexes on its new column, built once its rows
    // are (state "indexing"): the statements still to run, once listed; each
    // runs alone, outside a transaction (CONCURRENTLY).
    bool indexing = false;
    std::optional<std::deque<std::string>> builds;
};

// A worker connection of a node and the shard it backfills.
struct Worker {
    size_t node = 0;
    std::unique_ptr<Connection> connection;
    std::optional<size_t> shard;
    bool in_flight = false;        // a batch sent and not yet taken
    Clock::time_point ready_at{};  // its last batch's delay ends
};

class Backfill {
  public:
    Backfill(const std::vector<Node *> &nodes, const DriveSettings &settings, Progress &progress)
        : nodes_(nodes), settings_(settings), progress_(progress), queues_(nodes.size()) {}

    void add(size_t node, std::string schema, const Version &version, long long done,
             long long total, bool indexing) {
        queues_[node].push_back(shards_.size());
        shards_.push_back(
            Shard{node, std::move(schema), &version, done, total, {}, {}, indexing, {}});
        done_before_ += done;
    }
    BackfillResult run();

  private:
    LockPolicy policy_of(const Version &version) const {
        return settings_.lock_policy.under(version.up.directives);
    }
    bool open_workers();
    Batch next_request(const Shard &shard) const;
    void take_result(Worker &worker, const Outcome &outcome);
    void take_index_result(Worker &worker, const Outcome &outcome);
    void finished(Worker &worker);
    void not_backfilled(const Shard &shard, const std::string &why) {
        result_.errors.push_back({nodes_[shard.node]->spec.display, shard.schema,
                                  shard.version->name, "not backfilled: " + why, ""});
    }
    void lose_node(size_t node, const std::string &why);
    void lose_nodes_without_workers();
    void start_batch(Worker &worker, Clock::time_point now, Clock::time_point &wake);
    void take_finished();
    bool nothing_left() const;
    std::vector<Connection *> worker_connections() const;
    void report_progress(bool force);

    const std::vector<Node *> &nodes_;
    const DriveSettings &settings_;
    Progress &progress_;
    std::vector<Shard> shards_;
    std::vector<std::deque<size_t>> queues_;  // per node, shards not yet finished nor taken
    std::vector<Worker> workers_;
    BackfillResult result_;
    Clock::time_point last_report_{};
    Clock::time_point started_ = Clock::now();
    long long done_before_ = 0;  // rows the shards had done when this run began
};

bool Backfill::open_workers() {
    for (size_t node = 0; node < nodes_.size(); ++node) {
        if (queues_[node].empty()) continue;
        // The node's parallelism, as for the chains: the version's
        // $parallelism_per_host, else --parallelism, else the node's default.
        int per_node =
            settings_.parallelism > 0 ? settings_.parallelism : nodes_[node]->default_parallelism;
        const int per_host =
            shards_[queues_[node].front()].version->up.directives.parallelism_per_host;
        if (per_host > 0) per_node = std::min(per_node, per_host);
        per_node = std::min<int>(std::max(per_node, 1), static_cast<int>(queues_[node].size()));
        for (int i = 0; i < per_node; ++i)
            workers_.push_back(Worker{node,
                                      std::make_unique<Connection>(nodes_[node]->spec.conninfo,
                                                                   nodes_[node]->spec.display),
                                      std::nullopt});
    }
    std::vector<Connection *> connections;
    for (Worker &worker : workers_) connections.push_back(worker.connection.get());
    wait_all(connections, Clock::now() + kRoundDeadline);
    // Each worker becomes a member of the run, as the driver's do.
    std::vector<Batch> joins(workers_.size(), Batch{Query{queries::kJoinRun.text, {run_holder()}}});
    const auto outcomes = fleet::exchange(connections, std::move(joins));
    bool ok = true;
    for (size_t i = 0; i < outcomes.size(); ++i)
        if (outcomes[i].error) {
            std::cerr << "shoal: " << workers_[i].connection->display()
                      << ": a backfill connection could not join the run: "
                      << outcomes[i].error->to_string() << "\n";
            ok = false;
        }
    return ok;
}

void Backfill::report_progress(bool force) {
    const auto now = Clock::now();
    if (!force && now - last_report_ < kProgressEvery) return;
    last_report_ = now;
    long long done = 0, total = 0;
    for (const Shard &shard : shards_) {
        done += shard.done;
        total += std::max(shard.total, shard.done);
    }
    // The rate of this run: a rerun's rows done before it do not count.
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? (done - done_before_) / seconds : 0;
    progress_.note("backfill: " + backfill_progress(done, total, rate) + ", " +
                   std::to_string(result_.backfilled) + "/" + std::to_string(shards_.size()) +
                   " schema(s) backfilled");
}

Batch Backfill::next_request(const Shard &shard) const {
    const std::string lock_ms = std::to_string(policy_of(*shard.version).lock_timeout_ms);
    // The listing sets the session's timeouts, for the builds after it: the
    // version's $statement_timeout, else the run's (--statement-timeout).
    if (shard.indexing && !shard.builds)
        return Batch{
            Query{queries::kOnlineIndexBuilds.text,
                  {shard.schema, shard.version->name, lock_ms,
                   std::to_string(settings_.statement_timeout_for(shard.version->up.directives))}}};
    if (shard.indexing) return Batch{Query{shard.builds->front()}};
    const Query timeouts{queries::kLocalTimeouts.text, {lock_ms, "0"}};
    // A constraint's backfill is its validation, in one transaction.
    if (!backfills_rows(*shard.version->up.online))
        return Batch{timeouts, Query{queries::kOnlineValidate.text,
                                     {shard.schema, shard.version->name},
                                     "shoal_validate"}};
    return Batch{timeouts, Query{queries::kOnlineBackfill.text,
                                 {shard.schema, shard.version->name,
                                  std::to_string(shard.version->up.online->batch_rows)},
                                 "shoal_backfill"}};
}

// A node lost for this run (its steering read or every worker's batch broke,
// a frozen node's at the round deadline) gets no more rounds: another one
// would hold every other node's for one more deadline. Each of its shards not
// finished is named; the next apply resumes them.
void Backfill::lose_node(size_t node, const std::string &why) {
    if (!nodes_[node]->usable) return;
    nodes_[node]->usable = false;
    nodes_[node]->problem = why;
    progress_.note("lost " + nodes_[node]->spec.display + ": " + why);
    for (const Worker &worker : workers_)
        if (worker.node == node && worker.shard)
            not_backfilled(shards_[*worker.shard], "the node was lost: " + why);
    for (size_t s : queues_[node]) not_backfilled(shards_[s], "the node was lost: " + why);
    queues_[node].clear();
    workers_.erase(std::remove_if(workers_.begin(), workers_.end(),
                                  [node](const Worker &worker) { return worker.node == node; }),
                   workers_.end());
}

// A node whose every worker connection broke (a frozen node's, all at the
// round deadline) is lost as well, as in the driver.
void Backfill::lose_nodes_without_workers() {
    for (size_t node = 0; node < nodes_.size(); ++node) {
        std::optional<std::string> why;
        for (const Worker &worker : workers_) {
            if (worker.node != node) continue;
            if (worker.connection->state() != Connection::State::Broken) {
                why.reset();
                break;
            }
            if (!why)
                why = worker.connection->broken_reason()
                          ? worker.connection->broken_reason()->message
                          : "connection lost";
        }
        if (why) lose_node(node, *why);
    }
}

// Sends the worker's next batch when its delay is over: its shard's, or the
// next shard of its node that is due. Else moves `wake` to when one will be.
void Backfill::start_batch(Worker &worker, Clock::time_point now, Clock::time_point &wake) {
    if (worker.connection->state() != Connection::State::Idle) return;
    if (worker.ready_at > now) {
        wake = std::min(wake, worker.ready_at);
        return;
    }
    auto &queue = queues_[worker.node];
    if (!worker.shard) {
        auto due = std::find_if(queue.begin(), queue.end(),
                                [&](size_t s) { return shards_[s].not_before <= now; });
        for (size_t s : queue) wake = std::min(wake, shards_[s].not_before);
        if (due == queue.end()) return;
        worker.shard = *due;
        queue.erase(due);
    }
    const Shard &shard = shards_[*worker.shard];
    worker.connection->send(next_request(shard));
    worker.in_flight = true;
    // A batch of rows or a listing is a short statement under the round
    // deadline. An index build is a step's own statement, bounded only by its
    // statement_timeout (DESIGN.md, "Liveness"): a big table's build outlasts
    // any fixed deadline, and one would cut it off at every retry.
    if (!(shard.indexing && shard.builds)) worker.connection->expire_after(kRoundDeadline);
}

// Takes the outcome of every batch that ended, then loses the nodes left
// without a worker.
void Backfill::take_finished() {
    for (Worker &worker : workers_) {
        const auto state = worker.connection->state();
        if (!worker.in_flight || state == Connection::State::Busy ||
            state == Connection::State::Connecting)
            continue;
        worker.in_flight = false;
        const int delay_ms = shards_[*worker.shard].version->up.online->batch_delay_ms;
        worker.ready_at = Clock::now() + std::chrono::milliseconds(delay_ms);
        take_result(worker, worker.connection->take());
    }
    lose_nodes_without_workers();
    report_progress(false);
}

bool Backfill::nothing_left() const {
    return std::all_of(queues_.begin(), queues_.end(), [](const auto &q) { return q.empty(); }) &&
           std::none_of(workers_.begin(), workers_.end(),
                        [](const Worker &worker) { return worker.shard.has_value(); });
}

std::vector<Connection *> Backfill::worker_connections() const {
    std::vector<Connection *> connections;
    for (const Worker &worker : workers_) connections.push_back(worker.connection.get());
    return connections;
}

void Backfill::finished(Worker &worker) {
    ++result_.backfilled;
    progress_.step_done();
    worker.shard.reset();
}

// A listing of the builds left, or one build done. Built indexes are listed
// again before the shard counts as backfilled: done when nothing is left.
void Backfill::take_index_result(Worker &worker, const Outcome &outcome) {
    Shard &shard = shards_[*worker.shard];
    if (shard.builds) {
        shard.builds->pop_front();
        if (shard.builds->empty()) shard.builds.reset();
        return;
    }
    shard.builds.emplace();
    for (const auto &row : outcome.results.back().rows)
        shard.builds->push_back(row.at(0).value_or(""));
    if (shard.builds->empty()) finished(worker);
}

void Backfill::take_result(Worker &worker, const Outcome &outcome) {
    Shard &shard = shards_[*worker.shard];
    const std::string &node = nodes_[shard.node]->spec.display;
    if (outcome.error) {
        if (worker.connection->state() == Connection::State::Broken) {
            result_.errors.push_back({node, shard.schema, shard.version->name,
                                      "the connection broke: " + outcome.error->message, ""});
            worker.shard.reset();
            return;
        }
        // Listed again at the retry: a killed build's INVALID index is dropped first.
        shard.builds.reset();
        const LockPolicy policy = policy_of(*shard.version);
        const auto wait = outcome.error->is_retryable()
                              ? shard.retries.after_timeout(policy, Clock::now())
                              : std::nullopt;
        if (wait) {
            progress_.retried();
            progress_.note(shard.retries.describe(policy, *wait) + ": backfill " + node + " " +
                           shard.schema + ": " + outcome.error->message);
            shard.not_before = Clock::now() + *wait;
            queues_[shard.node].push_back(*worker.shard);
        } else {
            std::string detail = outcome.error->detail;
            if (outcome.error->is_retryable())
                detail += (detail.empty() ? "" : "\n") + shard.retries.gave_up(policy);
            result_.errors.push_back({node, shard.schema, shard.version->name,
                                      outcome.error->message, detail, outcome.error->hint,
                                      outcome.error->sqlstate});
        }
        worker.shard.reset();
        return;
    }
    shard.retries.succeeded();
    if (shard.indexing) return take_index_result(worker, outcome);
    const Rows &row = outcome.results.back();
    shard.done = std::stoll(row.value(0, 1));
    shard.total = row.value(0, 2).empty() ? -1 : std::stoll(row.value(0, 2));
    if (row.value(0, 0) != "backfilled") return;
    // A column type change's rows are done; its indexes are next.
    shard.indexing = shard.version->up.online->operation == "column_type";
    if (!shard.indexing) finished(worker);
}

BackfillResult Backfill::run() {
    if (shards_.empty()) return result_;
    progress_.add_total(shards_.size());
    if (!open_workers()) {
        for (const Shard &shard : shards_) not_backfilled(shard, "no connection joined the run");
        return result_;
    }
    report_progress(true);
    // Each worker runs its shard's batches one after the other, its version's
    // batch delay between them: a long statement (an index build, a batch
    // waiting for a lock) holds only its own worker. The steering is read
    // between batches, at most every kSteeringPoll: paused, no batch starts;
    // cancelled or interrupted, none starts and those in flight end (an
    // interrupt cancels them).
    Clock::time_point next_steering{};
    bool paused = false;
    while (!interrupted() && result_.cancelled.empty()) {
        auto now = Clock::now();
        if (now >= next_steering) {
            const Steering steering = read_steering(nodes_);
            for (const auto &[node, why] : steering.lost) lose_node(node, why);
            result_.cancelled = steering.cancelled;
            paused = steering.paused;
            progress_.set_paused(paused ? "a paused node" : "");
            next_steering = Clock::now() + kSteeringPoll;
            continue;
        }
        Clock::time_point wake = next_steering;
        bool busy = false;
        for (Worker &worker : workers_) {
            if (!worker.in_flight && !paused) start_batch(worker, now, wake);
            busy = busy || worker.in_flight;
        }
        if (!busy && nothing_left()) break;
        wait_and_step(worker_connections(), wake);
        take_finished();
    }
    // What is still in flight ends (cancelled on an interrupt) and counts.
    wait_all(worker_connections(), Clock::time_point::max());
    take_finished();
    result_.interrupted = interrupted();
    report_progress(true);
    std::set<std::string> versions;
    for (const Shard &shard : shards_) versions.insert(shard.version->name);
    if (result_.backfilled == shards_.size())
        for (const std::string &version : versions)
            progress_.note("backfilled: after deploying the application, shoal complete " +
                           version);
    return result_;
}

// The targeted schemas on each node that should hold `version`: candidates
// matching its prefix that do not have it yet.
std::vector<std::vector<std::string>> schemas_lacking(const std::vector<Node *> &nodes,
                                                      const Version &version) {
    std::vector<std::vector<std::string>> lacking(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const SchemaState &schema : nodes[i]->state.schemas) {
            if (!schema_matches_prefix(schema.schema, version.prefix) || !schema.problem.empty())
                continue;
            if (!schema.has(version.name)) lacking[i].push_back(schema.schema);
        }
    return lacking;
}

// complete and abort: the run lock, the stamps, the shards' states, then one
// short lock-timed transaction per schema, one schema per node at a time.
class OnlineChangeCommand {
  public:
    OnlineChangeCommand(const Config &config, const MigrationDir &dir)
        : config_(config), dir_(dir), completing_(config.command == Command::Complete) {}
    int run();

  private:
    int finish(int code) {
        unlock_run(nodes_);
        return code;
    }
    // Says why the command stopped before changing anything, on stderr and
    // with --json as the document.
    int stopped(ExitCode code, const std::vector<std::string> &messages);
    // What was changed, as text or the --json document; the exit code.
    int report();
    // Mismatching rows per schema; false when a node could not say.
    bool check_mismatches(std::vector<std::deque<std::string>> schemas);
    void change_each(std::vector<std::deque<std::string>> queues);
    // One round: QUERY (schema, version) for the first schema of each usable
    // node's queue, under LOCK_MS, on every such node at once.
    struct Round {
        std::vector<Node *> nodes;
        std::vector<size_t> which;  // each node's index in usable_ and the queues
        std::vector<Outcome> outcomes;
    };
    Round ask_first_of_each(const std::vector<std::deque<std::string>> &queues,
                            const queries::Sql &query, const std::string &lock_ms);

    const Config &config_;
    const MigrationDir &dir_;
    const bool completing_;
    const Version *version_ = nullptr;
    std::vector<Node> nodes_;
    std::vector<std::string> standbys_;
    std::vector<Node *> usable_;
    std::vector<std::string> changed_, unchanged_;
    std::vector<SchemaError> errors_;
    size_t not_done_ = 0;
};

OnlineChangeCommand::Round OnlineChangeCommand::ask_first_of_each(
    const std::vector<std::deque<std::string>> &queues, const queries::Sql &query,
    const std::string &lock_ms) {
    Round round;
    std::vector<Batch> batches;
    for (size_t i = 0; i < usable_.size(); ++i) {
        if (queues[i].empty() || !usable_[i]->usable) continue;
        round.nodes.push_back(usable_[i]);
        round.which.push_back(i);
        batches.push_back(Batch{Query{queries::kLocalTimeouts.text, {lock_ms, "0"}},
                                Query{query.text, {queues[i].front(), version_->name}}});
    }
    if (!round.nodes.empty()) round.outcomes = exchange(controls(round.nodes), std::move(batches));
    return round;
}

bool OnlineChangeCommand::check_mismatches(std::vector<std::deque<std::string>> schemas) {
    const std::string lock_ms =
        std::to_string(config_.lock_policy.under(version_->up.directives).lock_timeout_ms);
    bool ok = true;
    // One schema per node a round, each under the round's deadline and the
    // version's lock_timeout: a frozen node or a lock the application holds is
    // a refusal naming the node, never a hang (a node's whole list in one
    // batch could not be bounded: its scans add up).
    while (!interrupted()) {
        const auto [nodes, which, outcomes] =
            ask_first_of_each(schemas, queries::kOnlineMismatches, lock_ms);
        if (nodes.empty()) return ok;
        for (size_t n = 0; n < nodes.size(); ++n) {
            auto &queue = schemas[which[n]];
            const std::string where = nodes[n]->spec.display + " " + queue.front();
            if (outcomes[n].error) {
                std::cerr << "shoal: " << where
                          << ": the final check failed: " << outcomes[n].error->to_string() << "\n";
                ok = false;
                queue.clear();  // the node's answer is missing: the refusal is certain
                continue;
            }
            const std::string rows = outcomes[n].results.back().value(0, 0);
            if (rows != "0") {
                std::cerr << "shoal: " << where << ": "
                          << mismatched_rows(rows, *version_->up.online) << "\n";
                ok = false;
            }
            queue.pop_front();
        }
    }
    return false;
}

void OnlineChangeCommand::change_each(std::vector<std::deque<std::string>> queues) {
    const LockPolicy policy = config_.lock_policy.under(version_->up.directives);
    const std::string lock_ms = std::to_string(policy.lock_timeout_ms);
    std::vector<LockRetries> retries(usable_.size());
    while (!interrupted()) {
        const auto [nodes, which, outcomes] = ask_first_of_each(
            queues, completing_ ? queries::kOnlineContract : queries::kOnlineAbort, lock_ms);
        if (nodes.empty()) break;
        Clock::time_point retry_at = Clock::now();
        for (size_t n = 0; n < nodes.size(); ++n) {
            const size_t i = which[n];
            const std::string schema = queues[i].front();
            const std::string where = nodes[n]->spec.display + ":" + schema;
            if (const auto &error = outcomes[n].error) {
                if (nodes[n]->control->state() == Connection::State::Broken) {
                    // The node is lost for this run: its schemas count as not
                    // done; say which node and why.
                    std::cerr << "shoal: " << where << ": " << error->message << "\n";
                    nodes[n]->usable = false;
                    continue;
                }
                const auto wait = error->is_retryable()
                                      ? retries[i].after_timeout(policy, Clock::now())
                                      : std::nullopt;
                if (wait) {
                    std::cerr << "shoal: " << retries[i].describe(policy, *wait) << ": " << where
                              << ": " << error->message << "\n";
                    retry_at = std::max(retry_at, Clock::now() + *wait);
                    continue;
                }
                std::string detail = error->detail;
                if (error->is_retryable())
                    detail += (detail.empty() ? "" : "\n") + retries[i].gave_up(policy);
                errors_.push_back({nodes[n]->spec.display, schema, version_->name, error->message,
                                   detail, error->hint, error->sqlstate});
            } else {
                const std::string answer = outcomes[n].results.back().value(0, 0);
                (answer == "applied" || answer == "aborted" ? changed_ : unchanged_)
                    .push_back(where);
            }
            retries[i].succeeded();
            queues[i].pop_front();
        }
        wait_until(retry_at);
    }
    for (const auto &queue : queues) not_done_ += queue.size();
}

int OnlineChangeCommand::stopped(ExitCode code, const std::vector<std::string> &messages) {
    for (const std::string &message : messages) std::cerr << "shoal: " << message << "\n";
    if (config_.json)
        std::cout << json_text(json_stopped(command_name(config_.command), code,
                                            json_messages(messages), Json::array(),
                                            unread_of(nodes_), standbys_))
                  << std::endl;
    return to_int(code);
}

int OnlineChangeCommand::report() {
    const std::string command = command_name(config_.command);
    const ExitCode code = interrupted()      ? ExitCode::Interrupted
                          : not_done_ > 0    ? ExitCode::Unreachable
                          : !errors_.empty() ? ExitCode::MigrationFailed
                                             : ExitCode::Ok;
    if (config_.json) {
        std::cout << json_text(json_answer(command, code,
                                           {{"version", version_->name},
                                            {"changed", changed_.size()},
                                            {"changed_where", collapse(changed_)},
                                            {"unchanged", unchanged_.size()},
                                            {"unchanged_where", collapse(unchanged_)},
                                            {"schema_errors", json_schema_errors(errors_)},
                                            {"not_done", not_done_}},
                                           json_error_groups(group_errors(errors_)),
                                           unread_of(nodes_), standbys_))
                  << std::endl;
        return to_int(code);
    }
    std::cout << command << " " << version_->name << ": " << changed_.size() << " schema(s) "
              << (completing_ ? "contracted, the version applied" : "aborted, the expand removed");
    if (!unchanged_.empty()) std::cout << "; " << unchanged_.size() << " already so";
    std::cout << "\n";
    for (const SchemaError &error : errors_)
        std::cerr << "shoal: " << error.node << " " << error.schema << ": " << error.message
                  << (error.detail.empty() ? "" : "\n  " + error.detail) << "\n";
    if (not_done_) std::cerr << "shoal: " << not_done_ << " schema(s) not done\n";
    return to_int(code);
}

int OnlineChangeCommand::run() {
    const std::string command = command_name(config_.command);
    version_ = find_version(dir_, config_.version);
    if (!version_ || !version_->up.online)
        return stopped(
            ExitCode::Usage,
            {command + ": " + printable(config_.version) +
             (version_ ? " is not an online version (no -- shoal $online= in its .up.sql)"
                       : " is no version of " + dir_.path) +
             "; nothing changed"});
    nodes_ = connect_nodes(config_.nodes);
    standbys_ = skip_standbys(nodes_);
    for (const Node &node : nodes_)
        if (!node.usable)
            return stopped(connect_failure_code(nodes_),
                           {node.spec.display + ": " + node.problem + "; nothing changed"});
    usable_ = usable_nodes(nodes_);
    if (!check_extensions(usable_, ExtensionMode::Check)) {
        std::vector<std::string> problems;
        for (const Node *node : usable_)
            if (!node->usable) problems.push_back(node->spec.display + ": " + node->problem);
        return stopped(left_out_code(nodes_), problems);
    }
    const LockResult lock = lock_run(usable_, code_digest(dir_));
    if (!lock.ok) {
        std::vector<std::string> messages;
        for (const std::string &message : lock.messages) messages.push_back("run lock: " + message);
        return finish(
            stopped(lock.held_elsewhere ? ExitCode::LockHeld : ExitCode::Unreachable, messages));
    }
    if (!read_stamps(usable_) || !narrow_to_targets(usable_, config_.target))
        return finish(stopped(ExitCode::Unreachable, {}));
    const auto lacking = schemas_lacking(usable_, *version_);
    const auto rows = read_online_rows(usable_);
    std::vector<OnlineShard> shards;
    std::vector<std::deque<std::string>> queues(usable_.size());
    // A stamp that has the version while its online change is still in the
    // schema was written by something else (pg-mig runs the empty up file and
    // stamps it; shoal mark): neither the contract (its stamp would be
    // written twice, its columns swapped behind a stamp that already lied)
    // nor the abort (leaving the lie) may guess what the user meant.
    std::vector<std::string> stamped_early;
    for (size_t i = 0; i < usable_.size(); ++i)
        for (const OnlineRow &row : rows[i]) {
            const auto &targeted = usable_[i]->state.schemas;
            const auto schema =
                std::find_if(targeted.begin(), targeted.end(),
                             [&](const SchemaState &s) { return s.schema == row.schema; });
            if (row.version == version_->name && schema != targeted.end() &&
                schema->has(row.version))
                stamped_early.push_back(usable_[i]->spec.display + " " + row.schema + " (" +
                                        row.state + ")");
        }
    if (!stamped_early.empty())
        return finish(stopped(
            ExitCode::NotUpToDate,
            {command + ": " + std::to_string(stamped_early.size()) + " schema(s) have " +
                 version_->name +
                 " in their stamp while its online change is still there, not contracted: " +
                 join(stamped_early, ", "),
             command + " " + version_->name +
                 " refused: something other than shoal complete recorded it (pg-mig, which "
                 "cannot run an online version, or shoal mark); take it out of those stamps "
                 "with shoal forget " +
                 version_->name + " --schemas …, then rerun; nothing changed"}));
    for (size_t i = 0; i < usable_.size(); ++i)
        for (const std::string &schema : lacking[i]) {
            auto row = std::find_if(rows[i].begin(), rows[i].end(), [&](const OnlineRow &r) {
                return r.schema == schema && r.version == version_->name;
            });
            shards.push_back(
                {usable_[i]->spec.display, schema, row == rows[i].end() ? "" : row->state});
            if (row != rows[i].end()) queues[i].push_back(schema);
        }
    if (completing_) {
        std::vector<std::string> not_ready;
        for (const std::string &line : not_ready_to_complete(shards))
            not_ready.push_back("complete: " + line);
        if (!not_ready.empty()) {
            not_ready.push_back("complete " + version_->name +
                                " refused: every targeted schema must finish its backfill first "
                                "(shoal apply); nothing changed");
            return finish(stopped(ExitCode::NotUpToDate, not_ready));
        }
        // A constraint's proof is its validation; a column's, no row out of step.
        if (backfills_rows(*version_->up.online) && !check_mismatches(queues))
            return finish(stopped(
                interrupted() ? ExitCode::Interrupted : ExitCode::NotUpToDate,
                {"complete " + version_->name + " refused by the final check; nothing changed"}));
    }
    change_each(std::move(queues));
    return finish(report());
}

}  // namespace

Query online_expand_step(const std::string &schema, const Version &version) {
    const OnlineChange &change = *version.up.online;
    if (change.operation == "computed_column")
        return Query{queries::kOnlineCompute.text,
                     {schema, version.name, version.up.checksum, change.table, change.column,
                      change.type, change.up, change.not_null ? "true" : "false"},
                     "shoal_compute"};
    if (change.operation != "column_type")
        return Query{
            queries::kOnlineAddConstraint.text,
            {schema, version.name, version.up.checksum, change.operation, change.table,
             change.constraint_name,
             change.operation == "check" ? std::nullopt
                                         : std::optional(text_array(constraint_columns(change))),
             change.definition.empty() ? std::nullopt : std::optional(change.definition)},
            "shoal_add_constraint"};
    return Query{queries::kOnlineExpand.text,
                 {schema, version.name, version.up.checksum, change.table, change.column,
                  change.type, change.up, change.down},
                 "shoal_expand"};
}

BackfillResult backfill(const std::vector<Node *> &nodes, const MigrationDir &dir,
                        const Targeting &target, const DriveSettings &settings,
                        Progress &progress) {
    std::vector<NodeState> states;
    for (const Node *node : nodes) states.push_back(node->state);
    states = targeted_states(std::move(states), target.schemas);
    const auto rows = read_online_rows(nodes);
    Backfill run(nodes, settings, progress);
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const OnlineRow &row : rows[i]) {
            const Version *version = find_version(dir, row.version);
            const bool targeted =
                std::any_of(states[i].schemas.begin(), states[i].schemas.end(),
                            [&](const SchemaState &s) { return s.schema == row.schema; });
            if (version && version->up.online && targeted && row.state != "backfilled")
                run.add(i, row.schema, *version, row.done, row.total, row.state == "indexing");
        }
    return run.run();
}

int command_online_change(const Config &config, const MigrationDir &dir) {
    return OnlineChangeCommand(config, dir).run();
}

void print_online_states(const std::vector<Node *> &nodes) {
    const auto rows = read_online_rows(nodes);
    // Per version: the schemas by state, and the rows and time its backfill took.
    struct Version {
        std::map<std::string, size_t> states;
        long long done = 0, total = 0;
        double first_expanded = 0, last_updated = 0;
    };
    for (size_t i = 0; i < nodes.size(); ++i) {
        std::map<std::string, Version> versions;
        for (const OnlineRow &row : rows[i]) {
            Version &version = versions[row.version];
            ++version.states[row.state];
            version.done += row.done;
            version.total += std::max(row.total, row.done);
            if (version.first_expanded == 0 || row.expanded_at < version.first_expanded)
                version.first_expanded = row.expanded_at;
            version.last_updated = std::max(version.last_updated, row.updated_at);
        }
        for (const auto &[name, version] : versions) {
            std::vector<std::string> parts;
            for (const auto &[state, count] : version.states)
                parts.push_back(std::to_string(count) + " " + state);
            // While it backfills, the node's rate since the first expand gives the ETA.
            const double seconds = version.last_updated - version.first_expanded;
            const double rate =
                version.states.count("backfilling") && seconds > 0 ? version.done / seconds : 0;
            std::cout << nodes[i]->spec.display << ": online " << name << ": " << join(parts, ", ")
                      << " (backfilled " << backfill_progress(version.done, version.total, rate)
                      << ")\n";
        }
    }
}

}  // namespace shoal::fleet
