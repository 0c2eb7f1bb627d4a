// libpg_query behind RAII, and the statement classification shared by the
// splitter and lint. See pg_parse.h.
#include "pg_parse.h"

#include <cstring>

namespace shoal {
namespace {

// 1-based character position (UTF-8) of byte `offset`, as PostgreSQL counts cursor positions.
int character_position(const std::string &text, std::size_t offset) {
    int position = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++position;
    return position;
}

}  // namespace

void FreeParseResult::operator()(PgQuery__ParseResult *p) const {
    pg_query__parse_result__free_unpacked(p, nullptr);
}

void FreeScanResult::operator()(PgQuery__ScanResult *p) const {
    pg_query__scan_result__free_unpacked(p, nullptr);
}

ParseTree parse_sql(const std::string &sql) {
    ParseTree out;
    // libpg_query takes a C string: a NUL would silently end the text there.
    if (std::size_t nul = sql.find('\0'); nul != std::string::npos) {
        out.error = "a NUL byte in the text (nothing after it would be parsed)";
        out.error_position = character_position(sql, nul);
        return out;
    }
    PgQueryProtobufParseResult result = pg_query_parse_protobuf(sql.c_str());
    if (result.error != nullptr) {
        out.error = result.error->message;
        out.error_position = result.error->cursorpos;
    } else {
        // unpack copies what it needs, so the raw buffer can be freed right after.
        out.tree.reset(pg_query__parse_result__unpack(
            nullptr, result.parse_tree.len,
            reinterpret_cast<const uint8_t *>(result.parse_tree.data)));
        if (!out.tree) out.error = "libpg_query returned a parse tree that does not unpack";
    }
    pg_query_free_protobuf_parse_result(result);
    return out;
}

TokenList scan_sql(const std::string &sql) {
    if (sql.find('\0') != std::string::npos) return nullptr;
    PgQueryScanResult result = pg_query_scan(sql.c_str());
    TokenList out;
    if (result.error == nullptr) {
        out.reset(pg_query__scan_result__unpack(
            nullptr, result.pbuf.len, reinterpret_cast<const uint8_t *>(result.pbuf.data)));
    }
    pg_query_free_scan_result(result);
    return out;
}

std::size_t byte_offset_of_character(const std::string &text, int position) {
    std::size_t offset = 0;
    for (int seen = 1; seen < position && offset < text.size(); ++seen) {
        ++offset;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
            ++offset;
        }
    }
    return offset;
}

namespace {

bool has_concurrently_option(PgQuery__Node **params, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        if (params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
            std::strcmp(params[i]->def_elem->defname, "concurrently") == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

StatementKind classify_statement(const PgQuery__Node &node) {
    switch (node.node_case) {
        case PG_QUERY__NODE__NODE_INDEX_STMT:
            return node.index_stmt->concurrent ? StatementKind::Nontransactional
                                               : StatementKind::Transactional;
        case PG_QUERY__NODE__NODE_DROP_STMT: {
            const PgQuery__DropStmt *drop = node.drop_stmt;
            if (drop->concurrent) return StatementKind::Nontransactional;
            // pg-mig's idiom drops a leftover invalid index before creating it again.
            bool drops_index = drop->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
            return drops_index && drop->missing_ok ? StatementKind::Harmless
                                                   : StatementKind::Transactional;
        }
        case PG_QUERY__NODE__NODE_REINDEX_STMT:
            return has_concurrently_option(node.reindex_stmt->params, node.reindex_stmt->n_params)
                       ? StatementKind::Nontransactional
                       : StatementKind::Transactional;
        case PG_QUERY__NODE__NODE_VACUUM_STMT:
            // ANALYZE alone runs inside a transaction; VACUUM does not.
            return node.vacuum_stmt->is_vacuumcmd ? StatementKind::Nontransactional
                                                  : StatementKind::Transactional;
        case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
        case PG_QUERY__NODE__NODE_CREATEDB_STMT:
        case PG_QUERY__NODE__NODE_DROPDB_STMT:
        case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
        case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
        case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT:
        case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT:
            return StatementKind::Nontransactional;
        case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
            return StatementKind::Harmless;
        case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
            switch (node.transaction_stmt->kind) {
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
                    return StatementKind::Begin;
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
                    return StatementKind::Commit;
                default:
                    return StatementKind::OtherTransactionControl;
            }
        default:
            return StatementKind::Transactional;
    }
}

}  // namespace shoal
