// The scheduler's decisions (schedule.h): events in, decisions out, with the
// clock and the random source in the test's hands.
#include "schedule.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

using std::chrono::milliseconds;

const Clock::time_point kStart{};

Version version_named(const std::string &name, const Directives &directives = {}) {
    Version version{name, name.substr(0, 14), "v", "sh", {}, {}};
    version.up.directives = directives;
    return version;
}

// A directory of versions, and a plan in which every schema lacks all of them.
struct Fixture {
    MigrationDir dir;
    Plan plan;

    Fixture(std::vector<Version> versions, const std::vector<size_t> &schemas_per_node) {
        dir.versions = std::move(versions);
        for (size_t n = 0; n < schemas_per_node.size(); ++n) {
            NodePlan node{"node" + std::to_string(n), {}};
            for (size_t s = 0; s < schemas_per_node[n]; ++s) {
                SchemaPlan schema{"sh" + std::to_string(n) + std::to_string(s), {}};
                for (const Version &version : dir.versions) schema.steps.push_back(&version);
                node.schemas.push_back(schema);
            }
            plan.nodes.push_back(node);
        }
    }

    // Every node on a host of its own unless `hosts` says otherwise; steering
    // read and running.
    Schedule schedule(
        ScheduleSettings settings = {}, std::vector<std::string> hosts = {},
        std::function<double()> random = [] { return 0.0; }) const {
        std::vector<ScheduledNode> nodes;
        std::vector<size_t> node_of_plan;
        for (size_t n = 0; n < plan.nodes.size(); ++n) {
            nodes.push_back({n < hosts.size() ? hosts[n] : "host" + std::to_string(n), true});
            node_of_plan.push_back(n);
        }
        Schedule schedule(plan, dir, nodes, node_of_plan, settings, std::move(random));
        schedule.steer(std::vector<NodeSteering>(nodes.size(), {Steer::Running, ""}));
        return schedule;
    }
};

const StepError kLockTimeout{true, false};
const StepError kSyntaxError{false, false};
const StepError kCancelled{false, true};

ScheduleSettings with_canary(int schemas) {
    ScheduleSettings settings;
    settings.waves.canary = schemas;
    return settings;
}

std::string step_of(const Schedule &schedule, const Unit *unit) {
    return unit ? unit->plan->schema + " " + schedule.version_of(*unit).name : "none";
}

TEST(Schedule, TheFleetMovesVersionByVersion) {
    Fixture fixture({version_named("20250101000001.a.sh"), version_named("20250101000002.b.sh")},
                    {2});
    Schedule schedule = fixture.schedule();
    const auto first = schedule.admit(0);
    EXPECT_EQ(step_of(schedule, first), "sh00 20250101000001.a.sh");
    schedule.succeeded(*first, kStart);
    // sh00's next version waits behind sh01's first.
    EXPECT_EQ(step_of(schedule, schedule.admit(0)), "sh01 20250101000001.a.sh");
    EXPECT_EQ(step_of(schedule, schedule.admit(0)), "sh00 20250101000002.b.sh");
    EXPECT_EQ(step_of(schedule, schedule.admit(0)), "none");  // sh01 is running
}

TEST(Schedule, NothingStartsBeforeEveryNodeSaidItsSteering) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {1, 1});
    Schedule schedule(fixture.plan, fixture.dir, {{"h0", true}, {"h1", true}}, {0, 1}, {},
                      [] { return 0.0; });
    EXPECT_FALSE(schedule.admit(0));
    schedule.steer({{Steer::Running, ""}, {Steer::Unknown, ""}});
    EXPECT_FALSE(schedule.admit(0));
    schedule.steer({{Steer::Running, ""}, {Steer::Running, ""}});
    EXPECT_TRUE(schedule.admit(0));
}

