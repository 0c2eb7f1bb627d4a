// CREATE INDEX CONCURRENTLY statements found through libpg_query's parse tree,
// never by matching text.
#include "fleet/leftover_index.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <memory>

namespace shoal::fleet {

std::vector<ConcurrentIndex> concurrent_indexes(const Script &script) {
    std::vector<ConcurrentIndex> out;
    for (const Statement &statement : script.statements) {
        if (!statement.nontransactional) continue;
        PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(statement.sql.c_str());
        std::unique_ptr<PgQuery__ParseResult, void (*)(PgQuery__ParseResult *)> tree(
            parsed.error ? nullptr
                         : pg_query__parse_result__unpack(nullptr, parsed.parse_tree.len,
                                                          reinterpret_cast<const uint8_t *>(parsed.parse_tree.data)),
            [](PgQuery__ParseResult *p) { pg_query__parse_result__free_unpacked(p, nullptr); });
        pg_query_free_protobuf_parse_result(parsed);
        if (!tree) continue;  // the loader already parsed it; nothing to learn here
        for (size_t i = 0; i < tree->n_stmts; ++i) {
            const PgQuery__Node *node = tree->stmts[i]->stmt;
            if (!node || node->node_case != PG_QUERY__NODE__NODE_INDEX_STMT) continue;
            const PgQuery__IndexStmt *index = node->index_stmt;
            if (index->concurrent && index->idxname && *index->idxname)
                out.push_back(ConcurrentIndex{index->idxname, static_cast<bool>(index->if_not_exists)});
        }
    }
    return out;
}

}  // namespace shoal::fleet
