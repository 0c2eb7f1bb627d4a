// `shoal verify`, the pure part: from each schema's applied versions and catalog
// fingerprint (shoal.schema_fingerprints() on every node), the groups of schemas
// that should be identical, the majority structure of each, and the outliers; from
// the object rows (shoal.schema_objects()) of a reference and an outlier, what
// differs, in words. No I/O: the fleet layer reads the nodes and prints.
#pragma once

#include <string>
#include <vector>

#include "report.h"

namespace shoal {

// One schema as a node reported it.
struct SchemaFingerprint {
    std::string node;
    std::string schema;
    std::vector<std::string> versions;  // applied, oldest first
    std::string fingerprint;
};

// One row of shoal.schema_objects(): (kind, name) is unique within a schema.
struct SchemaObject {
    std::string kind;
    std::string name;
    std::string definition;
};

// The schemas of one version list that share one fingerprint. `node` and `schema`
// name the first of them, whose objects stand for all.
struct Variant {
    std::string fingerprint;
    std::vector<std::string> schemas;  // "node:schema", fleet order
    std::string node;
    std::string schema;
    std::vector<std::string> differences;  // from the reference; filled by the caller
};

// Schemas with the same applied versions: they should all have one structure.
struct VersionGroup {
    std::vector<std::string> versions;
    Variant reference;              // the majority (ties: the smaller fingerprint)
    std::vector<Variant> outliers;  // largest first
};

// Groups by version list (in order of first appearance), picks each majority.
std::vector<VersionGroup> group_fingerprints(const std::vector<SchemaFingerprint> &schemas);

// What `other` has that `reference` lacks and the reverse, and what both have with
// another definition, one sentence per object: "index users_email_idx missing",
// "table extra_t not in reference", "column users.name type character varying(100),
// reference text". Objects of a table that is missing or extra as a whole (its
// columns, constraints, triggers, policies: named "table.object") are not repeated.
std::vector<std::string> describe_differences(std::vector<SchemaObject> reference,
                                              std::vector<SchemaObject> other);

// Number of schemas that differ from their group's reference.
size_t drift_count(const std::vector<VersionGroup> &groups);

// The report: one block per version list that has outliers, then a summary line.
std::string format_verify(const std::vector<VersionGroup> &groups);
// The same as the --json document (docs/json.md): {"command":"verify",
// "exit_code":…,"complete":…,"schemas":N,"differing":N,"groups":[…],"errors":[],
// "unread":[…],"standbys":[…]}, with the nodes and schemas that could not be
// read (report.h) and the standbys skipped.
Json verify_json(const std::vector<VersionGroup> &groups, bool complete, ExitCode code,
                 const std::vector<Unread> &unread = {},
                 const std::vector<std::string> &standbys = {});

}  // namespace shoal
