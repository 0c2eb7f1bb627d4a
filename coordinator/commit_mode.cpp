#include "commit_mode.h"

#include <algorithm>

namespace shoal {

std::optional<double> wal_flush_micros(const std::vector<CommitMark> &marks) {
    std::optional<double> fastest[2];
    for (size_t i = 0; i + 1 < marks.size(); ++i) {
        const double micros = marks[i + 1].at_micros - marks[i].at_micros;
        std::optional<double> &best = fastest[marks[i].synchronous ? 1 : 0];
        if (!best || micros < *best) best = micros;
    }
    if (!fastest[0] || !fastest[1]) return std::nullopt;
    return std::max(0.0, *fastest[1] - *fastest[0]);
}

bool commits_synchronously(CommitMode mode, std::optional<double> flush_micros) {
    switch (mode) {
        case CommitMode::Synchronous:
            return true;
        case CommitMode::Asynchronous:
            return false;
        case CommitMode::Auto:
            break;
    }
    // Unmeasured (the probe failed where the connection survived, e.g. a role
    // that may not write a logical message, so the final durable commit would
    // fail too): commits that need no durable commit at the end.
    return !flush_micros || *flush_micros <= kCheapWalFlushMicros;
}

}  // namespace shoal
