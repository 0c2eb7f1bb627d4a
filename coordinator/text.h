// Bytes as text, both ways: whether a file's bytes are text PostgreSQL's parser
// and the server will take whole (valid UTF-8, no NUL byte), how a name that
// came from a database (a schema, a version) is shown to people so that it can
// never pass for a line of shoal's own output, and the cuts everyone makes
// (lines, trimmed, shortened for a report). Pure; no I/O.
#pragma once

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace shoal {

// The first reason `text` is not loadable as SQL text: a NUL byte (which ends
// the text wherever it becomes a C string: libpg_query, libpq parameters) or a
// byte sequence that is not valid UTF-8 (PostgreSQL's own rule: no overlong
// forms, no surrogates, nothing above U+10FFFF).
struct TextFlaw {
    int line = 0;      // 1-based
    int column = 0;    // 1-based byte column in that line
    std::string what;  // to follow "the file": "holds a NUL byte, …", "is not valid UTF-8 …"
};
std::optional<TextFlaw> find_text_flaw(const std::string &text);

// `name` as people read it: unchanged when it is printable UTF-8 with no
// backslash or double quote; else in double quotes with C-style escapes
// (\n, \t, \r, \x1b, \\, \", and \xNN for every byte that is not printable
// UTF-8), so a control character, an escape sequence or a newline in a schema
// name shows as what it is instead of acting on the terminal or forging a line.
std::string printable(const std::string &name);

// `text` (a server's message, which may quote a name) on one line: the same
// escapes as printable() for what is not printable, nothing else changed, no quotes.
std::string single_line(const std::string &text);

// The lines of `text`, without their '\n'; none after a final '\n'.
std::vector<std::string> split_lines(const std::string &text);

// `text` without the white space (isspace) it starts and ends with.
std::string trim(const std::string &text);

// `text` on one line for a report: each run of white space one space, cut after
// `max` bytes (back to a character boundary, so UTF-8 stays whole) with "..."
// added when anything was cut.
std::string shortened(const std::string &text, std::size_t max);

// `value` as a SQL string literal, as PostgreSQL's quote_literal() writes it:
// quotes doubled; with a backslash, the E'' form with backslashes doubled, so
// it reads the same whatever standard_conforming_strings is.
std::string quote_literal(const std::string &value);

// `when` in UTC through strftime's `format` ("%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%SZ").
std::string utc_text(std::time_t when, const char *format);

}  // namespace shoal
