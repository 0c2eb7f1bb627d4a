// shoal.add_version(schema, version, checksum, action) and shoal.mig_apply(schema,
// version, checksum): adding a version to a schema's stamp, after running its
// staged up script (apply) or not (mark), in the caller's transaction:
//   lock the schema; read its stamp; 'already applied' when the version is there
//   with the same (or no recorded) checksum, SH001 with another, SH002 when a newer
//   version is there; run the staged statements; append the version and its data
//   to the stamp (stamp.cpp: one function); append the event row.
// Every schema-version of a run goes through here, so it is C (1.2 had it in
// PL/pgSQL, whose per-statement cost was most of an apply's bookkeeping): the two
// queries it needs are planned once per session, the stamp's texts are read from
// the catalog cache and appended to without being taken apart. The two checks it
// shares with the other migration functions are SQL-callable from here too,
// shoal.check_version() and shoal.lock_schema(): one implementation of each.
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "boundary.hpp"
#include "const_value.hpp"
#include "pg_calls.hpp"
#include "run_script.hpp"
#include "stamp.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
}

namespace {

enum class Action { Apply, Mark };

const int kInvalidVersion = ERRCODE_INVALID_PARAMETER_VALUE;
const int kChangedChecksum = MAKE_SQLSTATE('S', 'H', '0', '0', '1');
const int kTimeline = MAKE_SQLSTATE('S', 'H', '0', '0', '2');
const int kNotStaged = MAKE_SQLSTATE('S', 'H', '0', '0', '3');
const int kNotAConstant = MAKE_SQLSTATE('S', 'H', '0', '0', '6');

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
    shoal::report_error(kInvalidVersion,
                        std::string("invalid version name: ") +
                            (version != nullptr ? shoal::quote_literal(version) : std::string("NULL")),
                        "A version is TIMESTAMP.title.prefix, the migration file name without .up.sql.");
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string without_trailing_space(const std::string &text) {
  size_t end = text.size();
  while (end > 0 && is_space(text[end - 1])) --end;
  return text.substr(0, end);
}

// A JSON array's or object's text with `item` added as its last member, the text
// kept as it is up to its closing bracket.
std::string append_member(const std::string &text, const char *separator, const std::string &item) {
  const std::string trimmed = without_trailing_space(text);
  return trimmed.substr(0, trimmed.size() - 1) + separator + item + trimmed.back();
}

// Whether the stamp's data is a JSON object with something in it, so that an entry
// can be appended before its closing brace (1.2's regular expression
// ^\s*\{.*[^{\s].*\}\s*$). Anything else is replaced by a new object.
bool is_nonempty_object(const std::string &text) {
  size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  const std::string trimmed = without_trailing_space(text);
  if (first + 1 >= trimmed.size() || text[first] != '{' || trimmed.back() != '}') return false;
  for (size_t i = first + 1; i + 1 < trimmed.size(); ++i)
    if (trimmed[i] != '{' && !is_space(trimmed[i])) return true;
  return false;
}

// The checksum shoal recorded for an applied version ('' when none), read as 1.2
// read it: the rare path, so plain SQL.
std::string recorded_checksum(const std::string &data, const char *version) {
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    const Oid types[] = {TEXTOID, TEXTOID};
    plan = shoal::spi_keep_plan("SELECT coalesce($1::jsonb -> $2 ->> 'checksum', '')", 2, types);
  }
  const Datum args[] = {PointerGetDatum(shoal::make_text(data)), PointerGetDatum(shoal::make_text(version))};
  shoal::spi_execute_plan(plan, args, "  ");
  bool is_null = false;
  const Datum checksum = shoal::spi_first_row_value(1, is_null);
  return is_null ? std::string() : shoal::text_value(checksum);
}

// The staged up script's statements and their file:line locations.
void staged_up_script(const char *version, const char *checksum, std::vector<const char *> &statements,
                      std::vector<const char *> &locations) {
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    const Oid types[] = {TEXTOID, TEXTOID};
    plan = shoal::spi_keep_plan(
        "SELECT statements, locations FROM shoal.script WHERE checksum = $1 AND version = $2 AND direction = 'up'", 2,
        types);
  }
  const Datum args[] = {PointerGetDatum(shoal::make_text(checksum)), PointerGetDatum(shoal::make_text(version))};
  if (shoal::spi_execute_plan(plan, args, "  ") == 0)
    shoal::report_error(kNotStaged,
                        std::string("no staged up script for version ") + version + " with checksum " + checksum,
                        "Stage it first with shoal.stage().");
  bool is_null = false;
  statements = shoal::text_array_elements(shoal::array_value(shoal::spi_first_row_value(1, is_null)), "statements");
  locations = shoal::text_array_elements(shoal::array_value(shoal::spi_first_row_value(2, is_null)), "locations");
}

