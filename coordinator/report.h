// How results reach people and scripts: exit codes, `file:line: message`
// problems, schema lists collapsed into ranges (sh0001-0003,0008, as pg-mig's
// collapse), identical errors grouped across schemas, and the plan summary.
// Formats strings and JSON values; printing them is the caller's business.
// Schema and version names in text go through printable() (text.h); JSON
// values carry them as they are (json.h writes them).
#pragma once

#include <string>
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

// One failure of one schema, as the fleet layer collects them.
struct SchemaError {
    std::string node;
    std::string schema;
    std::string version;
    std::string message;  // PostgreSQL's message, with file:line context
    std::string detail;   // PostgreSQL's DETAIL, "" when none (often different per schema)
};

// What a read-only online command (status, verify, lint --trace) could not
// read: a whole node (schema "") or one schema's stamp. Reported, never dropped.
struct Unread {
    std::string node;
    std::string schema;
    std::string reason;
};
// "node: not read: reason" or "node:schema: stamp not readable: reason".
std::string format_unread(const Unread &unread);
// [{"node":…,"schema":…,"reason":…}], schema null for a whole node.
Json json_unread(const std::vector<Unread> &unread);

// Identical (version, message) pairs grouped: "<version>: <message> — 12 schemas:
// node1:sh0001-0012", one entry per distinct error, the most frequent first.
// A DETAIL follows, "; DETAIL: …" when the group shares it, else the first
// schema's as "; DETAIL (node1:sh0001): …" (the rest are in shoal.event).
std::vector<std::string> group_errors(const std::vector<SchemaError> &errors);
// [{"node","schema","version","message","detail"}].
Json json_errors(const std::vector<SchemaError> &errors);

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
// [{"node","schema","version","severity","message"}].
Json json_notices(const std::vector<SchemaNotice> &notices);

// A plan problem as a line: "node:schema: message".
std::string format_plan_problem(const PlanProblem &problem);

// What a plan will do, grouped by version and collapsed by schema:
// "20241107201239.add-users.sh (up): 40 schemas: node1:sh0001-0020, node2:sh0021-0040".
// Empty for a plan without steps: callers say "nothing to do" in their own words.
std::string format_plan(const Plan &plan);

}  // namespace shoal
