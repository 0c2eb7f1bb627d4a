// Online versions (docs/online.md): the declaration an up file makes with
// `-- shoal $online=…` lines, read at load time, and what the planner does
// with a version that changes a column in phases instead of one transaction.
// Pure: no I/O. The phases themselves are the extension's functions
// (shoal.online_*), driven by fleet/online.h.
#pragma once

#include <string>
#include <vector>

#include "migration.h"
#include "plan.h"

namespace shoal {

// Whether `-- shoal $name=…` is part of an online declaration (read here,
// not by parse_directives).
bool is_online_directive(const std::string &name);

// Reads the declaration of `file` (its text and statements as split): sets
// `online` when the file declares an operation (column_type, set_not_null,
// check, foreign_key, computed_column) with every key it needs, and adds a
// problem with file:line for anything else: a missing key or one the
// operation does not take, an unknown operation, a statement beside the
// declaration, a declaration outside an .up.sql file.
void read_online_declaration(const std::string &file, const std::string &text,
                             const std::vector<Statement> &statements,
                             std::optional<OnlineChange> &online, std::vector<Problem> &problems);

// The columns of an online set_not_null or foreign_key: `$online_column`
// split at commas, each trimmed (the extension quotes them).
std::vector<std::string> constraint_columns(const OnlineChange &change);

// Whether the operation's backfill rewrites the rows in batches through its
// trigger (column_type, computed_column), rather than validating a constraint
// in one statement; only those have rows the final check can find out of step.
bool backfills_rows(const OnlineChange &change);

// The final check's finding on a shard: "2 row(s) whose new column is not
// up(amount)", or for a computed column "2 row(s) whose doubled is not amount * 2".
std::string mismatched_rows(const std::string &rows, const OnlineChange &change);

// What lint says of an online version: "file:line: note: …", that pg-mig
// cannot run it and what runs it instead.
std::string online_note(const OnlineChange &change);

// Cuts every schema's steps after its first online version: the version's
// step is its expand, and nothing after it may run before its contract
// (`shoal complete`) puts it in the stamp. Returns whether any step is online.
bool hold_at_online(Plan &plan);

// A backfill's rows and, once a rate is known, its ETA: "1200/3000 rows,
// 400 rows/s, about 5 s left" (`rows_per_second` <= 0: no rate yet, the
// rows alone).
std::string backfill_progress(long long done, long long total, double rows_per_second);

// What `shoal complete` and `shoal abort` find for a schema that should hold
// the version: its state in shoal.online_state, or none.
struct OnlineShard {
    std::string node;
    std::string schema;
    // "expanded", "backfilling", "indexing", "backfilled"; "" when not expanded
    std::string state;
};

// Why `shoal complete` must not contract yet: one line per group of schemas
// that did not finish their backfill (or were never expanded); empty when every
// shard is backfilled.
std::vector<std::string> not_ready_to_complete(const std::vector<OnlineShard> &shards);

}  // namespace shoal
