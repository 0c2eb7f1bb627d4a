// The PostgreSQL calls behind pg_calls.hpp, each run under pg_guard(). No lambda
// given to pg_guard() creates a C++ object: an ereport longjmps out of it.
#include "pg_calls.hpp"

#include <stdexcept>

#include "boundary.hpp"
#include "step.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "utils/fmgroids.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "utils/acl.h"
#include "storage/lock.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
}

namespace shoal {

std::vector<const char *> text_array_elements(ArrayType *array, const char *what,
                                              bool nulls_allowed) {
    Datum *values = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_guard([&] {
        deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
    });
    std::vector<const char *> elements;
    elements.reserve(count);
    for (int i = 0; i < count; ++i) {
        if (nulls[i] && nulls_allowed) {
            elements.push_back(nullptr);
            continue;
        }
        if (nulls[i])
            report_error(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                         std::string(what) + " must not contain NULL");
        char *element = nullptr;
        pg_guard([&] { element = text_to_cstring(DatumGetTextPP(values[i])); });
        elements.push_back(element);
    }
    return elements;
}

ArrayType *text_array(const std::vector<std::optional<std::string>> &elements) {
    const int count = static_cast<int>(elements.size());
    std::vector<const char *> texts;
    for (const auto &element : elements) texts.push_back(element ? element->c_str() : nullptr);
    const char *const *text_of = texts.data();
    ArrayType *array = nullptr;
    pg_guard([&] {
        Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
        bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * (count + 1)));
        for (int i = 0; i < count; ++i) {
            nulls[i] = text_of[i] == nullptr;
            values[i] = nulls[i] ? 0 : CStringGetTextDatum(text_of[i]);
        }
        int dims[1] = {count};
        int lower_bounds[1] = {1};
        array = construct_md_array(values, nulls, 1, dims, lower_bounds, TEXTOID, -1, false,
                                   TYPALIGN_INT);
    });
    return array;
}

void report_error(int sqlstate, const std::string &message, const char *hint, const char *detail) {
    const char *text = message.c_str();
    pg_guard([&] {
        ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", text),
                        hint != nullptr ? errhint("%s", hint) : 0,
                        detail != nullptr ? errdetail("%s", detail) : 0));
    });
    throw std::logic_error("ereport(ERROR) returned");
}

text *make_text(const std::string &value) {
    text *result = nullptr;
    pg_guard(
        [&] { result = cstring_to_text_with_len(value.data(), static_cast<int>(value.size())); });
    return result;
}

std::string text_value(Datum value) {
    const char *bytes = nullptr;
    size_t length = 0;
    pg_guard([&] {
        text *detoasted = DatumGetTextPP(value);
        bytes = VARDATA_ANY(detoasted);
        length = VARSIZE_ANY_EXHDR(detoasted);
    });
    return std::string(bytes, length);
}

ArrayType *array_value(Datum value) {
    ArrayType *array = nullptr;
    pg_guard([&] { array = DatumGetArrayTypeP(value); });
    return array;
}

std::string quote_ident(const char *name) {
    const char *quoted = nullptr;
    pg_guard([&] { quoted = quote_identifier(name); });
    return quoted;
}

std::string quote_literal(const char *value) {
    const char *quoted = nullptr;
    pg_guard([&] { quoted = quote_literal_cstr(value); });
    return quoted;
}

TimestampTz now() { return GetCurrentTimestamp(); }

void spi_connect() {
    pg_guard([] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "shoal: SPI_connect failed");
    });
}

int spi_execute(const char *sql) {
    int code = 0;
    pg_guard([&] {
        code = SPI_execute(sql, false, 0);
        SPI_freetuptable(SPI_tuptable);
    });
    return code;
}

void spi_finish() {
    pg_guard([] { SPI_finish(); });
}