TEST(Schedule, OnePauseHoldsEveryNodeUntilResumed) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {1, 1});
    Schedule schedule = fixture.schedule();
    const SteeringChange paused =
        schedule.steer({{Steer::Running, ""}, {Steer::Paused, "by ann on n1"}});
    EXPECT_EQ(paused.paused, std::optional<std::string>("by ann on n1"));
    EXPECT_FALSE(schedule.admit(0));
    // Still paused: not announced again.
    EXPECT_FALSE(schedule.steer({{Steer::Running, ""}, {Steer::Paused, "by ann on n1"}}).paused);
    EXPECT_TRUE(schedule.steer({{Steer::Running, ""}, {Steer::Running, ""}}).resumed);
    EXPECT_TRUE(schedule.admit(0));
}

TEST(Schedule, CancelStopsAdmittingAndTheCancelledStepIsNoFailure) {
    Fixture fixture({version_named("20250101000001.a.sh"), version_named("20250101000002.b.sh")},
                    {2});
    Schedule schedule = fixture.schedule();
    const auto running = schedule.admit(0);
    const SteeringChange change = schedule.steer({{Steer::Cancelled, "by ann on n0: bad deploy"}});
    EXPECT_TRUE(change.cancelled);
    EXPECT_EQ(schedule.cancelled(), "cancelled by ann on n0: bad deploy");
    EXPECT_TRUE(schedule.stopping());
    EXPECT_FALSE(schedule.admit(0));
    EXPECT_EQ(schedule.failed(*running, kCancelled, kStart).kind, FailureDecision::Stopped);
    schedule.stop_all();
    EXPECT_EQ(schedule.not_done(), 4u);
    EXPECT_FALSE(schedule.work_left());
}

TEST(Schedule, GlobalParallelismSkipsToTheNextVersion) {
    Directives one_at_a_time;
    one_at_a_time.parallelism_global = 1;
    Fixture fixture({version_named("20250101000001.a.sh", one_at_a_time)}, {2, 1});
    Schedule schedule = fixture.schedule();
    const auto first = schedule.admit(0);
    ASSERT_TRUE(first);
    EXPECT_FALSE(schedule.admit(0));
    EXPECT_FALSE(schedule.admit(1));  // global: other nodes too
    schedule.succeeded(*first, kStart);
    EXPECT_TRUE(schedule.admit(1));
}

TEST(Schedule, PerHostParallelismCountsNodesOfOneHostTogether) {
    Directives one_per_host;
    one_per_host.parallelism_per_host = 1;
    Fixture fixture({version_named("20250101000001.a.sh", one_per_host)}, {1, 1, 1});
    Schedule schedule = fixture.schedule({}, {"same", "same", "other"});
    ASSERT_TRUE(schedule.admit(0));
    EXPECT_FALSE(schedule.admit(1));
    EXPECT_TRUE(schedule.admit(2));
}

TEST(Schedule, RunAloneWaitsForTheFleetAndHoldsIt) {
    Directives alone;
    alone.run_alone = true;
    Fixture fixture(
        {version_named("20250101000001.a.sh"), version_named("20250101000002.b.sh", alone)},
        {1, 1});
    Schedule schedule = fixture.schedule();
    const auto a0 = schedule.admit(0), a1 = schedule.admit(1);
    schedule.succeeded(*a0, kStart);
    EXPECT_FALSE(schedule.admit(0));  // node 1's first version is still in flight
    schedule.succeeded(*a1, kStart);
    const auto alone0 = schedule.admit(0);
    ASSERT_TRUE(alone0);
    EXPECT_FALSE(schedule.admit(1));
    schedule.succeeded(*alone0, kStart);
    EXPECT_TRUE(schedule.admit(1));
}

TEST(Schedule, DelayKeepsTheSlotsUntilFinished) {
    Directives throttled;
    throttled.parallelism_global = 1;
    throttled.delay_ms = 500;
    Fixture fixture({version_named("20250101000001.a.sh", throttled)}, {2});
    Schedule schedule = fixture.schedule();
    const auto first = schedule.admit(0);
    EXPECT_EQ(schedule.succeeded(*first, kStart), kStart + milliseconds(500));
    EXPECT_FALSE(schedule.admit(0));
    schedule.finish(*first);
    EXPECT_TRUE(schedule.admit(0));
}

