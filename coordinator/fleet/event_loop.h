// The pieces every phase of a run shares: the clock, the poll() that waits on
// many connections at once, SIGINT/SIGTERM as a counter the loops look at, and
// `exchange`, one batch on each of several connections concurrently (the shape
// of every setup round: lock, stamps, stage, digest). Nothing here knows what
// a migration is.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "fleet/connection.h"

namespace shoal::fleet {

// How long one setup or wind-down round (lock, stamps, stage, fingerprint,
// digest, the durable commit, unlock) may take on a node. These are small fixed
// queries; a node that does not answer within this is cancelled, closed and
// lost, instead of holding every other node's run hostage.
inline constexpr std::chrono::seconds kRoundDeadline{60};

// SIGINT and SIGTERM: the first one is counted (loops cancel in-flight work and
// wind down); a second one exits the process at once with ExitCode::Interrupted.
void install_interrupt_handlers();
bool interrupted();

// After the first interrupt, how long shoal waits for anything at all: cancelled
// statements to roll back, the summary's rounds. A node that has not answered by
// then (frozen, or its network gone) is abandoned: its connections are closed and
// the server rolls back what they had open.
inline constexpr auto kWindDown = std::chrono::seconds(30);
// The first interrupt's time plus kWindDown; time_point::max() before one.
Clock::time_point wind_down_deadline();

// Waits until one of `connections` can make progress, `deadline` (or one of
// their own deadlines) passes, or a signal arrives, but never longer than a
// second so interrupts are seen; then steps every connection poll() reported
// and expires every connection past its own deadline. Null entries are skipped.
void wait_and_step(const std::vector<Connection *> &connections, Clock::time_point deadline);

// Waits until none of `connections` is Connecting or Busy, cancelling in-flight
// statements once on interrupt, or until `deadline` or the wind-down deadline;
// past the wind-down deadline, those still in flight are abandoned.
void wait_all(const std::vector<Connection *> &connections, Clock::time_point deadline);

// Sends batches[i] to connections[i] (all at once) and waits for all of them,
// each for at most `limit` (std::nullopt: bounded only by the statements'
// statement_timeout, for before.sql and after.sql); outcome i is the batch's,
// or the connection's error when it is not usable or ran out of time.
std::vector<Outcome> exchange(const std::vector<Connection *> &connections,
                              std::vector<Batch> batches,
                              std::optional<std::chrono::seconds> limit = kRoundDeadline);
// The same with a limit per batch.
std::vector<Outcome> exchange(const std::vector<Connection *> &connections,
                              std::vector<Batch> batches,
                              const std::vector<std::optional<std::chrono::seconds>> &limits);

}  // namespace shoal::fleet
