// For the tests of generate's plans: the plan between two models built from
// catalog rows, and that every version of a plan, written as generate writes
// it, loads as a migration and its up file passes shoal lint (errors waived
// or none). Shared by the schema_*_test files.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "lint.h"
#include "memory_files.h"
#include "migration_dir.h"
#include "report.h"
#include "schema_diff.h"

namespace shoal::test {

// `rows` and then `more`.
inline std::vector<CatalogRow> with(std::vector<CatalogRow> rows,
                                    const std::vector<CatalogRow> &more) {
    rows.insert(rows.end(), more.begin(), more.end());
    return rows;
}

// The plan from the model of `current` to that of `desired`, no renames.
inline ChangePlan plan(const std::vector<CatalogRow> &current,
                       const std::vector<CatalogRow> &desired, std::set<std::string> allowed = {}) {
    GenerateOptions options;
    options.allowed_hazards = std::move(allowed);
    return plan_changes(build_model(current), build_model(desired), {}, options);
}

inline void expect_loads_and_passes_lint(const ChangePlan &p) {
    ASSERT_TRUE(p.refused.empty());
    MemoryFiles files;
    for (size_t i = 0; i < p.versions.size(); ++i) {
        const std::string name = "mig/2025010100000" + std::to_string(i) + ".g.sh";
        files.files[name + ".up.sql"] = version_file_text(p.versions[i], true, GenerateOptions{});
        files.files[name + ".dn.sql"] = version_file_text(p.versions[i], false, GenerateOptions{});
    }
    const LoadResult loaded = load_migration_dir("mig", files);
    ASSERT_TRUE(loaded.ok()) << format_problems(loaded.problems);
    ASSERT_EQ(loaded.dir.versions.size(), p.versions.size());
    for (const Version &version : loaded.dir.versions)
        for (const LintFinding &finding : lint_script(version.up, {"sh"}))
            EXPECT_TRUE(finding.severity == Severity::Warning || finding.waived)
                << finding.rule << " at " << to_string(finding.where);
}

}  // namespace shoal::test
