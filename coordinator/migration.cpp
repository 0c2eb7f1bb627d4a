// Small queries on the loaded directory model (migration.h). No I/O.
#include "migration.h"

#include <algorithm>
#include <set>

namespace shoal {

std::string to_string(const SourceLocation &where) {
    return where.line > 0 ? where.file + ":" + std::to_string(where.line) : where.file;
}

const Version *find_version(const MigrationDir &dir, const std::string &name) {
    for (const Version &version : dir.versions) {
        // pg-mig's extractVersion: a file name is cut to the version it names.
        if (name == version.name || name.rfind(version.name + ".", 0) == 0) return &version;
    }
    return nullptr;
}

std::vector<std::string> prefixes(const MigrationDir &dir) {
    std::set<std::string> distinct;
    for (const Version &version : dir.versions) distinct.insert(version.prefix);
    std::vector<std::string> sorted(distinct.begin(), distinct.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const std::string &a, const std::string &b) {
        return a.size() > b.size();
    });
    return sorted;
}

}  // namespace shoal
