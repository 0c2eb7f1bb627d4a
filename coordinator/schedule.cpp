// The scheduler's decisions (schedule.h). Nothing here waits, reads a clock or
// talks to a node: the driver reports what happened and does what it is told.
#include "schedule.h"

#include <algorithm>

namespace shoal {

namespace {

bool finished(UnitState state) {
    return state == UnitState::Done || state == UnitState::Failed || state == UnitState::Stopped;
}

}  // namespace

Schedule::Schedule(const Plan &plan, const MigrationDir &dir, std::vector<ScheduledNode> nodes,
                   const std::vector<size_t> &node_of_plan, const ScheduleSettings &settings,
                   std::function<double()> random)
    : dir_(dir),
      nodes_(std::move(nodes)),
      settings_(settings),
      random_(std::move(random)),
      ready_(nodes_.size()),
      waves_(plan_waves(plan, settings.waves)) {
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
        const size_t node = node_of_plan.at(i);
        if (!nodes_[node].usable) continue;
        for (size_t s = 0; s < plan.nodes[i].schemas.size(); ++s) {
            const SchemaPlan &schema = plan.nodes[i].schemas[s];
            if (schema.steps.empty()) continue;
            Unit unit;
            unit.node = node;
            unit.wave = waves_.of[i][s];
            unit.plan = &schema;
            units_.push_back(unit);
            if (unfinished_per_wave_.size() <= unit.wave)
                unfinished_per_wave_.resize(unit.wave + 1);
            ++unfinished_per_wave_[unit.wave];
            ++unfinished_;
        }
    }
    for (Unit &unit : units_)
        if (unit.wave == 0) make_ready(unit);
}

const Script &Schedule::script_of(const Unit &unit) const {
    return up() ? version_of(unit).up : version_of(unit).dn;
}

std::optional<Clock::time_point> Schedule::next_retry() const {
    if (backoffs_.empty()) return std::nullopt;
    return backoffs_.begin()->first;
}

const Unit *Schedule::next_backoff() const {
    return backoffs_.empty() ? nullptr : &units_[backoffs_.begin()->second];
}

void Schedule::set_state(Unit &unit, UnitState state) {
    if (unit.state == UnitState::Backoff) backoffs_.erase({unit.retry_at, index_of(unit)});
    if (!finished(unit.state) && finished(state)) {
        --unfinished_;
        --unfinished_per_wave_[unit.wave];
    }
    unit.state = state;
    if (state == UnitState::Backoff) backoffs_.insert({unit.retry_at, index_of(unit)});
}

void Schedule::make_ready(Unit &unit) {
    if (!nodes_[unit.node].usable) return stop(unit);
    set_state(unit, UnitState::Ready);
    ready_[unit.node].insert({index_of(version_of(unit)), index_of(unit)});
}

void Schedule::stop(Unit &unit) {
    if (unit.state == UnitState::Ready)
        ready_[unit.node].erase({index_of(version_of(unit)), index_of(unit)});
    set_state(unit, UnitState::Stopped);
    not_done_ += remaining(unit);
}

void Schedule::release(Unit &unit) {
    for (const std::string &key : unit.slots) --slots_[key];
    unit.slots.clear();
    if (unit.alone) alone_ = false;
    unit.alone = false;
    if (unit.in_flight) --in_flight_;
    unit.in_flight = false;
}

SteeringChange Schedule::steer(const std::vector<NodeSteering> &nodes) {
    const auto first = [&nodes](Steer state) {
        return std::find_if(nodes.begin(), nodes.end(),
                            [&](const NodeSteering &n) { return n.state == state; });
    };
    SteeringChange change;
    steering_known_ = first(Steer::Unknown) == nodes.end();
    if (cancelled_.empty() && first(Steer::Cancelled) != nodes.end()) {
        cancelled_ = "cancelled " + first(Steer::Cancelled)->said;
        change.cancelled = true;
    }
    const auto pause = first(Steer::Paused);
    if (!paused_ && pause != nodes.end()) {
        paused_ = true;
        change.paused = pause->said;
    } else if (paused_ && pause == nodes.end() && steering_known_) {
        paused_ = false;
        change.resumed = true;
    }
    return change;
}

void Schedule::promote_backoffs(Clock::time_point now) {
    while (!backoffs_.empty() && backoffs_.begin()->first <= now)
        make_ready(units_[backoffs_.begin()->second]);
}

WaveEvent Schedule::next_wave() {
    if (stopping() || !halted_.empty() || wave_ + 1 >= waves_.labels.size()) return {};
    for (size_t wave = 0; wave <= wave_ && wave < unfinished_per_wave_.size(); ++wave)
        if (unfinished_per_wave_[wave] > 0) return {};
    size_t failed = 0, ran = 0;
    for (const Unit &unit : units_) {
        if (unit.wave > wave_) continue;
        failed += unit.state == UnitState::Failed;
        ran += unit.state == UnitState::Failed || unit.state == UnitState::Done;
    }
    const bool canary = waves_.has_canary && wave_ == 0;
    if (canary ? failed > 0 : exceeds(settings_.max_failures, failed, ran)) {
        halted_ =
            std::to_string(failed) + " of " + std::to_string(ran) + " schemas failed in the " +
            (canary ? "canary"
                    : "waves up to " + waves_.labels[wave_] + ", more than --max-failures allows") +
            "; no further wave started";
        for (Unit &unit : units_)
            if (unit.state == UnitState::Waiting) stop(unit);
        return {WaveEvent::Halted};
    }
    ++wave_;
    for (Unit &unit : units_)
        if (unit.wave == wave_ && unit.state == UnitState::Waiting) make_ready(unit);
    return {WaveEvent::Started};
}

