// `-- $name=value` lines in a migration file: pg-mig's four and shoal's own.
// Parsed from the file's own text (not from included files), as pg-mig does.
#pragma once

#include <string>
#include <vector>

#include "migration.h"

namespace shoal {

struct DirectivesResult {
    Directives directives;
    std::vector<Problem> problems;  // unknown names, bad values, each with file:line
};

// `file` names the text in problems. Recognised: $parallelism_per_host,
// $parallelism_global, $delay (ms), $run_alone (0/1), $lock_timeout,
// $statement_timeout (ms, or with a unit: 500ms, 5s, 2min), $retries.
DirectivesResult parse_directives(const std::string &file, const std::string &text);

}  // namespace shoal
