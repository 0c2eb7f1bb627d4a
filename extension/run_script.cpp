// Running a staged script's statements: shoal.run_script(schema, version,
// statements, locations) and, without the SQL call, versions.cpp's apply. The
// statements run one by one through SPI in the caller's transaction, with
// search_path set to exactly the target schema, and every setting is restored
// afterwards (a migration's own SET commands included). A failing statement's
// error gets a context line naming the version and the file:line the statement
// came from. A step is also kept inside its schema and its session clean (1.4):
// search_path and the role must stay what the step set (else SH007), temporary
// objects the step created are dropped at its end, PREPARE and WITH HOLD are
// refused while it runs (module.cpp's hook), and a superuser's step in a schema a
// lesser role owns runs as that owner (shoal.run_as_owner). Locking, stamps and
// events are versions.cpp's; this file must not touch them.
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

#include "boundary.hpp"
#include "pg_calls.hpp"
#include "run_script.hpp"
#include "step.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
}

namespace {

// What the error context callback needs to name the statement being run. Plain data:
// the callback runs inside ereport and must not touch C++ objects.
struct RunPosition {
    const char *version;
    const char *statement;  // nullptr between statements
    const char *location;   // "file:line" of the statement's first line, from stage()
    int number;             // 1-based
    int count;
};

// How many lines into the statement its first token is: the span a coordinator
// stages starts with the comments above the statement, but the line worth naming
// is the statement's own.
int lines_before_first_token(const char *text) {
    int lines = 0;
    const char *p = text;
    while (*p != '\0') {
        if (*p == '\n') {
            ++lines;
            ++p;
        } else if (isspace(static_cast<unsigned char>(*p))) {
            ++p;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n') ++p;
        } else if (p[0] == '/' && p[1] == '*') {
            // PostgreSQL's block comments nest.
            int depth = 0;
            do {
                if (p[0] == '/' && p[1] == '*') {
                    ++depth;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    --depth;
                    p += 2;
                } else {
                    if (*p == '\n') ++lines;
                    ++p;
                }
            } while (depth > 0 && *p != '\0');
        } else {
            break;
        }
    }
    return lines;
}

// errcontext callback: "migration V, statement N of M, at FILE:LINE".
void name_failing_statement(void *arg) {
    const auto *run = static_cast<const RunPosition *>(arg);
    if (run->statement == nullptr) return;
    const char *colon = strrchr(run->location, ':');
    char *end = nullptr;
    long line = colon != nullptr ? strtol(colon + 1, &end, 10) : 0;
    if (colon == nullptr || end == colon + 1 || *end != '\0') {
        errcontext("migration %s, statement %d of %d, at %s", run->version, run->number, run->count,
                   run->location);
        return;
    }
    errcontext("migration %s, statement %d of %d, at %.*s:%ld", run->version, run->number,
               run->count, static_cast<int>(colon - run->location), run->location,
               line + lines_before_first_token(run->statement));
}

// Keeps name_failing_statement on PostgreSQL's error context stack for one scope,
// also when the scope is left by a PgError.
class ErrorContextScope {
  public:
    explicit ErrorContextScope(RunPosition *position) {
        callback_.callback = name_failing_statement;
        callback_.arg = position;
        callback_.previous = error_context_stack;
        error_context_stack = &callback_;
    }
    ~ErrorContextScope() { error_context_stack = callback_.previous; }
    ErrorContextScope(const ErrorContextScope &) = delete;
    ErrorContextScope &operator=(const ErrorContextScope &) = delete;

  private:
    ErrorContextCallback callback_{};
};

const int kLeftSchema = MAKE_SQLSTATE('S', 'H', '0', '0', '7');

// What a step set up and its statements must leave as it is: a version that moves
// search_path or the role (RESET ALL, SET ROLE, set_config in a DO block) would
// create the rest of its objects elsewhere, or as someone else, and be stamped.
struct StepFrame {
    std::string search_path;
    Oid user;
    Oid session_user;
    bool run_lock;    // the session's run lock and run membership: session advisory
    bool run_member;  // locks, which pg_advisory_unlock_all() would release for good
};

StepFrame current_frame() {
    return StepFrame{shoal::search_path_setting(), shoal::current_user_id(),
                     shoal::session_user_id(), shoal::holds_run_lock(), shoal::is_run_member()};
}

// Raises SH007, naming everything that moved, while the statement that moved it
// is still the one the error context names. who: what ran ("version V").
void check_frame(const StepFrame &expected, const char *schema, const std::string &who) {
    const StepFrame now = current_frame();
    std::string moved;
    const auto add = [&moved](const std::string &what) {
        moved += (moved.empty() ? "" : "; ") + what;
    };
    if (now.search_path != expected.search_path)
        add("search_path is " + shoal::quote_literal(now.search_path.c_str()) + ", the step set " +
            shoal::quote_literal(expected.search_path.c_str()));
    if (now.user != expected.user)
        add("the current user is " + shoal::role_name(now.user) + ", the step's is " +
            shoal::role_name(expected.user));
    if (now.session_user != expected.session_user)
        add("the session user is " + shoal::role_name(now.session_user) + ", the step's is " +
            shoal::role_name(expected.session_user));
    if (now.run_lock != expected.run_lock || now.run_member != expected.run_member)
        add(std::string("the session ") +
            (expected.run_lock && !now.run_lock       ? "released the run lock"
             : expected.run_member && !now.run_member ? "left its run"
                                                      : "took shoal's run lock") +
            " (session advisory locks; no rollback gives them back)");
    if (moved.empty()) return;
    shoal::report_error(
        kLeftSchema, who + " left its step in schema " + shoal::quote_ident(schema) + ": " + moved,
        "A version runs in its schema as its step's role: it must not RESET ALL, SET ROLE, SET "
        "SESSION AUTHORIZATION or change search_path (set_config included). Qualify names "
        "instead.");
}

// Runs body in the frame every step's statements run in: search_path exactly
// `schema`, as the step's role (step_role), step_depth's refusals, the step's
// temporary objects dropped at its end and every setting put back. body gets a
// check to call after each statement (SH007 when it left the frame; who names
// what ran). restricted: as the owner, a security-restricted operation (RunAs);
// else the step's deferred triggers fire at its end, still as the owner.
template <typename Body>
void run_in_step(const char *schema, const std::string &who, bool restricted, Body &&body) {
    const int guc_level = shoal::enter_schema(schema);
    const ObjectAddresses *temp_before = shoal::temp_objects();
    {
        const Oid role = shoal::step_role(schema);
        shoal::RunAs owner(role, restricted);
        const StepFrame frame = current_frame();
        shoal::SetForScope step(shoal::step_depth, shoal::step_depth + 1);
        body([&] { check_frame(frame, schema, who); });
        // The owner's deferred triggers would fire at commit, as the caller:
        // they fire now, as the owner. (Restricted, none could be queued.)
        if (OidIsValid(role) && !restricted) {
            shoal::fire_deferred_triggers();
            check_frame(frame, schema, who);
        }
        shoal::drop_temp_objects_since(temp_before);
    }
    shoal::leave_schema(guc_level);
}

}  // namespace

