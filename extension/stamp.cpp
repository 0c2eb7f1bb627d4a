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
// Nothing here runs the functions, and nothing takes the schema lock: apply, mark,
// undo and forget (versions.cpp) read and write a stamp under it.
#include "stamp.hpp"

#include "boundary.hpp"
#include "pg_calls.hpp"

extern "C" {
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace {

const int kNotAConstant = MAKE_SQLSTATE('S', 'H', '0', '0', '6');

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
        output = DatumGetCString(
            DirectFunctionCall1(jsonb_out, DirectFunctionCall1(jsonb_in, CStringGetDatum(input))));
    });
    return output;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string without_trailing_space(const std::string &text) {
    size_t end = text.size();
    while (end > 0 && is_space(text[end - 1])) --end;
    return text.substr(0, end);
}

// A JSON array's or object's text with `item` added as its last member, the text
// kept as it is up to its closing bracket.
std::string append_member(const std::string &text, const std::string &item) {
    const std::string trimmed = without_trailing_space(text);
    return trimmed.substr(0, trimmed.size() - 1) + "," + item + trimmed.back();
}

// Whether the stamp's data is a JSON object with something in it, so that an entry
// can be appended before its closing brace (1.2's regular expression
// ^\s*\{.*[^{\s].*\}\s*$). Anything else is replaced by a new object.
bool is_nonempty_object(const std::string &text) {
    size_t first = 0;
    while (first < text.size() && is_space(text[first])) ++first;
    const std::string trimmed = without_trailing_space(text);
    if (first + 1 >= trimmed.size() || text[first] != '{' || trimmed.back() != '}') return false;
    for (size_t i = first + 1; i + 1 < trimmed.size(); ++i)
        if (trimmed[i] != '{' && !is_space(trimmed[i])) return true;
    return false;
}

// The stamp's data for the versions of `list` only, without entries whose checksum
// is unknown ("" when none is left); applied_at as timestamptz writes it in JSON.
// Rebuilt rather than cut: an undo or forget is rare, and the result is what
// 1.0 to 1.5 wrote.
std::string data_of_versions(const std::string &data, const std::string &list) {
    static SPIPlanPtr plan = nullptr;
    if (plan == nullptr) {
        const Oid types[] = {TEXTOID, TEXTOID};
        plan = shoal::spi_keep_plan(
            "SELECT (SELECT jsonb_object_agg(v.version, jsonb_build_object("
            "                 'checksum', d.data -> v.version ->> 'checksum',"
            "                 'applied_at', (d.data -> v.version ->> 'applied_at')::timestamptz))"
            "          FROM jsonb_array_elements_text($2::jsonb) AS v(version)"
            "         WHERE coalesce(d.data -> v.version ->> 'checksum', '') <> '')::text"
            "  FROM (SELECT $1::jsonb AS data) AS d",
            2, types);
    }
    const Datum args[] = {PointerGetDatum(shoal::make_text(data)),
                          PointerGetDatum(shoal::make_text(list))};
    shoal::spi_execute_plan(plan, args, "  ");
    bool is_null = false;
    const Datum rebuilt = shoal::spi_first_row_value(1, is_null);
    return is_null ? std::string() : shoal::text_value(rebuilt);
}

}  // namespace

