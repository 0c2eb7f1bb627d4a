// One non-blocking libpq connection, driven from outside by an event loop: it
// connects with PQconnectStart/PQconnectPoll, sends a Batch (one query, or several
// in one pipeline and one round trip), and collects every result without ever
// blocking. It owns no loop and no policy: it never retries, never decides what a
// failure means, and never prints (its conninfo may hold a password).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shoal::fleet {

using Clock = std::chrono::steady_clock;

// What every connection gets unless the user's conninfo or URI says otherwise
// (their values win: the defaults are placed before it, docs/architecture.md
// "Liveness"). libpq's non-blocking connect does not enforce connect_timeout, so
// Connection enforces it itself; PGCONNECT_TIMEOUT, when set, replaces the default.
inline constexpr int kDefaultConnectTimeoutSeconds = 10;
// TCP keepalives: a peer that vanished (host down, cable cut, firewall dropping
// the flow) is found within idle + interval × count seconds even while a long
// statement sends nothing; tcp_user_timeout bounds data sent but never acknowledged.
inline constexpr int kKeepalivesIdleSeconds = 30;
inline constexpr int kKeepalivesIntervalSeconds = 10;
inline constexpr int kKeepalivesCount = 3;
inline constexpr int kTcpUserTimeoutMilliseconds = 60000;

// The application_name of every connection this process opens from now on
// ("shoal apply run 1a2b3c4d"), so operators find a run's sessions in
// pg_stat_activity. Sent as libpq's fallback_application_name: an
// application_name in the user's conninfo, or PGAPPNAME, wins.
void set_session_name(std::string name);

// A server error with everything PostgreSQL said about it, or a client-side one
// (lost connection, out of memory) with an empty SQLSTATE.
struct DbError {
    std::string sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;

    bool is_lock_timeout() const { return sqlstate == "55P03"; }
    bool is_retryable() const { return sqlstate == "55P03" || sqlstate == "40P01"; }
    std::string to_string() const;  // "message (SQLSTATE x)\nDETAIL: …\nHINT: …"
};

// One statement with text parameters; std::nullopt is SQL NULL. Values always
// travel as parameters, never inside `sql`. A statement run once per step is
// given a name: the connection then prepares it the first time and afterwards
// only binds and runs it, so the server does not parse and plan it again.
struct Query {
    Query(std::string sql_text, std::vector<std::optional<std::string>> values = {},
          std::string name = {})
        : sql(std::move(sql_text)), params(std::move(values)), prepared_as(std::move(name)) {}

    std::string sql;
    std::vector<std::optional<std::string>> params;
    std::string prepared_as;  // "" = unnamed, parsed every time
};

// The rows one query returned, as text (NULL is std::nullopt).
struct Rows {
    std::vector<std::vector<std::optional<std::string>>> rows;

    const std::string &value(size_t row, size_t col) const;  // "" for NULL
    bool empty() const { return rows.empty(); }
};

// A message the server sent below ERROR while a batch ran (WARNING, NOTICE,
// INFO, ...; `severity` untranslated).
struct DbNotice {
    std::string severity;
    std::string message;
};

// What a Batch came to: rows per query that ran, the first error if any, and
// the notices the batch raised. After an error the rest of a pipelined batch
// was skipped by the server.
struct Outcome {
    std::vector<Rows> results;
    std::optional<DbError> error;
    std::vector<DbNotice> notices;
};

using Batch = std::vector<Query>;

// A text[] literal ("{\"a\",\"b\"}") for sending a list as one parameter.
std::string text_array(const std::vector<std::string> &items);

class Connection {
  public:
    enum class State { Connecting, Idle, Busy, Broken };

    // Starts connecting; never blocks on the network. `display` names the node in
    // messages and never holds a password. The connect has a deadline (the
    // effective connect_timeout); past it the connection turns Broken.
    Connection(const std::string &conninfo, std::string display);

    State state() const { return state_; }
    const std::string &display() const { return display_; }
    const std::optional<DbError> &broken_reason() const { return broken_reason_; }
    // Broken while connecting because it was refused, not because no server
    // answered: authentication failed (or a password is missing), the database
    // does not exist, or libpq rejected the settings (an unknown service).
    bool refused() const { return refused_; }
    int socket() const;
    short wanted_events() const;  // for poll(): 0 when nothing is awaited
    std::string host() const;     // the host libpq resolved, for per-host limits
    PGTransactionStatusType transaction_status() const;

    // Advances connecting or reading as far as possible without blocking; call
    // when poll() reports the socket (or at any time: it is cheap and safe).
    void step();

    // When the connect, or the batch in flight, must have ended; max() when it
    // has no deadline (a step's own statements: their statement_timeout bounds them).
    Clock::time_point deadline() const { return deadline_; }
    // Gives the batch just sent `limit` to end.
    void expire_after(std::chrono::seconds limit);
    // Past the deadline: a batch in flight is cancelled, the connection closed and
    // Broken with "no answer within N s". Call every turn; cheap.
    void check_deadline(Clock::time_point now);

    // Sends a batch; only when Idle. More than one query is pipelined and ends
    // with a sync, so the whole batch costs one round trip.
    void send(Batch batch);
    // The finished batch's outcome; only after the connection went back to Idle
    // (or Broken, then with the connection's error).
    Outcome take();

    // Asks the server to cancel what runs now; the batch then ends with SQLSTATE
    // 57014. Never blocks: PQcancel waits for the server's answer (forever, when
    // the server is frozen), so it runs on a detached thread nobody waits for.
    void cancel();
    // Gives up on a connection that is still connecting or busy: cancels what
    // it runs, closes it (the server rolls back whatever it had open) and makes
    // it Broken with `why`.
    void abandon(const std::string &why);

    // Quotes an identifier for this connection's encoding.
    std::string quote_ident(const std::string &name) const;

  private:
    void fail(std::string message, std::string sqlstate = "");
    void fail_connecting();
    void finish_connecting();
    void flush();
    void read_results();
    void absorb(PGresult *result);
    bool end_copy();

    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
    std::string display_;
    State state_ = State::Connecting;
    PostgresPollingStatusType poll_status_ = PGRES_POLLING_WRITING;
    std::optional<DbError> broken_reason_;
    bool refused_ = false;

    bool pipelined_ = false;
    bool need_flush_ = false;
    std::set<std::string> prepared_;     // statements this session has
    std::deque<std::string> preparing_;  // prepared by the batch in flight, in order
    Outcome outcome_;
    std::optional<Rows> current_;  // rows of the query being read
    // Where libpq's notice receiver puts what the server says below ERROR: on
    // the heap, so its address, given to libpq, stays valid when the
    // Connection moves. Cleared by send(), moved into the outcome by take().
    std::unique_ptr<std::vector<DbNotice>> notices_ = std::make_unique<std::vector<DbNotice>>();

    // A COPY the server started although a run has no client data channel: its
    // data is discarded (OUT) or refused with PQputCopyEnd (IN), until libpq
    // moves on to the COPY's own result.
    enum class Copy { None, Out, In, Both };
    Copy copy_ = Copy::None;
    bool copy_end_sent_ = false;

    Clock::time_point deadline_ = Clock::time_point::max();
    std::chrono::seconds limit_{0};  // what the deadline was, for the message
};

}  // namespace shoal::fleet
