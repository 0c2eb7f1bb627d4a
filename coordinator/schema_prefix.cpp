// pg-mig's prefix rule (helpers/schemaNameMatchesPrefix.ts) and candidate
// schemas (Dest.loadSchemas). Pure string logic.
#include "schema_prefix.h"

#include <algorithm>

namespace shoal {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool starts_with(const std::string &text, const std::string &prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

bool schema_matches_prefix(const std::string &schema, const std::string &prefix) {
    if (!starts_with(schema, prefix)) return false;
    if (schema.size() == prefix.size()) return true;
    if (is_digit(schema[prefix.size()])) return true;
    // A prefix with a digit in it ("sh0000") is selective enough on its own.
    return std::any_of(prefix.begin(), prefix.end(), is_digit);
}

bool is_candidate_schema(const std::string &schema) {
    // "shoal" is the extension's own schema: never a migration target.
    return !starts_with(schema, "pg_") && schema != "information_schema" &&
           !starts_with(schema, "debug_") && schema != "shoal";
}

std::string best_prefix(const std::string &schema, const std::vector<std::string> &prefixes) {
    std::string best;
    bool found = false;
    for (const std::string &prefix : prefixes) {
        if ((!found || prefix.size() > best.size()) && schema_matches_prefix(schema, prefix)) {
            best = prefix;
            found = true;
        }
    }
    return best;
}

}  // namespace shoal
