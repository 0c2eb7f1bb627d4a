// A migration directory "mig" holding the named versions, each with a trivial
// up and dn script, for tests about which versions run where, not what they
// run; and the version names those tests share.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "memory_files.h"
#include "migration_dir.h"

namespace shoal::test {

// The versions the planner's tests share: three of prefix sh, and one of
// public that sorts between the first two.
inline const char *const A = "20240101000000.a.sh";
inline const char *const B = "20240102000000.b.sh";
inline const char *const C = "20240103000000.c.sh";
inline const char *const P = "20240101500000.p.public";

inline MigrationDir versions_dir(const std::vector<std::string> &names) {
    MemoryFiles files;
    for (const std::string &name : names) {
        files.files["mig/" + name + ".up.sql"] = "SELECT 1;\n";
        files.files["mig/" + name + ".dn.sql"] = "SELECT 0;\n";
    }
    LoadResult loaded = load_migration_dir("mig", files);
    EXPECT_TRUE(loaded.ok());
    return loaded.dir;
}

}  // namespace shoal::test