SPIPlanPtr spi_keep_plan(const char *sql, int arg_count, const Oid *arg_types) {
    SPIPlanPtr plan = nullptr;
    pg_guard([&] {
        plan = SPI_prepare(sql, arg_count, const_cast<Oid *>(arg_types));
        if (plan == nullptr)
            elog(ERROR, "shoal: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        if (SPI_keepplan(plan) != 0) elog(ERROR, "shoal: SPI_keepplan failed");
    });
    return plan;
}

uint64 spi_execute_plan(SPIPlanPtr plan, const Datum *args, const char *nulls) {
    uint64 rows = 0;
    pg_guard([&] {
        const int code = SPI_execute_plan(plan, const_cast<Datum *>(args), nulls, false, 0);
        if (code < 0)
            elog(ERROR, "shoal: SPI_execute_plan failed: %s", SPI_result_code_string(code));
        rows = SPI_processed;
    });
    return rows;
}

Datum spi_first_row_value(int column, bool &is_null) {
    Datum value = 0;
    pg_guard([&] {
        if (SPI_tuptable == nullptr || SPI_processed == 0)
            elog(ERROR, "shoal: the query returned no row");
        value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, &is_null);
    });
    return value;
}

std::vector<std::optional<std::string>> spi_query_first_row(const char *sql,
                                                            const std::vector<const char *> &args) {
    const int count = static_cast<int>(args.size());
    const char *const *arg_texts = args.data();
    char **columns = nullptr;  // the first row's columns, palloc'd; nullptr when no row
    int width = 0;
    pg_guard([&] {
        Oid *types = static_cast<Oid *>(palloc(sizeof(Oid) * (count + 1)));
        Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
        char *nulls = static_cast<char *>(palloc(count + 1));
        for (int i = 0; i < count; ++i) {
            types[i] = TEXTOID;
            values[i] = arg_texts[i] != nullptr ? CStringGetTextDatum(arg_texts[i]) : 0;
            nulls[i] = arg_texts[i] != nullptr ? ' ' : 'n';
        }
        const int code = SPI_execute_with_args(sql, count, types, values, nulls, false, 0);
        if (code < 0)
            elog(ERROR, "shoal: SPI_execute_with_args failed: %s", SPI_result_code_string(code));
        if (SPI_tuptable == nullptr || SPI_processed == 0) return;
        width = SPI_tuptable->tupdesc->natts;
        columns = static_cast<char **>(palloc(sizeof(char *) * (width + 1)));
        for (int i = 0; i < width; ++i)
            columns[i] = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);
    });
    std::vector<std::optional<std::string>> row;
    for (int i = 0; i < width; ++i)
        row.push_back(columns[i] != nullptr ? std::optional<std::string>(columns[i])
                                            : std::nullopt);
    return row;
}

void lock_schema(const char *schema) {
    pg_guard([&] {
        const char *isolation = GetConfigOption("transaction_isolation", false, false);
        if (strcmp(isolation, "read committed") != 0) {
            char *level = pstrdup(isolation);
            for (char *p = level; *p != '\0'; ++p) *p = pg_toupper(static_cast<unsigned char>(*p));
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                     errmsg("shoal migrates only in READ COMMITTED transactions, not %s", level)));
        }
        if (schema == nullptr || !SearchSysCacheExists1(NAMESPACENAME, CStringGetDatum(schema)))
            ereport(ERROR, (errcode(ERRCODE_INVALID_SCHEMA_NAME),
                            errmsg("schema %s does not exist",
                                   schema != nullptr ? quote_identifier(schema) : "NULL")));
        // hashtext() as the SQL expression computes it, under the default collation.
        const Datum key = DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
                                                  PointerGetDatum(cstring_to_text(schema)));
        DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(1936224108), key);
        // An advisory lock, unlike a relation lock (LockRelationOid), processes no
        // catalog invalidations: a session that cached the stamp before it waited would
        // act on that copy and apply a version twice. See what was committed meanwhile.
        AcceptInvalidationMessages();
        InvalidateCatalogSnapshot();
    });
}

namespace {

// Whether `role` holds `mode` on an object of class `class_id` (a schema, a
// language or a type), as PostgreSQL 16's object_aclcheck asks it.
AclResult aclcheck(Oid class_id, Oid object, Oid role, AclMode mode) {
#if PG_VERSION_NUM >= 160000
    return object_aclcheck(class_id, object, role, mode);
#else
    if (class_id == NamespaceRelationId) return pg_namespace_aclcheck(object, role, mode);
    if (class_id == LanguageRelationId) return pg_language_aclcheck(object, role, mode);
    return pg_type_aclcheck(object, role, mode);
#endif
}

// proconfig {search_path=<schema>} as the GUC machinery writes `SET search_path TO
// <schema>`: the schema quoted as an identifier.
Datum search_path_config(const char *schema) {
    Datum setting = CStringGetTextDatum(psprintf("search_path=%s", quote_identifier(schema)));
    return PointerGetDatum(construct_array(&setting, 1, TEXTOID, -1, false, TYPALIGN_INT));
}

}  // namespace

