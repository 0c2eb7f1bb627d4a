// history's filters, the coordinator's marks, the merge across nodes and the
// words of an event. No I/O; the clock is a parameter.
#include "history.h"

#include <algorithm>
#include <regex>

#include "report.h"
#include "text.h"

namespace shoal {

namespace {

// A detail longer than this is shortened in the text; --json has all of it.
constexpr size_t kDetailBytes = 160;

std::string iso_utc(std::time_t when) { return utc_text(when, "%Y-%m-%dT%H:%M:%SZ"); }

std::string shown(const std::optional<std::string> &name) { return name ? printable(*name) : "-"; }

}  // namespace

const std::vector<std::string> &history_actions() {
    static const std::vector<std::string> actions = {"apply",  "undo",       "mark",     "forget",
                                                     "fail",   "pause",      "resume",   "cancel",
                                                     "expand", "backfilled", "contract", "abort"};
    return actions;
}

std::string history_action_error(const std::string &action) {
    const auto &actions = history_actions();
    if (std::find(actions.begin(), actions.end(), action) != actions.end()) return "";
    return "--action must be one of " + join(actions, ", ") + ", not \"" + action + "\"";
}

std::optional<std::string> parse_since(const std::string &text, std::time_t now,
                                       std::string &error) {
    static const std::regex duration(R"(^(\d{1,9})([smhdw])$)");
    static const std::regex moment(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z?$)");
    std::smatch m;
    if (std::regex_match(text, m, duration)) {
        const long long unit = m[2] == "s"   ? 1
                               : m[2] == "m" ? 60
                               : m[2] == "h" ? 3600
                               : m[2] == "d" ? 86400
                                             : 604800;
        return iso_utc(now - static_cast<std::time_t>(std::stoll(m[1]) * unit));
    }
    if (std::regex_match(text, m, moment)) {
        std::tm parts{};
        parts.tm_year = std::stoi(m[1]) - 1900;
        parts.tm_mon = std::stoi(m[2]) - 1;
        parts.tm_mday = std::stoi(m[3]);
        parts.tm_hour = m[4].matched ? std::stoi(m[4]) : 0;
        parts.tm_min = m[5].matched ? std::stoi(m[5]) : 0;
        parts.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
        const std::tm wanted = parts;
        const std::time_t when = timegm(&parts);
        // timegm normalizes: a 30 February or a 25:00 comes back as another day.
        if (parts.tm_mday == wanted.tm_mday && parts.tm_mon == wanted.tm_mon &&
            parts.tm_hour == wanted.tm_hour && parts.tm_min == wanted.tm_min &&
            parts.tm_sec == wanted.tm_sec)
            return iso_utc(when);
    }
    error =
        "--since takes a UTC date or time (2026-12-01, 2026-12-01T10:30[:00][Z]) or a "
        "duration back from now (90s, 30m, 2h, 3d, 1w), not \"" +
        text + "\"";
    return std::nullopt;
}

CoordinatorMarks coordinator_marks(const MigrationDir &dir) {
    CoordinatorMarks marks;
    for (const Version &version : dir.versions) {
        if (!version.up.solo && !version.up.from_environment()) continue;
        for (const std::string &checksum : {version.up.checksum, version.up.checksum_with_values}) {
            if (checksum.empty()) continue;
            marks.versions.push_back(version.name);
            marks.checksums.push_back(checksum);
        }
    }
    return marks;
}

std::vector<HistoryEvent> merge_newest_first(const std::vector<std::vector<HistoryEvent>> &per_node,
                                             const SchemaPredicate &covers, size_t limit) {
    struct Placed {
        size_t node;
        const HistoryEvent *event;
    };
    std::vector<Placed> all;
    for (size_t node = 0; node < per_node.size(); ++node)
        for (const HistoryEvent &event : per_node[node])
            if (!covers || (event.schema && covers(*event.schema)))
                all.push_back(Placed{node, &event});
    // The times are fixed-width ISO 8601 in UTC: as text they sort as times.
    std::sort(all.begin(), all.end(), [](const Placed &a, const Placed &b) {
        if (a.event->finished_at != b.event->finished_at)
            return a.event->finished_at > b.event->finished_at;
        if (a.node != b.node) return a.node < b.node;
        return a.event->id > b.event->id;
    });
    std::vector<HistoryEvent> out;
    for (size_t i = 0; i < all.size() && i < limit; ++i) out.push_back(*all[i].event);
    return out;
}

std::vector<std::string> format_history(const std::vector<HistoryEvent> &events) {
    std::vector<std::vector<std::string>> rows;
    for (const HistoryEvent &event : events) {
        std::string detail =
            event.detail ? shortened(single_line(*event.detail), kDetailBytes) : "";
        if (event.action != event.recorded)
            detail = "recorded as " + event.recorded + ": shoal runs this version itself" +
                     (detail.empty() ? "" : "; " + detail);
        rows.push_back({event.finished_at.substr(0, 19) + "Z", event.node, shown(event.schema),
                        shown(event.version), event.action, printable(event.role), detail});
    }
    std::vector<size_t> widths(7, 0);
    for (const auto &row : rows)
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    std::vector<std::string> lines;
    for (const auto &row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            if (i + 1 == row.size()) {
                line += row[i];
                break;
            }
            line += row[i] + std::string(widths[i] - row[i].size() + 2, ' ');
        }
        lines.push_back(trim(line));
    }
    return lines;
}

Json json_event(const HistoryEvent &event) {
    const auto nullable = [](const std::optional<std::string> &value) {
        return value ? Json(*value) : Json(nullptr);
    };
    return {{"time", event.finished_at},
            {"node", event.node},
            {"schema", nullable(event.schema)},
            {"version", nullable(event.version)},
            {"action", event.action},
            {"recorded_action", event.recorded},
            {"role", event.role},
            {"started_at", event.started_at},
            {"seconds", json_round(event.seconds, 3)},
            {"checksum", nullable(event.checksum)},
            {"detail", nullable(event.detail)},
            {"id", event.id}};
}

}  // namespace shoal
