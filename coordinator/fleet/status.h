// The read-only online commands `status` (per node: schemas up to date,
// behind, failed; last run; digest; who holds the run lock) and `check` (the
// deploy gate: every node's digest at least the directory's, read without the
// extension, as pg-mig's gate reads it), and what they share with `verify`
// (fleet/verify.h) and `lint --trace`: opening the nodes, naming what could not
// be read. None of them takes the run lock or writes anything.
#pragma once

#include "config.h"
#include "fleet/node.h"
#include "migration.h"
#include "report.h"

namespace shoal::fleet {

// Standbys listed in --hosts (servers in recovery: read-only). shoal runs on
// primaries, as pg-mig does, and a standby gets its primary's changes by
// replication: counting it would count its primary's schemas twice, and its
// digest is its primary's as of its replay, not an answer of its own. Takes
// them out of `nodes` before any query, names each on stderr once, and returns
// their names for --json. When nothing but standbys was listed it says there
// is nothing to run on: `nodes` is then empty and the caller exits with
// ExitCode::Usage (the list itself is wrong, and running again will not help).
std::vector<std::string> skip_standbys(std::vector<Node> &nodes);

// Connects to every node, skips standbys (their names in `standbys`) and
// checks the extension; prints why a node is left out and clears `complete`
// when one is. Empty when every node is a standby.
std::vector<Node> open_nodes(const Config &config, bool &complete,
                             std::vector<std::string> &standbys);

// The exit code for nodes that could not be connected to: Refused when a
// server refused one (credentials, database, settings), else Unreachable.
ExitCode connect_failure_code(const std::vector<Node> &nodes);

// The exit code of a command that some nodes are left out of: ExtensionMissing
// when one lacks the extension (its problem names the SQL), else
// connect_failure_code.
ExitCode left_out_code(const std::vector<Node> &nodes);

// Every node that is not usable (with its problem) and every schema of a usable
// node whose stamp could not be read, in fleet order: what status, verify and
// lint --trace report instead of dropping it.
std::vector<Unread> unread_of(const std::vector<Node> &nodes);

// What a read-only command answers when every node listed is a standby: the
// reason (on stderr already) as its --json document; ExitCode::Usage.
int only_standbys(const Config &config, const std::vector<std::string> &standbys);

// Narrowed by --schemas and --nodes (config.target).
int command_status(const Config &config, const MigrationDir &dir);
int command_check(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