namespace shoal {

std::string stamp_data(const ConstFunction *list, const ConstFunction *old_data) {
    if (list == nullptr) return std::string();
    if (!list->data.empty()) return list->data;
    if (old_data == nullptr || TransactionIdPrecedes(old_data->written_by, list->written_by))
        return std::string();
    return one_line_json(old_data->value);
}

Stamp read_stamp(const char *schema) {
    Stamp stamp;
    ConstFunction list, old_data;
    const bool has_list = read_const_function(schema, "mig_versions_const", list);
    stamp.has_old_data = read_const_function(schema, "shoal_stamp_const", old_data);
    stamp.data = stamp_data(has_list ? &list : nullptr, stamp.has_old_data ? &old_data : nullptr);
    if (!has_list) return stamp;
    if (!json_string_array(list.value.c_str(), stamp.versions))
        report_error(kNotAConstant,
                     "shoal cannot read " + quote_ident(schema) +
                         ".mig_versions_const(): it is not a JSON array of version names",
                     "Recreate the function with the schema's versions as pg-mig writes them.");
    stamp.list = list.value;
    return stamp;
}

// Read as 1.2 read it: the rare path (a version already there), so plain SQL.
std::string recorded_checksum(const Stamp &stamp, const char *version) {
    if (stamp.data.empty()) return std::string();
    static SPIPlanPtr plan = nullptr;
    if (plan == nullptr) {
        const Oid types[] = {TEXTOID, TEXTOID};
        plan = spi_keep_plan("SELECT coalesce($1::jsonb -> $2 ->> 'checksum', '')", 2, types);
    }
    const Datum args[] = {PointerGetDatum(make_text(stamp.data)),
                          PointerGetDatum(make_text(version))};
    spi_execute_plan(plan, args, "  ");
    bool is_null = false;
    const Datum checksum = spi_first_row_value(1, is_null);
    return is_null ? std::string() : text_value(checksum);
}

// Appended to the texts as they are: pg-mig's list keeps its form, and shoal's
// data gets `"<version>":{...}` without spaces, as JSON.stringify would write it.
// A key already there (a list edited by hand) is written again; JSON readers keep
// the last one.
void append_version(Stamp &stamp, const char *version, const char *checksum) {
    const std::string quoted_version = json_string(version);
    stamp.list = stamp.versions.empty() ? "[" + quoted_version + "]"
                                        : append_member(stamp.list, quoted_version);
    stamp.versions.emplace_back(version);
    const std::string entry = quoted_version + ":{\"checksum\":" + json_string(checksum) +
                              ",\"applied_at\":\"" + json_timestamp(now()) + "\"}";
    stamp.data =
        is_nonempty_object(stamp.data) ? append_member(stamp.data, entry) : "{" + entry + "}";
}

// The list is written again, as array_to_json writes it (no spaces, like
// JSON.stringify): taking one name out of a hand-written text is not worth it.
void remove_latest_version(Stamp &stamp) {
    stamp.versions.pop_back();
    std::string list;
    for (const std::string &version : stamp.versions)
        list += (list.empty() ? "" : ",") + json_string(version);
    stamp.list = "[" + list + "]";
    if (!stamp.data.empty()) stamp.data = data_of_versions(stamp.data, stamp.list);
}

void write_stamp(const char *schema, const Stamp &stamp) {
    // A line break would end the comment and make the rest of the data SQL.
    if (stamp.data.find_first_of("\n\r") != std::string::npos)
        report_error(ERRCODE_INTERNAL_ERROR, "shoal: a stamp's data must be one line of JSON");
    const std::string body =
        const_source(stamp.list) + (stamp.data.empty() ? std::string() : kDataMarker + stamp.data);
    if (!rewrite_function_source(schema, "mig_versions_const", make_text(body), true))
        create_const_function(schema, "mig_versions_const", body);
    if (stamp.has_old_data) {
        const std::string drop = "DROP FUNCTION " + quote_ident(schema) + ".shoal_stamp_const()";
        if (spi_execute(drop.c_str()) != SPI_OK_UTILITY)
            report_error(ERRCODE_INTERNAL_ERROR,
                         "shoal: dropping " + quote_ident(schema) + ".shoal_stamp_const() failed");
    }
}

bool fold_old_stamp(const char *schema) {
    ConstFunction list, old_data;
    if (!read_const_function(schema, "mig_versions_const", list) || !list.data.empty())
        return false;
    if (!read_const_function(schema, "shoal_stamp_const", old_data)) return false;
    Stamp folded;
    folded.list = list.value;
    folded.data = stamp_data(&list, &old_data);
    if (folded.data.empty()) return false;
    write_stamp(schema, folded);
    return true;
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
    const TransactionId list_written_by =
        PG_ARGISNULL(1) ? InvalidTransactionId : PG_GETARG_TRANSACTIONID(1);
    text *old_source = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
    const TransactionId old_written_by =
        PG_ARGISNULL(3) ? InvalidTransactionId : PG_GETARG_TRANSACTIONID(3);
    if (list_source == nullptr) PG_RETURN_NULL();

    shoal::ConstFunction list, old_data;
    list.written_by = list_written_by;
    old_data.written_by = old_written_by;
    if (!shoal::read_const_source(VARDATA_ANY(list_source), VARSIZE_ANY_EXHDR(list_source),
                                  list.value, list.data))
        PG_RETURN_NULL();
    if (old_source != nullptr &&
        !shoal::read_const_source(VARDATA_ANY(old_source), VARSIZE_ANY_EXHDR(old_source),
                                  old_data.value, old_data.data))
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
// shoal.write_stamp (PL/pgSQL), which builds the texts; data NULL for none.
SHOAL_FUNCTION(shoal_write_stamp_text) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("schema and version list must not be null")));
    const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *version_list = text_to_cstring(PG_GETARG_TEXT_PP(1));
    const char *data = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
    shoal::spi_connect();
    shoal::Stamp stamp;
    stamp.list = version_list;
    stamp.data = data;
    stamp.has_old_data = shoal::function_source(schema, "shoal_stamp_const") != nullptr;
    shoal::write_stamp(schema, stamp);
    shoal::spi_finish();
    PG_RETURN_VOID();
}
