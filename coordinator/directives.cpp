// `-- $name=value` directives, read as pg-mig reads them (extractVars.ts: the
// regex ^--\s*(\$\w+)\s*=([^\r\n]+) on each line, then parseInt(value.trim()),
// then Registry.ts buildFile: `x || Infinity` for the parallelisms, `x || 0`
// for $delay, `!!x` for $run_alone), so a value means here what it means
// there; odd text gets a warning. shoal's own directives are spelled
// `-- shoal $name=value`, a line pg-mig's regex does not match; in pg-mig's
// spelling they still work, with a warning, since pg-mig refuses them. No I/O.
#include "directives.h"

#include <cctype>
#include <climits>
#include <functional>
#include <map>

#include "online_change.h"
#include "text.h"

namespace shoal {
namespace {

// JavaScript's parseInt(text) with no radix, for `text` already trimmed: an
// optional sign, "0x"/"0X" for hexadecimal, then the longest run of digits;
// none is NaN. The magnitude saturates (only "more than INT_MAX" matters here).
struct JsInt {
    bool nan = true;
    long long value = 0;
    bool plain = false;  // the whole text was decimal digits: nothing odd about it
};

JsInt js_parse_int(const std::string &text) {
    JsInt out;
    out.plain = !text.empty();
    for (char c : text) out.plain = out.plain && std::isdigit(static_cast<unsigned char>(c));
    size_t pos = 0;
    bool negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';
    int base = 10;
    if (text.compare(pos, 2, "0x") == 0 || text.compare(pos, 2, "0X") == 0) {
        base = 16;
        pos += 2;
    }
    const long long kCap = 1LL << 40;
    for (; pos < text.size(); ++pos) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos])));
        int digit = c >= '0' && c <= '9' ? c - '0'
                                         : (base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
        if (digit < 0) break;
        out.nan = false;
        out.value = std::min(kCap, out.value * base + digit);
    }
    if (negative) out.value = -out.value;
    return out;
}

std::string read_as(const JsInt &n) { return n.nan ? "NaN" : std::to_string(n.value); }

// What applying a value found: an error, or a note on what it was taken to mean.
struct Outcome {
    std::string error;
    std::string note;
};

using Apply = std::function<Outcome(const std::string &, Directives &)>;

// pg-mig's `parseInt(x) || Infinity`, then a semaphore of that size: NaN and 0
// are no limit; a negative size is never acquired, so pg-mig would wait forever.
Apply parallelism_into(int Directives::*field) {
    return [field](const std::string &value, Directives &d) -> Outcome {
        JsInt n = js_parse_int(value);
        if (!n.nan && n.value < 0)
            return {"is " + read_as(n) +
                        " to pg-mig's parseInt, a limit no run ever gets under: "
                        "pg-mig would wait forever for this version; write a positive count",
                    ""};
        d.*field =
            n.nan || n.value == 0 ? -1 : static_cast<int>(std::min<long long>(n.value, INT_MAX));
        if (n.plain && n.value != 0) return {};
        return {"", "pg-mig's parseInt reads \"" + value + "\" as " + read_as(n) + ": " +
                        (d.*field == -1 ? "no limit" : "a limit of " + std::to_string(d.*field))};
    };
}

// pg-mig waits `parseInt(x) || 0` ms when that is > 0, with Node's setTimeout,
// which waits 1 ms for anything above 2^31-1.
Outcome delay_into(const std::string &value, Directives &d) {
    JsInt n = js_parse_int(value);
    d.delay_ms = n.nan || n.value <= 0 ? -1 : n.value > INT_MAX ? 1 : static_cast<int>(n.value);
    if (n.plain && n.value <= INT_MAX) return {};
    return {"", "pg-mig reads \"" + value + "\" as " + read_as(n) + " ms: " +
                    (d.delay_ms == -1 ? "no delay"
                     : n.value > INT_MAX
                         ? "1 ms (Node's setTimeout waits 1 ms for more than 2147483647)"
                         : "a delay of " + std::to_string(d.delay_ms) + " ms")};
}

// pg-mig: `!!parseInt(x)`.
Outcome run_alone_into(const std::string &value, Directives &d) {
    JsInt n = js_parse_int(value);
    d.run_alone = !n.nan && n.value != 0;
    if (value == "0" || value == "1") return {};
    return {"", "pg-mig's parseInt reads \"" + value + "\" as " + read_as(n) + ", so this means " +
                    (d.run_alone ? "$run_alone=1" : "$run_alone=0 (not alone)")};
}

// shoal's own directives: pg-mig never reads them, so they are strict.
Apply count_into(int Directives::*field) {
    return [field](const std::string &value, Directives &d) -> Outcome {
        JsInt n = js_parse_int(value);
        if (!n.plain || n.value > 1000000)
            return {"must be an integer >= 0, not \"" + value + "\"", ""};
        d.*field = static_cast<int>(n.value);
        return {};
    };
}

