// Thin wrappers for the PostgreSQL calls shoal's C++ code makes. Each one runs its
// call under pg_guard(), so an ereport arrives as a shoal::PgError exception and
// C++ destructors run before the boundary re-raises it. Call them only from a
// SHOAL_FUNCTION body, inside a transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
#include "catalog/dependency.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace shoal {

// The elements of a text[] as C strings in the current memory context; a NULL
// element is an error naming what the array holds, or with nulls_allowed nullptr.
std::vector<const char *> text_array_elements(ArrayType *array, const char *what,
                                              bool nulls_allowed = false);

// Raises a PostgreSQL error (as PgError) with this SQLSTATE, message, hint and
// detail; error context callbacks active now contribute to it.
[[noreturn]] void report_error(int sqlstate, const std::string &message, const char *hint = nullptr,
                               const char *detail = nullptr);

// A text datum holding these bytes, in the current memory context.
text *make_text(const std::string &value);
// The bytes of a text datum; the array in an array datum (detoasted).
std::string text_value(Datum value);
ArrayType *array_value(Datum value);
// A one-dimensional text[] of these elements (nullopt: NULL), in the current
// memory context.
ArrayType *text_array(const std::vector<std::optional<std::string>> &elements);
// quote_ident() and quote_literal() as SQL has them.
std::string quote_ident(const char *name);
std::string quote_literal(const char *value);
// The current time (clock_timestamp()).
TimestampTz now();

// SPI for the current call: connect before spi_execute, finish after the last one.
// After an error, the transaction's abort cleans SPI up; do not call spi_finish.
void spi_connect();
int spi_execute(const char *sql);  // SPI's result code; negative when SPI refused
void spi_finish();

// A plan for sql kept for the rest of the session (SPI_keepplan): parsed and
// planned once, replanned by PostgreSQL when what it depends on changes.
SPIPlanPtr spi_keep_plan(const char *sql, int arg_count, const Oid *arg_types);
// Runs a kept plan with these arguments (nulls: ' ' or 'n' per argument, as SPI
// takes them); returns how many rows it returned or changed.
uint64 spi_execute_plan(SPIPlanPtr plan, const Datum *args, const char *nulls);
// The value in row 0, column `column` (1-based) of the last query's result.
Datum spi_first_row_value(int column, bool &is_null);
// Runs sql (parsed now, not kept) with args as its text parameters $1, $2, ...
// (nullptr: NULL) and returns its last statement's first row, each column in its
// text form (nullopt: NULL); no columns when it returned no row.
std::vector<std::optional<std::string>> spi_query_first_row(const char *sql,
                                                            const std::vector<const char *> &args);

// Waits for the transaction-level advisory lock shoal takes on a schema before it
// reads or writes the schema's stamp, after checking that the transaction is READ
// COMMITTED (a REPEATABLE READ snapshot may predate the wait) and that the schema
// exists; once granted, the session sees every catalog change committed before
// (the stamp included). The same lock as shoal.lock_schema().
void lock_schema(const char *schema);

// Creates or replaces schema.name() as a constant SQL function returning text with
// this body, its search_path set to the schema as pg-mig writes its stamp: the
// function CREATE OR REPLACE FUNCTION would make, with the rights it checks, written
// straight into the catalog (no parse, no event trigger; a schema's first stamp is
// on every new shard's path). The body is not validated, as with
// check_function_bodies off.
void create_const_function(const char *schema, const char *name, const std::string &body);

// JSON: the elements of an array of strings, as jsonb reads the text (false when
// it is valid JSON but not such an array); a string literal; a timestamp as
// to_json() writes it, in the session's time zone.
bool json_string_array(const char *json, std::vector<std::string> &elements);
std::string json_string(const std::string &value);
std::string json_timestamp(TimestampTz at);

// Sets search_path to exactly this schema in a new GUC nesting level and returns
// the level. leave_schema() undoes every setting changed since, the statements'
// own SET commands included; after an error, the (sub)transaction abort does.
int enter_schema(const char *schema);
void leave_schema(int guc_level);

// What a step must find unchanged after each of its statements: search_path as
// the GUC holds it now, the current user (SET ROLE) and the session user (SET
// SESSION AUTHORIZATION). A role's name, or its oid in text when it is gone.
std::string search_path_setting();
Oid current_user_id();
Oid session_user_id();
std::string role_name(Oid role);
// Whether this session holds the run lock (run key, exclusive) and whether it is a
// member of a run (member key, shared): session advisory locks, which a version
// could release (pg_advisory_unlock_all()) and no rollback gives back.
bool holds_run_lock();
bool is_run_member();

// The objects of the session's temporary schema (those depending on it), palloc'd;
// nullptr when the session has no temporary schema. Taken when a step starts.
ObjectAddresses *temp_objects();
// Drops every object of the session's temporary schema that is not in `before`
// (nullptr: none was there), as DISCARD TEMP would, but keeping the caller's own:
// what a step created must not be there for the next step. Cheap when the session
// has no temporary schema.
void drop_temp_objects_since(const ObjectAddresses *before);

// The role a step's statements in `schema` run as instead of the current user, or
// InvalidOid to run them as the current user: the schema's owner (the database's
// owner when that is pg_database_owner) when the current user is a superuser, the
// owner is not, and shoal.run_as_owner is on.
Oid step_role(const char *schema);

// Fires the transaction's deferred trigger events now, as SET CONSTRAINTS ALL
// IMMEDIATE does (the constraints stay immediate for the rest of the
// transaction), with shoal::firing_step_triggers set meanwhile.
void fire_deferred_triggers();

// Runs the enclosing scope as `role` (InvalidOid: no change), as a SECURITY DEFINER
// function does (SECURITY_LOCAL_USERID_CHANGE, so SET ROLE is refused), and puts
// the caller back when the scope is left, by a PgError too; a transaction or
// subtransaction abort restores it as well. restricted: also a
// security-restricted operation, as PostgreSQL runs a table owner's index
// expressions, which refuses what would run the role's code after the scope
// (deferred triggers above all, fired at commit as whoever is the user then)
// but also temporary tables.
class RunAs {
  public:
    RunAs(Oid role, bool restricted);
    ~RunAs();
    RunAs(const RunAs &) = delete;
    RunAs &operator=(const RunAs &) = delete;

  private:
    bool switched_ = false;
    Oid saved_user_ = InvalidOid;
    int saved_context_ = 0;
};

// Replaces the source of the existing function schema.name(), a SQL function of no
// arguments returning text, in place (one pg_proc update, as ALTER FUNCTION does);
// with pin_search_path, its settings too, to exactly search_path=<schema>, what
// pg-mig's CREATE OR REPLACE … SET search_path FROM CURRENT leaves. The caller must
// own it. False, with nothing changed, when there is none such.
bool rewrite_function_source(const char *schema, const char *name, text *source,
                             bool pin_search_path);

// The source (prosrc) of schema.name() taking no arguments, and the transaction
// that wrote its pg_proc row last (xmin; written_by may be nullptr); nullptr when
// there is no such function.
text *function_source(const char *schema, const char *name, TransactionId *written_by = nullptr);

}  // namespace shoal
