// How long a version's statements may wait for a lock, and how a schema whose
// wait timed out is retried: exponential backoff with jitter, for up to
// `retry_for` after its first lock timeout. The application's queries queue
// behind a migration's waiting lock request, so its worst wait behind shoal is
// the lock_timeout; the retries are what outlast a long transaction instead.
// Pure: the clock and the random draw come from the caller (schedule.cpp,
// which the driver's event loop asks; nothing here sleeps).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "migration.h"

namespace shoal {

// The defaults, chosen with the application running (README, "Lock policy").
inline constexpr int kDefaultLockTimeoutMs = 1000;
inline constexpr int kDefaultRetryForMs = 60000;
inline constexpr auto kBackoffBase = std::chrono::milliseconds(500);
inline constexpr auto kBackoffCap = std::chrono::milliseconds(10000);

struct LockPolicy {
    int lock_timeout_ms = kDefaultLockTimeoutMs;
    int retry_for_ms =
        kDefaultRetryForMs;  // no retry starts later than this after the first timeout
    int retries = -1;        // at most this many retries; -1: as many as fit

    // This policy with what a version's directives set over it.
    LockPolicy under(const Directives &directives) const;
};

// Retry `retry`'s backoff (1-based): kBackoffBase × 2^(retry-1), at most
// kBackoffCap, times a jitter in [0.5, 1) from `uniform` in [0, 1), so that
// schemas blocked together do not come back together.
std::chrono::milliseconds backoff(int retry, double uniform);

// The wait before retry `retry` of a step whose first lock timeout was
// `since_first` ago, or none when the policy gives up: past `retries`, or
// `retry_for` used up. A wait is cut short to end at `retry_for`, so the last
// retry starts within one lock wait of it: a blocker that ends before
// retry_for - lock_timeout is always outlasted.
std::optional<std::chrono::milliseconds> retry_wait(const LockPolicy &policy, int retry,
                                                    std::chrono::milliseconds since_first,
                                                    double uniform);

// "500 ms", "5 s", "1.5 s", "2 min" for messages.
std::string duration_text(long ms);

}  // namespace shoal
