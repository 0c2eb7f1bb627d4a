// The real SourceFiles: std::filesystem and getenv. The only code in the core
// that reads migration files; it interprets nothing.
#include "disk_files.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal {

namespace fs = std::filesystem;

std::optional<std::vector<std::string>> DiskFiles::list_files(const std::string &dir) const {
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error) return std::nullopt;
    std::vector<std::string> names;
    for (const auto &entry : it) {
        // A symbolic link counts as the file it points to. One that points
        // nowhere (dangling, a loop) is listed all the same: reading it fails
        // with its name, where skipping it would drop a version in silence.
        std::error_code entry_error;
        fs::file_status target = entry.status(entry_error);
        bool is_link = fs::is_symlink(entry.symlink_status(entry_error));
        if (fs::is_regular_file(target) || (is_link && !fs::exists(target))) {
            names.push_back(entry.path().filename().string());
        }
    }
    return names;
}

std::optional<std::string> DiskFiles::read_file(const std::string &path) const {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return text.str();
}

std::string DiskFiles::read_error(const std::string &path) const {
    std::error_code error;
    if (fs::is_symlink(fs::symlink_status(path, error))) {
        std::string target = fs::read_symlink(path, error).string();
        if (!fs::exists(fs::status(path, error))) {
            if (error.value() == ELOOP) return "is a symbolic link loop (through " + target + ")";
            return "is a symbolic link to " + target + ", which does not exist";
        }
    }
    fs::file_status status = fs::status(path, error);
    if (error || !fs::exists(status)) return "does not exist";
    if (fs::is_directory(status)) return "is a directory";
    if (!fs::is_regular_file(status)) return "is not a regular file";
    std::ifstream in(path, std::ios::binary);
    return in ? "cannot be read" : std::string("cannot be read: ") + std::strerror(errno);
}

std::optional<std::string> DiskFiles::getenv(const std::string &name) const {
    const char *value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

}  // namespace shoal
