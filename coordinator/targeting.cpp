// Targeting: parsing --schemas, --nodes and --canary, matching schema names,
// and cutting a plan at --to. Strings and plans only; no I/O.
#include "targeting.h"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "text.h"

namespace shoal {
namespace {

std::vector<std::string> split_commas(const std::string &text) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) items.push_back(trim(item));
    if (text.empty() || text.back() == ',') items.push_back("");
    return items;
}

bool glob_matches(const char *pattern, const char *name) {
    for (; *pattern; ++pattern, ++name) {
        if (*pattern == '*') {
            for (const char *rest = name;; ++rest) {
                if (glob_matches(pattern + 1, rest)) return true;
                if (!*rest) return false;
            }
        }
        if (!*name || (*pattern != '?' && *pattern != *name)) return false;
    }
    return !*name;
}

// "20" < "3" as text, not as numbers: compares digit strings by value.
bool number_less(const std::string &a, const std::string &b) {
    const size_t a_start = std::min(a.find_first_not_of('0'), a.size());
    const size_t b_start = std::min(b.find_first_not_of('0'), b.size());
    const std::string x = a.substr(a_start), y = b.substr(b_start);
    return x.size() != y.size() ? x.size() < y.size() : x < y;
}

}  // namespace

std::optional<std::vector<SchemaPattern>> parse_schema_patterns(
    const std::vector<std::string> &values, std::string &error) {
    static const std::regex range(R"(^(.*?)(\d+)-(\d+)$)");
    static const std::regex ends_in_digits(R"(^(.*?)\d+$)");
    static const std::regex digits_only(R"(^\d+(-\d+)?$)");
    std::vector<SchemaPattern> patterns;
    for (const std::string &value : values) {
        std::string continued;  // the prefix of the previous item, for "sh0001-0003,0008"
        for (const std::string &item : split_commas(value)) {
            if (item.empty()) {
                error = "--schemas \"" + value + "\" has an empty item";
                return std::nullopt;
            }
            // A shell's or SQL's character class would otherwise be an exact
            // name that matches nothing, silently.
            if (item.find_first_of("[]") != std::string::npos) {
                error = "--schemas \"" + item +
                        "\": brackets are not supported; use a glob (sh00*: * any run of "
                        "characters, ? one character), a range (sh0000-0099) or exact names, "
                        "comma separated (sh0*,sh1* for sh[01]*)";
                return std::nullopt;
            }
            const std::string text = std::regex_match(item, digits_only) ? continued + item : item;
            SchemaPattern pattern;
            pattern.text = text;
            std::smatch match;
            if (text.find_first_of("*?") != std::string::npos) {
                pattern.kind = SchemaPattern::Kind::Glob;
            } else if (std::regex_match(text, match, range)) {
                pattern.kind = SchemaPattern::Kind::Range;
                pattern.prefix = match[1];
                pattern.first = match[2];
                pattern.last = match[3];
                if (number_less(pattern.last, pattern.first)) {
                    error = "--schemas: the range \"" + text + "\" ends before it starts";
                    return std::nullopt;
                }
            }
            continued = pattern.kind == SchemaPattern::Kind::Range      ? pattern.prefix
                        : std::regex_match(text, match, ends_in_digits) ? std::string(match[1])
                                                                        : std::string();
            patterns.push_back(std::move(pattern));
        }
    }
    return patterns;
}

bool matches(const SchemaPattern &pattern, const std::string &schema) {
    switch (pattern.kind) {
        case SchemaPattern::Kind::Exact:
            return schema == pattern.text;
        case SchemaPattern::Kind::Glob:
            return glob_matches(pattern.text.c_str(), schema.c_str());
        case SchemaPattern::Kind::Range: {
            if (schema.size() != pattern.prefix.size() + pattern.first.size() ||
                schema.compare(0, pattern.prefix.size(), pattern.prefix) != 0)
                return false;
            const std::string number = schema.substr(pattern.prefix.size());
            return number.find_first_not_of("0123456789") == std::string::npos &&
                   !number_less(number, pattern.first) && !number_less(pattern.last, number);
        }
    }
    return false;
}

bool targeted(const std::vector<SchemaPattern> &patterns, const std::string &schema) {
    return patterns.empty() ||
           std::any_of(patterns.begin(), patterns.end(),
                       [&](const SchemaPattern &pattern) { return matches(pattern, schema); });
}

