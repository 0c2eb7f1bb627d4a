// The end of an online command: what it did, as text for people (identical
// errors, and the migrations' warnings and notices, grouped across schemas,
// schema lists collapsed) or as one JSON document (--json, docs/json.md), and
// the exit code that says the same. Formats and prints; decides
// nothing about the run itself.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fleet/driver.h"
#include "report.h"
#include "rerun_fingerprint.h"

namespace shoal::fleet {

struct RunSummary {
    std::string command;                     // "apply", "undo"
    DriveResult drive;                       // all drive rounds added up
    std::vector<std::string> unreachable;    // skipped with --skip-unreachable
    std::vector<Unread> unread;              // the same nodes, with the reason
    std::vector<std::string> standbys;       // skipped: read-only, named on stderr when found
    std::vector<std::string> script_errors;  // before.sql / after.sql, "node: file:line: message"
    // Every other round that failed, "node: what failed: reason" (staging, the
    // rerun fingerprint, the digest, a stamp that cannot be read), or the run's
    // own reason (re-plan rounds exhausted).
    std::vector<std::string> run_errors;
    // Steps applied on a node whose final durable commit did not confirm them
    // (it was lost before or during it): not in drive.done.
    size_t unconfirmed = 0;
    size_t retries = 0;
    double seconds = 0;
    std::string digest;          // stored on every node, "" when not stored
    bool nothing_to_do = false;  // nothing pending, before.sql and after.sql skipped
};

ExitCode exit_code_of(const RunSummary &summary);

// Prints the summary to stdout (text, or JSON when `json`); returns the exit code.
int print_summary(const RunSummary &summary, bool json);

// What a dry run says besides the plan.
struct DryRun {
    std::string command;               // "apply", "undo"
    ExitCode code = ExitCode::Ok;      // the dry run's exit code
    std::vector<std::string> scripts;  // "before.sql", "after.sql": those the directory has
    BeforeAfter before_after;          // whether they would run, and why
    std::vector<std::pair<std::string, std::string>>
        extension;               // node, the SQL --install-extension would run
    std::vector<Unread> unread;  // nodes skipped with --skip-unreachable, with the reason
    std::vector<std::string> standbys;
};

// The plan before it runs (or instead, with `dry`): per version, how many
// schemas and which, collapsed into ranges. With `json`, a dry plan is the JSON
// document on stdout, and a plan about to run goes to stderr as text.
void print_plan(const Plan &plan, bool json, const std::optional<DryRun> &dry = std::nullopt);

}  // namespace shoal::fleet
