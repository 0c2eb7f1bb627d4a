// The only door through which the core reads migration files and environment
// variables. Loading and resolution take a SourceFiles, so unit tests feed them
// an in-memory tree; DiskFiles (disk_files.h) is the real one. Nothing else in
// the core touches the file system.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace shoal {

class SourceFiles {
  public:
    virtual ~SourceFiles() = default;
    // Names (not paths) of the files directly in `dir`, in any order; nullopt
    // when `dir` cannot be read. A symbolic link is listed as the file it points
    // to, and a dangling or looping one is listed too, so that reading it fails
    // by name (pg-mig skips links; skipping a version in silence is worse).
    virtual std::optional<std::vector<std::string>> list_files(const std::string &dir) const = 0;
    // Whole contents of `path` (through symbolic links); nullopt when it cannot be read.
    virtual std::optional<std::string> read_file(const std::string &path) const = 0;
    // Why read_file(path) failed, for the message: "does not exist", "is a
    // symbolic link to x, which does not exist", …
    virtual std::string read_error(const std::string &path) const {
        (void)path;
        return "cannot be read";
    }
    // Value of an environment variable, for \getenv; nullopt when unset.
    virtual std::optional<std::string> getenv(const std::string &name) const = 0;
};

}  // namespace shoal
