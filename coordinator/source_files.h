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
    // Names (not paths) of the regular files directly in `dir`, in any order;
    // nullopt when `dir` cannot be read. Symbolic links are skipped, as pg-mig does.
    virtual std::optional<std::vector<std::string>> list_files(const std::string &dir) const = 0;
    // Whole contents of `path`; nullopt when it cannot be read.
    virtual std::optional<std::string> read_file(const std::string &path) const = 0;
    // Value of an environment variable, for \getenv; nullopt when unset.
    virtual std::optional<std::string> getenv(const std::string &name) const = 0;
};

}  // namespace shoal