void create_const_function(const char *schema, const char *name, const std::string &body) {
    const char *source = body.c_str();
    pg_guard([&] {
        const Oid namespace_oid = get_namespace_oid(schema, false);
        // The rights CREATE FUNCTION checks, in its order: a role may not make a
        // function here that it could not make with SQL.
        const Oid user = GetUserId();
        AclResult result = aclcheck(NamespaceRelationId, namespace_oid, user, ACL_CREATE);
        if (result != ACLCHECK_OK)
            aclcheck_error(result, OBJECT_SCHEMA, get_namespace_name(namespace_oid));
        result = aclcheck(LanguageRelationId, SQLlanguageId, user, ACL_USAGE);
        if (result != ACLCHECK_OK) aclcheck_error(result, OBJECT_LANGUAGE, "sql");
        result = aclcheck(TypeRelationId, TEXTOID, user, ACL_USAGE);
        if (result != ACLCHECK_OK) aclcheck_error_type(result, TEXTOID);
        // CREATE FUNCTION's defaults for a LANGUAGE sql function; no validator, as with
        // check_function_bodies off: the body is shoal's own constant.
        Oid no_arguments[1];
        ProcedureCreate(name, namespace_oid, true, false, TEXTOID, user, SQLlanguageId, InvalidOid,
                        source, nullptr,
#if PG_VERSION_NUM >= 140000
                        nullptr,
#endif
                        PROKIND_FUNCTION, false, false, false, PROVOLATILE_VOLATILE,
                        PROPARALLEL_UNSAFE, buildoidvector(no_arguments, 0),
                        PointerGetDatum(nullptr), PointerGetDatum(nullptr),
                        PointerGetDatum(nullptr), NIL, PointerGetDatum(nullptr),
                        search_path_config(schema), InvalidOid, 100, 0);
        // Later statements of this transaction (the next read of the stamp) see it.
        CommandCounterIncrement();
    });
}

bool json_string_array(const char *json, std::vector<std::string> &elements) {
    char **strings = nullptr;
    int *lengths = nullptr;
    int count = 0;
    bool is_array = false;
    pg_guard([&] {
        Jsonb *value = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
        if (!JB_ROOT_IS_ARRAY(value) || JB_ROOT_IS_SCALAR(value)) return;
        const int size = JB_ROOT_COUNT(value);
        strings = static_cast<char **>(palloc0(sizeof(char *) * (size + 1)));
        lengths = static_cast<int *>(palloc0(sizeof(int) * (size + 1)));
        JsonbIterator *it = JsonbIteratorInit(&value->root);
        JsonbValue element;
        JsonbIteratorToken token;
        while ((token = JsonbIteratorNext(&it, &element, true)) != WJB_DONE) {
            if (token != WJB_ELEM) continue;
            if (element.type != jbvString) return;
            strings[count] = element.val.string.val;
            lengths[count] = element.val.string.len;
            ++count;
        }
        is_array = true;
    });
    if (!is_array) return false;
    elements.clear();
    for (int i = 0; i < count; ++i)
        elements.emplace_back(strings[i], static_cast<size_t>(lengths[i]));
    return true;
}

std::string json_string(const std::string &value) {
    const char *raw = value.c_str();
    char *quoted = nullptr;
    pg_guard([&] {
        StringInfoData buffer;
        initStringInfo(&buffer);
        escape_json(&buffer, raw);
        quoted = buffer.data;
    });
    return quoted;
}

std::string json_timestamp(TimestampTz at) {
    char buffer[MAXDATELEN + 1];
    pg_guard([&] { JsonEncodeDateTime(buffer, TimestampTzGetDatum(at), TIMESTAMPTZOID, nullptr); });
    return buffer;
}

int enter_schema(const char *schema) {
    int level = 0;
    pg_guard([&] {
        level = NewGUCNestLevel();
        (void)set_config_option("search_path", quote_identifier(schema), PGC_USERSET, PGC_S_SESSION,
                                GUC_ACTION_SAVE, true, 0, false);
    });
    return level;
}

