// pg-mig's rule for which schemas a version prefix takes, and which schemas are
// candidates at all. Pure string logic.
#pragma once

#include <string>
#include <vector>

namespace shoal {

// True when `schema` starts with `prefix` and either equals it, has a digit right
// after it, or the prefix itself holds a digit: "sh" takes "sh0001", not "sharding".
bool schema_matches_prefix(const std::string &schema, const std::string &prefix);

// Every schema but pg_*, information_schema, debug_* and shoal: what the
// extension's shoal.stamps() lists (all but pg_* and information_schema), less
// pg-mig's debug_* (Dest.loadSchemas) and the extension's own schema. The one
// rule the coordinator plans by; test/extension/03_candidate_schemas.sh asks
// both sides about the same hostile names.
bool is_candidate_schema(const std::string &schema);

// The longest of `prefixes` that `schema` matches, or "" when none does.
std::string best_prefix(const std::string &schema, const std::vector<std::string> &prefixes);

}  // namespace shoal
