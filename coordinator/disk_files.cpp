// The real SourceFiles: std::filesystem and getenv. The only code in the core
// that reads migration files; it interprets nothing.
#include "disk_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal {

std::optional<std::vector<std::string>> DiskFiles::list_files(const std::string &dir) const {
    std::error_code error;
    std::filesystem::directory_iterator it(dir, error);
    if (error) return std::nullopt;
    std::vector<std::string> names;
    for (const auto &entry : it) {
        // symlink_status: pg-mig uses lstat, so a symbolic link is not a migration file.
        if (std::filesystem::is_regular_file(entry.symlink_status())) {
            names.push_back(entry.path().filename().string());
        }
    }
    return names;
}

std::optional<std::string> DiskFiles::read_file(const std::string &path) const {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return text.str();
}

std::optional<std::string> DiskFiles::getenv(const std::string &name) const {
    const char *value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

}  // namespace shoal
