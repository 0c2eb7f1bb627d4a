// `shoal history`: shoal.event of every node as one list, newest first. This
// is the pure part: the filters as the command line gives them (validated
// here, so a bad one is a usage error before anything connects), which marks
// are the coordinator's own applies, the merge across nodes, and the words and
// JSON of each event. Reading the nodes is fleet/history.cpp.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "json.h"
#include "migration.h"
#include "status_where.h"

namespace shoal {

// Every action shoal.event records, in the order --help lists them.
const std::vector<std::string> &history_actions();

// "" when `action` is one of history_actions(), else the usage error naming them.
std::string history_action_error(const std::string &action);

// --since: a UTC date or date and time (2026-12-01, 2026-12-01T10:30,
// 2026-12-01 10:30:00, a trailing Z allowed) or a duration back from `now`
// (90s, 30m, 2h, 3d, 1w). The moment as "YYYY-MM-DDTHH:MM:SSZ"; std::nullopt
// with `error` set when `text` is neither.
std::optional<std::string> parse_since(const std::string &text, std::time_t now,
                                       std::string &error);

// Versions the coordinator runs itself and then records with mig_mark (a solo
// version: CREATE INDEX CONCURRENTLY and the like; a version holding what
// \getenv read), each with every checksum such a mark carries (its checksum,
// and the one an earlier shoal computed with the values). Since extension 1.8
// an event says which run wrote it (shoal.event.run_command: a mark by an apply
// run is its apply, a forget by an undo run its undo, anything else by hand);
// for a mark written before, one of these pairs is taken for the coordinator's
// apply, any other for a mark by hand.
struct CoordinatorMarks {
    std::vector<std::string> versions;  // parallel to checksums, one entry per pair
    std::vector<std::string> checksums;
};
CoordinatorMarks coordinator_marks(const MigrationDir &dir);

// One row of shoal.event on one node.
struct HistoryEvent {
    std::string node;
    long long id = 0;
    std::optional<std::string> schema;   // null for pause, resume, cancel
    std::optional<std::string> version;  // idem
    std::string action;                  // as shown: a run's mark is "apply", its forget "undo"
    std::string recorded;                // as shoal.event stores it
    std::optional<std::string> checksum;
    std::string role;
    std::string started_at;   // ISO 8601 UTC, microseconds: "2026-12-01T23:50:01.123456Z"
    std::string finished_at;  // idem; the event's time
    double seconds = 0;       // from started_at to finished_at
    std::optional<std::string> detail;
};

// The nodes' events (each list newest first, as read) as one list, newest
// first by finished_at (ties: fleet order, then the newer id), only those whose
// schema `covers` keeps (every event when it is empty; schema-less events are
// then left out), at most `limit`.
std::vector<HistoryEvent> merge_newest_first(const std::vector<std::vector<HistoryEvent>> &per_node,
                                             const SchemaPredicate &covers, size_t limit);

// The events as aligned lines: time (to the second), node, schema, version,
// action, role, detail ("-" for null; names through printable(), the detail
// on one line and shortened; a coordinator's mark says it was recorded as one).
std::vector<std::string> format_history(const std::vector<HistoryEvent> &events);

// {"time", "node", "schema", "version", "action", "recorded_action", "role",
// "started_at", "seconds", "checksum", "detail", "id"}; null where the row has NULL.
Json json_event(const HistoryEvent &event);

}  // namespace shoal
