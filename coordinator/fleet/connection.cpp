// The non-blocking libpq state machine behind Connection: connect polling, the
// send / flush / consume / PQisBusy cycle, pipeline mode for multi-query batches,
// and turning every PGresult into rows or a DbError with all its fields. Every
// libpq return code is checked; a failure anywhere turns the connection Broken
// with libpq's message, never into an exception or a crash.
#include "fleet/connection.h"

#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <thread>
#include <utility>

#include "text.h"

namespace shoal::fleet {

namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string field(const PGresult *result, int code) {
    const char *value = PQresultErrorField(result, code);
    return value ? value : "";
}

DbError error_of(const PGresult *result) {
    DbError error;
    error.sqlstate = field(result, PG_DIAG_SQLSTATE);
    error.message = field(result, PG_DIAG_MESSAGE_PRIMARY);
    if (error.message.empty()) error.message = trim(PQresultErrorMessage(result));
    error.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
    error.hint = field(result, PG_DIAG_MESSAGE_HINT);
    error.context = field(result, PG_DIAG_CONTEXT);
    return error;
}

Rows rows_of(const PGresult *result) {
    Rows rows;
    const int n_rows = PQntuples(result);
    const int n_cols = PQnfields(result);
    rows.rows.reserve(n_rows);
    for (int r = 0; r < n_rows; ++r) {
        auto &row = rows.rows.emplace_back();
        row.reserve(n_cols);
        for (int c = 0; c < n_cols; ++c) {
            if (PQgetisnull(result, r, c))
                row.emplace_back(std::nullopt);
            else
                row.emplace_back(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c)));
        }
    }
    return rows;
}

std::string &session_name() {
    static std::string name = "shoal";
    return name;
}

// Whether the libpq we run with has a connection keyword (tcp_user_timeout
// came with libpq 12; an unknown keyword would fail every connection).
bool libpq_knows(const char *keyword) {
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconndefaults(),
                                                                         &PQconninfoFree);
    for (const PQconninfoOption *option = options.get(); option && option->keyword; ++option)
        if (std::string(option->keyword) == keyword) return true;
    return false;
}

// libpq reads keyword/value arrays from start to end and the last non-empty
// value of a keyword wins; the user's conninfo, expanded from `dbname`, comes
// after our defaults, so anything it sets replaces them. A default is left out
// where libpq has an environment variable for it and that is set: libpq only
// consults the environment for keywords nobody gave.
PGconn *start_connecting(const std::string &conninfo) {
    // The values live here until PQconnectStartParams has copied them; a deque
    // never moves what it already holds.
    std::deque<std::string> held;
    std::vector<const char *> keywords, values;
    const auto add = [&](const char *keyword, std::string value) {
        keywords.push_back(keyword);
        values.push_back(held.emplace_back(std::move(value)).c_str());
    };
    if (!std::getenv("PGCONNECT_TIMEOUT"))
        add("connect_timeout", std::to_string(kDefaultConnectTimeoutSeconds));
    add("keepalives", "1");
    add("keepalives_idle", std::to_string(kKeepalivesIdleSeconds));
    add("keepalives_interval", std::to_string(kKeepalivesIntervalSeconds));
    add("keepalives_count", std::to_string(kKeepalivesCount));
    static const bool has_user_timeout = libpq_knows("tcp_user_timeout");
    if (has_user_timeout) add("tcp_user_timeout", std::to_string(kTcpUserTimeoutMilliseconds));
    add("fallback_application_name", session_name());
    add("dbname", conninfo);
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    return PQconnectStartParams(keywords.data(), values.data(), 1);
}

// The connect_timeout libpq settled on (ours, the environment's or the user's),
// in seconds as libpq reads it: 0 (or less) waits forever, 1 means 2.
int effective_connect_timeout(PGconn *conn) {
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfo(conn),
                                                                         &PQconninfoFree);
    for (const PQconninfoOption *option = options.get(); option && option->keyword; ++option)
        if (std::string(option->keyword) == "connect_timeout" && option->val && *option->val) {
            const int seconds = std::atoi(option->val);
            return seconds == 1 ? 2 : seconds;
        }
    return 0;
}

// What the server says below ERROR (a migration's RAISE WARNING, "… already
// exists, skipping") is kept with the batch it came with; callers decide what
// to report (the run summary groups those of migrations). Never printed here:
// from hundreds of schemas it would flood stderr and break the progress line.
void keep_notice(void *notices, const PGresult *result) {
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    static_cast<std::vector<DbNotice> *>(notices)->push_back(
        {severity ? severity : "NOTICE", message ? message : trim(PQresultErrorMessage(result))});
}

constexpr const char *kNoDataChannel =
    "shoal has no client data channel; use COPY … FROM/TO a server file or INSERT … SELECT";

