// shoal.const_value(fn_schema, fn_name, fn_source): the text a constant function
// returns, read from its source `SELECT '<literal>';` as pg-mig and shoal write it,
// never by running it. 1.0 matched a regular expression in PL/pgSQL; every apply
// reads the stamp and `shoal status` reads every schema's, and the parse below
// costs a small fraction of that. It accepts exactly what the expression did:
//   ^\s*SELECT\s+'((?:[^']|'')*)'\s*;?\s*$   (SELECT in any case)
// and, since 1.5, shoal's per-version data in a comment after it (stamp.cpp):
//   ... ;? \s* -- shoal <data without a line break> \s*$
// shoal.stamp_problem() (1.4, at the end) says why a stamp cannot be read, without
// raising, for the functions that read every schema at once.
#include <cstring>
#include <string>

#include "boundary.hpp"
#include "const_value.hpp"
#include "pg_calls.hpp"

extern "C" {
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
}

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

namespace shoal {

bool read_const_source(const char *source, size_t length, std::string &value, std::string &data) {
    const char *p = source;
    const char *end = source + length;
    while (p < end && is_space(*p)) ++p;
    if (end - p < 6 || pg_strncasecmp(p, "select", 6) != 0) return false;
    p += 6;
    if (p == end || !is_space(*p)) return false;
    while (p < end && is_space(*p)) ++p;
    if (p == end || *p != '\'') return false;
    ++p;
    while (true) {
        if (p == end) return false;  // unterminated
        if (*p != '\'') {
            value.push_back(*p++);
        } else if (p + 1 < end && p[1] == '\'') {
            value.push_back('\'');
            p += 2;
        } else {
            ++p;  // the closing quote
            break;
        }
    }
    while (p < end && is_space(*p)) ++p;
    if (p < end && *p == ';') ++p;
    while (p < end && is_space(*p)) ++p;
    // A comment runs to the next line break (PostgreSQL's scanner: --[^\n\r]*), so
    // nothing in the data can end it early or add a statement after it.
    const size_t marker_length = strlen(kDataMarker);
    if (static_cast<size_t>(end - p) >= marker_length &&
        strncmp(p, kDataMarker, marker_length) == 0) {
        p += marker_length;
        const char *data_start = p;
        while (p < end && *p != '\n' && *p != '\r') ++p;
        data.assign(data_start, p);
        while (p < end && is_space(*p)) ++p;
    }
    return p == end;
}

}  // namespace shoal

namespace {

// The literal's value (doubled quotes undone), or false when `source` has any
// other form; shoal's data after it is not needed here.
bool read_const_literal(const char *source, size_t length, std::string &value) {
    std::string data;
    return shoal::read_const_source(source, length, value, data);
}

}  // namespace

// SH006, naming the function.
[[noreturn]] static void not_a_constant(const char *schema, const char *name) {
    shoal::report_error(
        MAKE_SQLSTATE('S', 'H', '0', '0', '6'),
        std::string("shoal cannot read ") + schema + "." + name + "(): its body is not a constant",
        "Recreate the function in that form with the same value.",
        "shoal reads stamps from their source and never runs them; it expects the body "
        "SELECT '<text>'; that pg-mig writes.");
}

SHOAL_FUNCTION(shoal_const_value) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = PG_ARGISNULL(0) ? "?" : quote_identifier(NameStr(*PG_GETARG_NAME(0)));
    const char *name = PG_ARGISNULL(1) ? "?" : quote_identifier(NameStr(*PG_GETARG_NAME(1)));
    text *source = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);

    std::string value;
    if (source == nullptr ||
        !read_const_literal(VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source), value))
        not_a_constant(schema, name);
    PG_RETURN_TEXT_P(shoal::make_text(value));
}

namespace shoal {

bool read_const_function(const char *schema, const char *name, ConstFunction &found) {
    text *source = function_source(schema, name, &found.written_by);
    if (source == nullptr) return false;
    if (!read_const_source(VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source), found.value,
                           found.data)) {
        const char *quoted_schema = nullptr;
        const char *quoted_name = nullptr;
        pg_guard([&] {
            quoted_schema = quote_identifier(schema);
            quoted_name = quote_identifier(name);
        });
        not_a_constant(quoted_schema, quoted_name);
    }
    return true;
}

}  // namespace shoal

// shoal.const_of(schema, name): the same for the function schema.name() taking no
// arguments, looked up in the catalog cache; NULL when there is none.
SHOAL_FUNCTION(shoal_const_of) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
    shoal::ConstFunction found;
    if (!shoal::read_const_function(schema, name, found)) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(shoal::make_text(found.value));
}

