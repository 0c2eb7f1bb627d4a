// libpg_query behind RAII, and the statement classification shared by the
// splitter and lint. See pg_parse.h.
#include "pg_parse.h"

#include <strings.h>

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

namespace {

// PostgreSQL's CURSOR_OPT_HOLD (parsenodes.h): DECLARE … WITH HOLD.
constexpr int32_t kCursorOptHold = 0x0020;

bool named(const char *name, const char *setting) {
    return name != nullptr && strcasecmp(name, setting) == 0;
}

const char *const kWhyVersion =
    " Each schema's step runs with search_path set to that schema and as the run's role, "
    "on a connection that then runs other schemas' steps.";

const char *const kWhyPublic = " before.sql and after.sql run on the run's own control connection.";

std::string search_path_change(const std::string &how) {
    return "it " + how +
           ", which moves the statements after it out of the schema the step runs in (an "
           "unqualified CREATE would land in another schema, once per node instead of once per "
           "schema)." +
           kWhyVersion +
           " Write schema-qualified names (public.f()) for shared objects, or give a function "
           "its own SET search_path clause.";
}

std::string role_change(ScriptPlace place) {
    return std::string(
               "it runs what follows as another role, which could stay in force after the ") +
           (place == ScriptPlace::Version ? "step." : "script.") +
           (place == ScriptPlace::Version ? kWhyVersion : kWhyPublic) +
           " Grant the run's role what it needs, or put the statements in a SECURITY DEFINER "
           "function owned by that role.";
}

// PREPARE, DECLARE … WITH HOLD, LISTEN.
std::string outlives(ScriptPlace place) {
    return std::string("it leaves state in the session that outlives the ") +
           (place == ScriptPlace::Version ? "step." : "script.") +
           (place == ScriptPlace::Version ? kWhyVersion : kWhyPublic) +
           " Use what ends with the transaction (a DECLARE without WITH HOLD, a function instead "
           "of PREPARE, NOTIFY instead of LISTEN).";
}

// DEALLOCATE, UNLISTEN, DISCARD.
std::string takes_session_state(ScriptPlace place) {
    return std::string(
               "it removes state of the session, which belongs to the connection (shoal "
               "prepares its own statements there), not to the ") +
           (place == ScriptPlace::Version ? "step." : "script.") +
           (place == ScriptPlace::Version ? kWhyVersion : kWhyPublic);
}

}  // namespace

std::string session_change(const PgQuery__Node &node, ScriptPlace place) {
    const bool version = place == ScriptPlace::Version;
    switch (node.node_case) {
        case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: {
            const PgQuery__VariableSetStmt &set = *node.variable_set_stmt;
            if (set.kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL)
                return version ? search_path_change("resets search_path (with every other setting)")
                               : "";
            if (named(set.name, "search_path"))
                return version
                           ? search_path_change(set.kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET
                                                    ? "resets search_path"
                                                    : "sets search_path")
                           : "";
            if (named(set.name, "role") || named(set.name, "session_authorization"))
                return role_change(place);
            return "";
        }
        case PG_QUERY__NODE__NODE_PREPARE_STMT:
        case PG_QUERY__NODE__NODE_LISTEN_STMT:
            return outlives(place);
        case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
            return node.declare_cursor_stmt->options & kCursorOptHold ? outlives(place) : "";
        case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
        case PG_QUERY__NODE__NODE_UNLISTEN_STMT:
        case PG_QUERY__NODE__NODE_DISCARD_STMT:
            return takes_session_state(place);
        default:
            return "";
    }
}

}  // namespace shoal