Apply duration_into(int Directives::*field) {
    return [field](const std::string &value, Directives &d) -> Outcome {
        std::optional<long> ms = parse_duration_ms(value);
        if (!ms || *ms > 24L * 3600 * 1000)
            return {"must be a duration (500, 500ms, 5s, 2min), not \"" + value + "\"", ""};
        d.*field = static_cast<int>(*ms);
        return {};
    };
}

const std::map<std::string, Apply> &pg_mig_rules() {
    static const std::map<std::string, Apply> table = {
        {"$parallelism_per_host", parallelism_into(&Directives::parallelism_per_host)},
        {"$parallelism_global", parallelism_into(&Directives::parallelism_global)},
        {"$delay", delay_into},
        {"$run_alone", run_alone_into},
    };
    return table;
}

const std::map<std::string, Apply> &shoal_rules() {
    static const std::map<std::string, Apply> table = {
        {"$lock_timeout", duration_into(&Directives::lock_timeout_ms)},
        {"$statement_timeout", duration_into(&Directives::statement_timeout_ms)},
        {"$retries", count_into(&Directives::retries)},
        {"$retry_for", duration_into(&Directives::retry_for_ms)},
    };
    return table;
}

std::string known_names() {
    std::string names;
    for (const auto &[name, rule] : pg_mig_rules()) names += (names.empty() ? "" : ", ") + name;
    for (const auto &[name, rule] : shoal_rules()) names += ", shoal " + name;
    return names;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

size_t skip_spaces(const std::string &line, size_t pos) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    return pos;
}

// `$name` then optional spaces then `=` at `pos`; the end of the name, or npos.
size_t name_then_equals(const std::string &line, size_t pos, size_t &equals) {
    if (pos >= line.size() || line[pos] != '$') return std::string::npos;
    size_t name_end = pos + 1;
    while (name_end < line.size() && is_word_char(line[name_end])) ++name_end;
    if (name_end == pos + 1) return std::string::npos;
    equals = skip_spaces(line, name_end);
    if (equals >= line.size() || line[equals] != '=') return std::string::npos;
    return name_end;
}

}  // namespace

std::optional<long> parse_duration_ms(const std::string &text) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    long amount = std::stol(text.substr(0, digits));
    static const std::map<std::string, long> units = {
        {"", 1}, {"ms", 1}, {"s", 1000}, {"min", 60000}};
    auto unit = units.find(trim(text.substr(digits)));
    if (unit == units.end()) return std::nullopt;
    return amount * unit->second;
}

DirectivesResult parse_directives(const std::string &file, const std::string &text) {
    DirectivesResult result;
    int line_number = 0;
    for (const std::string &line : split_lines(text)) {
        ++line_number;
        if (line.compare(0, 2, "--") != 0) continue;
        size_t pos = skip_spaces(line, 2);
        // `-- shoal $name=value`: shoal's own, invisible to pg-mig's regex.
        bool shoal_spelling = false;
        if (line.compare(pos, 5, "shoal") == 0 && pos + 5 < line.size() &&
            std::isspace(static_cast<unsigned char>(line[pos + 5]))) {
            shoal_spelling = true;
            pos = skip_spaces(line, pos + 5);
        }
        size_t equals = 0;
        size_t name_end = name_then_equals(line, pos, equals);
        if (name_end == std::string::npos) continue;
        std::string name = line.substr(pos, name_end - pos);
        // pg-mig's ([^\r\n]+): at least one character, spaces count.
        std::string raw = line.substr(equals + 1);
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (raw.empty()) continue;
        std::string value = trim(raw);

        // An online version's declaration: online_change.h reads it.
        if (shoal_spelling && is_online_directive(name)) continue;
        SourceLocation where{file, line_number};
        auto pg_mig = pg_mig_rules().find(name);
        auto own = shoal_rules().find(name);
        Outcome outcome;
        if (shoal_spelling && pg_mig != pg_mig_rules().end()) {
            result.problems.push_back({where, name + " is pg-mig's directive: write it as -- " +
                                                  name + "=" + value +
                                                  " so that pg-mig reads it too"});
            continue;
        }
        if (own != shoal_rules().end()) {
            outcome = own->second(value, result.directives);
            if (!shoal_spelling && outcome.error.empty())
                result.warnings.push_back(
                    {where, "pg-mig refuses a directory with this line (\"Unknown variable " +
                                name + "\"); write it as -- shoal " + name + "=" + value +
                                ", which pg-mig ignores and shoal reads the same"});
        } else if (pg_mig != pg_mig_rules().end()) {
            outcome = pg_mig->second(value, result.directives);
        } else {
            result.problems.push_back(
                {where,
                 "unknown directive " + name + " (known: " + known_names() + ")" +
                     (shoal_spelling ? "" : "; pg-mig refuses it too (\"Unknown variable\")")});
            continue;
        }
        if (!outcome.error.empty())
            result.problems.push_back({where, "directive " + name + " " + outcome.error});
        if (!outcome.note.empty())
            result.warnings.push_back(
                {where, "directive " + name + "=" + value + ": " + outcome.note});
    }
    return result;
}

}  // namespace shoal
