// The one JSON writer of every --json document (lint, status, check, verify,
// apply and undo summaries, dry runs, traces). Documents are built as Json
// values, never concatenated; json_text() alone decides how they are written:
// compact on one line, keys in the order they were added, strings as UTF-8
// with the escapes JSON requires, and bytes that are not valid UTF-8 (a schema
// name or a server message in another encoding) replaced by U+FFFD, so the
// output always parses. Field by field, the documents are in docs/json.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace shoal {

// Keeps insertion order: the documents list their fields in the order
// docs/json.md gives them.
using Json = nlohmann::ordered_json;

// `value` as one line of JSON, without a trailing newline.
std::string json_text(const Json &value);

// `text`, or null when it is empty: a document says "none" with null, never "".
Json json_string_or_null(const std::string &text);

// A duration rounded to `decimals` places, as the documents give times
// ("seconds": 1.234, "per_schema_ms": 0.057).
double json_round(double value, int decimals);

}  // namespace shoal
