// The migration functions that change a schema's stamp, in the caller's
// transaction, under the schema's lock:
//   shoal.add_version(schema, version, checksum, action) and shoal.mig_apply(schema,
//   version, checksum): 'already applied' when the version is in the stamp with the
//   same (or no recorded) checksum, SH001 with another, SH002 when a newer version is
//   there; else run the staged up script (apply) or not (mark), append the version
//   to the stamp, append the event row;
//   shoal.remove_version(schema, version, dn_checksum, action): 'not applied' when
//   the version is not in the stamp, SH004 when it is not the latest; else run the
//   staged dn script (undo) or not (forget), drop the version from the stamp,
//   append the event row (forget: the stored digest becomes after-repair).
// The stamp itself is stamp.cpp's. Every schema-version of a run comes through
// here, so it is C (1.2 had it in PL/pgSQL, whose per-statement cost was most of an
// apply's bookkeeping): the queries it needs are planned once per session, the
// stamp is read from the catalog cache. The two checks every migration function
// makes are SQL-callable from here too, shoal.check_version() and
// shoal.lock_schema(): one implementation of each.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "boundary.hpp"
#include "pg_calls.hpp"
#include "run_script.hpp"
#include "stamp.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
}

namespace {

enum class Action { Apply, Mark, Undo, Forget };

const int kInvalidVersion = ERRCODE_INVALID_PARAMETER_VALUE;
const int kChangedChecksum = MAKE_SQLSTATE('S', 'H', '0', '0', '1');
const int kTimeline = MAKE_SQLSTATE('S', 'H', '0', '0', '2');
const int kNotStaged = MAKE_SQLSTATE('S', 'H', '0', '0', '3');
const int kNotLatest = MAKE_SQLSTATE('S', 'H', '0', '0', '4');

// pg-mig's version format, TIMESTAMP.title.prefix (shoal.check_version's
// ^[0-9]+[.][^.]+[.][^.]+$).
bool is_version_name(const char *version) {
    const char *p = version;
    if (!isdigit(static_cast<unsigned char>(*p))) return false;
    while (isdigit(static_cast<unsigned char>(*p))) ++p;
    for (int part = 0; part < 2; ++part) {
        if (*p++ != '.') return false;
        if (*p == '\0' || *p == '.') return false;
        while (*p != '\0' && *p != '.') ++p;
    }
    return *p == '\0';
}

void check_version(const char *version) {
    if (version == nullptr || !is_version_name(version))
        shoal::report_error(
            kInvalidVersion,
            std::string("invalid version name: ") +
                (version != nullptr ? shoal::quote_literal(version) : std::string("NULL")),
            "A version is TIMESTAMP.title.prefix, the migration file name without .up.sql.");
}

// The staged script's statements and their file:line locations; direction 'up' or 'dn'.
void staged_script(const char *version, const char *direction, const char *checksum,
                   std::vector<const char *> &statements, std::vector<const char *> &locations) {
    static SPIPlanPtr plan = nullptr;
    if (plan == nullptr) {
        const Oid types[] = {TEXTOID, TEXTOID, TEXTOID};
        plan = shoal::spi_keep_plan(
            "SELECT statements, locations FROM shoal.script WHERE checksum = $1 AND version = $2 "
            "AND direction = $3",
            3, types);
    }
    const Datum args[] = {
        checksum != nullptr ? PointerGetDatum(shoal::make_text(checksum)) : Datum(0),
        PointerGetDatum(shoal::make_text(version)), PointerGetDatum(shoal::make_text(direction))};
    if (shoal::spi_execute_plan(plan, args, checksum != nullptr ? "   " : "n  ") == 0)
        shoal::report_error(kNotStaged,
                            std::string("no staged ") + direction + " script for version " +
                                version + " with checksum " +
                                (checksum != nullptr ? checksum : "<NULL>"),
                            "Stage it first with shoal.stage().");
    bool is_null = false;
    statements = shoal::text_array_elements(
        shoal::array_value(shoal::spi_first_row_value(1, is_null)), "statements");
    locations = shoal::text_array_elements(
        shoal::array_value(shoal::spi_first_row_value(2, is_null)), "locations");
}

// `run_command` is written only when given: shoal.event has that column since
// 1.8, and this library also serves a 1.7 schema until ALTER EXTENSION UPDATE.
void log_event(const char *schema, const char *version, const char *action, const char *checksum,
               TimestampTz started_at, const std::string *detail,
               const char *run_command = nullptr) {
    static SPIPlanPtr plan = nullptr;
    static SPIPlanPtr plan_with_run = nullptr;
    const Oid types[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
    if (run_command == nullptr && plan == nullptr)
        plan = shoal::spi_keep_plan(
            "INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, "
            "finished_at, detail)"
            " VALUES ($1, $2, $3, $4, CURRENT_USER, $5, clock_timestamp(), $6)",
            6, types);
    if (run_command != nullptr && plan_with_run == nullptr)
        plan_with_run = shoal::spi_keep_plan(
            "INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, "
            "finished_at, detail, run_command)"
            " VALUES ($1, $2, $3, $4, CURRENT_USER, $5, clock_timestamp(), $6, $7)",
            7, types);
    const Datum args[] = {
        PointerGetDatum(shoal::make_text(schema)),
        PointerGetDatum(shoal::make_text(version)),
        PointerGetDatum(shoal::make_text(action)),
        PointerGetDatum(shoal::make_text(checksum)),
        TimestampTzGetDatum(started_at),
        detail != nullptr ? PointerGetDatum(shoal::make_text(*detail)) : Datum(0),
        run_command != nullptr ? PointerGetDatum(shoal::make_text(run_command)) : Datum(0)};
    shoal::spi_execute_plan(run_command != nullptr ? plan_with_run : plan, args,
                            detail != nullptr ? "       " : "     n ");
}

// The body of add_version and mig_apply; its result is 'applied', 'marked' or
// 'already applied'. `run_command` goes into a mark's event (log_event). SPI
// stays connected throughout: the caller connects.
const char *add_version(const char *schema, const char *version, const char *checksum,
                        Action action, const char *run_command) {
    check_version(version);
    if (checksum == nullptr)
        shoal::report_error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "checksum must not be null");
    shoal::lock_schema(schema);
    const TimestampTz started = shoal::now();

    shoal::Stamp stamp = shoal::read_stamp(schema);
    std::string newest;
    for (const std::string &name : stamp.versions) {
        if (name == version) {
            const std::string recorded = shoal::recorded_checksum(stamp, version);
            if (recorded.empty() || recorded == checksum) return "already applied";
            shoal::report_error(kChangedChecksum,
                                std::string("version ") + version + " of schema " +
                                    shoal::quote_ident(schema) + " was applied with checksum " +
                                    recorded + ", not " + checksum,
                                "The migration file changed after it was applied: restore it, or "
                                "write a new version.");
        }
        if (name > newest) newest = name;  // byte order, as COLLATE "C"
    }
    if (newest > version)
        shoal::report_error(
            kTimeline,
            "timeline violation: schema " + shoal::quote_ident(schema) + " already has version " +
                newest + ", which is newer than " + version,
            "Versions apply in name order; rename the new migration so it sorts after the newest "
            "applied one.");

    int ran = 0;
    if (action == Action::Apply) {
        std::vector<const char *> statements, locations;
        staged_script(version, "up", checksum, statements, locations);
        ran = shoal::run_statements(schema, version, statements, locations);
    }
    shoal::append_version(stamp, version, checksum);
    shoal::write_stamp(schema, stamp);

    if (action == Action::Mark) {
        log_event(schema, version, "mark", checksum, started, nullptr, run_command);
        return "marked";
    }
    const std::string detail = "statements: " + std::to_string(ran);
    log_event(schema, version, "apply", checksum, started, &detail);
    return "applied";
}

// A forget or mark by hand leaves the stored digest describing a node it no
// longer describes (shoal.digest_after_repair(), PL/pgSQL).
void digest_after_repair() {
    static SPIPlanPtr plan = nullptr;
    if (plan == nullptr)
        plan = shoal::spi_keep_plan("SELECT shoal.digest_after_repair()", 0, nullptr);
    shoal::spi_execute_plan(plan, nullptr, nullptr);
}

// The body of remove_version; its result is 'undone', 'forgotten' or 'not
// applied'. Only the schema's latest version can go: a hole in the middle of a
// stamp reads as a timeline violation to every later plan. SPI stays connected
// throughout: the caller connects. `run_command` goes into a forget's event.
const char *remove_version(const char *schema, const char *version, const char *dn_checksum,
                           Action action, const char *run_command) {
    shoal::lock_schema(schema);
    const TimestampTz started = shoal::now();

    shoal::Stamp stamp = shoal::read_stamp(schema);
    if (version == nullptr ||
        std::find(stamp.versions.begin(), stamp.versions.end(), version) == stamp.versions.end())
        return "not applied";
    const std::string &latest = stamp.versions.back();
    if (latest != version) {
        if (action == Action::Undo)
            shoal::report_error(
                kNotLatest,
                std::string("cannot undo version ") + version + " of schema " +
                    shoal::quote_ident(schema) + ": its latest version is " + latest,
                "Only the latest version of a schema can be undone; undo the newer ones first.");
        shoal::report_error(
            kNotLatest,
            std::string("cannot forget version ") + version + " of schema " +
                shoal::quote_ident(schema) + ": its latest version is " + latest,
            "Forget from the newest version down, or write a new version that repairs the schema.");
    }

    if (action == Action::Forget) {
        const std::string forgotten_checksum = shoal::recorded_checksum(stamp, version);
        shoal::remove_latest_version(stamp);
        shoal::write_stamp(schema, stamp);
        log_event(schema, version, "forget", forgotten_checksum.c_str(), started, nullptr,
                  run_command);
        digest_after_repair();
        return "forgotten";
    }
    std::vector<const char *> statements, locations;
    staged_script(version, "dn", dn_checksum, statements, locations);
    const int ran = shoal::run_statements(schema, version, statements, locations);
    shoal::remove_latest_version(stamp);
    shoal::write_stamp(schema, stamp);
    const std::string detail = "statements: " + std::to_string(ran);
    log_event(schema, version, "undo", dn_checksum, started, &detail);
    return "undone";
}

const char *text_argument(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

}  // namespace

SHOAL_FUNCTION(shoal_add_version) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_argument(fcinfo, 0);
    const char *version = text_argument(fcinfo, 1);
    const char *checksum = text_argument(fcinfo, 2);
    const char *action = text_argument(fcinfo, 3);
    // Declared with a fifth argument since 1.8 (shoal.event.run_command).
    const char *run_command = PG_NARGS() > 4 ? text_argument(fcinfo, 4) : nullptr;
    if (action == nullptr || (strcmp(action, "apply") != 0 && strcmp(action, "mark") != 0))
        shoal::report_error(ERRCODE_INVALID_PARAMETER_VALUE, "action must be 'apply' or 'mark'");
    shoal::spi_connect();
    const char *result =
        add_version(schema, version, checksum,
                    strcmp(action, "apply") == 0 ? Action::Apply : Action::Mark, run_command);
    shoal::spi_finish();
    PG_RETURN_TEXT_P(shoal::make_text(result));
}

