// The PostgreSQL calls behind pg_calls.hpp, each run under pg_guard(). No lambda
// given to pg_guard() creates a C++ object: an ereport longjmps out of it.
#include "pg_calls.hpp"

#include <stdexcept>

#include "boundary.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

namespace shoal {

std::vector<const char *> text_array_elements(ArrayType *array, const char *what) {
  Datum *values = nullptr;
  bool *nulls = nullptr;
  int count = 0;
  pg_guard([&] { deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count); });
  std::vector<const char *> elements;
  elements.reserve(count);
  for (int i = 0; i < count; ++i) {
    if (nulls[i]) report_error(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not contain NULL");
    char *element = nullptr;
    pg_guard([&] { element = text_to_cstring(DatumGetTextPP(values[i])); });
    elements.push_back(element);
  }
  return elements;
}

void report_error(int sqlstate, const std::string &message, const char *hint, const char *detail) {
  const char *text = message.c_str();
  pg_guard([&] {
    ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", text), hint != nullptr ? errhint("%s", hint) : 0,
                    detail != nullptr ? errdetail("%s", detail) : 0));
  });
  throw std::logic_error("ereport(ERROR) returned");
}

text *make_text(const std::string &value) {
  text *result = nullptr;
  pg_guard([&] { result = cstring_to_text_with_len(value.data(), static_cast<int>(value.size())); });
  return result;
}

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

int enter_schema(const char *schema) {
  int level = 0;
  pg_guard([&] {
    level = NewGUCNestLevel();
    (void)set_config_option("search_path", quote_identifier(schema), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
  });
  return level;
}

void leave_schema(int guc_level) {
  pg_guard([&] { AtEOXact_GUC(false, guc_level); });
}

namespace {

// schema.name() taking no arguments, as a copy of its pg_proc row; NULL when there
// is none. Call inside pg_guard.
HeapTuple find_function_without_arguments(const char *schema, const char *name) {
  const Oid namespace_oid = get_namespace_oid(schema, true);
  if (!OidIsValid(namespace_oid)) return nullptr;
  Oid no_arguments[1];
  HeapTuple found = SearchSysCacheCopy3(PROCNAMEARGSNSP, CStringGetDatum(name),
                                        PointerGetDatum(buildoidvector(no_arguments, 0)), ObjectIdGetDatum(namespace_oid));
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

bool rewrite_function_source(const char *schema, const char *name, text *source) {
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
    HeapTuple updated = heap_modify_tuple(old, RelationGetDescr(procs), values, nulls, replaces);
    CatalogTupleUpdate(procs, &updated->t_self, updated);
    InvokeObjectPostAlterHook(ProcedureRelationId, proc->oid, 0);
    table_close(procs, RowExclusiveLock);
    // Later statements of this transaction (the next read of the stamp) see it.
    CommandCounterIncrement();
    rewritten = true;
  });
  return rewritten;
}

text *function_source(const char *schema, const char *name) {
  text *source = nullptr;
  pg_guard([&] {
    HeapTuple found = find_function_without_arguments(schema, name);
    if (found == nullptr) return;
    bool is_null = false;
    const Datum value = SysCacheGetAttr(PROCOID, found, Anum_pg_proc_prosrc, &is_null);
    if (!is_null) source = DatumGetTextPCopy(value);
  });
  return source;
}

}  // namespace shoal