// SQLSTATEs a server answers a connection attempt with that no retry fixes:
// the password or pg_hba.conf (28P01, 28000), or the database (3D000).
bool refuses_for_good(const std::string &sqlstate) {
    return sqlstate == "28P01" || sqlstate == "28000" || sqlstate == "3D000";
}

// libpq keeps the SQLSTATE of a failed connection attempt to itself; its
// message carries it only in verbose form ("FATAL:  28P01: password
// authentication failed …", then a LOCATION line), for each host it tried.
// Returns the SQLSTATEs in `message` and leaves it as libpq's default form.
std::vector<std::string> take_sqlstates(std::string &message) {
    static const std::regex sqlstate(R"(:  ([0-9A-Z]{5}): )");
    static const std::regex location(R"(\nLOCATION:  [^\n]*)");
    std::vector<std::string> found;
    for (std::sregex_iterator it(message.begin(), message.end(), sqlstate), end; it != end; ++it)
        found.push_back((*it)[1]);
    message = std::regex_replace(std::regex_replace(message, location, ""), sqlstate, ":  ");
    return found;
}

DbError client_error(std::string message) {
    DbError error;
    error.message = std::move(message);
    return error;
}

}  // namespace

std::string DbError::to_string() const {
    std::string text = message;
    if (!sqlstate.empty()) text += " (SQLSTATE " + sqlstate + ")";
    if (!detail.empty()) text += "\nDETAIL: " + detail;
    if (!hint.empty()) text += "\nHINT: " + hint;
    return text;
}

