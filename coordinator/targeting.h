// Targeting: which nodes, schemas and versions a command covers (--nodes,
// --schemas, --to, named canaries). Pure: parses what the user wrote, matches it
// against what the nodes hold and cuts plans; the fleet layer reads the nodes
// and decides what a target that matches nothing means for its command.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migration.h"
#include "plan.h"
#include "waves.h"

namespace shoal {

// One item of a --schemas list, matched against the whole schema name:
// a glob (`sh00*`: `*` any run of characters, `?` one character), a range
// (`sh0000-0099`: the prefix, then a number of the first bound's width
// between the bounds), or an exact name. A bare number or range after an item
// ending in digits continues that item's prefix, as the summary's collapsed
// lists print it (`sh0001-0003,0008`).
struct SchemaPattern {
    enum class Kind { Exact, Glob, Range };
    Kind kind = Kind::Exact;
    std::string text;         // as it applies: the prefix a continuation took included
    std::string prefix;       // Range: what precedes the number
    std::string first, last;  // Range: the bounds as written (first's width is the width)
};

// Every item of every --schemas value (comma separated), in order; nullopt and
// `error` set for an empty item or a range whose bounds are reversed.
std::optional<std::vector<SchemaPattern>> parse_schema_patterns(
    const std::vector<std::string> &values, std::string &error);

bool matches(const SchemaPattern &pattern, const std::string &schema);
// True when `patterns` is empty (no --schemas: every schema) or one matches.
bool targeted(const std::vector<SchemaPattern> &patterns, const std::string &schema);

// What a command covers, as the command line narrowed it.
struct Targeting {
    std::vector<SchemaPattern> schemas;  // --schemas; empty: every schema
    std::string to;                      // --to VERSION as given; "": up to the newest
    bool node_subset = false;            // --nodes named fewer nodes than --hosts lists
};

// `nodes` with only the schemas `patterns` match.
std::vector<NodeState> targeted_states(std::vector<NodeState> nodes,
                                       const std::vector<SchemaPattern> &patterns);

// The patterns (as they apply) that match no schema of any of `nodes`.
std::vector<std::string> unmatched(const std::vector<SchemaPattern> &patterns,
                                   const std::vector<NodeState> &nodes);

// Of `names`, those that are no schema of any of `nodes`.
std::vector<std::string> unknown_schemas(const std::vector<std::string> &names,
                                         const std::vector<NodeState> &nodes);

// --nodes LIST (comma separated): the positions in `displays` (the nodes'
// display names, fleet order) of the nodes it names by display name or by
// 1-based position, in fleet order; empty and `error` set (listing the valid
// names) when an item names no node.
std::vector<size_t> select_nodes(const std::vector<std::string> &displays, const std::string &list,
                                 std::string &error);

// --canary: a number of schemas ("3") or schema names ("sh0042,sh0107").
// False and `error` set for anything else.
bool parse_canary(const std::string &text, WaveOptions &waves, std::string &error);

// --to VERSION resolved in `dir` (a version name, or a file name starting
// with one); null and `error` set when the directory has no such version.
const Version *resolve_version(const MigrationDir &dir, const std::string &name,
                               const std::string &option, std::string &error);

// `plan` without the steps newer than `to` (a version of the directory), and
// without the schemas that are then left with nothing to do.
void cut_plan(Plan &plan, const Version &to);

// "node:schema" of every schema of `nodes` that has a version newer than
// `to` applied: a run up to `to` leaves it as it is.
std::vector<std::string> past_version(const std::vector<NodeState> &nodes, const Version &to);

// Whether a run with these targets covers the whole fleet up to the head: no
// --schemas, no --nodes subset, no --to short of the newest version. Only such
// a run stores the digest and the rerun fingerprint.
bool covers_everything(const Targeting &target, const MigrationDir &dir);

}  // namespace shoal
