// `shoal verify`, the pure part: grouping fingerprints, choosing each group's
// majority, and putting differences between two object lists into words. What a
// schema's objects are is decided by the extension (shoal.schema_objects()); this
// file only compares their rows as text.
#include "verify.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report.h"
#include "text.h"

namespace shoal {

namespace {

// Longer definitions (function bodies, views) are shown as a window around the
// first difference rather than whole.
constexpr size_t kShortDefinition = 100;
constexpr size_t kWindow = 30;

// Objects of a table are named "table.object"; names are quoted by the extension
// where needed, so the first unquoted dot ends the table's name.
std::string owning_table(const std::string &name) {
    bool quoted = false;
    for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '"') quoted = !quoted;
        if (name[i] == '.' && !quoted) return name.substr(0, i);
        if (name[i] == '(') break;  // a function's arguments may hold dots
    }
    return "";
}

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

std::string window(const std::string &text, size_t at) {
    const size_t start = at > kWindow ? at - kWindow : 0;
    return (start ? "…" : "") + single_line(one_line(text.substr(start, 2 * kWindow))) +
           (start + 2 * kWindow < text.size() ? "…" : "");
}

// "type character varying(100), reference text": the reference drops a first
// word both definitions share, so the sentence reads like the example above.
std::string changed(const SchemaObject &object, const std::string &reference) {
    const std::string what = object.kind + " " + single_line(object.name);
    const std::string &mine = object.definition;
    if (std::max(mine.size(), reference.size()) > kShortDefinition ||
        mine.find('\n') != std::string::npos || reference.find('\n') != std::string::npos) {
        const size_t at =
            std::mismatch(mine.begin(), mine.begin() + std::min(mine.size(), reference.size()),
                          reference.begin())
                .first -
            mine.begin();
        return what + " differs: \"" + window(mine, at) + "\", reference \"" +
               window(reference, at) + "\"";
    }
    const size_t space = mine.find(' ');
    std::string shown = reference;
    if (space != std::string::npos && reference.compare(0, space + 1, mine, 0, space + 1) == 0)
        shown = reference.substr(space + 1);
    return what + " " + (mine.empty() ? "(none)" : single_line(mine)) + ", reference " +
           (shown.empty() ? "(none)" : single_line(shown));
}

bool by_key(const SchemaObject &a, const SchemaObject &b) {
    return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
}

std::string versions_label(const std::vector<std::string> &versions) {
    if (versions.empty()) return "no version applied";
    return printable(versions.back()) + " (" + std::to_string(versions.size()) +
           (versions.size() == 1 ? " version)" : " versions)");
}

size_t schema_count(const VersionGroup &group) {
    size_t n = group.reference.schemas.size();
    for (const Variant &outlier : group.outliers) n += outlier.schemas.size();
    return n;
}

}  // namespace

std::vector<VersionGroup> group_fingerprints(const std::vector<SchemaFingerprint> &schemas) {
    std::vector<std::vector<std::string>> order;
    std::map<std::vector<std::string>, std::vector<Variant>> variants;
    for (const SchemaFingerprint &schema : schemas) {
        auto found = variants.find(schema.versions);
        if (found == variants.end()) {
            order.push_back(schema.versions);
            found = variants.emplace(schema.versions, std::vector<Variant>{}).first;
        }
        auto &list = found->second;
        auto variant = std::find_if(list.begin(), list.end(), [&](const Variant &v) {
            return v.fingerprint == schema.fingerprint;
        });
        if (variant == list.end())
            variant = list.insert(list.end(),
                                  Variant{schema.fingerprint, {}, schema.node, schema.schema, {}});
        variant->schemas.push_back(schema.node + ":" + schema.schema);
    }
    std::vector<VersionGroup> groups;
    for (const auto &versions : order) {
        std::vector<Variant> list = std::move(variants[versions]);
        std::sort(list.begin(), list.end(), [](const Variant &a, const Variant &b) {
            if (a.schemas.size() != b.schemas.size()) return a.schemas.size() > b.schemas.size();
            return a.fingerprint < b.fingerprint;
        });
        VersionGroup group{versions, std::move(list.front()), {}};
        group.outliers.assign(std::make_move_iterator(list.begin() + 1),
                              std::make_move_iterator(list.end()));
        groups.push_back(std::move(group));
    }
    return groups;
}