std::string text_array(const std::vector<std::string> &items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

const std::string &Rows::value(size_t row, size_t col) const {
    static const std::string null_text;
    const auto &cell = rows.at(row).at(col);
    return cell ? *cell : null_text;
}

void set_session_name(std::string name) { session_name() = std::move(name); }

Connection::Connection(const std::string &conninfo, std::string display)
    : conn_(start_connecting(conninfo), &PQfinish), display_(std::move(display)) {
    if (!conn_) {
        fail("out of memory starting a connection");
        return;
    }
    if (PQstatus(conn_.get()) == CONNECTION_BAD) {
        // Refused before any network: settings libpq rejects (an unknown service).
        refused_ = true;
        fail(trim(PQerrorMessage(conn_.get())));
        return;
    }
    // Until connected, for the SQLSTATE of a refusal (take_sqlstates).
    PQsetErrorVerbosity(conn_.get(), PQERRORS_VERBOSE);
    PQsetNoticeReceiver(conn_.get(), keep_notice, notices_.get());
    const int timeout = effective_connect_timeout(conn_.get());
    if (timeout > 0) {
        limit_ = std::chrono::seconds(timeout);
        deadline_ = Clock::now() + limit_;
    }
}

int Connection::socket() const { return conn_ ? PQsocket(conn_.get()) : -1; }

short Connection::wanted_events() const {
    switch (state_) {
        case State::Connecting:
            return poll_status_ == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        case State::Busy:
            return POLLIN | (need_flush_ ? POLLOUT : 0);
        case State::Idle:
        case State::Broken:
            break;
    }
    return 0;
}

std::string Connection::host() const {
    const char *host = conn_ ? PQhost(conn_.get()) : nullptr;
    return host ? host : "";
}

PGTransactionStatusType Connection::transaction_status() const {
    return conn_ ? PQtransactionStatus(conn_.get()) : PQTRANS_UNKNOWN;
}

void Connection::fail(std::string message, std::string sqlstate) {
    DbError error;
    error.sqlstate = std::move(sqlstate);
    error.message = (state_ == State::Connecting ? "cannot connect to " : "connection to ") +
                    display_ + (state_ == State::Connecting ? ": " : " lost: ") +
                    trim(std::move(message));
    state_ = State::Broken;
    broken_reason_ = error;
    if (!outcome_.error) outcome_.error = error;
}

void Connection::fail_connecting() {
    std::string message = PQerrorMessage(conn_.get());
    const std::vector<std::string> sqlstates = take_sqlstates(message);
    // A refusal by any host of a failover list is what the user has to fix.
    refused_ = PQconnectionNeedsPassword(conn_.get()) ||
               std::any_of(sqlstates.begin(), sqlstates.end(), refuses_for_good);
    fail(message, sqlstates.empty() ? "" : sqlstates.back());
}

void Connection::finish_connecting() {
    PQsetErrorVerbosity(conn_.get(), PQERRORS_DEFAULT);
    if (PQsetnonblocking(conn_.get(), 1) != 0) {
        fail(PQerrorMessage(conn_.get()));
        return;
    }
    state_ = State::Idle;
    deadline_ = Clock::time_point::max();
}

void Connection::expire_after(std::chrono::seconds limit) {
    if (state_ != State::Busy) return;
    limit_ = limit;
    deadline_ = Clock::now() + limit;
}

void Connection::check_deadline(Clock::time_point now) {
    if (now < deadline_) return;
    deadline_ = Clock::time_point::max();
    const std::string waited = "no answer within " + std::to_string(limit_.count()) + " s";
    abandon(
        state_ == State::Connecting
            ? waited +
                  " (connect_timeout; set it in the node's conninfo or URI, or PGCONNECT_TIMEOUT)"
            : waited + "; what it ran was cancelled and the connection closed");
}

void Connection::step() {
    if (state_ == State::Connecting) {
        poll_status_ = PQconnectPoll(conn_.get());
        if (poll_status_ == PGRES_POLLING_OK)
            finish_connecting();
        else if (poll_status_ == PGRES_POLLING_FAILED)
            fail_connecting();
        return;
    }
    if (state_ != State::Busy) return;
    if (!PQconsumeInput(conn_.get())) {
        fail(PQerrorMessage(conn_.get()));
        return;
    }
    if (need_flush_) flush();
    if (state_ == State::Busy) read_results();
}

void Connection::flush() {
    const int rc = PQflush(conn_.get());
    if (rc < 0)
        fail(PQerrorMessage(conn_.get()));
    else
        need_flush_ = rc == 1;
}

void Connection::send(Batch batch) {
    outcome_ = Outcome{};
    notices_->clear();
    current_.reset();
    copy_ = Copy::None;
    if (state_ != State::Idle) {
        if (state_ != State::Broken) fail("a batch was sent while another one ran");
        return;
    }
    if (batch.empty()) return;  // nothing to wait for: stays Idle with an empty outcome
    PGconn *conn = conn_.get();
    preparing_.clear();
    for (const Query &query : batch)
        if (!query.prepared_as.empty() && !prepared_.count(query.prepared_as) &&
            std::find(preparing_.begin(), preparing_.end(), query.prepared_as) == preparing_.end())
            preparing_.push_back(query.prepared_as);
    pipelined_ = batch.size() + preparing_.size() > 1;
    if (pipelined_ && !PQenterPipelineMode(conn)) {
        fail(PQerrorMessage(conn));
        return;
    }
    // The batch's new statements are prepared first: their results come first.
    for (const std::string &name : preparing_) {
        const Query &query = *std::find_if(batch.begin(), batch.end(),
                                           [&](const Query &q) { return q.prepared_as == name; });
        if (!PQsendPrepare(conn, name.c_str(), query.sql.c_str(),
                           static_cast<int>(query.params.size()), nullptr)) {
            fail(PQerrorMessage(conn));
            return;
        }
    }
    for (const Query &query : batch) {
        std::vector<const char *> values;
        values.reserve(query.params.size());
        for (const auto &param : query.params) values.push_back(param ? param->c_str() : nullptr);
        const int count = static_cast<int>(values.size());
        const int sent = query.prepared_as.empty()
                             ? PQsendQueryParams(conn, query.sql.c_str(), count, nullptr,
                                                 values.data(), nullptr, nullptr, 0)
                             : PQsendQueryPrepared(conn, query.prepared_as.c_str(), count,
                                                   values.data(), nullptr, nullptr, 0);
        if (!sent) {
            fail(PQerrorMessage(conn));
            return;
        }
    }
    if (pipelined_ && !PQpipelineSync(conn)) {
        fail(PQerrorMessage(conn));
        return;
    }
    state_ = State::Busy;
    flush();
}

// Every status PQgetResult can return is handled here, so no result can leave
// the connection where the next PQgetResult returns the same thing again.
void Connection::absorb(PGresult *raw) {
    ResultPtr result(raw, &PQclear);
    const ExecStatusType status = PQresultStatus(raw);
    const auto first_error = [this](DbError error) {
        if (!outcome_.error) outcome_.error = std::move(error);
    };
    switch (status) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
        case PGRES_EMPTY_QUERY:  // a statement of only comments: nothing ran, nothing failed
            current_ = rows_of(raw);
            break;
        case PGRES_SINGLE_TUPLE: {  // single-row mode is never turned on; taken as rows all the
                                    // same
            Rows more = rows_of(raw);
            if (!current_) current_ = Rows{};
            for (auto &row : more.rows) current_->rows.push_back(std::move(row));
            break;
        }
        case PGRES_FATAL_ERROR:
            first_error(error_of(raw));
            break;
        case PGRES_NONFATAL_ERROR:  // a notice; libpq hands those to the notice receiver
            break;
        case PGRES_BAD_RESPONSE:
            first_error(client_error("the server's response could not be understood: " +
                                     trim(PQresultErrorMessage(raw))));
            break;
        case PGRES_COPY_OUT:
            first_error(client_error(
                std::string("COPY … TO STDOUT cannot run here (its rows were discarded): ") +
                kNoDataChannel));
            copy_ = Copy::Out;
            break;
        case PGRES_COPY_IN:
        case PGRES_COPY_BOTH:
            first_error(client_error(
                std::string(
                    "COPY … FROM STDIN cannot run here (the server was told to abort it): ") +
                kNoDataChannel));
            copy_ = status == PGRES_COPY_IN ? Copy::In : Copy::Both;
            copy_end_sent_ = false;
            break;
        case PGRES_PIPELINE_ABORTED:  // skipped after an earlier error in the batch
            break;
        case PGRES_PIPELINE_SYNC:
            if (!PQexitPipelineMode(conn_.get())) {
                fail(PQerrorMessage(conn_.get()));
                return;
            }
            pipelined_ = false;
            state_ = State::Idle;
            break;
        default:  // statuses of a newer libpq than this code knows
            first_error(client_error(std::string("unexpected result ") + PQresStatus(status)));
            break;
    }
}

