// `shoal lint`: parses each statement of a version's up script with libpg_query
// (PostgreSQL's own parser), walks the protobuf parse tree and reports what would
// lock, rewrite or break a live fleet. One rule table holds every rule's name,
// severity, reason and recipe; the checks below only say which rule fires where.
// No I/O except the ostream run_lint is given; no database; the script is never
// modified. Every libpg_query allocation is owned by an RAII holder.
//
// The loader already refuses stray BEGIN/COMMIT and CONCURRENTLY mixed with
// other statements; the two rules for them are kept so that lint judges any
// Script, whoever built it.
#include "lint.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <utility>

#include "pg_parse.h"
#include "online_change.h"
#include "report.h"
#include "text.h"

namespace shoal {
namespace {

// In the order of kRules and docs/lint.md.
enum class RuleId {
    RequireConcurrentIndexCreation,
    RequireConcurrentIndexDeletion,
    ConstraintMissingNotValid,
    AddingForeignKeyConstraint,
    AddingNotNullableField,
    AddingFieldWithDefault,
    ChangingColumnType,
    SettingNotNull,
    DisallowedUniqueConstraint,
    RenamingColumn,
    RenamingTable,
    BanDropColumn,
    BanDropTable,
    BanDropNotNull,
    PreferRobustStmts,
    BanConcurrentIndexCreationInTransaction,
    TransactionNesting,
    LeavingTheSchema,
    PreferBigintOverInt,
    PreferTimestamptz,
    PreferTextField,
    IdentifierTooLong,
    RequireSchemaUnqualified,
    InvalidWaiver,
    SyntaxError,
};

struct Rule {
    const char *name;
    Severity severity;
    bool existing_tables_only;  // a table created earlier in the same script is exempt
    bool waivable;
    const char *why;
    const char *recipe;
};

constexpr Severity E = Severity::Error;
constexpr Severity W = Severity::Warning;

const Rule kRules[] = {
    {"require-concurrent-index-creation", E, true, true,
     "CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build: "
     "every INSERT, UPDATE and DELETE on it waits, on every shard in turn.",
     "Put CREATE INDEX CONCURRENTLY IF NOT EXISTS ... alone in a version of its own (shoal runs "
     "it outside a transaction and drops an invalid leftover index before a retry)."},
    {"require-concurrent-index-deletion", E, false, true,
     "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table: reads "
     "and writes queue behind it, and behind every long query it waits for.",
     "Put DROP INDEX CONCURRENTLY IF EXISTS ... alone in a version of its own."},
    {"constraint-missing-not-valid", E, true, true,
     "Adding a CHECK or FOREIGN KEY constraint checks every row while holding a lock that blocks "
     "writes (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign key). "
     "VALIDATE in the same version as the NOT VALID add runs in the same transaction, so the lock "
     "is held through the scan all the same.",
     "Add the constraint with NOT VALID in one version (instant), then ALTER TABLE ... VALIDATE "
     "CONSTRAINT ... in a later version (it scans under SHARE UPDATE EXCLUSIVE, which lets reads "
     "and writes through)."},
    {"adding-foreign-key-constraint", E, true, true,
     "ADD COLUMN ... REFERENCES adds a foreign key that cannot be NOT VALID: it is validated at "
     "once under a SHARE ROW EXCLUSIVE lock on both tables, blocking writes to both.",
     "Add the column without REFERENCES, add the constraint with ADD CONSTRAINT ... FOREIGN KEY "
     "... NOT VALID, and VALIDATE CONSTRAINT in a later version."},
    {"adding-not-nullable-field", E, true, true,
     "ADD COLUMN ... NOT NULL without a default fails on every shard whose table has rows: the "
     "version applies on empty shards and fails on the others, splitting the fleet.",
     "Add the column with a constant DEFAULT (instant since PostgreSQL 11), or add it nullable, "
     "backfill, and set NOT NULL later through a validated CHECK (see setting-not-null)."},
    {"adding-field-with-default", E, true, true,
     "A volatile default (random(), gen_random_uuid(), nextval(), clock_timestamp(), any function "
     "not known to be stable), a serial or identity column, or a stored generated column rewrites "
     "the whole table under an ACCESS EXCLUSIVE lock. Constant and stable defaults are instant "
     "since PostgreSQL 11.",
     "Add the column without a default (or with a constant one), give new rows the default with "
     "ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches outside the migration."},
    {"changing-column-type", E, true, true,
     "ALTER COLUMN ... TYPE usually rewrites the table and rebuilds its indexes under an ACCESS "
     "EXCLUSIVE lock, and code still running may break on the new type.",
     "Add a column of the new type, write both from the application, backfill in batches, move "
     "readers, then drop the old column in a later version. Waive with a reason only for a "
     "binary-compatible change (varchar(n) to text or to a longer varchar)."},
    {"setting-not-null", E, true, true,
     "SET NOT NULL scans the whole table for NULLs under an ACCESS EXCLUSIVE lock, blocking reads "
     "and writes meanwhile.",
     "Version 1: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID. Version 2: VALIDATE "
     "CONSTRAINT c. Version 3: SET NOT NULL (PostgreSQL 12+ sees the valid constraint and skips "
     "the scan; waive this rule there, naming version 2) and DROP CONSTRAINT c."},
    {"disallowed-unique-constraint", E, true, true,
     "ADD CONSTRAINT ... UNIQUE or PRIMARY KEY, or a UNIQUE or PRIMARY KEY column added to an "
     "existing table, builds its index under an ACCESS EXCLUSIVE lock, blocking reads and writes "
     "for the whole build.",
     "Build the index in its own version with CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i "
     "ON t (...), then ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i (or PRIMARY KEY USING "
     "INDEX i) in a later version."},
    {"renaming-column", E, false, true,
     "Code deployed before the migration still uses the old name: on every shard the run has "
     "reached, and during the whole rolling deploy, its queries fail.",
     "Add the new column, write both, backfill, move readers, and drop the old column in a later "
     "release. Waive with a reason when no running code uses the column."},
    {"renaming-table", E, false, true,
     "Code deployed before the migration still uses the old name: on every shard the run has "
     "reached, and during the whole rolling deploy, its queries fail.",
     "Create the new table and move the data and the code over in steps, or leave a view with "
     "the old name until no code uses it. Waive with a reason when no running code uses the "
     "table."},
    {"ban-drop-column", E, false, true,
     "Running code that still names the column fails as soon as its shard has the version, and "
     "the data is gone: undo cannot bring it back.",
     "First release code that no longer uses the column, then drop it in a version that says why "
     "it is safe now: -- shoal:ignore ban-drop-column <reason>."},
    {"ban-drop-table", E, false, true,
     "Running code that still names the table fails as soon as its shard has the version, and the "
     "data is gone: undo cannot bring it back.",
     "First release code that no longer uses the table, then drop it in a version that says why "
     "it is safe now: -- shoal:ignore ban-drop-table <reason>."},
    {"ban-drop-not-null", W, false, true,
     "Code that assumes the column is never NULL (older releases, other services) may break once "
     "NULLs appear, and undoing the version fails as soon as a NULL was written.",
     "Make sure every reader handles NULL first, then waive with the reason."},
    {"prefer-robust-stmts", W, false, true,
     "A solo version (CONCURRENTLY ...) runs outside a transaction: when the connection drops "
     "after the statement but before shoal records the version, the retry runs it again and fails "
     "on the object that already exists, or no longer does.",
     "Write CREATE INDEX CONCURRENTLY IF NOT EXISTS ... and DROP INDEX CONCURRENTLY IF EXISTS "
     "...."},
    {"ban-concurrent-index-creation-in-transaction", E, false, true,
     "CONCURRENTLY, like every statement that cannot run in a transaction block, fails inside "
     "one, and shoal runs a version that holds any ordinary statement in a single transaction.",
     "Move the statement to a version of its own, alone, or use pg-mig's form: COMMIT; the "
     "statements that cannot run in a transaction; BEGIN; then the ordinary ones, which run in "
     "the transaction that records the version."},
    {"transaction-nesting", E, false, true,
     "shoal applies each version in one transaction and records it in that same transaction: a "
     "BEGIN, COMMIT, ROLLBACK or SAVEPOINT in the file ends or splits it, so the version is no "
     "longer atomic and its record can disagree with what ran.",
     "Remove the statement. A statement that must run outside a transaction goes alone in a "
     "version of its own; shoal detects it (pg-mig's wrapper is accepted: COMMIT; first, then "
     "the first BEGIN; after it, which opens the transaction that records the version)."},
    {"leaving-the-schema", E, false, false,
     "Each schema's step runs with search_path set to that schema and as the run's role, on a "
     "connection that goes on to other schemas. RESET ALL, SET or RESET search_path, SET ROLE or "
     "SESSION AUTHORIZATION move what follows out of the schema or to another role (RESET ALL; "
     "CREATE TABLE x creates x in public: once per node, and every other schema fails); PREPARE, "
     "DECLARE ... WITH HOLD, LISTEN outlive the step, DEALLOCATE, UNLISTEN and DISCARD take state "
     "of the connection. shoal refuses to load such a version.",
     "Write schema-qualified names (public.f()) for shared objects, give a function its own SET "
     "search_path clause, grant the run's role what it needs (or use a SECURITY DEFINER "
     "function), and use what ends with the transaction (DECLARE without WITH HOLD, a function "
     "instead of PREPARE)."},
    {"prefer-bigint-over-int", W, false, true,
     "integer, smallint and serial ids and counters run out (2^31, 2^15) on a busy table, and "
     "widening the column later rewrites the table on every shard.",
     "Use bigint (bigserial, or bigint GENERATED ALWAYS AS IDENTITY)."},
    {"prefer-timestamptz", W, false, true,
     "timestamp without time zone stores wall-clock values with no zone: their meaning changes "
     "with the session's TimeZone, and converting the column later rewrites the table.",
     "Use timestamptz."},
    {"prefer-text-field", W, false, true,
     "The limit of varchar(n) can only be raised with ALTER COLUMN ... TYPE, a locking change on "
     "every shard, and text costs the same.",
     "Use text, with CHECK (length(col) <= n) if the limit matters (added NOT VALID on an "
     "existing table)."},
    {"identifier-too-long", E, false, true,
     "PostgreSQL silently truncates identifiers to 63 bytes: two long names with the same first "
     "63 bytes become one object (a second CREATE ... IF NOT EXISTS then silently does nothing), "
     "and tools comparing names see another name than the file's.",
     "Use a name of at most 63 bytes."},
    {"require-schema-unqualified", E, false, true,
     "This version runs once in every schema matching its prefix, with search_path set to that "
     "schema; a DDL target qualified with a schema (public.t, sh0001.t) is the same object in "
     "every run, so it is changed once per shard (thousands of times) or the second run fails.",
     "Leave the target unqualified so it lands in each schema of its own, and change shared "
     "objects in a public version, which runs once per node. Qualified references (REFERENCES "
     "public.users, public.f()) are fine."},
    {"invalid-waiver", E, false, false,
     "A waiver must name a rule and say why the finding is safe, so the next reader can judge it.",
     "Write -- shoal:ignore RULE reason, with RULE one of the rules in docs/lint.md."},
    {"syntax-error", E, false, false,
     "PostgreSQL's parser rejects this statement, so it fails on every schema.",
     "Fix the statement."},
};

static_assert(sizeof kRules / sizeof kRules[0] == static_cast<std::size_t>(RuleId::SyntaxError) + 1,
              "kRules must list every RuleId, in order");

const Rule &rule_of(RuleId id) { return kRules[static_cast<std::size_t>(id)]; }

const Rule *find_rule(const std::string &name) {
    for (const Rule &r : kRules)
        if (name == r.name) return &r;
    return nullptr;
}

// PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated.
constexpr std::size_t kMaxIdentifierBytes = 63;

bool is_comment(const PgQuery__ScanToken &t) {
    return t.token == PG_QUERY__TOKEN__SQL_COMMENT || t.token == PG_QUERY__TOKEN__C_COMMENT;
}

// ---- parse tree helpers --------------------------------------------------------

// Calls visit on every Node below msg (msg included), following the protobuf-c
// descriptors so that no node kind is missed: expressions, column definitions and
// constraints nest in many places.
void for_each_node(const ProtobufCMessage *msg,
                   const std::function<void(const PgQuery__Node &)> &visit) {
    if (!msg) return;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (desc == &pg_query__node__descriptor) visit(*reinterpret_cast<const PgQuery__Node *>(msg));
    const char *base = reinterpret_cast<const char *>(msg);
    for (unsigned i = 0; i < desc->n_fields; ++i) {
        const ProtobufCFieldDescriptor &field = desc->fields[i];
        if (field.type != PROTOBUF_C_TYPE_MESSAGE) continue;
        if ((field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *reinterpret_cast<const uint32_t *>(base + field.quantifier_offset) != field.id)
            continue;
        if (field.label == PROTOBUF_C_LABEL_REPEATED) {
            const std::size_t n =
                *reinterpret_cast<const std::size_t *>(base + field.quantifier_offset);
            ProtobufCMessage *const *items =
                *reinterpret_cast<ProtobufCMessage *const *const *>(base + field.offset);
            for (std::size_t k = 0; k < n; ++k) for_each_node(items[k], visit);
        } else {
            for_each_node(*reinterpret_cast<ProtobufCMessage *const *>(base + field.offset), visit);
        }
    }
}

bool has_text(const char *s) { return s && *s; }

std::string string_of(const PgQuery__Node *n) {
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : "";
}

// A qualified name as the parser gives it: a list of String nodes, schema before name.
std::string last_name(PgQuery__Node *const *names, std::size_t n) {
    return n ? string_of(names[n - 1]) : "";
}
std::string qualifier(PgQuery__Node *const *names, std::size_t n) {
    return n >= 2 ? string_of(names[n - 2]) : "";
}

std::string type_name_of(const PgQuery__TypeName *t) {
    return t ? last_name(t->names, t->n_names) : "";
}

bool is_serial(const std::string &type) {
    static const std::set<std::string> kSerial = {"serial",  "serial4",     "bigserial",
                                                  "serial8", "smallserial", "serial2"};
    return kSerial.count(type) > 0;
}

// PostgreSQL 11 adds a column with a non-volatile default without a rewrite. We
// cannot look up volatility offline, so any function call not on this list of
// stable or immutable functions counts as volatile; a waiver covers the rest.
bool may_be_volatile(const PgQuery__Node *expr) {
    if (!expr) return false;
    static const std::set<std::string> kNonVolatile = {"now",
                                                       "transaction_timestamp",
                                                       "statement_timestamp",
                                                       "lower",
                                                       "upper",
                                                       "json_build_object",
                                                       "json_build_array",
                                                       "jsonb_build_object",
                                                       "jsonb_build_array"};
    bool volatile_call = false;
    for_each_node(&expr->base, [&](const PgQuery__Node &n) {
        if (n.node_case == PG_QUERY__NODE__NODE_FUNC_CALL &&
            !kNonVolatile.count(last_name(n.func_call->funcname, n.func_call->n_funcname)))
            volatile_call = true;
        if (n.node_case == PG_QUERY__NODE__NODE_SUB_LINK) volatile_call = true;
    });
    return volatile_call;
}

// ---- one script ----------------------------------------------------------------

// What a statement is to the transaction shoal runs a version in: the loader's
// own classification (pg_parse.h), so lint and the loader never disagree. A
// statement the loader marked nontransactional for another reason counts as one.
StatementKind kind_of(const PgQuery__Node &n, bool marked_nontransactional) {
    const StatementKind kind = classify_statement(n);
    return kind == StatementKind::Transactional && marked_nontransactional
               ? StatementKind::Nontransactional
               : kind;
}

// Where a script has pg-mig's wrapper, COMMIT first and BEGIN last around what
// must run outside a transaction (the loader accepts only that placement).
struct Shape {
    bool has_transactional = false;
    std::size_t wrapper_commit = SIZE_MAX;
    std::size_t wrapper_begin = SIZE_MAX;
};

struct ParsedStatement {
    const Statement *source = nullptr;
    ParseTree parsed;
    TokenList tokens;
    int start = 0;                      // byte offset of the first token after leading comments
    std::optional<StatementKind> kind;  // none for a span without a statement
};

ParsedStatement prepare(const Statement &statement) {
    ParsedStatement p;
    p.source = &statement;
    p.parsed = parse_sql(statement.sql);
    p.tokens = scan_sql(statement.sql);
    if (p.tokens)
        for (std::size_t i = 0; i < p.tokens->n_tokens; ++i)
            if (!is_comment(*p.tokens->tokens[i])) {
                p.start = p.tokens->tokens[i]->start;
                break;
            }
    if (!p.parsed.tree) {
        p.kind = StatementKind::Transactional;
        return p;
    }
    // One statement, normally; should a span hold several, any that is not
    // neutral decides.
    for (std::size_t i = 0; i < p.parsed.tree->n_stmts; ++i) {
        const StatementKind kind =
            kind_of(*p.parsed.tree->stmts[i]->stmt, statement.nontransactional);
        if (!p.kind || p.kind == StatementKind::Harmless) p.kind = kind;
    }
    return p;
}

struct Hit {
    RuleId rule;
    int offset;         // byte offset in the statement's SQL
    std::string table;  // the table it concerns, for existing_tables_only
};

// Walks one script's statements in order, remembering what earlier statements
// created, and collects hits for the statement at hand.
class Checker {
  public:
    Checker(const LintOptions &options, Shape shape) : options_(options), shape_(shape) {}

    std::vector<Hit> check(const ParsedStatement &p, std::size_t index) {
        hits_.clear();
        offset_ = p.start;
        if (!p.parsed.tree) {
            add(RuleId::SyntaxError,
                static_cast<int>(byte_offset_of_character(p.source->sql, p.parsed.error_position)));
            return hits_;
        }
        check_transaction_placement(p.kind, index);
        check_identifiers(p);
        for (std::size_t i = 0; i < p.parsed.tree->n_stmts; ++i)
            check_statement(*p.parsed.tree->stmts[i]->stmt);
        return hits_;
    }

  private:
    void add(RuleId id, int offset, std::string table = {}) {
        if (id == RuleId::RequireSchemaUnqualified && options_.prefix == "public") return;
        if (rule_of(id).existing_tables_only && !table.empty() && created_tables_.count(table))
            return;
        hits_.push_back({id, offset >= 0 ? offset : offset_, std::move(table)});
    }

    // BEGIN/COMMIT end or split shoal's transaction, except as pg-mig's wrapper.
    void check_transaction_placement(std::optional<StatementKind> kind, std::size_t index) {
        const bool control = kind == StatementKind::Begin || kind == StatementKind::Commit ||
                             kind == StatementKind::OtherTransactionControl;
        if (control && index != shape_.wrapper_commit && index != shape_.wrapper_begin)
            add(RuleId::TransactionNesting, -1);
        if (kind == StatementKind::Begin) in_explicit_transaction_ = true;
        if (kind == StatementKind::Commit) in_explicit_transaction_ = false;
        if (kind == StatementKind::Nontransactional &&
            (shape_.has_transactional || in_explicit_transaction_))
            add(RuleId::BanConcurrentIndexCreationInTransaction, -1);
    }

    // The parse tree holds identifiers already truncated, so long ones are found
    // in the scanner's tokens.
    void check_identifiers(const ParsedStatement &p) {
        if (!p.tokens) return;
        const std::string &sql = p.source->sql;
        for (std::size_t i = 0; i < p.tokens->n_tokens; ++i) {
            const PgQuery__ScanToken &t = *p.tokens->tokens[i];
            if (t.token != PG_QUERY__TOKEN__IDENT) continue;
            std::string name = sql.substr(t.start, t.end - t.start);
            if (name.size() >= 2 && name.front() == '"') {
                name = name.substr(1, name.size() - 2);
                for (std::size_t q = name.find("\"\""); q != std::string::npos;
                     q = name.find("\"\"", q + 1))
                    name.erase(q, 1);
            }
            if (name.size() > kMaxIdentifierBytes) add(RuleId::IdentifierTooLong, t.start);
        }
    }

    void qualified_target(const PgQuery__RangeVar *rv) {
        if (rv && has_text(rv->schemaname)) add(RuleId::RequireSchemaUnqualified, rv->location);
    }

    // A DDL statement's own RangeVar fields name what it creates or changes
    // (CREATE/ALTER TABLE, CREATE INDEX ... ON, views, sequences, triggers,
    // policies, renames); RangeVars deeper in the tree are references
    // (REFERENCES, INHERITS, queries), which may name shared schemas. DML may
    // name them too: writing a shared table once per shard is its business.
    void qualified_targets(const PgQuery__Node &node) {
        switch (node.node_case) {
            case PG_QUERY__NODE__NODE_SELECT_STMT:
            case PG_QUERY__NODE__NODE_INSERT_STMT:
            case PG_QUERY__NODE__NODE_UPDATE_STMT:
            case PG_QUERY__NODE__NODE_DELETE_STMT:
            case PG_QUERY__NODE__NODE_MERGE_STMT:
            case PG_QUERY__NODE__NODE_COPY_STMT:
                return;
            default:
                break;
        }
        const ProtobufCFieldDescriptor *which =
            protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, node.node_case);
        if (!which) return;
        const auto *stmt = *reinterpret_cast<const ProtobufCMessage *const *>(
            reinterpret_cast<const char *>(&node) + which->offset);
        const ProtobufCMessageDescriptor *desc = stmt->descriptor;
        for (unsigned i = 0; i < desc->n_fields; ++i) {
            const ProtobufCFieldDescriptor &field = desc->fields[i];
            if (field.descriptor == &pg_query__range_var__descriptor &&
                field.label != PROTOBUF_C_LABEL_REPEATED)
                qualified_target(*reinterpret_cast<const PgQuery__RangeVar *const *>(
                    reinterpret_cast<const char *>(stmt) + field.offset));
        }
    }

    void qualified_target(PgQuery__Node *const *names, std::size_t n) {
        if (!qualifier(names, n).empty()) add(RuleId::RequireSchemaUnqualified, -1);
    }

    void check_statement(const PgQuery__Node &node) {
        if (!session_change(node, ScriptPlace::Version).empty()) add(RuleId::LeavingTheSchema, -1);
        switch (node.node_case) {
            case PG_QUERY__NODE__NODE_CREATE_STMT:
                created_tables_.insert(node.create_stmt->relation->relname);
                break;
            case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
                qualified_target(node.create_table_as_stmt->into->rel);
                created_tables_.insert(node.create_table_as_stmt->into->rel->relname);
                break;
            case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
                qualified_target(node.create_function_stmt->funcname,
                                 node.create_function_stmt->n_funcname);
                break;
            case PG_QUERY__NODE__NODE_INDEX_STMT:
                check_index(*node.index_stmt);
                break;
            case PG_QUERY__NODE__NODE_DROP_STMT:
                check_drop(*node.drop_stmt);
                break;
            case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
                check_alter_table(*node.alter_table_stmt);
                break;
            case PG_QUERY__NODE__NODE_RENAME_STMT:
                check_rename(*node.rename_stmt);
                break;
            default:
                break;
        }
        qualified_targets(node);
        for_each_node(&node.base, [this](const PgQuery__Node &n) {
            if (n.node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) check_column_type(*n.column_def);
        });
    }

    void check_index(const PgQuery__IndexStmt &s) {
        // ON ONLY a partitioned table builds nothing: the partitions' indexes are
        // built (concurrently) and attached one by one.
        if (!s.concurrent && s.relation->inh)
            add(RuleId::RequireConcurrentIndexCreation, s.relation->location, s.relation->relname);
        if (s.concurrent && !s.if_not_exists) add(RuleId::PreferRobustStmts, -1);
    }

    void check_drop(const PgQuery__DropStmt &s) {
        for (std::size_t i = 0; i < s.n_objects; ++i) {
            const PgQuery__Node &o = *s.objects[i];
            if (o.node_case == PG_QUERY__NODE__NODE_LIST)
                qualified_target(o.list->items, o.list->n_items);
            if (o.node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS)
                qualified_target(o.object_with_args->objname, o.object_with_args->n_objname);
            if (o.node_case == PG_QUERY__NODE__NODE_TYPE_NAME)
                qualified_target(o.type_name->names, o.type_name->n_names);
        }
        if (s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) add(RuleId::BanDropTable, -1);
        if (s.remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_INDEX) return;
        if (!s.concurrent) add(RuleId::RequireConcurrentIndexDeletion, -1);
        if (s.concurrent && !s.missing_ok) add(RuleId::PreferRobustStmts, -1);
    }

    void check_rename(const PgQuery__RenameStmt &s) {
        const int at = s.relation ? s.relation->location : -1;
        if (s.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN) add(RuleId::RenamingColumn, at);
        if (s.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) add(RuleId::RenamingTable, at);
    }

    void check_alter_table(const PgQuery__AlterTableStmt &s) {
        const std::string table = s.relation->relname;
        const int at = s.relation->location;
        for (std::size_t i = 0; i < s.n_cmds; ++i) {
            if (s.cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD) continue;
            const PgQuery__AlterTableCmd &cmd = *s.cmds[i]->alter_table_cmd;
            switch (cmd.subtype) {
                case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
                    if (cmd.def && cmd.def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
                        check_add_column(*cmd.def->column_def, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
                    if (cmd.def && cmd.def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
                        check_add_constraint(*cmd.def->constraint, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
                    if (not_valid_constraints_.count(cmd.name))
                        add(RuleId::ConstraintMissingNotValid, at, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
                    add(RuleId::ChangingColumnType, at, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
                    add(RuleId::SettingNotNull, at, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
                    add(RuleId::BanDropNotNull, at, table);
                    break;
                case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
                    add(RuleId::BanDropColumn, at, table);
                    break;
                default:
                    break;
            }
        }
    }

    void check_add_column(const PgQuery__ColumnDef &c, const std::string &table) {
        bool not_null = c.is_not_null, has_default = false,
             rewrites = is_serial(type_name_of(c.type_name));
        for (std::size_t i = 0; i < c.n_constraints; ++i) {
            if (c.constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) continue;
            const PgQuery__Constraint &k = *c.constraints[i]->constraint;
            switch (k.contype) {
                case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
                    not_null = true;
                    break;
                case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
                    not_null = true;
                    add(RuleId::DisallowedUniqueConstraint, k.location, table);
                    break;
                case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
                    add(RuleId::DisallowedUniqueConstraint, k.location, table);
                    break;
                case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
                    add(RuleId::AddingForeignKeyConstraint, k.location, table);
                    break;
                case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
                    has_default = true;
                    rewrites = rewrites || may_be_volatile(k.raw_expr);
                    break;
                case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
                case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
                    rewrites = true;
                    break;
                default:
                    break;
            }
        }
        if (rewrites)
            add(RuleId::AddingFieldWithDefault, c.location, table);
        else if (not_null && !has_default)
            add(RuleId::AddingNotNullableField, c.location, table);
    }

    void check_add_constraint(const PgQuery__Constraint &k, const std::string &table) {
        switch (k.contype) {
            case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
            case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
                if (k.skip_validation)
                    not_valid_constraints_.insert(k.conname);
                else
                    add(RuleId::ConstraintMissingNotValid, k.location, table);
                break;
            case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
            case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
                if (!has_text(k.indexname))
                    add(RuleId::DisallowedUniqueConstraint, k.location, table);
                break;
            default:
                break;
        }
    }

    void check_column_type(const PgQuery__ColumnDef &c) {
        if (!c.type_name) return;
        static const std::set<std::string> kNarrowInts = {"int2",    "int4",        "serial",
                                                          "serial4", "smallserial", "serial2"};
        const std::string type = type_name_of(c.type_name);
        const int at = c.type_name->location;
        if (kNarrowInts.count(type)) add(RuleId::PreferBigintOverInt, at);
        if (type == "timestamp") add(RuleId::PreferTimestamptz, at);
        if (type == "varchar" && c.type_name->n_typmods > 0) add(RuleId::PreferTextField, at);
    }

    const LintOptions &options_;
    const Shape shape_;
    std::set<std::string> created_tables_;
    std::set<std::string> not_valid_constraints_;
    bool in_explicit_transaction_ = false;
    int offset_ = 0;  // where a hit without a node location points: the statement's first token
    std::vector<Hit> hits_;
};

// Lines between byte offsets from and to of text (0 when to is not after from).
int lines_between(const std::string &text, int from, int to) {
    int lines = 0;
    for (int i = from; i < to && i < static_cast<int>(text.size()); ++i)
        if (text[i] == '\n') ++lines;
    return lines;
}

LintFinding make_finding(RuleId id, SourceLocation where, std::string statement) {
    const Rule &r = rule_of(id);
    return {r.name, r.severity, std::move(where), std::move(statement), r.why, r.recipe, false, {}};
}

// Where byte `offset` of the resolved body came from. A Script keeps no line
// map, but each statement's text is a piece of the body with a known location:
// count lines from the last statement before the offset. Before the first
// statement, body lines are taken for the file's own.
SourceLocation body_location(const Script &script, std::size_t offset) {
    SourceLocation where{script.path, 1 + lines_between(script.body, 0, static_cast<int>(offset))};
    std::size_t from = 0;
    for (const Statement &s : script.statements) {
        const std::size_t at = script.body.find(s.sql, from);
        if (at == std::string::npos || at > offset) break;
        from = at + s.sql.size();
        if (s.where.line > 0)
            where = {s.where.file, s.where.line + lines_between(script.body, static_cast<int>(at),
                                                                static_cast<int>(offset))};
    }
    return where;
}

// `-- shoal:ignore RULE reason` comments anywhere in the resolved body, as
// rule → reason. A waiver with no reason or an unknown rule is itself a finding.
std::map<std::string, std::string> read_waivers(const Script &script,
                                                std::vector<LintFinding> &findings) {
    std::map<std::string, std::string> waivers;
    const TokenList tokens = scan_sql(script.body);
    if (!tokens) return waivers;
    const std::string marker = "shoal:ignore";
    for (std::size_t i = 0; i < tokens->n_tokens; ++i) {
        const PgQuery__ScanToken &t = *tokens->tokens[i];
        if (t.token != PG_QUERY__TOKEN__SQL_COMMENT) continue;
        const std::string comment = script.body.substr(t.start, t.end - t.start);
        const std::string text = trim(comment.substr(2));
        if (text.compare(0, marker.size(), marker) != 0) continue;
        const std::string rest = trim(text.substr(marker.size()));
        const std::string name = rest.substr(0, rest.find_first_of(" \t"));
        const std::string reason = trim(rest.substr(name.size()));
        const Rule *r = find_rule(name);
        if (r && r->waivable && !reason.empty()) {
            waivers.emplace(name, reason);
            continue;
        }
        findings.push_back(
            make_finding(RuleId::InvalidWaiver, body_location(script, t.start), trim(comment)));
        findings.back().why =
            !r || !r->waivable
                ? "\"" + name + "\" is not a rule that can be waived. " + findings.back().why
                : "The waiver gives no reason. " + findings.back().why;
    }
    return waivers;
}

// ---- run_lint ------------------------------------------------------------------

}  // namespace

LintArgs parse_lint_args(const std::vector<std::string> &args) {
    LintArgs a;
    for (const std::string &arg : args) {
        if (arg == "--all")
            a.all = true;
        else if (arg == "--json")
            a.json = true;
        else if (arg == "--trace")
            a.trace = true;
        else if (arg == "--help" || arg == "-h")
            a.help = true;
        else if (!arg.empty() && arg[0] == '-')
            a.error = "unknown option " + arg;
        else
            a.versions.push_back(arg);
    }
    if (a.all && !a.versions.empty()) a.error = "give version names or --all, not both";
    return a;
}

std::string to_string(Severity severity) {
    return severity == Severity::Error ? "error" : "warning";
}

std::vector<LintFinding> lint_script(const Script &script, const LintOptions &options) {
    std::vector<ParsedStatement> parsed;
    parsed.reserve(script.statements.size());
    Shape shape;
    std::vector<std::size_t> nonempty;
    for (const Statement &s : script.statements) {
        parsed.push_back(prepare(s));
        const bool in_tail = script.solo && parsed.size() > script.transaction_from;
        shape.has_transactional = shape.has_transactional ||
                                  (!in_tail && parsed.back().kind == StatementKind::Transactional);
        if (parsed.back().kind.has_value()) nonempty.push_back(parsed.size() - 1);
    }
    // pg-mig's wrapper: COMMIT first and the first BEGIN after it; statements
    // after that BEGIN run in the transaction that records the version, so they
    // do not mix with what runs before it. The loader drops the wrapper and
    // keeps that split as transaction_from; a script given with the wrapper's
    // statements is judged alike.
    if (nonempty.size() >= 2 && parsed[nonempty.front()].kind == StatementKind::Commit) {
        for (std::size_t k = 1; k < nonempty.size(); ++k) {
            if (parsed[nonempty[k]].kind != StatementKind::Begin) continue;
            shape.wrapper_commit = nonempty.front();
            shape.wrapper_begin = nonempty[k];
            break;
        }
    }
    if (shape.wrapper_begin != SIZE_MAX) shape.has_transactional = false;

    std::vector<LintFinding> findings;
    const std::map<std::string, std::string> waivers = read_waivers(script, findings);
    Checker checker(options, shape);
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        const Statement &s = *parsed[i].source;
        const std::string statement = trim(s.sql.substr(parsed[i].start));
        for (const Hit &hit : checker.check(parsed[i], i)) {
            SourceLocation where = s.where;
            // Statement::where is the line of the statement's first token.
            if (where.line > 0) where.line += lines_between(s.sql, parsed[i].start, hit.offset);
            findings.push_back(make_finding(hit.rule, where, statement));
            const auto waiver = waivers.find(findings.back().rule);
            if (waiver != waivers.end()) {
                findings.back().waived = true;
                findings.back().waiver_reason = waiver->second;
            }
        }
    }
    return findings;
}

std::vector<std::string> lint_rule_names() {
    std::vector<std::string> names;
    for (const Rule &r : kRules) names.emplace_back(r.name);
    return names;
}

std::string lint_help() {
    return "Usage: shoal lint [VERSION...] [--all] [--json] [--trace [connection options]]\n"
           "\n"
           "Checks the up scripts of migration versions, offline, for statements that would\n"
           "lock, rewrite or break a live fleet: non-concurrent index builds, constraints\n"
           "validated under a write lock, NOT NULL columns without a default, renames and\n"
           "drops, BEGIN/COMMIT inside a version, schema-qualified targets in shard versions.\n"
           "\n"
           "  VERSION   a version name (20241107201239.add-users.sh) or its up file's\n"
           "            name: lint only these versions\n"
           "  --all     lint every version in the directory (also the default when no\n"
           "            VERSION is given)\n"
           "  --json    print the findings as one JSON object\n"
           "  --trace   also run each pending version (of VERSION..., or every pending\n"
           "            one) on one schema of the fleet that lacks it, in a transaction\n"
           "            that is always rolled back, and report per statement the locks\n"
           "            it took, how long it ran, which tables it rewrote, and the\n"
           "            estimated time over the fleet. Takes --hosts, --port, --user,\n"
           "            --password, --db, --sslmode and --parallelism like apply.\n"
           "\n"
           "Each finding names its rule, file:line, the statement, why it is dangerous and\n"
           "the safe recipe. Waive a rule for one file with a comment in it:\n"
           "  -- shoal:ignore RULE reason\n"
           "(a waiver without a reason is itself an error). The rules: docs/lint.md.\n"
           "\n"
           "Exit status: 0 no errors (warnings allowed), 3 errors found (with --trace: also\n"
           "a version that failed on its canary schema), 2 bad arguments, 5 (--trace) a\n"
           "node could not be reached.\n";
}

int run_lint(const Config &config, const MigrationDir &dir, std::ostream &out,
             const LintTrace *trace) {
    const LintArgs args = parse_lint_args(config.lint_args);
    if (args.help) {
        out << lint_help();
        return to_int(ExitCode::Ok);
    }
    const bool json = args.json || config.json;
    // Bad arguments: the reason, as text with the help, or as the JSON document.
    const auto refuse = [&](const std::string &why, bool with_help) {
        if (json)
            out << json_text(json_stopped("lint", ExitCode::Usage, json_messages({why}))) << "\n";
        else
            out << "shoal lint: " << why << "\n" << (with_help ? "\n" + lint_help() : "");
        return to_int(ExitCode::Usage);
    };
    if (!args.error.empty()) return refuse(args.error, true);

    // A trace resolved the arguments already and knows which versions are pending.
    std::vector<const Version *> chosen;
    if (trace) {
        chosen = trace->versions;
    } else {
        for (const std::string &name : args.versions) {
            const Version *match = find_version(dir, name);
            if (!match) return refuse("no version " + name + " in " + dir.path, false);
            chosen.push_back(match);
        }
        if (args.versions.empty())
            for (const Version &v : dir.versions) chosen.push_back(&v);
    }

    std::vector<LintFinding> findings;
    for (const Version *v : chosen) {
        std::vector<LintFinding> f = lint_script(v->up, {v->prefix});
        findings.insert(findings.end(), std::make_move_iterator(f.begin()),
                        std::make_move_iterator(f.end()));
    }
    if (trace) findings.insert(findings.end(), trace->findings.begin(), trace->findings.end());

    int errors = 0, warnings = 0, waived = 0;
    for (const LintFinding &f : findings) {
        if (f.waived)
            ++waived;
        else if (f.severity == Severity::Error)
            ++errors;
        else
            ++warnings;
    }

    const ExitCode code = trace && trace->incomplete == ExitCode::Interrupted
                              ? ExitCode::Interrupted
                          : errors > 0 ? ExitCode::BadMigrations
                          : trace      ? trace->incomplete
                                       : ExitCode::Ok;
    if (json) {
        Json listed = Json::array();
        for (const LintFinding &f : findings)
            listed.push_back({{"rule", f.rule},
                              {"severity", to_string(f.severity)},
                              {"file", f.where.file},
                              {"line", f.where.line},
                              {"statement", f.statement},
                              {"why", f.why},
                              {"recipe", f.recipe},
                              {"waived", f.waived},
                              {"waiver_reason", json_string_or_null(f.waiver_reason)}});
        Json fields = {{"versions", chosen.size()},
                       {"counts", {{"errors", errors}, {"warnings", warnings}, {"waived", waived}}},
                       {"findings", listed}};
        if (trace) fields["trace"] = trace->json;
        fields["errors"] = Json::array();
        if (trace) {
            fields["unread"] = json_unread(trace->unread);
            fields["standbys"] = json_standbys(trace->standbys);
        }
        out << json_text(json_envelope("lint", code, fields)) << "\n";
    } else {
        for (const LintFinding &f : findings) {
            if (f.waived) {
                out << to_string(f.where) << ": waived [" << f.rule << "]: " << f.waiver_reason
                    << "\n";
                continue;
            }
            out << to_string(f.where) << ": " << to_string(f.severity) << " [" << f.rule << "] "
                << shortened(f.statement, 160) << "\n"
                << "    why: " << f.why << "\n"
                << "    fix: " << f.recipe << "\n";
        }
        if (trace) {
            out << trace->text;
            for (const Unread &entry : trace->unread) out << format_unread(entry) << "\n";
        }
        for (const Version *v : chosen)
            if (v->up.online) out << online_note(*v->up.online) << "\n";
        out << "shoal lint: " << chosen.size() << " version" << (chosen.size() == 1 ? "" : "s")
            << ", " << errors << " error" << (errors == 1 ? "" : "s") << ", " << warnings
            << " warning" << (warnings == 1 ? "" : "s") << ", " << waived << " waived\n";
    }
    return to_int(code);
}

}  // namespace shoal
