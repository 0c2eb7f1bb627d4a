// Retry safety for solo versions: which indexes a script builds CONCURRENTLY, so
// the driver can drop what an interrupted earlier attempt left behind (an
// INVALID index, or any index of that name when the statement would fail on an
// existing one) before running the script again. Reads parse trees; no I/O.
#pragma once

#include <string>
#include <vector>

#include "migration.h"

namespace shoal::fleet {

struct ConcurrentIndex {
    std::string name;
    bool if_not_exists = false;
};

// Every named index the script creates with CREATE INDEX CONCURRENTLY.
std::vector<ConcurrentIndex> concurrent_indexes(const Script &script);

}  // namespace shoal::fleet