// Ends a COPY the server started: refuses COPY IN with PQputCopyEnd (the server
// then aborts the statement with our message) and discards COPY OUT data.
// True when libpq has moved on to the COPY's own result; false when it has to
// wait for the socket (or the connection broke).
bool Connection::end_copy() {
    PGconn *conn = conn_.get();
    if ((copy_ == Copy::In || copy_ == Copy::Both) && !copy_end_sent_) {
        const int rc = PQputCopyEnd(conn, kNoDataChannel);
        if (rc < 0) {
            fail(PQerrorMessage(conn));
            return false;
        }
        if (rc == 0) {  // the output buffer is full: poll for writing, then again
            need_flush_ = true;
            return false;
        }
        copy_end_sent_ = true;
        flush();
        if (state_ != State::Busy) return false;
    }
    if (copy_ == Copy::In) {
        copy_ = Copy::None;
        return true;
    }
    while (true) {
        char *buffer = nullptr;
        const int rc = PQgetCopyData(conn, &buffer, 1);
        if (buffer) PQfreemem(buffer);
        if (rc > 0) continue;
        if (rc == 0) return false;  // more is on its way: wait for the socket
        if (rc == -1) {
            copy_ = Copy::None;
            return true;
        }
        fail(PQerrorMessage(conn));
        return false;
    }
}

void Connection::read_results() {
    PGconn *conn = conn_.get();
    while (state_ == State::Busy) {
        if (copy_ != Copy::None && !end_copy()) break;
        if (PQisBusy(conn)) break;
        PGresult *result = PQgetResult(conn);
        if (result) {
            absorb(result);
            continue;
        }
        // One query's results are complete; in a pipeline the next query's follow.
        if (!preparing_.empty()) {
            // A statement the batch prepared: it exists from now on unless this
            // prepare (or one before it, and so the batch) failed.
            if (!outcome_.error) prepared_.insert(preparing_.front());
            preparing_.pop_front();
            current_.reset();
            continue;
        }
        if (current_) {
            outcome_.results.push_back(std::move(*current_));
            current_.reset();
        }
        if (!pipelined_) state_ = State::Idle;
    }
    if (state_ == State::Busy && PQstatus(conn) == CONNECTION_BAD) fail(PQerrorMessage(conn));
    if (state_ != State::Busy) deadline_ = Clock::time_point::max();
}

Outcome Connection::take() {
    Outcome taken = std::move(outcome_);
    outcome_ = Outcome{};
    taken.notices = std::move(*notices_);
    notices_->clear();
    if (state_ == State::Broken && !taken.error) taken.error = broken_reason_;
    return taken;
}

void Connection::cancel() {
    if (state_ != State::Busy) return;
    PGcancel *handle = PQgetCancel(conn_.get());
    if (!handle) return;
    // A failed cancel request only means the statement runs to its end, and the
    // caller's wait is bounded either way: nothing to handle, nothing to join.
    std::thread([handle] {
        char error[256];
        (void)PQcancel(handle, error, sizeof error);
        PQfreeCancel(handle);
    }).detach();
}

void Connection::abandon(const std::string &why) {
    if (state_ != State::Connecting && state_ != State::Busy) return;
    cancel();
    fail(why);
    // Closing is what makes the server roll back whatever this session left open.
    conn_.reset();
}

std::string Connection::quote_ident(const std::string &name) const {
    std::unique_ptr<char, decltype(&PQfreemem)> quoted(
        PQescapeIdentifier(conn_.get(), name.c_str(), name.size()), &PQfreemem);
    if (!quoted) {
        // Only an invalid multibyte sequence gets here; the standard quoting rule
        // is still correct for UTF-8 servers and keeps the name unpasteable.
        std::string out = "\"";
        for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    }
    return quoted.get();
}

}  // namespace shoal::fleet
