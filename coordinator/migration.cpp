// Small queries on the loaded directory model (migration.h). No I/O.
#include "migration.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace shoal {

std::string to_string(const SourceLocation &where) {
    return where.line > 0 ? where.file + ":" + std::to_string(where.line) : where.file;
}

std::string stored_location(const std::string &dir, const SourceLocation &where) {
    namespace fs = std::filesystem;
    const fs::path base(dir), file(where.file), below_root = base.relative_path();
    const fs::path relative = file.lexically_relative(base);
    const auto depth = std::distance(below_root.begin(), below_root.end());
    const auto climbs = std::count(relative.begin(), relative.end(), fs::path(".."));
    const bool through_root = file.is_absolute() && climbs >= depth;
    if (relative.empty() || through_root) return to_string(where);
    return to_string({relative.string(), where.line});
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
