// How each schema's transaction commits on a node. Pure, unit-tested.
//
// An asynchronous commit returns before its WAL is flushed, and the run is made
// durable by one flushing commit per node at its end (fleet/node.h,
// make_durable). That spares each step a WAL flush, which on a disk costs
// 0.15-2 ms. It is not free: each asynchronous commit wakes the WAL writer, a
// process switch per step. Measured on this project's 2-core VM (bench/, 1 000
// schemas x 10 small versions, servers in memory where a flush costs ~10 µs):
// asynchronous commits cost the server 15-20 % more CPU than synchronous ones,
// and the run 6-11 % more time. So by default each node commits the way that is
// cheaper there, from one probe round trip at the start of the run: the WAL flush
// of a commit, as the server itself times it.
#pragma once

#include <optional>
#include <vector>

namespace shoal {

enum class CommitMode {
    Auto,          // per node: synchronous where a WAL flush is cheap, else asynchronous
    Synchronous,   // --synchronous-commit
    Asynchronous,  // --asynchronous-commit
};

// At or below this, a WAL flush costs a step less than waking the WAL writer
// does. Measured by the probe on the VM: 9-30 µs in memory, 160-350 µs on its
// disk.
inline constexpr double kCheapWalFlushMicros = 100;

// One probe transaction: whether it committed synchronously, and the server's
// clock_timestamp() when it ran its statement, in µs. The probe runs them
// back to back in one round trip and ends with a last timestamp, so each
// transaction's commit takes what lies between its mark and the next.
struct CommitMark {
    bool synchronous = false;
    double at_micros = 0;
};

// The cost of a WAL flush in µs: the cheapest synchronous commit minus the
// cheapest asynchronous one (never below 0). nullopt without a commit of each
// kind followed by a mark.
std::optional<double> wal_flush_micros(const std::vector<CommitMark> &marks);

// Whether a node's steps commit synchronously, given its measured WAL flush
// (nullopt: not measured, the probe failed; then synchronously, which needs no
// flushing commit at the end).
bool commits_synchronously(CommitMode mode, std::optional<double> flush_micros);

}  // namespace shoal
