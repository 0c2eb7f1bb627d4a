// poll() over PQsocket()s and the signal counter. Signal handlers only touch a
// sig_atomic_t (and _exit on the second signal), so everything else happens in
// the loops, where libpq may be called safely.
#include "fleet/event_loop.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "report.h"

namespace shoal::fleet {

namespace {

volatile std::sig_atomic_t interrupt_count = 0;

void on_interrupt(int) {
    if (interrupt_count > 0) _exit(to_int(ExitCode::Interrupted));
    interrupt_count = interrupt_count + 1;
}

constexpr auto kMaxWait = std::chrono::milliseconds(1000);

bool in_flight(const Connection *connection) {
    return connection && (connection->state() == Connection::State::Connecting ||
                          connection->state() == Connection::State::Busy);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction action = {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: poll() must return EINTR so the loop sees the signal now.
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return interrupt_count > 0; }

Clock::time_point wind_down_deadline() {
    // Set by the first loop that sees the interrupt: the handler only counts.
    static Clock::time_point deadline = Clock::time_point::max();
    if (interrupted() && deadline == Clock::time_point::max()) deadline = Clock::now() + kWindDown;
    return deadline;
}

void wait_and_step(const std::vector<Connection *> &connections, Clock::time_point deadline) {
    std::vector<pollfd> fds;
    std::vector<Connection *> owners;
    for (Connection *connection : connections) {
        if (!connection) continue;
        const short events = connection->wanted_events();
        if (events == 0 || connection->socket() < 0) continue;
        fds.push_back(pollfd{connection->socket(), events, 0});
        owners.push_back(connection);
    }
    for (Connection *connection : connections)
        if (connection) deadline = std::min(deadline, connection->deadline());
    const auto now = Clock::now();
    auto wait = deadline <= now ? std::chrono::milliseconds(0)
                                : std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::min<Clock::duration>(deadline - now, kMaxWait));
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    // ready <= 0: timeout, or EINTR; the caller looks at the clock and the signals.
    for (size_t i = 0; ready > 0 && i < fds.size(); ++i)
        if (fds[i].revents != 0) owners[i]->step();
    const auto after = Clock::now();
    for (Connection *connection : connections)
        if (connection) connection->check_deadline(after);
}

void wait_all(const std::vector<Connection *> &connections, Clock::time_point deadline) {
    bool cancelled = false;
    while (std::any_of(connections.begin(), connections.end(), in_flight) &&
           Clock::now() < std::min(deadline, wind_down_deadline())) {
        if (interrupted() && !cancelled) {
            for (Connection *connection : connections)
                if (connection) connection->cancel();
            cancelled = true;
        }
        wait_and_step(connections, std::min(deadline, wind_down_deadline()));
    }
    if (Clock::now() >= wind_down_deadline())
        for (Connection *connection : connections)
            if (in_flight(connection))
                connection->abandon("no answer within the " + std::to_string(kWindDown.count()) +
                                    " s wind-down after the interrupt");
}

std::vector<Outcome> exchange(const std::vector<Connection *> &connections,
                              std::vector<Batch> batches,
                              std::optional<std::chrono::seconds> limit) {
    return exchange(connections, std::move(batches),
                    std::vector<std::optional<std::chrono::seconds>>(connections.size(), limit));
}

std::vector<Outcome> exchange(const std::vector<Connection *> &connections,
                              std::vector<Batch> batches,
                              const std::vector<std::optional<std::chrono::seconds>> &limits) {
    for (size_t i = 0; i < connections.size(); ++i) {
        if (!connections[i]) continue;
        connections[i]->send(std::move(batches[i]));
        if (limits[i]) connections[i]->expire_after(*limits[i]);
    }
    // Every connection in flight has a deadline of its own, except before.sql
    // and after.sql (std::nullopt), which are bounded by their statement_timeout.
    wait_all(connections, Clock::time_point::max());
    std::vector<Outcome> outcomes;
    outcomes.reserve(connections.size());
    for (Connection *connection : connections) {
        if (connection) {
            outcomes.push_back(connection->take());
        } else {
            Outcome none;
            none.error = DbError{"", "node not connected", "", "", ""};
            outcomes.push_back(none);
        }
    }
    return outcomes;
}

}  // namespace shoal::fleet
