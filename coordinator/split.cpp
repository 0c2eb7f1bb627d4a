// Statement boundaries and classification by PostgreSQL's own parser
// (libpg_query): pg_query_split_with_parser for the spans, the protobuf parse
// tree for what each statement is. The only lexing done here is skipping the
// whitespace and comments a span starts with, to report the statement's line.
// No I/O.
#include "split.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

namespace shoal {
namespace {

// What the parser says a statement is, as far as transactions are concerned.
enum class Kind {
    Transactional,
    Nontransactional,  // cannot run inside a transaction block
    Harmless,          // fine either way and idempotent: SET, DROP INDEX … IF EXISTS
    Begin,
    Commit,
    OtherTransactionControl,
};

struct ParseTree {
    std::unique_ptr<PgQuery__ParseResult, void (*)(PgQuery__ParseResult *)> tree{
        nullptr,
        [](PgQuery__ParseResult *p) { pg_query__parse_result__free_unpacked(p, nullptr); }};
    std::string error;
    int error_position = 0;  // 1-based character position, 0 when unknown
};

ParseTree parse(const std::string &sql) {
    ParseTree out;
    PgQueryProtobufParseResult result = pg_query_parse_protobuf(sql.c_str());
    if (result.error != nullptr) {
        out.error = result.error->message;
        out.error_position = result.error->cursorpos;
    } else {
        out.tree.reset(pg_query__parse_result__unpack(
            nullptr, result.parse_tree.len,
            reinterpret_cast<const uint8_t *>(result.parse_tree.data)));
        if (!out.tree) out.error = "libpg_query returned a parse tree that does not unpack";
    }
    pg_query_free_protobuf_parse_result(result);
    return out;
}

bool has_concurrently_option(PgQuery__Node **params, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        if (params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
            std::strcmp(params[i]->def_elem->defname, "concurrently") == 0) {
            return true;
        }
    }
    return false;
}

Kind classify(const PgQuery__Node *node) {
    switch (node->node_case) {
        case PG_QUERY__NODE__NODE_INDEX_STMT:
            return node->index_stmt->concurrent ? Kind::Nontransactional : Kind::Transactional;
        case PG_QUERY__NODE__NODE_DROP_STMT: {
            const PgQuery__DropStmt *drop = node->drop_stmt;
            if (drop->concurrent) return Kind::Nontransactional;
            // pg-mig's idiom drops a leftover invalid index before creating it again.
            bool drops_index = drop->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
            return drops_index && drop->missing_ok ? Kind::Harmless : Kind::Transactional;
        }
        case PG_QUERY__NODE__NODE_REINDEX_STMT:
            return has_concurrently_option(node->reindex_stmt->params, node->reindex_stmt->n_params)
                       ? Kind::Nontransactional
                       : Kind::Transactional;
        case PG_QUERY__NODE__NODE_VACUUM_STMT:
            // ANALYZE alone runs inside a transaction; VACUUM does not.
            return node->vacuum_stmt->is_vacuumcmd ? Kind::Nontransactional : Kind::Transactional;
        case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
        case PG_QUERY__NODE__NODE_CREATEDB_STMT:
        case PG_QUERY__NODE__NODE_DROPDB_STMT:
        case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
        case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
        case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT:
        case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT:
            return Kind::Nontransactional;
        case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
            return Kind::Harmless;
        case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
            switch (node->transaction_stmt->kind) {
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
                    return Kind::Begin;
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
                    return Kind::Commit;
                default:
                    return Kind::OtherTransactionControl;
            }
        default:
            return Kind::Transactional;
    }
}

// Byte offset of the `position`-th character (1-based, as PostgreSQL counts
// them in UTF-8), for mapping a parser's cursor position to a line.
size_t byte_offset_of_character(const std::string &text, int position) {
    size_t offset = 0;
    for (int seen = 1; seen < position && offset < text.size(); ++seen) {
        ++offset;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
            ++offset;
        }
    }
    return offset;
}

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

std::string first_words(const std::string &sql) {
    size_t newline = sql.find('\n');
    std::string line = sql.substr(0, std::min<size_t>(newline, 60));
    return line.size() < sql.size() ? line + " …" : line;
}

}  // namespace

bool is_nontransactional(const std::string &sql) {
    ParseTree tree = parse(sql);
    if (!tree.tree) return false;
    for (size_t i = 0; i < tree.tree->n_stmts; ++i) {
        if (classify(tree.tree->stmts[i]->stmt) == Kind::Nontransactional) return true;
    }
    return false;
}

SplitResult split_script(const Resolved &resolved) {
    SplitResult out;
    const std::string &body = resolved.body;
    auto location = [&](size_t offset) { return location_of(resolved, offset); };

    ParseTree tree = parse(body);
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

    std::vector<Kind> kinds;
    for (int i = 0; i < spans.n_stmts; ++i) {
        size_t begin = static_cast<size_t>(spans.stmts[i]->stmt_location);
        size_t end = begin + static_cast<size_t>(spans.stmts[i]->stmt_len);
        size_t start = first_token(body, begin, end);
        Kind kind = classify(tree.tree->stmts[i]->stmt);
        kinds.push_back(kind);
        out.statements.push_back(
            {body.substr(start, end - start), location(start), kind == Kind::Nontransactional});
    }

    // pg-mig's idiom: COMMIT first and BEGIN last around what must run outside
    // a transaction. It means the same as a solo version, so the two are dropped.
    bool idiom = kinds.size() >= 2 && kinds.front() == Kind::Commit && kinds.back() == Kind::Begin;
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
            case Kind::Begin:
            case Kind::Commit:
            case Kind::OtherTransactionControl:
                out.problems.push_back(
                    {statement.where,
                     "transaction control (" + first_words(statement.sql) +
                         ") is not allowed: each version runs in its own transaction; a "
                         "statement that cannot run in one makes its version solo by itself "
                         "(pg-mig's COMMIT; … BEGIN; around it is accepted only as the very "
                         "first and last statements)"});
                break;
            case Kind::Nontransactional:
                if (!first_nontransactional) first_nontransactional = &statement;
                break;
            case Kind::Transactional:
                if (!first_transactional) first_transactional = &statement;
                break;
            case Kind::Harmless:
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
