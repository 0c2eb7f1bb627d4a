// A schema's stamp, one catalog write per version (1.5):
//    SELECT '["v1","v2"]'; -- shoal {"v1":{"checksum":"…","applied_at":"…"}}
// is the body of <schema>.mig_versions_const(): pg-mig's value, then shoal's
// per-version data in a comment. pg-mig reads a stamp by calling the function and
// never reads its source, so what it reads is its own value byte for byte; when it
// rewrites the stamp (its undo, an edited file applied again) the comment goes, and
// the versions it wrote count as applied with an unknown checksum, never as drift
// (DESIGN.md, "State on each node"). Up to 1.4 the data was a second function,
// shoal_stamp_const(), which pg-mig left as it was: shoal then compared the edited
// file with the checksum of the version pg-mig had undone. It also cost a second
// pg_proc write per version.
//
// The upgrade to 1.5 folds every stamp's shoal_stamp_const() into the comment
// (fold_old_stamp), so the data is read from two functions only where a stamp from
// before 1.5 arrives later (a shard restored from an older dump) or is written
// between installing the 1.5 library and ALTER EXTENSION UPDATE: readers take it
// from shoal_stamp_const() then, except where mig_versions_const() was written
// after it (shoal wrote both in one transaction, so a later one was another
// tool's), and the next write folds it and drops that function, under the
// schema's lock.
//
// Nothing here runs the functions; add_version.cpp and remove_version (SQL) call
// write_stamp under the schema lock.
#include "stamp.hpp"

#include "boundary.hpp"
#include "pg_calls.hpp"

extern "C" {
#include "access/transam.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace {

// The constant function's body for a stamp value, as pg-mig writes it:
// ` SELECT '<value with ' doubled>'; ` (shoal.const_source).
std::string const_source(const std::string &value) {
  std::string body = " SELECT '";
  for (char c : value) {
    body += c;
    if (c == '\'') body += '\'';
  }
  return body + "'; ";
}

// JSON text as jsonb writes it: on one line whatever the input's layout (strings
// keep their line breaks escaped), so it can go into the comment.
std::string one_line_json(const std::string &json) {
  const char *input = json.c_str();
  const char *output = nullptr;
  shoal::pg_guard([&] {
    output = DatumGetCString(DirectFunctionCall1(jsonb_out, DirectFunctionCall1(jsonb_in, CStringGetDatum(input))));
  });
  return output;
}

}  // namespace

namespace shoal {

std::string stamp_data(const ConstFunction *list, const ConstFunction *old_data) {
  if (list == nullptr) return std::string();
  if (!list->data.empty()) return list->data;
  if (old_data == nullptr || TransactionIdPrecedes(old_data->written_by, list->written_by)) return std::string();
  return one_line_json(old_data->value);
}

bool fold_old_stamp(const char *schema) {
  ConstFunction list, old_data;
  if (!read_const_function(schema, "mig_versions_const", list) || !list.data.empty()) return false;
  if (!read_const_function(schema, "shoal_stamp_const", old_data)) return false;
  const std::string data = stamp_data(&list, &old_data);
  if (data.empty()) return false;
  write_stamp(schema, list.value, data, false);
  return true;
}

void write_stamp(const char *schema, const std::string &version_list, const std::string &data, bool drop_old_data) {
  // A line break would end the comment and make the rest of the data SQL.
  if (data.find_first_of("\n\r") != std::string::npos)
    report_error(ERRCODE_INTERNAL_ERROR, "shoal: a stamp's data must be one line of JSON");
  const std::string body = const_source(version_list) + (data.empty() ? std::string() : kDataMarker + data);
  if (!rewrite_function_source(schema, "mig_versions_const", make_text(body), true))
    create_const_function(schema, "mig_versions_const", body);
  if (drop_old_data) {
    const std::string drop = "DROP FUNCTION " + quote_ident(schema) + ".shoal_stamp_const()";
    if (spi_execute(drop.c_str()) != SPI_OK_UTILITY)
      report_error(ERRCODE_INTERNAL_ERROR, "shoal: dropping " + quote_ident(schema) + ".shoal_stamp_const() failed");
  }
}

}  // namespace shoal

// shoal.stamp_data(list_source, list_written_by, old_data_source,
// old_data_written_by): stamp_data() for the readers that take every schema's
// stamp from pg_proc at once (prosrc and xmin of mig_versions_const() and of
// shoal_stamp_const(), NULL where missing). NULL when there is no data, or when a
// source cannot be read (shoal.stamp_problem() names the schema then).
SHOAL_FUNCTION(shoal_stamp_data) {
  // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
  text *list_source = PG_ARGISNULL(0) ? nullptr : PG_GETARG_TEXT_PP(0);
  const TransactionId list_written_by = PG_ARGISNULL(1) ? InvalidTransactionId : PG_GETARG_TRANSACTIONID(1);
  text *old_source = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
  const TransactionId old_written_by = PG_ARGISNULL(3) ? InvalidTransactionId : PG_GETARG_TRANSACTIONID(3);
  if (list_source == nullptr) PG_RETURN_NULL();

  shoal::ConstFunction list, old_data;
  list.written_by = list_written_by;
  old_data.written_by = old_written_by;
  if (!shoal::read_const_source(VARDATA_ANY(list_source), VARSIZE_ANY_EXHDR(list_source), list.value, list.data))
    PG_RETURN_NULL();
  if (old_source != nullptr &&
      !shoal::read_const_source(VARDATA_ANY(old_source), VARSIZE_ANY_EXHDR(old_source), old_data.value, old_data.data))
    PG_RETURN_NULL();
  const std::string data = shoal::stamp_data(&list, old_source != nullptr ? &old_data : nullptr);
  if (data.empty()) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(shoal::make_text(data));
}

// shoal.fold_old_stamp(schema): fold_old_stamp() for the upgrade script.
SHOAL_FUNCTION(shoal_fold_old_stamp) {
  // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
  const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
  shoal::spi_connect();
  const bool folded = shoal::fold_old_stamp(schema);
  shoal::spi_finish();
  PG_RETURN_BOOL(folded);
}

// shoal.write_stamp_text(schema, version_list, data): write_stamp() for
// remove_version (SQL), which rebuilds the texts; data NULL for none.
SHOAL_FUNCTION(shoal_write_stamp_text) {
  // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("schema and version list must not be null")));
  const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const char *version_list = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const char *data = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
  shoal::spi_connect();
  const bool has_old_data = shoal::function_source(schema, "shoal_stamp_const") != nullptr;
  shoal::write_stamp(schema, version_list, data, has_old_data);
  shoal::spi_finish();
  PG_RETURN_VOID();
}
