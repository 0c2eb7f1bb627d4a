// Statement boundaries and classification by PostgreSQL's own parser
// (libpg_query): pg_query_split_with_parser for the spans, the protobuf parse
// tree for what each statement is. The only lexing done here is skipping the
// whitespace and comments a span starts with, to report the statement's line.
// No I/O.
#include "split.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

#include "pg_parse.h"

namespace shoal {
namespace {

// Skips the whitespace and comments a statement's span starts with.
size_t first_token(const std::string &text, size_t pos, size_t end) {
    while (pos < end) {
        if (std::isspace(static_cast<unsigned char>(text[pos]))) {
            ++pos;
        } else if (text.compare(pos, 2, "--") == 0) {
            size_t newline = text.find('\n', pos);
            pos = newline == std::string::npos ? end : newline + 1;
        } else if (text.compare(pos, 2, "/*") == 0) {
            int depth = 0;
            do {
                if (text.compare(pos, 2, "/*") == 0) {
                    ++depth;
                    pos += 2;
                } else if (text.compare(pos, 2, "*/") == 0) {
                    --depth;
                    pos += 2;
                } else {
                    ++pos;
                }
            } while (depth > 0 && pos < end);
        } else {
            break;
        }
    }
    return std::min(pos, end);
}

// Fills in the index a CREATE INDEX CONCURRENTLY builds, from its parse tree.
void note_concurrent_index(const PgQuery__Node &node, Statement &statement) {
    if (node.node_case != PG_QUERY__NODE__NODE_INDEX_STMT) return;
    const PgQuery__IndexStmt &index = *node.index_stmt;
    if (!index.concurrent || !index.idxname || !*index.idxname) return;
    statement.concurrent_index = index.idxname;
    statement.concurrent_index_if_not_exists = index.if_not_exists;
}

// COPY … FROM STDIN / TO STDOUT (no file name, not PROGRAM) talks to the
// client, and a run has no client data channel: the connection would wait for
// data that never comes. "" when the statement is something else.
std::string client_copy_problem(const PgQuery__Node &node) {
    if (node.node_case != PG_QUERY__NODE__NODE_COPY_STMT) return "";
    const PgQuery__CopyStmt &copy = *node.copy_stmt;
    if (copy.is_program || (copy.filename && *copy.filename)) return "";
    return std::string(copy.is_from ? "COPY … FROM STDIN" : "COPY … TO STDOUT") +
           " is not allowed: there is no client data channel in a run; use COPY … FROM/TO a server "
           "file or INSERT … SELECT";
}

std::string first_words(const std::string &sql) {
    size_t newline = sql.find('\n');
    std::string line = sql.substr(0, std::min<size_t>(newline, 60));
    return line.size() < sql.size() ? line + " …" : line;
}

}  // namespace

bool is_nontransactional(const std::string &sql) {
    ParseTree tree = parse_sql(sql);
    if (!tree.tree) return false;
    for (size_t i = 0; i < tree.tree->n_stmts; ++i) {
        if (classify_statement(*tree.tree->stmts[i]->stmt) == StatementKind::Nontransactional)
            return true;
    }
    return false;
}

SplitResult split_script(const Resolved &resolved) {
    SplitResult out;
    const std::string &body = resolved.body;
    auto location = [&](size_t offset) { return location_of(resolved, offset); };

    ParseTree tree = parse_sql(body);
    if (!tree.tree) {
        size_t offset =
            tree.error_position > 0 ? byte_offset_of_character(body, tree.error_position) : 0;
        out.problems.push_back({location(offset), tree.error});
        return out;
    }
    PgQuerySplitResult spans = pg_query_split_with_parser(body.c_str());
    std::unique_ptr<PgQuerySplitResult, void (*)(PgQuerySplitResult *)> free_spans(
        &spans, [](PgQuerySplitResult *s) { pg_query_free_split_result(*s); });
    if (spans.error != nullptr || static_cast<size_t>(spans.n_stmts) != tree.tree->n_stmts) {
        out.problems.push_back({location(0), "libpg_query split and parse disagree on this file"});
        return out;
    }

    std::vector<StatementKind> kinds;
    for (int i = 0; i < spans.n_stmts; ++i) {
        size_t begin = static_cast<size_t>(spans.stmts[i]->stmt_location);
        size_t end = begin + static_cast<size_t>(spans.stmts[i]->stmt_len);
        size_t start = first_token(body, begin, end);
        const PgQuery__Node &node = *tree.tree->stmts[i]->stmt;
        StatementKind kind = classify_statement(node);
        kinds.push_back(kind);
        Statement statement;
        statement.sql = body.substr(start, end - start);
        statement.where = location(start);
        statement.nontransactional = kind == StatementKind::Nontransactional;
        note_concurrent_index(node, statement);
        if (std::string copy = client_copy_problem(node); !copy.empty())
            out.problems.push_back({statement.where, copy});
        out.statements.push_back(std::move(statement));
    }

    // pg-mig's idiom: COMMIT first and BEGIN last around what must run outside
    // a transaction. It means the same as a solo version, so the two are dropped.
    bool idiom = kinds.size() >= 2 && kinds.front() == StatementKind::Commit &&
                 kinds.back() == StatementKind::Begin;
    if (idiom) {
        kinds.pop_back();
        kinds.erase(kinds.begin());
        out.statements.pop_back();
        out.statements.erase(out.statements.begin());
    }

    const Statement *first_nontransactional = nullptr;
    const Statement *first_transactional = nullptr;
    for (size_t i = 0; i < kinds.size(); ++i) {
        const Statement &statement = out.statements[i];
        switch (kinds[i]) {
            case StatementKind::Begin:
            case StatementKind::Commit:
            case StatementKind::OtherTransactionControl:
                out.problems.push_back(
                    {statement.where,
                     "transaction control (" + first_words(statement.sql) +
                         ") is not allowed: each version runs in its own transaction; a "
                         "statement that cannot run in one makes its version solo by itself "
                         "(pg-mig's COMMIT; … BEGIN; around it is accepted only as the very "
                         "first and last statements)"});
                break;
            case StatementKind::Nontransactional:
                if (!first_nontransactional) first_nontransactional = &statement;
                break;
            case StatementKind::Transactional:
                if (!first_transactional) first_transactional = &statement;
                break;
            case StatementKind::Harmless:
                break;
        }
    }
    out.solo = idiom || first_nontransactional != nullptr;
    if (out.solo && first_transactional != nullptr) {
        const Statement &reason =
            first_nontransactional ? *first_nontransactional : out.statements.front();
        std::string why =
            first_nontransactional
                ? "\"" + first_words(reason.sql) + "\" cannot run inside a transaction block"
                : "COMMIT; … BEGIN; makes this version run outside a transaction";
        out.problems.push_back(
            {first_transactional->where,
             "\"" + first_words(first_transactional->sql) + "\" is mixed with a statement that " +
                 "must run outside a transaction (" + to_string(reason.where) + ": " + why +
                 "); move it to a version of its own, so a failure cannot leave half of the "
                 "version applied"});
    }
    return out;
}

}  // namespace shoal