TEST(Schedule, LockTimeoutsBackOffExponentiallyWithJitterThenFail) {
    Directives two_retries;
    two_retries.retries = 2;
    Fixture fixture(
        {version_named("20250101000001.a.sh", two_retries), version_named("20250101000002.b.sh")},
        {1});
    double random = 0.0;
    Schedule schedule = fixture.schedule({}, {}, [&random] { return random; });
    auto unit = schedule.admit(0);
    FailureDecision decision = schedule.failed(*unit, kLockTimeout, kStart);
    EXPECT_EQ(decision.kind, FailureDecision::Retry);
    EXPECT_EQ(decision.wait, milliseconds(250));  // 500 ms, half of it by the jitter
    EXPECT_EQ(schedule.next_retry(), kStart + milliseconds(250));
    EXPECT_EQ(schedule.backing_off(), 1u);
    EXPECT_EQ(schedule.next_backoff(), unit);
    schedule.promote_backoffs(kStart + milliseconds(249));
    EXPECT_FALSE(schedule.admit(0));
    schedule.promote_backoffs(kStart + milliseconds(250));
    unit = schedule.admit(0);
    ASSERT_TRUE(unit);
    random = 0.999;
    decision = schedule.failed(*unit, kLockTimeout, kStart);
    EXPECT_EQ(decision.attempt, 2);
    EXPECT_EQ(decision.retries, 2);
    EXPECT_EQ(decision.wait, milliseconds(999));  // 1000 ms, nearly all of it
    schedule.promote_backoffs(kStart + milliseconds(999));
    unit = schedule.admit(0);
    EXPECT_EQ(schedule.failed(*unit, kLockTimeout, kStart).kind, FailureDecision::Failed);
    EXPECT_EQ(schedule.not_done(), 1u);  // the version after the failed one
    EXPECT_FALSE(schedule.work_left());
}

TEST(Schedule, BackoffIsCappedAt10Seconds) {
    Directives many;
    many.retries = 20;
    Fixture fixture({version_named("20250101000001.a.sh", many)}, {1});
    Schedule schedule = fixture.schedule({}, {}, [] { return 0.999999; });
    FailureDecision decision;
    for (int attempt = 1; attempt <= 10; ++attempt) {
        decision = schedule.failed(*schedule.admit(0), kLockTimeout, kStart);
        schedule.promote_backoffs(kStart + decision.wait);
    }
    EXPECT_EQ(decision.wait, milliseconds(9999));
}

TEST(Schedule, RetriesGoOnForRetryForAfterTheFirstLockTimeoutThenFail) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {1});
    ScheduleSettings settings;
    settings.lock_policy.retry_for_ms = 3000;
    Schedule schedule = fixture.schedule(settings, {}, [] { return 0.0; });
    // Waits of 250, 500, 1000 ms, each after a 1 s lock wait: the first lock
    // timeout at 0, the next ones at 1.25 s and 2.75 s.
    Clock::time_point now = kStart;
    FailureDecision decision;
    for (const long expected : {250, 500}) {
        decision = schedule.failed(*schedule.admit(0), kLockTimeout, now);
        ASSERT_EQ(decision.kind, FailureDecision::Retry);
        EXPECT_EQ(decision.wait, milliseconds(expected));
        EXPECT_EQ(decision.retries, -1);  // no count of its own: retry_for decides
        now += decision.wait;
        schedule.promote_backoffs(now);
        now += milliseconds(1000);
    }
    // 2.75 s after the first: the wait is cut to end at 3 s, the last retry.
    decision = schedule.failed(*schedule.admit(0), kLockTimeout, now);
    EXPECT_EQ(decision.wait, milliseconds(250));
    EXPECT_EQ(decision.since_first, milliseconds(2750));
    now += decision.wait;
    schedule.promote_backoffs(now);
    now += milliseconds(1000);
    decision = schedule.failed(*schedule.admit(0), kLockTimeout, now);
    EXPECT_EQ(decision.kind, FailureDecision::Failed);
    EXPECT_EQ(decision.attempt, 3);
    EXPECT_EQ(decision.since_first, milliseconds(4000));
}

