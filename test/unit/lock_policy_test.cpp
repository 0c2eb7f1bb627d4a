// The lock policy (lock_policy.h): the backoff schedule, the retry_for budget,
// and directives over the run's policy. Jitter comes from a seeded generator,
// so every run of these tests draws the same values.
#include "lock_policy.h"

#include <gtest/gtest.h>

#include <random>

namespace shoal {
namespace {

using std::chrono::milliseconds;

TEST(LockPolicy, BackoffDoublesFromHalfASecondUpToTenSeconds) {
    EXPECT_EQ(backoff(1, 0.999999), milliseconds(499));
    EXPECT_EQ(backoff(2, 0.999999), milliseconds(999));
    EXPECT_EQ(backoff(3, 0.999999), milliseconds(1999));
    EXPECT_EQ(backoff(5, 0.999999), milliseconds(7999));
    EXPECT_EQ(backoff(6, 0.999999), milliseconds(9999));
    EXPECT_EQ(backoff(1000, 0.999999), milliseconds(9999));
}

TEST(LockPolicy, JitterKeepsBetweenHalfAndAllOfTheBackoff) {
    std::mt19937 random(42);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int retry = 1; retry <= 12; ++retry) {
        const milliseconds full = backoff(retry, 1.0);
        for (int draw = 0; draw < 100; ++draw) {
            const milliseconds wait = backoff(retry, uniform(random));
            EXPECT_GE(wait, full / 2);
            EXPECT_LT(wait, full);
        }
    }
    EXPECT_EQ(backoff(3, 0.0), milliseconds(1000));
}

TEST(LockPolicy, RetriesStopAtTheCountOrWhenRetryForIsUsedUp) {
    LockPolicy policy;
    policy.retry_for_ms = 5000;
    EXPECT_EQ(retry_wait(policy, 1, milliseconds(0), 0.0), milliseconds(250));
    EXPECT_EQ(retry_wait(policy, 9, milliseconds(4000), 0.0), milliseconds(1000));  // cut short
    EXPECT_EQ(retry_wait(policy, 2, milliseconds(5000), 0.0), std::nullopt);
    policy.retries = 2;
    EXPECT_EQ(retry_wait(policy, 2, milliseconds(0), 0.0), milliseconds(500));
    EXPECT_EQ(retry_wait(policy, 3, milliseconds(0), 0.0), std::nullopt);
    policy.retries = 0;
    EXPECT_EQ(retry_wait(policy, 1, milliseconds(0), 0.0), std::nullopt);
}

// Whatever the draws, the last retry starts within one lock_timeout of
// retry_for after the first lock timeout: a transaction shorter than that is
// outlasted. With the defaults (1 s lock waits, a minute) that takes about ten
// attempts.
TEST(LockPolicy, TheDefaultsOutlastAMinuteInAboutTenAttempts) {
    const LockPolicy policy;
    for (unsigned seed = 0; seed < 50; ++seed) {
        std::mt19937 random(seed);
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        milliseconds since_first(0), last_retry_at(0);
        int retry = 1;
        while (const auto wait = retry_wait(policy, retry, since_first, uniform(random))) {
            last_retry_at = since_first + *wait;
            since_first = last_retry_at + milliseconds(policy.lock_timeout_ms);
            ++retry;
        }
        EXPECT_GE(last_retry_at, milliseconds(kDefaultRetryForMs - kDefaultLockTimeoutMs))
            << "seed " << seed;
        EXPECT_LE(last_retry_at, milliseconds(kDefaultRetryForMs)) << "seed " << seed;
        EXPECT_GE(retry - 1, 8) << "seed " << seed;
        EXPECT_LE(retry - 1, 14) << "seed " << seed;
    }
}

TEST(LockPolicy, AVersionsDirectivesWinOverTheRunsPolicy) {
    LockPolicy run;
    run.lock_timeout_ms = 2000;
    run.retry_for_ms = 120000;
    Directives directives;
    directives.lock_timeout_ms = 300;
    directives.retries = 4;
    const LockPolicy policy = run.under(directives);
    EXPECT_EQ(policy.lock_timeout_ms, 300);
    EXPECT_EQ(policy.retry_for_ms, 120000);
    EXPECT_EQ(policy.retries, 4);
    EXPECT_EQ(LockPolicy{}.under(Directives{}).lock_timeout_ms, 1000);
}

TEST(LockPolicy, DurationsInMessages) {
    EXPECT_EQ(duration_text(250), "250 ms");
    EXPECT_EQ(duration_text(1000), "1 s");
    EXPECT_EQ(duration_text(1500), "1.5 s");
    EXPECT_EQ(duration_text(60000), "1 min");
    EXPECT_EQ(duration_text(61000), "61 s");
}

}  // namespace
}  // namespace shoal