Schedule::Admission Schedule::admissible(const Unit &unit) const {
    if (alone_) return Admission::Stop;
    const Directives &directives = script_of(unit).directives;
    // A $run_alone version waits for everything in flight to end and lets
    // nothing start meanwhile, so it cannot be starved.
    if (directives.run_alone) return in_flight_ == 0 ? Admission::Yes : Admission::Stop;
    const auto full = [this](const std::string &key, int limit) {
        if (limit <= 0) return false;
        const auto found = slots_.find(key);
        return found != slots_.end() && found->second >= limit;
    };
    const std::string &version = version_of(unit).name;
    if (full("host\n" + nodes_[unit.node].host + "\n" + version, directives.parallelism_per_host))
        return Admission::SkipVersion;
    if (full("global\n" + version, directives.parallelism_global)) return Admission::SkipVersion;
    return Admission::Yes;
}

const Unit *Schedule::admit(size_t node) {
    if (!admitting()) return nullptr;
    auto &ready = ready_[node];
    for (auto it = ready.begin(); it != ready.end();) {
        Unit &unit = units_[it->second];
        switch (admissible(unit)) {
            case Admission::Stop:
                return nullptr;
            case Admission::SkipVersion:
                it = ready.lower_bound({it->first + 1, 0});
                continue;
            case Admission::Yes:
                break;
        }
        ready.erase(it);
        const Directives &directives = script_of(unit).directives;
        const std::string &version = version_of(unit).name;
        if (directives.parallelism_per_host > 0)
            unit.slots.push_back("host\n" + nodes_[unit.node].host + "\n" + version);
        if (directives.parallelism_global > 0) unit.slots.push_back("global\n" + version);
        for (const std::string &key : unit.slots) ++slots_[key];
        unit.alone = directives.run_alone;
        alone_ = alone_ || unit.alone;
        unit.in_flight = true;
        ++in_flight_;
        set_state(unit, UnitState::Running);
        return &unit;
    }
    return nullptr;
}

std::optional<Clock::time_point> Schedule::succeeded(const Unit &step_unit, Clock::time_point now) {
    Unit &unit = mutable_unit(step_unit);
    const int delay = script_of(unit).directives.delay_ms;
    ++unit.next;
    unit.attempts = 0;
    // The slots stay held through the delay: that is what $delay throttles.
    if (delay > 0 && !stopping()) return now + std::chrono::milliseconds(delay);
    finish(unit);
    return std::nullopt;
}

void Schedule::finish(const Unit &finished_unit) {
    Unit &unit = mutable_unit(finished_unit);
    release(unit);
    if (unit.next == unit.plan->steps.size())
        set_state(unit, UnitState::Done);
    else
        make_ready(unit);
}

FailureDecision Schedule::failed(const Unit &failed_unit, const StepError &error,
                                 Clock::time_point now) {
    Unit &unit = mutable_unit(failed_unit);
    release(unit);
    FailureDecision decision;
    const Directives &directives = script_of(unit).directives;
    decision.policy = settings_.lock_policy.under(directives);
    decision.retries = decision.policy.retries;
    if (stopping() && (error.cancelled || error.retryable)) {
        // Cancelled by this run (or about to be retried): not a failure of the schema.
        stop(unit);
        decision.kind = FailureDecision::Stopped;
        return decision;
    }
    if (error.retryable) {
        if (unit.attempts == 0) unit.first_lock_timeout = now;
        decision.since_first = now - unit.first_lock_timeout;
        decision.attempt = unit.attempts;
        const auto wait = retry_wait(
            decision.policy, unit.attempts + 1,
            std::chrono::duration_cast<std::chrono::milliseconds>(decision.since_first), random_());
        if (wait) {
            decision.attempt = ++unit.attempts;
            decision.kind = FailureDecision::Retry;
            decision.wait = *wait;
            unit.retry_at = now + decision.wait;
            set_state(unit, UnitState::Backoff);
            return decision;
        }
    }
    not_done_ += remaining(unit) - 1;
    set_state(unit, UnitState::Failed);
    decision.kind = FailureDecision::Failed;
    return decision;
}

void Schedule::abandon(const Unit &abandoned) {
    Unit &unit = mutable_unit(abandoned);
    release(unit);
    stop(unit);
}

void Schedule::lose_node(size_t node) {
    if (!nodes_[node].usable) return;
    nodes_[node].usable = false;
    for (Unit &unit : units_)
        if (unit.node == node &&
            (unit.state == UnitState::Ready || unit.state == UnitState::Backoff))
            stop(unit);
}

void Schedule::stop_all() {
    for (Unit &unit : units_)
        if (!finished(unit.state)) stop(unit);
}

}  // namespace shoal
