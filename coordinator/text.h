// Bytes as text: whether a file's bytes are text PostgreSQL's parser and the
// server will take whole (valid UTF-8, no NUL byte). Pure; no I/O.
#pragma once

#include <optional>
#include <string>

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

}  // namespace shoal
