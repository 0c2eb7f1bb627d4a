// Running a migration's statements in the target schema (run_script.cpp).
#pragma once

#include <vector>

namespace shoal {

// Runs statements one by one through SPI (connected by the caller) with
// search_path set to exactly `schema`, restoring every setting afterwards; a
// failing statement's error names `version` and its location ("file:line").
// Returns how many ran.
int run_statements(const char *schema, const char *version,
                   const std::vector<const char *> &statements,
                   const std::vector<const char *> &locations);

}  // namespace shoal
