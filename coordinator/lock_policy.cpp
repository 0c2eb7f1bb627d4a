// The lock policy's arithmetic (lock_policy.h). No clock, no randomness of its own.
#include "lock_policy.h"

#include <algorithm>
#include <cstdio>

namespace shoal {

LockPolicy LockPolicy::under(const Directives &directives) const {
    LockPolicy policy = *this;
    if (directives.lock_timeout_ms >= 0) policy.lock_timeout_ms = directives.lock_timeout_ms;
    if (directives.retry_for_ms >= 0) policy.retry_for_ms = directives.retry_for_ms;
    if (directives.retries >= 0) policy.retries = directives.retries;
    return policy;
}

std::chrono::milliseconds backoff(int retry, double uniform) {
    // 2^16 × the base is far past the cap: no overflow, whatever the retry.
    const auto exponential = kBackoffBase * (1L << std::clamp(retry - 1, 0, 16));
    const auto capped = std::min<std::chrono::milliseconds>(exponential, kBackoffCap);
    return std::chrono::milliseconds(static_cast<long>(capped.count() * (0.5 + 0.5 * uniform)));
}

std::optional<std::chrono::milliseconds> retry_wait(const LockPolicy &policy, int retry,
                                                    std::chrono::milliseconds since_first,
                                                    double uniform) {
    if (policy.retries >= 0 && retry > policy.retries) return std::nullopt;
    const std::chrono::milliseconds left(policy.retry_for_ms - since_first.count());
    if (left.count() <= 0) return std::nullopt;
    return std::min(backoff(retry, uniform), left);
}

std::string duration_text(long ms) {
    char text[32];
    if (ms < 1000)
        std::snprintf(text, sizeof text, "%ld ms", ms);
    else if (ms < 60000 || ms % 60000 != 0)
        std::snprintf(text, sizeof text, ms % 1000 ? "%.1f s" : "%.0f s", ms / 1000.0);
    else
        std::snprintf(text, sizeof text, "%ld min", ms / 60000);
    return text;
}

}  // namespace shoal
