// SourceFiles backed by the real file system and process environment. The one
// place in the core that performs I/O on migration files; keep it that small.
#pragma once

#include "source_files.h"

namespace shoal {

class DiskFiles final : public SourceFiles {
  public:
    std::optional<std::vector<std::string>> list_files(const std::string &dir) const override;
    std::optional<std::string> read_file(const std::string &path) const override;
    std::string read_error(const std::string &path) const override;
    std::optional<std::string> getenv(const std::string &name) const override;
};

}  // namespace shoal