TEST(Schedule, AVersionsDirectivesOverrideTheRunsLockPolicy) {
    Directives directives;
    directives.retry_for_ms = 0;
    Fixture fixture({version_named("20250101000001.a.sh", directives)}, {1});
    ScheduleSettings settings;
    settings.lock_policy.retry_for_ms = 600000;
    Schedule schedule = fixture.schedule(settings);
    const FailureDecision decision = schedule.failed(*schedule.admit(0), kLockTimeout, kStart);
    EXPECT_EQ(decision.kind, FailureDecision::Failed);
    EXPECT_EQ(decision.policy.retry_for_ms, 0);
}

TEST(Schedule, OtherErrorsFailTheChainAtOnce) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {2});
    Schedule schedule = fixture.schedule();
    EXPECT_EQ(schedule.failed(*schedule.admit(0), kSyntaxError, kStart).kind,
              FailureDecision::Failed);
    EXPECT_TRUE(schedule.admit(0));  // the other schema goes on
}

TEST(Schedule, ALostNodeStartsNothingMore) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {2, 1});
    Schedule schedule = fixture.schedule();
    const auto running = schedule.admit(0);
    schedule.lose_node(0);
    EXPECT_FALSE(schedule.admit(0));
    EXPECT_EQ(schedule.not_done(), 1u);
    schedule.abandon(*running);
    EXPECT_EQ(schedule.not_done(), 2u);
    EXPECT_TRUE(schedule.admit(1));
}

TEST(Schedule, WavesRunOneAfterTheOther) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {2, 2});
    Schedule schedule = fixture.schedule(with_canary(1));
    const auto canary = schedule.admit(0);
    ASSERT_TRUE(canary);
    EXPECT_FALSE(schedule.admit(0));
    EXPECT_FALSE(schedule.admit(1));
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::None);  // the canary still runs
    schedule.succeeded(*canary, kStart);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::Started);
    EXPECT_EQ(schedule.wave(), 1u);
    EXPECT_TRUE(schedule.admit(0));
    EXPECT_TRUE(schedule.admit(1));
}

TEST(Schedule, AFailedCanaryHaltsTheRun) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {2, 2});
    Schedule schedule = fixture.schedule(with_canary(1));
    schedule.failed(*schedule.admit(0), kSyntaxError, kStart);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::Halted);
    EXPECT_EQ(schedule.halted(), "1 of 1 schemas failed in the canary; no further wave started");
    EXPECT_EQ(schedule.not_done(), 3u);
    EXPECT_FALSE(schedule.work_left());
    EXPECT_FALSE(schedule.admit(1));
}

// The driver asks after every turn; the turns go on while the failing
// connection records its failure.
TEST(Schedule, TheHaltIsAnnouncedOnce) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {2});
    Schedule schedule = fixture.schedule(with_canary(1));
    schedule.failed(*schedule.admit(0), kSyntaxError, kStart);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::Halted);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::None);
}

TEST(Schedule, MaxFailuresCountsOverTheWavesSoFar) {
    Fixture fixture({version_named("20250101000001.a.sh")}, {4});
    ScheduleSettings settings;
    settings.waves.percents = {50, 100};
    settings.max_failures = FailureLimit{1, false};
    Schedule schedule = fixture.schedule(settings);
    schedule.failed(*schedule.admit(0), kSyntaxError, kStart);
    schedule.succeeded(*schedule.admit(0), kStart);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::Started);  // 1 failure is allowed
    schedule.failed(*schedule.admit(0), kSyntaxError, kStart);
    schedule.succeeded(*schedule.admit(0), kStart);
    EXPECT_EQ(schedule.work_left(), false);
    EXPECT_EQ(schedule.next_wave().kind, WaveEvent::None);  // the last wave: nothing to halt
}

}  // namespace
}  // namespace shoal
