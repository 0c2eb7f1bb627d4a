// `-- $name=value` directives. Lines are recognised as pg-mig's extractVars
// does (the comment starts the line); unlike pg-mig, an unusable value is an
// error rather than NaN. No I/O.
#include "directives.h"

#include <cctype>
#include <functional>
#include <map>

namespace shoal {
namespace {

std::string trim(const std::string &text) {
    size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

// A non-negative decimal integer, whole text; nullopt otherwise.
std::optional<long> parse_count(const std::string &text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    return std::stol(text);
}

// "500", "500ms", "5s", "2min" → milliseconds, as PostgreSQL's settings read them.
std::optional<long> parse_duration_ms(const std::string &text) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
    }
    std::optional<long> amount = parse_count(text.substr(0, digits));
    if (!amount) return std::nullopt;
    static const std::map<std::string, long> units = {
        {"", 1}, {"ms", 1}, {"s", 1000}, {"min", 60000}};
    auto unit = units.find(trim(text.substr(digits)));
    if (unit == units.end()) return std::nullopt;
    return *amount * unit->second;
}

struct Rule {
    const char *expects;
    std::function<bool(const std::string &, Directives &)> apply;
};

// Stores a positive count; `minimum` 0 admits zero.
std::function<bool(const std::string &, Directives &)> count_into(int Directives::*field,
                                                                  long minimum) {
    return [field, minimum](const std::string &value, Directives &d) {
        std::optional<long> n = parse_count(value);
        if (!n || *n < minimum) return false;
        d.*field = static_cast<int>(*n);
        return true;
    };
}

std::function<bool(const std::string &, Directives &)> duration_into(int Directives::*field) {
    return [field](const std::string &value, Directives &d) {
        std::optional<long> ms = parse_duration_ms(value);
        if (!ms || *ms > 24L * 3600 * 1000) return false;
        d.*field = static_cast<int>(*ms);
        return true;
    };
}

const std::map<std::string, Rule> &rules() {
    static const std::map<std::string, Rule> table = {
        {"$parallelism_per_host",
         {"a positive integer", count_into(&Directives::parallelism_per_host, 1)}},
        {"$parallelism_global",
         {"a positive integer", count_into(&Directives::parallelism_global, 1)}},
        {"$delay", {"milliseconds (an integer >= 0)", count_into(&Directives::delay_ms, 0)}},
        {"$run_alone",
         {"0 or 1",
          [](const std::string &value, Directives &d) {
              if (value != "0" && value != "1") return false;
              d.run_alone = value == "1";
              return true;
          }}},
        {"$lock_timeout",
         {"a duration (500, 500ms, 5s, 2min)", duration_into(&Directives::lock_timeout_ms)}},
        {"$statement_timeout",
         {"a duration (500, 500ms, 5s, 2min)", duration_into(&Directives::statement_timeout_ms)}},
        {"$retries", {"an integer >= 0", count_into(&Directives::retries, 0)}},
    };
    return table;
}

std::string known_names() {
    std::string names;
    for (const auto &[name, rule] : rules()) names += (names.empty() ? "" : ", ") + name;
    return names;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

DirectivesResult parse_directives(const std::string &file, const std::string &text) {
    DirectivesResult result;
    int line_number = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;

        // ^--\s*(\$\w+)\s*=(.+)
        if (line.compare(0, 2, "--") != 0) continue;
        size_t pos = 2;
        while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
        if (pos >= line.size() || line[pos] != '$') continue;
        size_t name_end = pos + 1;
        while (name_end < line.size() && is_word_char(line[name_end])) ++name_end;
        if (name_end == pos + 1) continue;
        size_t equals = name_end;
        while (equals < line.size() && std::isspace(static_cast<unsigned char>(line[equals]))) {
            ++equals;
        }
        if (equals >= line.size() || line[equals] != '=') continue;
        std::string name = line.substr(pos, name_end - pos);
        std::string value = trim(line.substr(equals + 1));
        if (value.empty()) continue;

        SourceLocation where{file, line_number};
        auto rule = rules().find(name);
        if (rule == rules().end()) {
            result.problems.push_back(
                {where, "unknown directive " + name + " (known: " + known_names() + ")"});
        } else if (!rule->second.apply(value, result.directives)) {
            result.problems.push_back({where, "directive " + name + " must be " +
                                                  rule->second.expects + ", not \"" + value +
                                                  "\""});
        }
    }
    return result;
}

}  // namespace shoal
