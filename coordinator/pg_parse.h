// libpg_query, owned: PostgreSQL's own parser and scanner behind RAII handles,
// and the one classification of a statement by what it means to a transaction.
// The splitter (split.cpp) and lint (lint.cpp) both stand on this file, so the
// loader and lint can never disagree on what runs outside a transaction. No I/O.
#pragma once

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <cstddef>
#include <memory>
#include <string>

namespace shoal {

struct FreeParseResult {
    void operator()(PgQuery__ParseResult *p) const;
};
struct FreeScanResult {
    void operator()(PgQuery__ScanResult *p) const;
};
using TokenList = std::unique_ptr<PgQuery__ScanResult, FreeScanResult>;

struct ParseTree {
    std::unique_ptr<PgQuery__ParseResult, FreeParseResult> tree;  // null when rejected
    std::string error;       // the parser's message when it rejected the text
    int error_position = 0;  // 1-based character position as PostgreSQL counts it, 0 when unknown
};

ParseTree parse_sql(const std::string &sql);

// Null when the scanner fails (an unterminated quote, say); the parser reports that.
TokenList scan_sql(const std::string &sql);

// Byte offset of the `position`-th character (1-based, UTF-8), for mapping a
// parser's cursor position to a line.
std::size_t byte_offset_of_character(const std::string &text, int position);

// What the parser says a statement is, as far as transactions are concerned.
enum class StatementKind {
    Transactional,
    Nontransactional,  // cannot run inside a transaction block
    Harmless,          // fine either way and idempotent: SET, DROP INDEX … IF EXISTS
    Begin,
    Commit,
    OtherTransactionControl,
};

StatementKind classify_statement(const PgQuery__Node &node);

// Where a file runs: a version runs once per schema, each step with search_path
// set to that schema, on worker connections that go on to other schemas;
// before.sql and after.sql run once per node in public, on the run's control
// connection.
enum class ScriptPlace { Version, PublicScript };

// Why `node` may not appear in a file run at `place`, as a sentence for the
// user; "" when it may. In a version: anything that moves search_path or the
// role away from what the step set (SET/RESET search_path, RESET ALL, SET ROLE,
// SET SESSION AUTHORIZATION and their RESETs), and session state that would
// outlive the step or take the connection's own (PREPARE, DEALLOCATE, DECLARE …
// WITH HOLD, LISTEN, UNLISTEN, DISCARD). In before.sql/after.sql the same,
// except search_path and RESET ALL: they run in public, not in a schema.
std::string session_change(const PgQuery__Node &node, ScriptPlace place);

}  // namespace shoal
