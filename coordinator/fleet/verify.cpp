// `shoal verify` against the fleet: two rounds, each one query per node sent to
// all nodes at once. First every migrated schema's fingerprint
// (shoal.schema_fingerprints()); then, only on nodes that hold a schema to
// explain, the object rows (shoal.schema_objects()) of each group's reference and
// of one schema per distinct outlier structure, so 10 000 identical shards cost
// one cheap query per node. Grouping and wording live in verify.h; this file
// reads and prints. It takes no lock and writes nothing.
#include "fleet/verify.h"

#include <iostream>
#include <map>
#include <set>

#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/queries.h"
#include "fleet/repair.h"
#include "fleet/status.h"
#include "migration_dir.h"
#include "report.h"
#include "../verify.h"  // the core's: a bare "verify.h" finds fleet/verify.h beside this file

namespace shoal::fleet {

namespace {

// Extension 1.0 lacks the functions verify calls; say how to get them.
std::string explain(const DbError &error) {
    if (error.sqlstate == "42883")
        return "shoal verify needs extension 1.1 (shoal.schema_fingerprints); run ALTER EXTENSION "
               "shoal UPDATE; there";
    return error.to_string();
}

// Every migrated schema of every node with its fingerprint; nodes that fail are
// reported and make the answer incomplete.
std::vector<SchemaFingerprint> read_fingerprints(const std::vector<Node *> &nodes,
                                                 const MigrationDir &dir, bool &complete) {
    std::vector<Batch> batches;
    std::vector<std::map<std::string, const SchemaState *>> migrated(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        std::vector<std::string> names;
        for (const SchemaState &schema : nodes[i]->state.schemas) {
            // An unreadable stamp has no version list to group by (reported as unread).
            if (chain_for_schema(dir, schema.schema).empty() || !schema.problem.empty()) continue;
            names.push_back(schema.schema);
            migrated[i][schema.schema] = &schema;
        }
        batches.push_back({Query{queries::kSchemaFingerprints.text, {text_array(names)}}});
    }
    auto outcomes = exchange(controls(nodes), std::move(batches));
    std::vector<SchemaFingerprint> out;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (outcomes[i].error) {
            std::cerr << "shoal: " << nodes[i]->spec.display << ": " << explain(*outcomes[i].error)
                      << "\n";
            complete = false;
            continue;
        }
        for (const auto &row : outcomes[i].results.at(0).rows) {
            const SchemaState &state = *migrated[i].at(row.at(0).value_or(""));
            SchemaFingerprint schema{
                nodes[i]->spec.display, state.schema, {}, row.at(1).value_or("")};
            for (const AppliedVersion &version : state.applied)
                schema.versions.push_back(version.name);
            out.push_back(std::move(schema));
        }
    }
    return out;
}

// The differences of every outlier from its reference, from the object rows of
// those few schemas (one query on each node that holds one).
void explain_outliers(const std::vector<Node *> &nodes, std::vector<VersionGroup> &groups,
                      bool &complete) {
    std::map<std::string, std::set<std::string>> wanted;  // node display → schemas
    for (const VersionGroup &group : groups) {
        if (group.outliers.empty()) continue;
        wanted[group.reference.node].insert(group.reference.schema);
        for (const Variant &outlier : group.outliers) wanted[outlier.node].insert(outlier.schema);
    }
    std::vector<Node *> asked;
    std::vector<Batch> batches;
    for (Node *node : nodes) {
        auto found = wanted.find(node->spec.display);
        if (found == wanted.end()) continue;
        asked.push_back(node);
        batches.push_back({Query{queries::kSchemaObjects.text,
                                 {text_array({found->second.begin(), found->second.end()})}}});
    }
    auto outcomes = exchange(controls(asked), std::move(batches));
    std::map<std::pair<std::string, std::string>, std::vector<SchemaObject>>
        objects;  // (node, schema)
    for (size_t i = 0; i < asked.size(); ++i) {
        if (outcomes[i].error) {
            std::cerr << "shoal: " << asked[i]->spec.display << ": " << explain(*outcomes[i].error)
                      << "\n";
            complete = false;
            continue;
        }
        for (const auto &row : outcomes[i].results.at(0).rows)
            objects[{asked[i]->spec.display, row.at(0).value_or("")}].push_back(SchemaObject{
                row.at(1).value_or(""), row.at(2).value_or(""), row.at(3).value_or("")});
    }
    for (VersionGroup &group : groups) {
        const auto reference = objects.find({group.reference.node, group.reference.schema});
        for (Variant &outlier : group.outliers) {
            const auto other = objects.find({outlier.node, outlier.schema});
            if (reference == objects.end() || other == objects.end())
                continue;  // its node failed: said above
            outlier.differences = describe_differences(reference->second, other->second);
        }
    }
}

}  // namespace

int command_verify(const Config &config, const MigrationDir &dir) {
    bool complete = false;
    std::vector<std::string> standbys;
    std::vector<Node> nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return only_standbys(config, standbys);
    const auto reachable = usable_nodes(nodes);
    if (!read_stamps(reachable)) {
        complete = false;
        for (const Node *node : reachable)
            if (!node->usable)
                std::cerr << "shoal: " << node->spec.display << ": " << node->problem << "\n";
    }
    const auto usable = usable_nodes(nodes);
    if (!narrow_to_targets(usable, config.target)) return to_int(ExitCode::Usage);
    std::vector<VersionGroup> groups = group_fingerprints(read_fingerprints(usable, dir, complete));
    explain_outliers(usable, groups, complete);
    // Never dropped: a node or schema that could not be read is named, and the
    // answer is incomplete.
    const std::vector<Unread> unread = unread_of(nodes);
    complete = complete && unread.empty();
    // As for check: an answer that misses a node is no answer for a deploy gate.
    const ExitCode code = !complete                 ? left_out_code(nodes)
                          : drift_count(groups) > 0 ? ExitCode::NotUpToDate
                                                    : ExitCode::Ok;
    if (config.json) {
        std::cout << json_text(verify_json(groups, complete, code, unread, standbys)) << std::endl;
    } else {
        for (const Unread &entry : unread) std::cout << format_unread(entry) << "\n";
        std::cout << format_verify(groups) << std::flush;
    }
    return to_int(code);
}

}  // namespace shoal::fleet