std::vector<std::string> describe_differences(std::vector<SchemaObject> reference,
                                              std::vector<SchemaObject> other) {
    std::sort(reference.begin(), reference.end(), by_key);
    std::sort(other.begin(), other.end(), by_key);
    std::vector<const SchemaObject *> missing, extra;
    std::vector<std::string> out;
    auto r = reference.begin();
    auto o = other.begin();
    while (r != reference.end() || o != other.end()) {
        if (o == other.end() || (r != reference.end() && by_key(*r, *o))) {
            missing.push_back(&*r++);
        } else if (r == reference.end() || by_key(*o, *r)) {
            extra.push_back(&*o++);
        } else {
            if (r->definition != o->definition) out.push_back(changed(*o, r->definition));
            ++r, ++o;
        }
    }
    // A whole table missing or extra says it all about its columns and constraints.
    std::set<std::string> whole_tables;
    for (const auto *list : {&missing, &extra})
        for (const SchemaObject *object : *list)
            if (object->kind == "table") whole_tables.insert(object->name);
    auto report = [&](const std::vector<const SchemaObject *> &list, const std::string &phrase) {
        for (const SchemaObject *object : list)
            if (object->kind == "table" || !whole_tables.count(owning_table(object->name)))
                out.push_back(object->kind + " " + single_line(object->name) + " " + phrase);
    };
    report(missing, "missing");
    report(extra, "not in reference");
    return out;
}

size_t drift_count(const std::vector<VersionGroup> &groups) {
    size_t n = 0;
    for (const VersionGroup &group : groups)
        for (const Variant &outlier : group.outliers) n += outlier.schemas.size();
    return n;
}

std::string format_verify(const std::vector<VersionGroup> &groups) {
    std::string out;
    size_t schemas = 0;
    for (const VersionGroup &group : groups) {
        schemas += schema_count(group);
        if (group.outliers.empty()) continue;
        const size_t differ = schema_count(group) - group.reference.schemas.size();
        out += versions_label(group.versions) + ": " + std::to_string(schema_count(group)) +
               " schemas, " + std::to_string(differ) + " differ from the reference " +
               group.reference.node + ":" + printable(group.reference.schema) + " (like " +
               std::to_string(group.reference.schemas.size()) + ")\n";
        for (const Variant &outlier : group.outliers) {
            std::vector<std::string> names;
            for (const std::string &name : outlier.schemas) names.push_back(printable(name));
            const std::string where = join(collapse(names), ",");
            if (outlier.differences.empty())
                out += "  " + where + ": structure differs (fingerprint " + outlier.fingerprint +
                       ")\n";
            for (const std::string &difference : outlier.differences)
                out += "  " + where + ": " + difference + "\n";
        }
    }
    const size_t drift = drift_count(groups);
    if (drift == 0)
        out += "all " + std::to_string(schemas) +
               " schemas match the reference of their version list\n";
    else
        out += "drift: " + std::to_string(drift) + " of " + std::to_string(schemas) +
               " schemas differ from the reference of their version list\n";
    return out;
}

Json verify_json(const std::vector<VersionGroup> &groups, bool complete, ExitCode code,
                 const std::vector<Unread> &unread, const std::vector<std::string> &standbys) {
    size_t schemas = 0;
    Json list = Json::array();
    for (const VersionGroup &group : groups) {
        schemas += schema_count(group);
        Json outliers = Json::array();
        for (const Variant &outlier : group.outliers)
            outliers.push_back({{"fingerprint", outlier.fingerprint},
                                {"schemas", outlier.schemas},
                                {"differences", outlier.differences}});
        list.push_back({{"versions", group.versions},
                        {"schemas", schema_count(group)},
                        {"reference", group.reference.node + ":" + group.reference.schema},
                        {"fingerprint", group.reference.fingerprint},
                        {"matching", group.reference.schemas.size()},
                        {"outliers", outliers}});
    }
    return json_envelope("verify", code,
                         {{"complete", complete},
                          {"schemas", schemas},
                          {"differing", drift_count(groups)},
                          {"groups", list},
                          {"errors", Json::array()},
                          {"unread", json_unread(unread)},
                          {"standbys", json_standbys(standbys)}});
}

}  // namespace shoal
