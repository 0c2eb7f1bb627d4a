// UTF-8 checking of loaded files, the printable form of names, and the cuts
// reports make. See text.h.
#include "text.h"

#include <cctype>
#include <cstdio>

namespace shoal {
namespace {

// Length of the valid UTF-8 sequence at text[i], 0 when none starts there.
// PostgreSQL's pg_utf8_islegal: shortest form only, no surrogates, at most U+10FFFF.
size_t utf8_length(const std::string &text, size_t i, unsigned &code_point) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    }
    size_t length;
    unsigned min;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, min = 0x80, code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, min = 0x800, code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, min = 0x10000, code_point = lead & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte(i + k) & 0x3F);
    }
    if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
        return 0;
    return length;
}

// Characters that act on a terminal or on how a line reads instead of
// showing: C0 and C1 controls, DEL, line and paragraph separators, and the
// bidirectional overrides and isolates (a name that reorders the text after it).
bool is_unprintable(unsigned code_point) {
    return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F) ||
           code_point == 0x2028 || code_point == 0x2029 ||
           (code_point >= 0x202A && code_point <= 0x202E) ||
           (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0xFEFF;
}

std::string hex_escape(const char *format, unsigned value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

}  // namespace

std::optional<TextFlaw> find_text_flaw(const std::string &text) {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < text.size();) {
        auto flaw = [&](std::string what) {
            return TextFlaw{line, static_cast<int>(i - line_start) + 1, std::move(what)};
        };
        if (text[i] == '\0') {
            return flaw(
                "holds a NUL byte, which would end the text there: everything after it would "
                "silently not run");
        }
        unsigned code_point = 0;
        size_t length = utf8_length(text, i, code_point);
        if (length == 0) {
            std::string bytes;
            for (size_t k = i; k < text.size() && k < i + 4; ++k)
                bytes +=
                    hex_escape(k == i ? "0x%02X" : " 0x%02X", static_cast<unsigned char>(text[k]));
            return flaw("is not valid UTF-8 (bytes " + bytes +
                        "); save the file as UTF-8 (PostgreSQL rejects invalid text)");
        }
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
        i += length;
    }
    return std::nullopt;
}

namespace {

// `text` with every character that is not printable UTF-8 escaped (\n, \t, \r,
// \xNN, \uNNNN). For a name (`quoting`), \ and " are escaped too, and the
// result is quoted when anything was escaped or the name holds a space or a
// comma, which would blur where it ends in a list.
std::string escaped(const std::string &text, bool quoting) {
    std::string out;
    bool plain = !text.empty();
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        unsigned code_point = 0;
        const size_t length = utf8_length(text, i, code_point);
        if (length == 0) {
            out += hex_escape("\\x%02x", c);
            plain = false;
            ++i;
            continue;
        }
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (quoting && (c == '\\' || c == '"')) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (is_unprintable(code_point)) {
            out += code_point < 0x80 ? hex_escape("\\x%02x", code_point)
                                     : hex_escape("\\u%04x", code_point);
        } else {
            out.append(text, i, length);
            if (c != ' ' && c != ',') {
                i += length;
                continue;
            }
        }
        plain = false;
        i += length;
    }
    return quoting && !plain ? "\"" + out + "\"" : out;
}

}  // namespace

std::string printable(const std::string &name) { return escaped(name, true); }

std::string single_line(const std::string &text) { return escaped(text, false); }

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::vector<std::string> split_lines(const std::string &text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string trim(const std::string &text) {
    size_t begin = 0, end = text.size();
    while (begin < end && is_space(text[begin])) ++begin;
    while (end > begin && is_space(text[end - 1])) --end;
    return text.substr(begin, end - begin);
}

std::string shortened(const std::string &text, size_t max) {
    std::string out;
    for (const char c : text) {
        if (is_space(c) && (out.empty() || out.back() == ' ')) continue;
        out += is_space(c) ? ' ' : c;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() <= max) return out;
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
        --cut;  // a continuation byte
    return out.substr(0, cut) + "...";
}

std::string utc_text(std::time_t when, const char *format) {
    std::tm parts{};
    gmtime_r(&when, &parts);
    char text[64];
    return std::string(text, std::strftime(text, sizeof text, format, &parts));
}

std::string quote_literal(const std::string &value) {
    const bool has_backslash = value.find('\\') != std::string::npos;
    std::string quoted = has_backslash ? "E'" : "'";
    for (char c : value) {
        if (c == '\'' || (has_backslash && c == '\\')) quoted += c;
        quoted += c;
    }
    return quoted + "'";
}

}  // namespace shoal
