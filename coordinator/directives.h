// `-- $name=value` lines in a migration file: pg-mig's four and shoal's own.
// Parsed from the file's own text (not from included files), as pg-mig does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migration.h"

namespace shoal {

struct DirectivesResult {
    Directives directives;
    std::vector<Problem> problems;  // unknown names, bad values, each with file:line
    std::vector<Problem> warnings;  // odd values, spellings pg-mig refuses
};

// `file` names the text in problems. pg-mig's, as pg-mig reads them:
// `-- $parallelism_per_host=N`, `-- $parallelism_global=N`, `-- $delay=MS`,
// `-- $run_alone=0|1` (values through JavaScript's parseInt). shoal's own,
// spelled `-- shoal $name=value` (pg-mig ignores that line): $lock_timeout,
// $statement_timeout (ms, or with a unit: 500ms, 5s, 2min), $retries,
// $retry_for (a duration: lock_policy.h).
DirectivesResult parse_directives(const std::string &file, const std::string &text);

// "500", "500ms", "5s", "2min" → milliseconds, as PostgreSQL's settings read
// them; none for anything else.
std::optional<long> parse_duration_ms(const std::string &text);

}  // namespace shoal