void leave_schema(int guc_level) {
    pg_guard([&] { AtEOXact_GUC(false, guc_level); });
}

namespace {

// Adds to `objects` what depends on the session's temporary schema, except what is
// in `except` (may be nullptr). Call inside pg_guard.
void collect_temp_objects(ObjectAddresses *objects, const ObjectAddresses *except) {
    Oid temp_namespace = InvalidOid, temp_toast_namespace = InvalidOid;
    GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
    if (!OidIsValid(temp_namespace)) return;
    Relation depend = table_open(DependRelationId, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(NamespaceRelationId));
    ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(temp_namespace));
    SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 2, keys);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        const auto *row = reinterpret_cast<Form_pg_depend>(GETSTRUCT(tuple));
        ObjectAddress object;
        object.classId = row->classid;
        object.objectId = row->objid;
        object.objectSubId = row->objsubid;
        if (except == nullptr || !object_address_present(&object, except))
            add_exact_object_address(&object, objects);
    }
    systable_endscan(scan);
    table_close(depend, AccessShareLock);
}

}  // namespace

ObjectAddresses *temp_objects() {
    ObjectAddresses *objects = nullptr;
    pg_guard([&] {
        Oid temp_namespace = InvalidOid, temp_toast_namespace = InvalidOid;
        GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
        if (!OidIsValid(temp_namespace)) return;
        objects = new_object_addresses();
        collect_temp_objects(objects, nullptr);
    });
    return objects;
}

void drop_temp_objects_since(const ObjectAddresses *before) {
    pg_guard([&] {
        Oid temp_namespace = InvalidOid, temp_toast_namespace = InvalidOid;
        GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
        if (!OidIsValid(temp_namespace)) return;
        // The step's last statement's catalog rows are visible to the scan.
        CommandCounterIncrement();
        ObjectAddresses *created = new_object_addresses();
        collect_temp_objects(created, before);
        performMultipleDeletions(created, DROP_CASCADE,
                                 PERFORM_DELETION_INTERNAL | PERFORM_DELETION_QUIETLY);
        free_object_addresses(created);
        CommandCounterIncrement();
    });
}

Oid step_role(const char *schema) {
    Oid role = InvalidOid;
    if (!run_as_owner) return role;
    pg_guard([&] {
        if (!superuser()) return;
        HeapTuple tuple = SearchSysCache1(NAMESPACENAME, CStringGetDatum(schema));
        if (!HeapTupleIsValid(tuple)) return;
        Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(tuple))->nspowner;
        ReleaseSysCache(tuple);
        if (owner == ROLE_PG_DATABASE_OWNER) {
            HeapTuple database = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
            if (!HeapTupleIsValid(database))
                elog(ERROR, "shoal: cache lookup failed for database %u", MyDatabaseId);
            owner = reinterpret_cast<Form_pg_database>(GETSTRUCT(database))->datdba;
            ReleaseSysCache(database);
        }
        if (!superuser_arg(owner)) role = owner;
    });
    return role;
}

void fire_deferred_triggers() {
    // A trigger fired here may run a step of its own (through a superuser's
    // SECURITY DEFINER function): the flag holds until this scope ends.
    SetForScope firing(firing_step_triggers, true);
    pg_guard([] {
        ConstraintsSetStmt *all_immediate = makeNode(ConstraintsSetStmt);
        all_immediate->constraints = NIL;
        all_immediate->deferred = false;
        AfterTriggerSetState(all_immediate);
    });
}

RunAs::RunAs(Oid role, bool restricted) {
    if (!OidIsValid(role)) return;
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    SetUserIdAndSecContext(role, saved_context_ | SECURITY_LOCAL_USERID_CHANGE |
                                     (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
    switched_ = true;
}

RunAs::~RunAs() {
    if (switched_) SetUserIdAndSecContext(saved_user_, saved_context_);
}

std::string search_path_setting() {
    const char *value = nullptr;
    pg_guard([&] { value = GetConfigOption("search_path", false, false); });
    return value != nullptr ? value : "";
}

Oid current_user_id() { return GetUserId(); }

Oid session_user_id() { return GetSessionUserId(); }

std::string role_name(Oid role) {
    const char *name = nullptr;
    pg_guard([&] { name = GetUserNameFromId(role, true); });
    return name != nullptr ? std::string(name) : "role " + std::to_string(role);
}

namespace {

// The run lock's keys, as shoal.lock_run() takes them with pg_advisory_lock(int4,
// int4): ('shoa', 0) for the run's control session, ('shoa', 1) for its members.
bool holds_run_key(uint32 key, LOCKMODE mode) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 1936224097, key, 2);
    return LockHeldByMe(&tag, mode);
}

}  // namespace

