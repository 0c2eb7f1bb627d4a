// What `shoal status` says a node lacks, and where: the schemas apply would
// run versions in, grouped by the exact list of versions each lacks, so 4 096
// schemas missing the same version are one line; and the failures shoal.event
// recorded, as the run summary groups errors. No I/O; names reach text through
// printable() and the summary's collapse (report.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "json.h"
#include "plan.h"
#include "report.h"

namespace shoal {

// Which schemas a command covers (--schemas); an empty function covers all.
using SchemaPredicate = std::function<bool(const std::string &schema)>;

// Schemas of one node that lack exactly the same versions.
struct PendingGroup {
    std::vector<std::string> versions;  // in the order apply would run them
    std::vector<std::string> schemas;   // sorted
};

// The node's plan as groups: the most schemas first, then by their versions.
std::vector<PendingGroup> group_pending(const NodePlan &plan);

// One group as a line: "sh0000-0999 (1000) lack 20250102000000.add-email.sh";
// "sh0004 lacks 5 versions: FIRST … LAST" past three versions; the schema list
// cut after about 80 bytes with "…" (the count says how many there are).
std::string format_pending(const PendingGroup &group);

// At most `max_lines` groups as lines, the rest summed up in one more line
// ("… and 3 more groups: 12 schemas"), so a fleet at many versions stays short.
std::vector<std::string> format_pending_lines(const std::vector<PendingGroup> &groups,
                                              size_t max_lines);

// [{"versions": [...], "schemas": N, "where": ["sh0000-0999"]}], every group.
Json json_pending(const std::vector<PendingGroup> &groups);

// A failure as record_failure() stored it ("message (SQLSTATE x)\nDETAIL: …
// \nCONTEXT: …"): its first line is the message, the DETAIL line the detail.
SchemaError recorded_failure(const std::string &node, const std::string &schema,
                             const std::string &version, const std::string &recorded);

}  // namespace shoal