// shoal.stamp_problem(schema, version_list_source, extra_source): why a schema's
// stamp cannot be read (the message mig_apply would raise with SH006), or NULL
// when it can. stamps() and applied read every schema at once, and one hostile or
// hand-broken stamp must fail that schema alone, by name, never the whole node; so
// this reports instead of raising. The sources are prosrc of mig_versions_const()
// and of a stamp's shoal_stamp_const() from before 1.5 (NULL where missing).
namespace {

#if PG_VERSION_NUM >= 160000
#define JSON_CALLBACK_RESULT JsonParseErrorType
#define JSON_CALLBACK_DONE return JSON_SUCCESS
#else
#define JSON_CALLBACK_RESULT void
#define JSON_CALLBACK_DONE return
#endif

// Whether JSON text is an array of strings, followed as pg_parse_json walks it.
struct StringArrayCheck {
    int depth;
    bool is_string_array;
};

JSON_CALLBACK_RESULT not_a_string_array(void *state) {
    static_cast<StringArrayCheck *>(state)->is_string_array = false;
    JSON_CALLBACK_DONE;
}

JSON_CALLBACK_RESULT array_start(void *state) {
    auto *check = static_cast<StringArrayCheck *>(state);
    if (++check->depth > 1) check->is_string_array = false;
    JSON_CALLBACK_DONE;
}

JSON_CALLBACK_RESULT array_end(void *state) {
    --static_cast<StringArrayCheck *>(state)->depth;
    JSON_CALLBACK_DONE;
}

JSON_CALLBACK_RESULT scalar(void *state, char *, JsonTokenType type) {
    auto *check = static_cast<StringArrayCheck *>(state);
    if (check->depth != 1 || type != JSON_TOKEN_STRING) check->is_string_array = false;
    JSON_CALLBACK_DONE;
}

// Parses json (no ereport for bad input: pg_parse_json returns its verdict) and
// says whether it is valid, and whether it is an array of strings. Strings are
// de-escaped as jsonb does, so what jsonb refuses (\u0000) is invalid here too.
void check_json(const std::string &json, bool &valid, bool &string_array) {
    const char *bytes = json.data();
    const int length = static_cast<int>(json.size());
    StringArrayCheck check{0, true};
    JsonParseErrorType result = JSON_SUCCESS;
    shoal::pg_guard([&] {
        JsonSemAction actions = {};
        actions.semstate = &check;
        actions.object_start = not_a_string_array;
        actions.array_start = array_start;
        actions.array_end = array_end;
        actions.scalar = scalar;
#if PG_VERSION_NUM >= 170000
        JsonLexContext *lex =
            makeJsonLexContextCstringLen(nullptr, bytes, length, GetDatabaseEncoding(), true);
#else
        JsonLexContext *lex = makeJsonLexContextCstringLen(const_cast<char *>(bytes), length,
                                                           GetDatabaseEncoding(), true);
#endif
        result = pg_parse_json(lex, &actions);
    });
    valid = result == JSON_SUCCESS;
    string_array = valid && check.is_string_array;
}

// The problem with one stamp function's source, or "" when it reads as JSON (an
// array of strings when `array` is set).
std::string source_problem(const char *quoted_schema, const char *name, text *source, bool array) {
    if (source == nullptr) return std::string();
    std::string value, data;
    const std::string function = std::string(quoted_schema) + "." + name + "()";
    if (!shoal::read_const_source(VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source), value, data))
        return "shoal cannot read " + function + ": its body is not a constant";
    bool valid = false, string_array = false;
    check_json(value, valid, string_array);
    if (array && !string_array)
        return "shoal cannot read " + function + ": it is not a JSON array of version names";
    if (!valid) return "shoal cannot read " + function + ": it is not JSON";
    if (!data.empty()) {
        check_json(data, valid, string_array);
        if (!valid)
            return "shoal cannot read " + function + ": shoal's data after its value is not JSON";
    }
    return std::string();
}

}  // namespace

SHOAL_FUNCTION(shoal_stamp_problem) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema =
        PG_ARGISNULL(0) ? "?" : quote_identifier(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    text *version_list = PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1);
    text *extra = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
    std::string problem = source_problem(schema, "mig_versions_const", version_list, true);
    if (problem.empty()) problem = source_problem(schema, "shoal_stamp_const", extra, false);
    if (problem.empty()) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(shoal::make_text(problem));
}
