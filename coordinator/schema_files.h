// Files that exist only in memory, seen through the SourceFiles door over
// other files (the disk): `shoal generate` loads its versions with the
// migration loader, and proves them, before it writes one byte; `shoal dump`
// loads the files it is about to write the same way. Pure: the files added
// are a map.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "source_files.h"

namespace shoal {

class FilesWithAdded final : public SourceFiles {
  public:
    FilesWithAdded(const SourceFiles &base, std::map<std::string, std::string> added)
        : base_(base), added_(std::move(added)) {}

    std::optional<std::vector<std::string>> list_files(const std::string &dir) const override {
        std::optional<std::vector<std::string>> names = base_.list_files(dir);
        const std::filesystem::path wanted = std::filesystem::path(dir).lexically_normal();
        for (const auto &[path, text] : added_) {
            const std::filesystem::path file(path);
            if (file.parent_path().lexically_normal() != wanted) continue;
            if (!names) names.emplace();
            if (std::find(names->begin(), names->end(), file.filename().string()) == names->end())
                names->push_back(file.filename().string());
        }
        return names;
    }
    std::optional<std::string> read_file(const std::string &path) const override {
        const auto found = added_.find(path);
        return found != added_.end() ? std::optional<std::string>(found->second)
                                     : base_.read_file(path);
    }
    std::string read_error(const std::string &path) const override {
        return base_.read_error(path);
    }
    std::optional<std::string> getenv(const std::string &name) const override {
        return base_.getenv(name);
    }

  private:
    const SourceFiles &base_;
    std::map<std::string, std::string> added_;
};

}  // namespace shoal
