// Drives fleet::Connection directly against a server, for what the loader keeps
// a run from ever sending: a COPY to or from the client, in a single query and
// inside a pipelined batch. Each must end with a clear error within a bound (no
// spin), and the connection must serve the next batch. It also reads the TCP
// keepalive options of the connection's socket: the defaults, or what the
// conninfo says. Usage: connection_probe CONNINFO copy|keepalive
// Prints one line per check; exit 0 when every check held.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "fleet/connection.h"

using shoal::fleet::Batch;
using Clock = std::chrono::steady_clock;
using shoal::fleet::Connection;
using shoal::fleet::Outcome;
using shoal::fleet::Query;

namespace {

int failures = 0;

void check(bool held, const std::string &what) {
    std::printf("%s - %s\n", held ? "ok" : "not ok", what.c_str());
    if (!held) ++failures;
}

// Steps the connection until it is neither connecting nor busy, for at most 20 s.
bool settle(Connection &connection) {
    const auto give_up = Clock::now() + std::chrono::seconds(20);
    while (connection.state() == Connection::State::Connecting ||
           connection.state() == Connection::State::Busy) {
        if (Clock::now() > give_up) return false;
        pollfd fd{connection.socket(), connection.wanted_events(), 0};
        if (poll(&fd, 1, 100) > 0) connection.step();
    }
    return true;
}

Outcome run(Connection &connection, Batch batch, const std::string &what, bool &settled) {
    const std::clock_t cpu_before = std::clock();
    connection.send(std::move(batch));
    settled = settle(connection);
    const double cpu = double(std::clock() - cpu_before) / CLOCKS_PER_SEC;
    check(settled, what + ": the batch ended");
    check(cpu < 5.0, what + ": without spinning (" + std::to_string(cpu) + " s of CPU)");
    return connection.take();
}

void copy_checks(const std::string &conninfo) {
    Connection connection(conninfo, "probe");
    check(settle(connection) && connection.state() == Connection::State::Idle, "connected");
    struct Case {
        const char *what;
        Batch batch;
        const char *says;
    };
    Case cases[] = {
        {"COPY TO STDOUT",
         {Query{"COPY (SELECT g FROM generate_series(1, 200000) g) TO STDOUT"}},
         "TO STDOUT"},
        {"COPY FROM STDIN", {Query{"CREATE TEMP TABLE IF NOT EXISTS t(a int)"}}, ""},
        {"COPY FROM STDIN", {Query{"COPY t FROM STDIN"}}, "FROM STDIN"},
        {"COPY TO STDOUT in a pipeline",
         {Query{"SELECT 1"}, Query{"COPY (SELECT 1) TO STDOUT"}, Query{"SELECT 2"}},
         "TO STDOUT"},
        {"COPY FROM STDIN in a pipeline",
         {Query{"SELECT 1"}, Query{"COPY t FROM STDIN"}, Query{"SELECT 2"}},
         ""},
    };
    for (Case &c : cases) {
        bool settled = false;
        Outcome outcome = run(connection, std::move(c.batch), c.what, settled);
        if (!settled) return;  // the connection is stuck: nothing after this means anything
        if (*c.says) {
            check(outcome.error && outcome.error->message.find(c.says) != std::string::npos &&
                      outcome.error->message.find("no client data channel") != std::string::npos,
                  std::string(c.what) + ": the error says so (" +
                      (outcome.error ? outcome.error->to_string() : std::string("no error")) + ")");
        } else if (std::strstr(c.what, "pipeline")) {
            check(outcome.error.has_value(),
                  std::string(c.what) + ": an error (" +
                      (outcome.error ? outcome.error->to_string() : std::string("none")) + ")");
        }
        if (connection.state() == Connection::State::Broken) {
            // Only a COPY FROM STDIN inside a pipeline gets here: the queries queued
            // behind it reach the server while it waits for copy data, and it ends
            // the session ("protocol synchronization was lost"). Lost, not stuck.
            check(std::strstr(c.what, "FROM STDIN in a pipeline") != nullptr,
                  std::string(c.what) + ": the connection was lost (" +
                      (connection.broken_reason() ? connection.broken_reason()->message
                                                  : std::string()) +
                      ")");
            return;
        }
        bool next_settled = false;
        Outcome next = run(connection, Batch{Query{"SELECT 42"}},
                           std::string(c.what) + ", then SELECT 42", next_settled);
        check(next_settled && !next.error && !next.results.empty() &&
                  next.results[0].value(0, 0) == "42",
              std::string(c.what) + ": the connection serves the next batch" +
                  (next.error ? " (" + next.error->to_string() + ")" : std::string()));
    }
}

int option(int fd, int level, int name) {
    int value = -1;
    socklen_t size = sizeof value;
    if (getsockopt(fd, level, name, &value, &size) != 0) return -1;
    return value;
}

void keepalive_checks(const std::string &conninfo) {
    Connection connection(conninfo, "probe");
    check(settle(connection) && connection.state() == Connection::State::Idle, "connected");
    const int fd = connection.socket();
    std::printf(
        "SO_KEEPALIVE=%d TCP_KEEPIDLE=%d TCP_KEEPINTVL=%d TCP_KEEPCNT=%d TCP_USER_TIMEOUT=%d\n",
        option(fd, SOL_SOCKET, SO_KEEPALIVE), option(fd, IPPROTO_TCP, TCP_KEEPIDLE),
        option(fd, IPPROTO_TCP, TCP_KEEPINTVL), option(fd, IPPROTO_TCP, TCP_KEEPCNT),
        option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: connection_probe CONNINFO copy|keepalive\n");
        return 2;
    }
    if (std::string(argv[2]) == "copy")
        copy_checks(argv[1]);
    else
        keepalive_checks(argv[1]);
    return failures == 0 ? 0 : 1;
}
