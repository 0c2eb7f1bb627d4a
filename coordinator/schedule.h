// The scheduler: which step of a plan runs next, and what an ending step means
// for the rest. Events in (a step succeeded or failed, a node was lost, the
// steering changed, an interrupt), decisions out (the unit a node's idle
// connection runs, a retry's wait, a wave started or the run halted). Pure: no
// libpq, no I/O, no clock of its own (every event that needs the time carries
// `now`) and randomness injected, so every decision is unit-tested in
// milliseconds (test/unit/schedule_test.cpp). fleet/driver.cpp owns the
// connections and the phases of a step, and asks this class what to do.
//
// A unit is one schema's chain on one node: Waiting (its wave has not started),
// Ready (waiting for a connection), Running (its step, and the step's $delay),
// Backoff (a lock timeout, until retry_at), Done, Failed, or Stopped (not
// finished: interrupt, cancel, halted waves or lost node). Ready units are
// taken in version order, then schema, so the fleet moves version by version
// and a waiting $run_alone version is not starved.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lock_policy.h"
#include "migration.h"
#include "plan.h"
#include "waves.h"

namespace shoal {

using Clock = std::chrono::steady_clock;

enum class UnitState { Waiting, Ready, Running, Backoff, Done, Failed, Stopped };

struct Unit {
    size_t node = 0;
    size_t wave = 0;
    const SchemaPlan *plan = nullptr;
    size_t next = 0;   // index of the step to run next
    int attempts = 0;  // failed attempts of that step so far
    UnitState state = UnitState::Waiting;
    Clock::time_point retry_at{};
    Clock::time_point first_lock_timeout{};  // of that step: retry_for counts from it
    // Held from admission until the step (and its $delay) ends: the semaphore
    // keys it counts in, the fleet-wide $run_alone section, a place in flight.
    std::vector<std::string> slots;
    bool alone = false;
    bool in_flight = false;
};

// What the scheduler knows of a node.
struct ScheduledNode {
    std::string host;    // $parallelism_per_host counts steps per host
    bool usable = true;  // false: nothing is planned to run there
};

struct ScheduleSettings {
    Direction direction = Direction::Up;
    LockPolicy lock_policy;     // what a version's $lock_timeout, $retries, $retry_for override
    WaveOptions waves;          // canary and waves; none: one wave
    FailureLimit max_failures;  // checked between waves (a canary tolerates none)
};

// One node's steering, as its shoal.control_state() last said.
enum class Steer { Unknown, Running, Paused, Cancelled };
struct NodeSteering {
    Steer state = Steer::Unknown;
    std::string said;  // "by ROLE on NODE[: REASON]"
};

// What a steer() call changed.
struct SteeringChange {
    bool cancelled = false;             // the run was just cancelled: cancelled() says by whom
    std::optional<std::string> paused;  // just paused: by whom
    bool resumed = false;
};

// How a failed step failed.
struct StepError {
    bool retryable = false;  // a lock timeout or a deadlock
    bool cancelled = false;  // SQLSTATE 57014: a statement this run cancelled
};

struct FailureDecision {
    enum Kind {
        Stopped,  // the run is stopping: not a failure of the schema
        Retry,    // in Backoff for `wait`; `attempt` of `retries`
        Failed,   // the schema's chain ends here
    } kind = Failed;
    Clock::duration wait{};
    int attempt = 0;
    int retries = 0;                // the policy's, -1: as many as retry_for allows
    LockPolicy policy;              // the step's, directives applied
    Clock::duration since_first{};  // since the step's first lock timeout
};

// What next_wave() did.
struct WaveEvent {
    enum Kind { None, Started, Halted } kind = None;
};

class Schedule {
  public:
    // plan.nodes[i] runs on node node_of_plan[i]; units are made for usable
    // nodes only. `random` returns a uniform value in [0, 1): a retry waits
    // between half and all of its backoff.
    Schedule(const Plan &plan, const MigrationDir &dir, std::vector<ScheduledNode> nodes,
             const std::vector<size_t> &node_of_plan, const ScheduleSettings &settings,
             std::function<double()> random);

