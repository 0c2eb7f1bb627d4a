// An in-memory SourceFiles for tests: a map from path to contents and one of
// environment variables. Directories are implied by the paths.
#pragma once

#include <map>
#include <string>

#include "source_files.h"

namespace shoal::test {

class MemoryFiles final : public SourceFiles {
  public:
    std::map<std::string, std::string> files;
    std::map<std::string, std::string> env;

    std::optional<std::vector<std::string>> list_files(const std::string &dir) const override {
        std::vector<std::string> names;
        bool found = false;
        for (const auto &[path, text] : files) {
            if (path.compare(0, dir.size() + 1, dir + "/") != 0) continue;
            found = true;
            std::string rest = path.substr(dir.size() + 1);
            if (rest.find('/') == std::string::npos) names.push_back(rest);
        }
        if (!found) return std::nullopt;
        return names;
    }
    std::optional<std::string> read_file(const std::string &path) const override {
        auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
    }
    std::optional<std::string> getenv(const std::string &name) const override {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    }
};

}  // namespace shoal::test
