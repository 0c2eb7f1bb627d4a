// history against the fleet: one query per node, sent to all nodes at once,
// each filtered and limited on the server (a node's newest `limit` events are
// all the merge can take from it), then merged here. A node that cannot be
// read is named and the answer is incomplete (exit 5, 7 without the extension);
// the others still answer.
#include "fleet/history.h"

#include <ctime>
#include <iostream>

#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/queries.h"
#include "fleet/status.h"
#include "../history.h"  // the core's: a bare "history.h" finds fleet/history.h beside this file
#include "targeting.h"

namespace shoal::fleet {

namespace {

std::optional<std::string> nullable(const std::string &value) {
    return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

HistoryEvent event_of(const std::string &node, const std::vector<std::optional<std::string>> &row) {
    HistoryEvent event;
    event.node = node;
    event.id = std::stoll(row.at(0).value_or("0"));
    event.schema = row.at(1);
    event.version = row.at(2);
    event.action = row.at(3).value_or("");
    event.recorded = row.at(4).value_or("");
    event.checksum = row.at(5);
    event.role = row.at(6).value_or("");
    event.started_at = row.at(7).value_or("");
    event.finished_at = row.at(8).value_or("");
    event.seconds = std::stod(row.at(9).value_or("0"));
    event.detail = row.at(10);
    return event;
}

}  // namespace

int command_history(const Config &config, const MigrationDir &dir) {
    SchemaPredicate covers;
    if (!config.target.schemas.empty())
        covers = [&](const std::string &schema) { return targeted(config.target.schemas, schema); };
    bool complete = false;
    std::vector<std::string> standbys;
    std::vector<Node> nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return only_standbys(config, standbys);
    std::string error;
    // Checked by parse_config already; resolved against the clock only now.
    const std::optional<std::string> since =
        config.history_since.empty() ? std::nullopt
                                     : parse_since(config.history_since, std::time(nullptr), error);
    const Version *named = find_version(dir, config.history_version);
    const std::string version = named ? named->name : config.history_version;
    const CoordinatorMarks marks = coordinator_marks(dir);
    // A schema predicate runs here, not on the server: the server cannot stop
    // at `limit` rows it does not know will be kept.
    const std::optional<std::string> limit =
        covers ? std::nullopt : std::optional<std::string>(std::to_string(config.history_limit));
    const Batch batch{Query{queries::kHistory.text,
                            {since, nullable(version), nullable(config.history_action),
                             text_array(marks.versions), text_array(marks.checksums), limit}}};
    const auto usable = usable_nodes(nodes);
    auto outcomes = exchange(controls(usable), std::vector<Batch>(usable.size(), batch));
    std::vector<std::vector<HistoryEvent>> per_node;
    for (size_t i = 0; i < usable.size(); ++i) {
        if (outcomes[i].error) {
            usable[i]->usable = false;
            usable[i]->problem = "reading shoal.event failed: " + outcomes[i].error->to_string();
            std::cerr << "shoal: " << usable[i]->spec.display << ": " << usable[i]->problem << "\n";
            complete = false;
            continue;
        }
        per_node.emplace_back();
        for (const auto &row : outcomes[i].results.at(0).rows)
            per_node.back().push_back(event_of(usable[i]->spec.display, row));
    }
    const std::vector<HistoryEvent> events =
        merge_newest_first(per_node, covers, static_cast<size_t>(config.history_limit));
    const std::vector<Unread> unread = unread_of(nodes);
    complete = complete && unread.empty();
    const ExitCode code = complete ? ExitCode::Ok : left_out_code(nodes);
    if (config.json) {
        Json listed = Json::array();
        for (const HistoryEvent &event : events) listed.push_back(json_event(event));
        std::cout << json_text(json_answer("history", code,
                                           {{"complete", complete}, {"events", listed}},
                                           Json::array(), unread, standbys))
                  << std::endl;
    } else {
        for (const std::string &line : format_history(events)) std::cout << line << "\n";
        if (events.empty()) std::cout << "no events\n";
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        std::cout << std::flush;
    }
    return to_int(code);
}

}  // namespace shoal::fleet