std::vector<NodeState> targeted_states(std::vector<NodeState> nodes,
                                       const std::vector<SchemaPattern> &patterns) {
    for (NodeState &node : nodes)
        node.schemas.erase(std::remove_if(node.schemas.begin(), node.schemas.end(),
                                          [&](const SchemaState &schema) {
                                              return !targeted(patterns, schema.schema);
                                          }),
                           node.schemas.end());
    return nodes;
}

std::vector<std::string> unmatched(const std::vector<SchemaPattern> &patterns,
                                   const std::vector<NodeState> &nodes) {
    std::vector<std::string> out;
    for (const SchemaPattern &pattern : patterns) {
        const bool found = std::any_of(nodes.begin(), nodes.end(), [&](const NodeState &node) {
            return std::any_of(
                node.schemas.begin(), node.schemas.end(),
                [&](const SchemaState &schema) { return matches(pattern, schema.schema); });
        });
        if (!found) out.push_back(pattern.text);
    }
    return out;
}

std::vector<std::string> unknown_schemas(const std::vector<std::string> &names,
                                         const std::vector<NodeState> &nodes) {
    std::vector<SchemaPattern> exact;
    for (const std::string &name : names) {
        exact.emplace_back();
        exact.back().text = name;
    }
    return unmatched(exact, nodes);
}

std::vector<size_t> select_nodes(const std::vector<std::string> &displays, const std::string &list,
                                 std::string &error) {
    std::set<size_t> chosen;
    for (const std::string &item : split_commas(list)) {
        const auto named = std::find(displays.begin(), displays.end(), item);
        size_t position = 0;
        if (named != displays.end()) {
            chosen.insert(static_cast<size_t>(named - displays.begin()));
            continue;
        }
        if (!item.empty() && item.find_first_not_of("0123456789") == std::string::npos &&
            item.size() < 6 && (position = std::stoul(item)) >= 1 && position <= displays.size()) {
            chosen.insert(position - 1);
            continue;
        }
        std::string valid;
        for (size_t i = 0; i < displays.size(); ++i)
            valid += (i ? ", " : "") + std::to_string(i + 1) + " " + displays[i];
        error = "--nodes: no node \"" + printable(item) + "\"; the nodes of --hosts are: " + valid;
        return {};
    }
    return {chosen.begin(), chosen.end()};
}

bool parse_canary(const std::string &text, WaveOptions &waves, std::string &error) {
    static const std::regex count(R"(^\d{1,9}$)");
    if (std::regex_match(text, count)) {
        waves.canary = std::stoi(text);
        if (waves.canary >= 1) return true;
        error = "--canary must be a positive number of schemas, or schema names";
        return false;
    }
    for (const std::string &name : split_commas(text)) {
        if (name.empty()) {
            error = "--canary \"" + text + "\" has an empty schema name";
            return false;
        }
        waves.canary_schemas.push_back(name);
    }
    return true;
}

const Version *resolve_version(const MigrationDir &dir, const std::string &name,
                               const std::string &option, std::string &error) {
    const Version *version = find_version(dir, name);
    if (!version)
        error = option + ": no such version in " + dir.path + ": " + printable(name) +
                " (shoal list shows the versions)";
    return version;
}

void cut_plan(Plan &plan, const Version &to) {
    for (NodePlan &node : plan.nodes) {
        for (SchemaPlan &schema : node.schemas)
            schema.steps.erase(
                std::remove_if(schema.steps.begin(), schema.steps.end(),
                               [&](const Version *step) { return step->name > to.name; }),
                schema.steps.end());
        node.schemas.erase(
            std::remove_if(node.schemas.begin(), node.schemas.end(),
                           [](const SchemaPlan &schema) { return schema.steps.empty(); }),
            node.schemas.end());
    }
}

std::vector<std::string> past_version(const std::vector<NodeState> &nodes, const Version &to) {
    std::vector<std::string> past;
    for (const NodeState &node : nodes)
        for (const SchemaState &schema : node.schemas)
            if (std::any_of(schema.applied.begin(), schema.applied.end(),
                            [&](const AppliedVersion &have) { return have.name > to.name; }))
                past.push_back(node.node + ":" + schema.schema);
    return past;
}

bool covers_everything(const Targeting &target, const MigrationDir &dir) {
    const Version *to = target.to.empty() ? nullptr : find_version(dir, target.to);
    const bool to_head = !to || dir.versions.empty() || to->name == dir.versions.back().name;
    return target.schemas.empty() && !target.node_subset && to_head;
}

}  // namespace shoal
