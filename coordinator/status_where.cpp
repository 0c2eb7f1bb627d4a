// status's "what is missing where": pending versions grouped by the schemas
// lacking them, and recorded failures split into message and detail. Words
// and JSON only.
#include "status_where.h"

#include <algorithm>
#include <map>

#include "text.h"

namespace shoal {

namespace {

// A collapsed schema list longer than this is cut: the line stays readable
// and its count says how many there are.
constexpr size_t kSchemaListBytes = 80;

std::string schema_list(const std::vector<std::string> &schemas) {
    std::vector<std::string> names;
    for (const std::string &schema : schemas) names.push_back(printable(schema));
    const std::string all = join(collapse(names), ",");
    if (all.size() <= kSchemaListBytes) return all;
    const size_t cut = all.rfind(',', kSchemaListBytes);
    return all.substr(0, cut == std::string::npos || cut == 0 ? kSchemaListBytes : cut) + ",…";
}

std::string version_list(const std::vector<std::string> &versions) {
    if (versions.size() > 3)
        return std::to_string(versions.size()) + " versions: " + printable(versions.front()) +
               " … " + printable(versions.back());
    std::vector<std::string> names;
    for (const std::string &version : versions) names.push_back(printable(version));
    return join(names, ", ");
}

}  // namespace

std::vector<PendingGroup> group_pending(const NodePlan &plan) {
    std::map<std::vector<std::string>, std::vector<std::string>> by_versions;
    for (const SchemaPlan &schema : plan.schemas) {
        std::vector<std::string> versions;
        for (const Version *step : schema.steps) versions.push_back(step->name);
        by_versions[versions].push_back(schema.schema);
    }
    std::vector<PendingGroup> groups;
    for (auto &[versions, schemas] : by_versions) {
        std::sort(schemas.begin(), schemas.end());
        groups.push_back(PendingGroup{versions, schemas});
    }
    std::stable_sort(groups.begin(), groups.end(), [](const auto &a, const auto &b) {
        return a.schemas.size() > b.schemas.size();
    });
    return groups;
}

std::string format_pending(const PendingGroup &group) {
    const size_t count = group.schemas.size();
    return schema_list(group.schemas) +
           (count == 1 ? " lacks " : " (" + std::to_string(count) + ") lack ") +
           version_list(group.versions);
}

std::vector<std::string> format_pending_lines(const std::vector<PendingGroup> &groups,
                                              size_t max_lines) {
    std::vector<std::string> lines;
    size_t rest_schemas = 0;
    for (size_t i = 0; i < groups.size(); ++i) {
        if (i < max_lines)
            lines.push_back(format_pending(groups[i]));
        else
            rest_schemas += groups[i].schemas.size();
    }
    if (groups.size() > max_lines) {
        const size_t rest = groups.size() - max_lines;
        lines.push_back(
            "… and " + std::to_string(rest) + (rest == 1 ? " more group: " : " more groups: ") +
            std::to_string(rest_schemas) + (rest_schemas == 1 ? " schema" : " schemas") +
            " (--json lists every group)");
    }
    return lines;
}

Json json_pending(const std::vector<PendingGroup> &groups) {
    Json out = Json::array();
    for (const PendingGroup &group : groups)
        out.push_back({{"versions", group.versions},
                       {"schemas", group.schemas.size()},
                       {"where", collapse(group.schemas)}});
    return out;
}

SchemaError recorded_failure(const std::string &node, const std::string &schema,
                             const std::string &version, const std::string &recorded) {
    const std::vector<std::string> lines = split_lines(recorded);
    SchemaError error{node, schema, version, lines.empty() ? "" : lines.front(), ""};
    const std::string label = "DETAIL: ";
    for (size_t i = 1; i < lines.size() && error.detail.empty(); ++i)
        if (lines[i].rfind(label, 0) == 0) error.detail = lines[i].substr(label.size());
    return error;
}

}  // namespace shoal
