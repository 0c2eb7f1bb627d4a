// Thin wrappers for the PostgreSQL calls shoal's C++ code makes. Each one runs its
// call under pg_guard(), so an ereport arrives as a shoal::PgError exception and
// C++ destructors run before the boundary re-raises it. Call them only from a
// SHOAL_FUNCTION body, inside a transaction.
#pragma once

#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
#include "utils/array.h"
}

namespace shoal {

// The elements of a text[] as C strings in the current memory context; a NULL
// element is an error naming what the array holds.
std::vector<const char *> text_array_elements(ArrayType *array, const char *what);

// Raises a PostgreSQL error (as PgError) with this SQLSTATE, message, hint and
// detail; error context callbacks active now contribute to it.
[[noreturn]] void report_error(int sqlstate, const std::string &message, const char *hint = nullptr,
                               const char *detail = nullptr);

// A text datum holding these bytes, in the current memory context.
text *make_text(const std::string &value);

// SPI for the current call: connect before spi_execute, finish after the last one.
// After an error, the transaction's abort cleans SPI up; do not call spi_finish.
void spi_connect();
int spi_execute(const char *sql);  // SPI's result code; negative when SPI refused
void spi_finish();

// Sets search_path to exactly this schema in a new GUC nesting level and returns
// the level. leave_schema() undoes every setting changed since, the statements'
// own SET commands included; after an error, the (sub)transaction abort does.
int enter_schema(const char *schema);
void leave_schema(int guc_level);

// Replaces the source of the existing function schema.name(), a SQL function of no
// arguments returning text, in place (one pg_proc update, as ALTER FUNCTION does);
// the caller must own it. False, with nothing changed, when there is none such.
bool rewrite_function_source(const char *schema, const char *name, text *source);

// The source (prosrc) of schema.name() taking no arguments; nullptr when there is
// no such function.
text *function_source(const char *schema, const char *name);

}  // namespace shoal
