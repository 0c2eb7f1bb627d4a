// `shoal generate`, the pure part: from the reference shard's model and the
// desired schema's (schema_model.h), the online-safe versions that take one to
// the other, each with its undo; the hazards they hold, refused unless allowed;
// the objects nobody modelled, which block the plan by name; the renames that
// `-- shoal:renamed-from old_name` markers ask for. docs/generate.md lists every
// recipe. No I/O: fleet/generate.h reads the catalogs, proves and writes.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "migration.h"
#include "schema_model.h"

namespace shoal {

// The hazards `--allow-hazard KIND` accepts, in the order docs/generate.md lists them.
const std::vector<std::string> &hazard_kinds();

// A `-- shoal:renamed-from OLD` marker of the desired schema: the table (or
// column `column` of `table`, or the type when `type`, or index `index`, or
// constraint `constraint` of `table`) defined on the marker's line, or on the
// first line of code after it, was called `from`.
struct Rename {
    std::string table;
    std::string column;  // "" for a table
    std::string from;
    SourceLocation where;
    bool type = false;       // CREATE TYPE or CREATE DOMAIN `table`
    std::string index = {};  // CREATE INDEX `index` (ON `table`, "" when not on its line)
    std::string constraint =
        {};  // CONSTRAINT `constraint` in CREATE TABLE `table` or its ADD CONSTRAINT
};

// The markers of the desired schema's files (resolved, as loaded). A marker
// that stands before anything but a CREATE TABLE, a column definition, a
// CREATE TYPE or CREATE DOMAIN, a CREATE INDEX or a named constraint (a
// `CONSTRAINT name` line of a CREATE TABLE, or ALTER TABLE … ADD CONSTRAINT
// name) is a problem with its file:line.
std::vector<Rename> find_renames(const std::vector<Script> &files, std::vector<Problem> &problems);

// The ALTER … RENAME statements of `renames` (up, and their undo in `dn`),
// checked against both models: the old name must exist in `current` and not
// in `desired`, the new one in `desired` and not in `current` (an index's, or
// a primary key's or unique constraint's, not as any relation: they share one
// namespace); no two markers may rename one object. A marker whose rename
// `current` already has (the new name, not the old) asks for nothing. Tables
// are renamed first, then types, columns, indexes and constraints, each
// under its table's new name.
struct RenamePlan {
    std::vector<std::string> up, dn;
    std::vector<std::string> changes;  // "rename table a to b"
    std::vector<Problem> problems;
};
RenamePlan plan_renames(const std::vector<Rename> &renames, const SchemaModel &current,
                        const SchemaModel &desired);

// One version to write: its statements up and down (without ';'), and for a
// solo version (CONCURRENTLY) where its transaction part begins.
struct GeneratedVersion {
    std::string purpose;  // one line, the file's first comment
    std::vector<std::string> up, dn;
    bool solo = false;
    size_t up_transaction_from = 0, dn_transaction_from = 0;  // solo: first statement after BEGIN
    std::vector<std::string> hazards;  // "drop-column: orders.note (its data is lost)"
    std::vector<std::string> waivers;  // "RULE reason", for `-- shoal:ignore`
};

struct ChangePlan {
    std::vector<std::string> changes;  // what differs, one line each, in plan order
    std::vector<GeneratedVersion> versions;
    std::vector<std::string> refused;  // hazards not allowed, each with its reason and KIND
    std::vector<std::string>
        blocked;  // unmodelled objects of either side, changes without a recipe
    bool empty() const { return changes.empty(); }
};

struct GenerateOptions {
    std::set<std::string> allowed_hazards;
    std::string lock_timeout = "5s";  // the `-- shoal $lock_timeout` of every version that locks
};

// `current` is the reference shard after `renames` (the caller applies them
// to a copy and reads it again, so names already agree); their statements
// open the first plain version.
ChangePlan plan_changes(const SchemaModel &current, const SchemaModel &desired,
                        const RenamePlan &renames, const GenerateOptions &options);

// The text of a generated file: the purpose, hazards, waivers, the
// lock_timeout directive where the version locks, then the statements (a solo
// version with a transaction part in pg-mig's COMMIT; … BEGIN; … form).
std::string version_file_text(const GeneratedVersion &version, bool up,
                              const GenerateOptions &options);

// A solo statement as the proof runs it inside its rolled-back transaction:
// the same statement without CONCURRENTLY (PostgreSQL refuses CONCURRENTLY in
// a transaction block; the index it builds is the same). "" when `sql` is not
// one of the forms generate writes.
std::string without_concurrently(const std::string &sql);

}  // namespace shoal
