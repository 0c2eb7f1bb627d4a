// `shoal lint`: static rules on PostgreSQL's own parse tree of each version's up
// script, catching migrations that would lock or break a live fleet (a plain
// CREATE INDEX on a busy table, a NOT NULL without a default, a DDL target
// qualified with a schema in a version that runs once per shard…). Pure: it
// reads scripts already loaded and resolved, writes only to the ostream it is
// given, and never touches a database. docs/lint.md explains every rule.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config.h"
#include "migration.h"
#include "report.h"

namespace shoal {

enum class Severity { Warning, Error };

std::string to_string(Severity severity);  // "warning" or "error"

struct LintFinding {
    std::string rule;  // e.g. "require-concurrent-index-creation"
    Severity severity = Severity::Error;
    SourceLocation where;   // the statement's file:line, moved to the offending line inside it
    std::string statement;  // the statement's SQL without its leading comments
    std::string why;        // why it is dangerous on a live fleet
    std::string recipe;     // the safe way to do the same thing
    bool waived = false;    // a `-- shoal:ignore RULE reason` comment in the file covers it
    std::string waiver_reason;
};

struct LintOptions {
    // The version's schema prefix: a "public" version runs once per node, so
    // require-schema-unqualified does not apply to it. Empty: lint as a shard version.
    std::string prefix;
};

// Every finding of one script, in statement order, waived ones included (marked).
std::vector<LintFinding> lint_script(const Script &script, const LintOptions &options = {});

// The names of all rules, in the order docs/lint.md lists them.
std::vector<std::string> lint_rule_names();

// The text `shoal lint --help` prints.
std::string lint_help();

// `shoal lint`'s own arguments, as given in Config::lint_args.
struct LintArgs {
    bool all = false;
    bool json = false;
    bool help = false;
    bool trace = false;  // --trace: also run pending versions on a node (fleet/trace.h)
    std::vector<std::string> versions;
    std::string error;  // a usage error; empty when the arguments are fine
};

LintArgs parse_lint_args(const std::vector<std::string> &args);

// What `shoal lint --trace` measured on the fleet, merged into lint's report:
// lint checks `versions` (instead of resolving the arguments again), the
// findings count and print like lint's own, `text` is printed before the
// summary line and `json` is the value of the JSON report's "trace" member.
struct LintTrace {
    std::vector<const Version *> versions;
    std::vector<LintFinding> findings;
    std::string text;
    Json json;                   // an array, one object per version
    std::vector<Unread> unread;  // nodes and schemas the trace could not read: named, never dropped
    std::vector<std::string> standbys;  // skipped: read-only copies of a primary
    // The exit code when no finding is an error: Unreachable or ExtensionMissing
    // when the trace could not read the whole fleet, Interrupted (whatever the
    // findings) when it was interrupted.
    ExitCode incomplete = ExitCode::Ok;
};

// The `shoal lint` command: parses config.lint_args (the raw arguments after
// `lint`), lints the chosen versions' up scripts, prints the findings (text, or
// JSON with --json or config.json) and returns an ExitCode (report.h) as int:
// Ok when no unwaived error was found (warnings allowed), BadMigrations when one
// was, Usage for bad arguments or an unknown version. With `trace`, its
// versions are linted and its findings and report are merged in.
int run_lint(const Config &config, const MigrationDir &dir, std::ostream &out,
             const LintTrace *trace = nullptr);

}  // namespace shoal