bool holds_run_lock() { return holds_run_key(0, ExclusiveLock); }

bool is_run_member() { return holds_run_key(1, ShareLock); }

namespace {

// schema.name() taking no arguments, as a copy of its pg_proc row; NULL when there
// is none. Call inside pg_guard.
HeapTuple find_function_without_arguments(const char *schema, const char *name) {
    const Oid namespace_oid = get_namespace_oid(schema, true);
    if (!OidIsValid(namespace_oid)) return nullptr;
    Oid no_arguments[1];
    HeapTuple found = SearchSysCacheCopy3(PROCNAMEARGSNSP, CStringGetDatum(name),
                                          PointerGetDatum(buildoidvector(no_arguments, 0)),
                                          ObjectIdGetDatum(namespace_oid));
    return HeapTupleIsValid(found) ? found : nullptr;
}

bool owns_function(Oid function) {
#if PG_VERSION_NUM >= 160000
    return object_ownercheck(ProcedureRelationId, function, GetUserId());
#else
    return pg_proc_ownercheck(function, GetUserId());
#endif
}

}  // namespace

bool rewrite_function_source(const char *schema, const char *name, text *source,
                             bool pin_search_path) {
    bool rewritten = false;
    pg_guard([&] {
        HeapTuple old = find_function_without_arguments(schema, name);
        if (old == nullptr) return;
        Relation procs = table_open(ProcedureRelationId, RowExclusiveLock);
        const auto *proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(old));
        bool has_sql_body = false;  // BEGIN ATOMIC (PostgreSQL 14+) keeps its body elsewhere
#if PG_VERSION_NUM >= 140000
        has_sql_body = !heap_attisnull(old, Anum_pg_proc_prosqlbody, RelationGetDescr(procs));
#endif
        if (proc->prolang != SQLlanguageId || proc->prorettype != TEXTOID || proc->proretset ||
            proc->prokind != PROKIND_FUNCTION || has_sql_body) {
            table_close(procs, RowExclusiveLock);
            return;
        }
        if (!owns_function(proc->oid)) aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FUNCTION, name);
        Datum values[Natts_pg_proc] = {};
        bool nulls[Natts_pg_proc] = {};
        bool replaces[Natts_pg_proc] = {};
        values[Anum_pg_proc_prosrc - 1] = PointerGetDatum(source);
        replaces[Anum_pg_proc_prosrc - 1] = true;
        if (pin_search_path) {
            values[Anum_pg_proc_proconfig - 1] = search_path_config(schema);
            replaces[Anum_pg_proc_proconfig - 1] = true;
        }
        HeapTuple updated =
            heap_modify_tuple(old, RelationGetDescr(procs), values, nulls, replaces);
        CatalogTupleUpdate(procs, &updated->t_self, updated);
        InvokeObjectPostAlterHook(ProcedureRelationId, proc->oid, 0);
        table_close(procs, RowExclusiveLock);
        // Later statements of this transaction (the next read of the stamp) see it.
        CommandCounterIncrement();
        rewritten = true;
    });
    return rewritten;
}

text *function_source(const char *schema, const char *name, TransactionId *written_by) {
    text *source = nullptr;
    pg_guard([&] {
        HeapTuple found = find_function_without_arguments(schema, name);
        if (found == nullptr) return;
        if (written_by != nullptr) *written_by = HeapTupleHeaderGetRawXmin(found->t_data);
        bool is_null = false;
        const Datum value = SysCacheGetAttr(PROCOID, found, Anum_pg_proc_prosrc, &is_null);
        if (!is_null) source = DatumGetTextPCopy(value);
    });
    return source;
}

}  // namespace shoal
