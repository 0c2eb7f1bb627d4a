// How results reach people and scripts: exit codes, `file:line: message`
// problems, schema lists collapsed into ranges (sh0001-0003,0008, as pg-mig's
// collapse), identical errors grouped across schemas, and the plan summary.
// Formats strings and JSON values; printing them is the caller's business.
// Schema and version names in text go through printable() (text.h); JSON
// values carry them as they are (json.h writes them).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "json.h"
#include "migration.h"
#include "plan.h"
#include "text.h"

namespace shoal {

// The process exit codes, documented in --help and README.
enum class ExitCode : int {
    Ok = 0,
    MigrationFailed =
        1,              // a schema's version failed, or a node a round of the run; the rest went on
    Usage = 2,          // bad command line or configuration; --hosts has no node to run on
    BadMigrations = 3,  // directory or plan problems: nothing ran
    LockHeld = 4,       // another shoal run holds the run lock
    Unreachable = 5,    // a node could not be reached or read, or dropped out: partial run
    NotUpToDate =
        6,  // check: the database digest is behind the code; verify, baseline: schemas differ
    ExtensionMissing = 7,  // the extension is missing or too old on a node: nothing ran
    Cancelled = 8,  // shoal.cancel() on a node: in-flight versions finished, nothing new started
    Refused = 9,    // a node refused the connection: authentication, or no such database
    Internal = 70,  // a bug in shoal (an unexpected exception); please report it
    Interrupted = 130,  // SIGINT/SIGTERM: in-flight work was cancelled and rolled back
};

int to_int(ExitCode code);

// The exit-code table, one "  N  meaning" line each, for --help and the README.
std::string exit_code_table();

// "file:line: message".
std::string format_problem(const Problem &problem);
// Every problem, one per line, sorted by file and line.
std::string format_problems(std::vector<Problem> problems);

// pg-mig's collapse: names ending in digits that share the rest are merged into
// ranges, keeping zero padding: {node1:sh0001, node1:sh0002, node1:sh0003,
// node1:sh0008} → {"node1:sh0001-0003,0008"}. Other names are kept as they are.
std::vector<std::string> collapse(std::vector<std::string> names);
std::string join(const std::vector<std::string> &parts, const std::string &separator);

// One failure of one schema, as the fleet layer collects them, or a plan
// problem of one schema. Empty strings are "none".
struct SchemaError {
    std::string node;
    std::string schema;
    std::string version;
    std::string message;        // PostgreSQL's message, with file:line context
    std::string detail;         // PostgreSQL's DETAIL (often different per schema)
    std::string hint = {};      // PostgreSQL's HINT (RAISE … USING HINT), or shoal's advice
    std::string sqlstate = {};  // PostgreSQL's SQLSTATE
};

// What could not be read (status, verify, lint --trace), or stopped a run
// before it started: a whole node (schema "") or one schema's stamp.
// Reported, never dropped.
struct Unread {
    std::string node;
    std::string schema;
    std::string reason;
};
// "node: not read: reason" or "node:schema: stamp not readable: reason".
std::string format_unread(const Unread &unread);
// [{"node":…,"schema":…,"reason":…}], schema null for a whole node.
Json json_unread(const std::vector<Unread> &unread);
// Standbys skipped: [{"node":…,"reason":…}], the reason the same for each.
Json json_standbys(const std::vector<std::string> &standbys);

// One error and every schema it happened on: the unit every report prints,
// text and JSON alike (docs/json.md, "error object"). A problem of the
// migration directory has a `file` instead of schemas.
struct ErrorGroup {
    std::string version;
    std::string message;
    std::string detail;  // the group's; see detail_of
    std::string hint;
    std::string sqlstate;
    std::string detail_of;  // "" when every schema gave `detail`; else node:schema whose it is
    SourceLocation file;    // file "" when it is not about a file
    std::vector<std::pair<std::string, std::string>> schemas;  // (node, schema), as they are
};

// Identical errors grouped: one group per (version, message, hint, sqlstate),
// the most frequent first. A DETAIL is the group's when every schema shares
// it, else the first schema's (detail_of names it; the rest are in shoal.event).
std::vector<ErrorGroup> group_errors(const std::vector<SchemaError> &errors);
// "<version>: <message> — 12 schemas: node1:sh0001-0012; DETAIL: …; HINT: …",
// names through printable(), messages through single_line(): one group, one line.
// A DETAIL that is one schema's says whose: "; DETAIL (node1:sh0001): …".
std::string format_error_group(const ErrorGroup &group);
// format_error_group() of each group of `errors`.
std::vector<std::string> format_error_groups(const std::vector<SchemaError> &errors);
// The error object of docs/json.md; json_error_groups: an array of them.
Json json_error_group(const ErrorGroup &group);
Json json_error_groups(const std::vector<ErrorGroup> &groups);

// Messages that are about no version, schema or file, as error objects.
Json json_messages(const std::vector<std::string> &messages);

// A problem of the migration directory as an error object's group (no schemas).
ErrorGroup error_group_of(const Problem &problem);
// Problems as error objects, sorted by file and line as format_problems() sorts them.
Json json_problems(std::vector<Problem> problems);

// Plan problems as schema errors, to be grouped like any other.
std::vector<SchemaError> schema_errors_of(const std::vector<PlanProblem> &problems);

// Each schema's error on its own: [{"node","schema","version","message",
// "detail","hint","sqlstate"}], null for what is "".
Json json_schema_errors(const std::vector<SchemaError> &errors);

// A plan's warnings and errors grouped: "warning: <group>" and "error: <group>"
// lines (format_error_group), "" when it has none.
std::string format_plan_problems(const Plan &plan);
// A plan with errors as the document of a command that stopped (exit 3).
Json json_plan_stopped(const std::string &command, const Plan &plan);

// The envelope of every --json document (docs/json.md): command (null when
// ""), exit_code, then `fields` in their order; callers end them with "errors".
Json json_envelope(const std::string &command, ExitCode code, const Json &fields);
// The document of a command that answered: the envelope with `fields`, then
// the tail every answer ends with: errors, unread and standbys.
Json json_answer(const std::string &command, ExitCode code, const Json &fields, const Json &errors,
                 const std::vector<Unread> &unread, const std::vector<std::string> &standbys);
// A document of a command that stopped before its result: the envelope with
// errors, warnings, unread and standbys.
Json json_stopped(const std::string &command, ExitCode code, const Json &errors,
                  const Json &warnings = Json::array(), const std::vector<Unread> &unread = {},
                  const std::vector<std::string> &standbys = {});

// What a migration said besides its result, on one schema: RAISE WARNING,
// RAISE NOTICE, "… already exists, skipping".
struct SchemaNotice {
    std::string node;
    std::string schema;
    std::string version;
    std::string severity;  // PostgreSQL's, untranslated: WARNING, NOTICE, INFO, …
    std::string message;
};
// Grouped as group_errors() groups errors, "<version>: SEVERITY: message — N
// schemas: …"; a schema counts once per message however often it said it.
std::vector<std::string> group_notices(const std::vector<SchemaNotice> &notices);
// The same groups as error objects (message "SEVERITY: message").
Json json_grouped_notices(const std::vector<SchemaNotice> &notices);
// [{"node","schema","version","severity","message"}].
Json json_notices(const std::vector<SchemaNotice> &notices);

// What a plan will do, grouped by version and collapsed by schema:
// "20241107201239.add-users.sh (up): 40 schemas: node1:sh0001-0020, node2:sh0021-0040".
// Empty for a plan without steps: callers say "nothing to do" in their own words.
std::string format_plan(const Plan &plan);

}  // namespace shoal
