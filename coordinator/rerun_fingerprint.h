// pg-mig's rerun fingerprint (Dest.ts buildRerunFingerprint), exactly, and the
// rule it serves: with nothing pending, before.sql and after.sql run only when a
// node's stored fingerprint differs from the one it would store now. Both tools
// store and read public.mig_rerun_fingerprint_const(), so runs of either leave
// the other nothing to rerun. No I/O: the fleet layer reads the schema names
// with pg-mig's own query and the stored values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "migration.h"

namespace shoal {

// The value pg-mig stores on a node whose loadSchemas() query returned
// `schemas` (in the server's order): the names as pg-mig reads them back from
// psql, joined by ",", then ",hash=" and filesHash() of before.sql and after.sql.
std::string rerun_fingerprint(const std::vector<std::string> &schemas, const MigrationDir &dir);

// What pg-mig's Dest.query() makes of one column of names: psql's unaligned
// rows joined by "\n", the end trimmed (JavaScript's trimEnd), split at "\n"
// with empty rows dropped, each cut at psql's field separator "\x01". Only a
// name holding a newline, a \x01 or (the last one) trailing white space differs.
std::vector<std::string> as_pgmig_reads(const std::vector<std::string> &names);

// filesHash([before.sql, after.sql]): sha256 hex of the files that exist, their
// contents joined by "\n". pg-mig hashes the file itself, not what \i includes.
std::string before_after_hash(const MigrationDir &dir);

// One node's fingerprint, as stored and as it would be stored now.
struct NodeFingerprint {
    std::string node;
    std::string stored;   // "" when never stored, or cleared by a run that did not finish
    std::string current;  // "" when the node's schemas could not be read
};

// Whether a run runs before.sql and after.sql, and why, in words for people.
struct BeforeAfter {
    bool run = false;
    std::string why;
};

// pg-mig's rule (actionUndoOrApply): they run when steps are planned, with
// --force, or when some node's fingerprint is not the one it would store now;
// an undo with nothing to undo runs nothing.
BeforeAfter before_after_decision(std::size_t steps, bool undo, bool force,
                                  const std::vector<NodeFingerprint> &nodes);

}  // namespace shoal