    // Units live as long as the Schedule and never move: the driver keeps
    // pointers to them, and every event names the unit it is about.
    const std::vector<Unit> &units() const { return units_; }
    const Version &version_of(const Unit &unit) const { return *unit.plan->steps[unit.next]; }
    const Script &script_of(const Unit &unit) const;
    size_t remaining(const Unit &unit) const { return unit.plan->steps.size() - unit.next; }
    const Waves &waves() const { return waves_; }
    size_t wave() const { return wave_; }  // the wave that runs

    bool stopping() const { return interrupted_ || !cancelled_.empty(); }
    // Whether idle connections may start steps: not stopping, not paused, and
    // every reachable node's steering read once.
    bool admitting() const { return !stopping() && !paused_ && steering_known_; }
    bool work_left() const { return unfinished_ > 0; }
    int in_flight() const { return in_flight_; }
    std::optional<Clock::time_point> next_retry() const;
    const Unit *next_backoff() const;  // the unit next_retry() is for
    size_t backing_off() const { return backoffs_.size(); }
    size_t not_done() const { return not_done_; }                // steps that will not be attempted
    const std::string &cancelled() const { return cancelled_; }  // "cancelled by …"
    const std::string &halted() const { return halted_; }        // why no further wave started

    void interrupt() { interrupted_ = true; }
    // The fleet's steering is the strictest of its nodes': one cancel ends the
    // run, one pause holds every node.
    SteeringChange steer(const std::vector<NodeSteering> &nodes);
    void promote_backoffs(Clock::time_point now);
    // When the running wave is finished: halt on its failures (a canary
    // tolerates none; later waves --max-failures, counted over every wave so
    // far), or make the next wave's schemas ready. A halt is final: Halted once.
    WaveEvent next_wave();
    // The first ready unit of `node` whose next version the semaphores allow,
    // now Running and holding its slots; null when nothing may start there.
    const Unit *admit(size_t node);
    // Its step committed. With a $delay (and not stopping), the unit keeps its
    // slots until the returned time and then finish()es; otherwise it is
    // finished now.
    std::optional<Clock::time_point> succeeded(const Unit &unit, Clock::time_point now);
    // Releases its slots; Done, or Ready for its next step.
    void finish(const Unit &unit);
    FailureDecision failed(const Unit &unit, const StepError &error, Clock::time_point now);
    // Its connection is gone mid-step: whether it committed is the stamp's to
    // say on the next run.
    void abandon(const Unit &unit);
    // Nothing more starts on `node`; steps in flight there end as they end.
    void lose_node(size_t node);
    // The run ends: every unit not finished is Stopped.
    void stop_all();

  private:
    void set_state(Unit &unit, UnitState state);
    void make_ready(Unit &unit);
    void stop(Unit &unit);
    void release(Unit &unit);
    size_t index_of(const Version &version) const { return &version - dir_.versions.data(); }
    size_t index_of(const Unit &unit) const { return &unit - units_.data(); }
    Unit &mutable_unit(const Unit &unit) { return units_[index_of(unit)]; }
    bool up() const { return settings_.direction == Direction::Up; }
    enum class Admission { Yes, SkipVersion, Stop };
    Admission admissible(const Unit &unit) const;

    const MigrationDir &dir_;
    std::vector<ScheduledNode> nodes_;
    ScheduleSettings settings_;
    std::function<double()> random_;

    std::vector<Unit> units_;
    std::vector<std::set<std::pair<size_t, size_t>>>
        ready_;  // per node: (version index, unit index)
    // Kept up to date by set_state() so that a decision costs the same with
    // 10 000 schemas as with 10: nothing but next_wave() walks every unit.
    std::set<std::pair<Clock::time_point, size_t>> backoffs_;  // (retry_at, unit index)
    std::vector<size_t> unfinished_per_wave_;                  // units not Done, Failed or Stopped
    size_t unfinished_ = 0;
    size_t not_done_ = 0;
    Waves waves_;
    size_t wave_ = 0;
    std::map<std::string, int> slots_;  // semaphore key → steps holding it
    int in_flight_ = 0;
    bool alone_ = false;
    bool interrupted_ = false;
    bool steering_known_ = false;
    bool paused_ = false;
    std::string cancelled_;
    std::string halted_;
};

}  // namespace shoal
