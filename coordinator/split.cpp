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
#include "text.h"

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

// The statement named in a problem: on one line, short.
std::string first_words(const std::string &sql) { return shortened(sql, 60); }

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

SplitResult split_script(const Resolved &resolved, ScriptPlace place) {
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
    // parse_sql refused a NUL, so c_str() is the whole body.
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
        if (std::string why = session_change(node, place); !why.empty())
            out.problems.push_back(
                {statement.where, "\"" + first_words(statement.sql) + "\" is not allowed: " + why});
        if (std::string copy = client_copy_problem(node); !copy.empty())
            out.problems.push_back({statement.where, copy});
        out.statements.push_back(std::move(statement));
    }

    // pg-mig's idiom (validateCreateIndexConcurrently, validateDropIndexConcurrently):
    // COMMIT first, then what runs outside a transaction, then BEGIN, then
    // optionally more. pg-mig wraps the file in BEGIN … stamp; COMMIT, so the
    // COMMIT ends its transaction, each statement up to BEGIN runs on its own,
    // and what follows BEGIN runs in the transaction that writes the stamp.
    // Both wrapper statements are dropped; transaction_from marks the split.
    std::optional<size_t> begin_line_index;
    if (!kinds.empty() && kinds.front() == StatementKind::Commit) {
        auto begin = std::find(kinds.begin() + 1, kinds.end(), StatementKind::Begin);
        if (begin != kinds.end()) begin_line_index = static_cast<size_t>(begin - kinds.begin());
    }
    const bool idiom = begin_line_index.has_value();
    std::string begin_where;
    size_t tail_from = kinds.size();  // index of the first statement after the idiom's BEGIN
    if (idiom) {
        const size_t b = *begin_line_index;
        begin_where = to_string(out.statements[b].where);
        kinds.erase(kinds.begin() + static_cast<long>(b));
        out.statements.erase(out.statements.begin() + static_cast<long>(b));
        kinds.erase(kinds.begin());
        out.statements.erase(out.statements.begin());
        tail_from = b - 1;
    }

    const Statement *first_nontransactional = nullptr;
    const Statement *first_transactional = nullptr;
    for (size_t i = 0; i < kinds.size(); ++i) {
        const Statement &statement = out.statements[i];
        const bool in_tail = idiom && i >= tail_from;
        switch (kinds[i]) {
            case StatementKind::Begin:
            case StatementKind::Commit:
            case StatementKind::OtherTransactionControl:
                out.problems.push_back(
                    {statement.where,
                     "transaction control (" + first_words(statement.sql) +
                         ") is not allowed: each version runs in its own transaction; a "
                         "statement that cannot run in one makes its version solo by itself "
                         "(pg-mig's COMMIT; … BEGIN; around it is accepted as the very first "
                         "statement and the first BEGIN after it, once)" +
                         (in_tail ? std::string(
                                        "; after that BEGIN, everything runs in the transaction "
                                        "that records the version (pg-mig would commit the "
                                        "statements before this one without its record): split "
                                        "the file into two versions")
                                  : std::string())});
                break;
            case StatementKind::Nontransactional:
                if (in_tail) {
                    out.problems.push_back(
                        {statement.where,
                         "\"" + first_words(statement.sql) +
                             "\" cannot run inside a transaction block, and it follows the BEGIN "
                             "at " +
                             begin_where +
                             " (what follows that BEGIN runs in the transaction that records the "
                             "version); move it before that BEGIN"});
                } else if (!first_nontransactional) {
                    first_nontransactional = &statement;
                }
                break;
            case StatementKind::Transactional:
                if (idiom && !in_tail) {
                    out.warnings.push_back(
                        {statement.where,
                         "\"" + first_words(statement.sql) +
                             "\" runs on its own, outside a transaction (between pg-mig's COMMIT; "
                             "and BEGIN;, as pg-mig runs it): if a later statement fails, the "
                             "retry runs it again. Move it after BEGIN (it then runs in the "
                             "transaction that records the version) or make it idempotent"});
                } else if (!in_tail && !first_transactional) {
                    first_transactional = &statement;
                }
                break;
            case StatementKind::Harmless:
                break;
        }
    }
    // COMMIT; BEGIN; with nothing between: one transaction with the stamp, a plain version.
    out.solo = (idiom && tail_from > 0) || (!idiom && first_nontransactional != nullptr);
    out.transaction_from = !out.solo ? 0 : idiom ? tail_from : out.statements.size();
    if (!idiom && out.solo && first_transactional != nullptr) {
        const Statement &reason = *first_nontransactional;
        out.problems.push_back(
            {first_transactional->where,
             "\"" + first_words(first_transactional->sql) + "\" is mixed with a statement that " +
                 "must run outside a transaction (" + to_string(reason.where) + ": \"" +
                 first_words(reason.sql) +
                 "\" cannot run inside a transaction block); move it to a version of its own, "
                 "so a failure cannot leave half of the version applied, or use pg-mig's form: "
                 "COMMIT; first, the statements that cannot run in a transaction, BEGIN;, then "
                 "the rest, which then runs in the transaction that records the version"});
    }
    return out;
}

}  // namespace shoal
