// The JSON writer: formatting decisions for every --json document.
#include "json.h"

#include <cmath>

namespace shoal {

std::string json_text(const Json &value) {
    // indent -1: compact; ensure_ascii false: UTF-8 as is; replace: invalid
    // bytes become U+FFFD instead of an exception in the middle of a report.
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json json_string_or_null(const std::string &text) {
    return text.empty() ? Json(nullptr) : Json(text);
}

double json_round(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

}  // namespace shoal