namespace shoal {

int run_statements(const char *schema, const char *version,
                   const std::vector<const char *> &statements,
                   const std::vector<const char *> &locations) {
    if (statements.size() != locations.size())
        report_error(ERRCODE_INVALID_PARAMETER_VALUE,
                     std::to_string(statements.size()) + " statements but " +
                         std::to_string(locations.size()) + " locations");
    RunPosition position{version, nullptr, nullptr, 0, static_cast<int>(statements.size())};
    // Not restricted: a version's statements may create temporary tables, which a
    // security-restricted operation refuses.
    run_in_step(schema, std::string("version ") + version, false, [&](const auto &check) {
        ErrorContextScope context(&position);
        for (size_t i = 0; i < statements.size(); ++i) {
            position.statement = statements[i];
            position.location = locations[i];
            position.number = static_cast<int>(i) + 1;
            const int code = spi_execute(statements[i]);
            if (code < 0)
                report_error(ERRCODE_FEATURE_NOT_SUPPORTED,
                             std::string("this statement cannot run inside mig_apply(): ") +
                                 SPI_result_code_string(code),
                             "Transaction control (BEGIN, COMMIT, ...) and COPY FROM STDIN do not "
                             "belong in a "
                             "migration run in one transaction.");
            check();
        }
        position.statement = nullptr;
    });
    return static_cast<int>(statements.size());
}

}  // namespace shoal

SHOAL_FUNCTION(shoal_run_script) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *version = text_to_cstring(PG_GETARG_TEXT_PP(1));
    ArrayType *statement_array = PG_GETARG_ARRAYTYPE_P(2);
    ArrayType *location_array = PG_GETARG_ARRAYTYPE_P(3);

    const auto statements = shoal::text_array_elements(statement_array, "statements");
    const auto locations = shoal::text_array_elements(location_array, "locations");
    shoal::spi_connect();
    const int ran = shoal::run_statements(schema, version, statements, locations);
    shoal::spi_finish();
    PG_RETURN_INT32(ran);
}

// shoal.execute_in_step(schema, query, args): one query of an online change that
// touches the schema's objects (its expressions, the backfill's writes that fire
// the schema's triggers, its DDL), run as a step's statements run, as the
// schema's owner above all: what the owner planted must not run with the
// caller's (superuser) rights. The change's state in shoal.online stays the
// caller's to write. args are text parameters $1, $2, ...; the result is the
// query's first row, each column as text, or NULL when it returned none.
SHOAL_FUNCTION(shoal_execute_in_step) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("shoal.execute_in_step: schema and query must not be NULL")));
    const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
    // Without its schema there is no owner to run as, and the query would run
    // with the caller's rights.
    if (!SearchSysCacheExists1(NAMESPACENAME, CStringGetDatum(schema)))
        ereport(ERROR, (errcode(ERRCODE_INVALID_SCHEMA_NAME),
                        errmsg("shoal.execute_in_step: schema %s does not exist",
                               quote_identifier(schema))));
    const char *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
    ArrayType *arg_array = PG_ARGISNULL(2) ? nullptr : PG_GETARG_ARRAYTYPE_P(2);

    const auto args = arg_array != nullptr ? shoal::text_array_elements(arg_array, "args", true)
                                           : std::vector<const char *>();
    std::vector<std::optional<std::string>> row;
    shoal::spi_connect();
    // Restricted: the owner's deferred trigger, queued by a backfill's UPDATE,
    // would otherwise fire at the batch's commit with the caller's rights.
    run_in_step(schema, "an online change's statement", true, [&](const auto &check) {
        row = shoal::spi_query_first_row(query, args);
        check();
    });
    shoal::spi_finish();
    if (row.empty()) PG_RETURN_NULL();
    return PointerGetDatum(shoal::text_array(row));
}
