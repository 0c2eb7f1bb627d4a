// Splitting a resolved script into statements with PostgreSQL's own parser
// (libpg_query) and classifying them: which cannot run inside a transaction
// block, which index a CREATE INDEX CONCURRENTLY builds (for retry safety),
// pg-mig's `COMMIT; … BEGIN;` idiom, stray transaction control. No
// hand-written SQL lexing beyond skipping leading comments to find a line.
#pragma once

#include <string>
#include <vector>

#include "migration.h"
#include "pg_parse.h"
#include "resolve.h"

namespace shoal {

struct SplitResult {
    std::vector<Statement> statements;  // without the idiom's COMMIT/BEGIN
    bool solo = false;                  // runs outside a transaction block
    std::size_t transaction_from = 0;   // as Script::transaction_from
    std::vector<Problem> warnings;
    std::vector<Problem>
        problems;  // syntax errors (PostgreSQL's message), mixing, stray BEGIN/COMMIT,
                   // statements that leave the schema or the session (session_change)
};

// `place` decides which session changes are refused (pg_parse.h, session_change).
SplitResult split_script(const Resolved &resolved, ScriptPlace place = ScriptPlace::Version);

// True when the statement `sql` (one statement) cannot run inside a
// transaction block: CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY,
// VACUUM, ALTER SYSTEM, CREATE/DROP DATABASE and TABLESPACE, CREATE/DROP
// SUBSCRIPTION. False for what does not parse.
bool is_nontransactional(const std::string &sql);

}  // namespace shoal
