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
// A stamp from before 1.5 (a schema not written since the upgrade, a shard restored
// from an older dump) keeps its data in shoal_stamp_const() until shoal writes the
// stamp next, which folds it into the comment and drops that function: per schema,
// in the transaction that holds the schema's lock anyway, so the upgrade takes no
// lock per schema. Readers take it from there meanwhile, except where
// mig_versions_const() was written after it: shoal wrote both in one transaction,
// so a later one was another tool's.
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