SHOAL_FUNCTION(shoal_remove_version) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_argument(fcinfo, 0);
    const char *version = text_argument(fcinfo, 1);
    const char *dn_checksum = text_argument(fcinfo, 2);
    const char *action = text_argument(fcinfo, 3);
    // Declared with a fifth argument since 1.8 (shoal.event.run_command).
    const char *run_command = PG_NARGS() > 4 ? text_argument(fcinfo, 4) : nullptr;
    if (action == nullptr || (strcmp(action, "undo") != 0 && strcmp(action, "forget") != 0))
        shoal::report_error(ERRCODE_INVALID_PARAMETER_VALUE, "action must be 'undo' or 'forget'");
    shoal::spi_connect();
    const char *result =
        remove_version(schema, version, dn_checksum,
                       strcmp(action, "undo") == 0 ? Action::Undo : Action::Forget, run_command);
    shoal::spi_finish();
    PG_RETURN_TEXT_P(shoal::make_text(result));
}

SHOAL_FUNCTION(shoal_mig_apply) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_argument(fcinfo, 0);
    const char *version = text_argument(fcinfo, 1);
    const char *checksum = text_argument(fcinfo, 2);
    shoal::spi_connect();
    const char *result = add_version(schema, version, checksum, Action::Apply, nullptr);
    shoal::spi_finish();
    PG_RETURN_TEXT_P(shoal::make_text(result));
}

// Plain C calls (text_argument) before any C++ object is alive, in both.
SHOAL_FUNCTION(shoal_check_version) {
    check_version(text_argument(fcinfo, 0));
    PG_RETURN_VOID();
}

SHOAL_FUNCTION(shoal_lock_schema) {
    shoal::lock_schema(text_argument(fcinfo, 0));
    PG_RETURN_VOID();
}
