// Loading a migration directory in pg-mig's format: file-name rule, up/dn
// pairing, before.sql/after.sql, then resolution, directives, splitting and
// checksums of every file. Reports every problem at once; reads only through
// SourceFiles.
#pragma once

#include <string>
#include <vector>

#include "migration.h"
#include "source_files.h"

namespace shoal {

struct LoadResult {
    MigrationDir dir;
    std::vector<Problem> problems;  // sorted by file and line; empty means usable
    // What loads but deserves a look (what pg-mig ignores, spellings to move
    // away from); printed, never a reason to stop. Sorted as problems.
    std::vector<Problem> warnings;
    bool ok() const { return problems.empty(); }
};

// The parts of a migration file name: TIMESTAMP.title.prefix.(up|dn).sql.
struct VersionFileName {
    std::string version;    // "20241107201239.add-users.sh"
    std::string timestamp;  // "20241107201239"
    std::string title;
    std::string prefix;
    bool up = true;
};

// pg-mig's regex ^((\d+\.[^.]+)\.([^.]+))\.(up|dn)\.sql$; false for anything else.
bool parse_version_file_name(const std::string &file_name, VersionFileName &out);

LoadResult load_migration_dir(const std::string &path, const SourceFiles &files);

// The desired schema of `shoal generate` and `shoal dump` (docs/generate.md):
// every *.sql file directly in `path`, in name order, each loaded as a
// version's file is (psql's subset resolved, split by PostgreSQL's parser, the
// same refusals), so that both directories read SQL the same way.
struct SchemaDirLoad {
    std::vector<Script> files;
    std::vector<Problem> problems;
    std::vector<Problem> warnings;
    bool ok() const { return problems.empty(); }
};
SchemaDirLoad load_schema_dir(const std::string &path, const SourceFiles &files);

// The versions whose prefix is the longest one `schema` matches, in order
// (empty when the schema matches none).
std::vector<const Version *> chain_for_schema(const MigrationDir &dir, const std::string &schema);

}  // namespace shoal