void log_event(const char *schema, const char *version, const char *action, const char *checksum,
               TimestampTz started_at, const std::string *detail) {
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    const Oid types[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
    plan = shoal::spi_keep_plan(
        "INSERT INTO shoal.event (schema, version, action, checksum, role, started_at, finished_at, detail)"
        " VALUES ($1, $2, $3, $4, CURRENT_USER, $5, clock_timestamp(), $6)",
        6, types);
  }
  const Datum args[] = {PointerGetDatum(shoal::make_text(schema)),
                        PointerGetDatum(shoal::make_text(version)),
                        PointerGetDatum(shoal::make_text(action)),
                        PointerGetDatum(shoal::make_text(checksum)),
                        TimestampTzGetDatum(started_at),
                        detail != nullptr ? PointerGetDatum(shoal::make_text(*detail)) : Datum(0)};
  shoal::spi_execute_plan(plan, args, detail != nullptr ? "      " : "     n");
}

// The body shared by both entry points; its result is 'applied', 'marked' or
// 'already applied'. SPI stays connected throughout: the caller connects.
const char *add_version(const char *schema, const char *version, const char *checksum, Action action) {
  check_version(version);
  if (checksum == nullptr) shoal::report_error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "checksum must not be null");
  shoal::lock_schema(schema);
  const TimestampTz started = shoal::now();

  shoal::ConstFunction list, old_data;
  const bool has_list = shoal::read_const_function(schema, "mig_versions_const", list);
  const bool has_old_data = shoal::read_const_function(schema, "shoal_stamp_const", old_data);
  const std::string data = shoal::stamp_data(has_list ? &list : nullptr, has_old_data ? &old_data : nullptr);
  std::vector<std::string> applied;
  if (has_list && !shoal::json_string_array(list.value.c_str(), applied))
    shoal::report_error(kNotAConstant,
                        "shoal cannot read " + shoal::quote_ident(schema) +
                            ".mig_versions_const(): it is not a JSON array of version names",
                        "Recreate the function with the schema's versions as pg-mig writes them.");

  std::string newest;
  for (const std::string &name : applied) {
    if (name == version) {
      const std::string recorded = data.empty() ? std::string() : recorded_checksum(data, version);
      if (recorded.empty() || recorded == checksum) return "already applied";
      shoal::report_error(kChangedChecksum,
                          std::string("version ") + version + " of schema " + shoal::quote_ident(schema) +
                              " was applied with checksum " + recorded + ", not " + checksum,
                          "The migration file changed after it was applied: restore it, or write a new version.");
    }
    if (name > newest) newest = name;  // byte order, as COLLATE "C"
  }
  if (newest > version)
    shoal::report_error(kTimeline,
                        "timeline violation: schema " + shoal::quote_ident(schema) + " already has version " + newest +
                            ", which is newer than " + version,
                        "Versions apply in name order; rename the new migration so it sorts after the newest "
                        "applied one.");

  int ran = 0;
  if (action == Action::Apply) {
    std::vector<const char *> statements, locations;
    staged_up_script(version, checksum, statements, locations);
    ran = shoal::run_statements(schema, version, statements, locations);
  }

  // Appended to the texts as they are: pg-mig's list keeps its form, and shoal's
  // data gets `"<version>":{...}` without spaces, as JSON.stringify would write it.
  // A key already there (a list edited by hand) is written again; JSON readers
  // keep the last one.
  const std::string quoted_version = shoal::json_string(version);
  const std::string new_list =
      applied.empty() ? "[" + quoted_version + "]" : append_member(list.value, ",", quoted_version);
  const std::string entry = quoted_version + ":{\"checksum\":" + shoal::json_string(checksum) +
                            ",\"applied_at\":\"" + shoal::json_timestamp(shoal::now()) + "\"}";
  const std::string new_data = is_nonempty_object(data) ? append_member(data, ",", entry) : "{" + entry + "}";
  shoal::write_stamp(schema, new_list, new_data, has_old_data);

  if (action == Action::Mark) {
    log_event(schema, version, "mark", checksum, started, nullptr);
    return "marked";
  }
  const std::string detail = "statements: " + std::to_string(ran);
  log_event(schema, version, "apply", checksum, started, &detail);
  return "applied";
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
  if (action == nullptr || (strcmp(action, "apply") != 0 && strcmp(action, "mark") != 0))
    shoal::report_error(ERRCODE_INVALID_PARAMETER_VALUE, "action must be 'apply' or 'mark'");
  shoal::spi_connect();
  const char *result = add_version(schema, version, checksum, strcmp(action, "apply") == 0 ? Action::Apply : Action::Mark);
  shoal::spi_finish();
  PG_RETURN_TEXT_P(shoal::make_text(result));
}

SHOAL_FUNCTION(shoal_mig_apply) {
  // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
  const char *schema = text_argument(fcinfo, 0);
  const char *version = text_argument(fcinfo, 1);
  const char *checksum = text_argument(fcinfo, 2);
  shoal::spi_connect();
  const char *result = add_version(schema, version, checksum, Action::Apply);
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
