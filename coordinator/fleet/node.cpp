// The per-node rounds of a run. Each round builds one batch per usable node,
// sends them all at once through `exchange`, and turns each outcome into node
// state or a node problem. Values always travel as parameters; the only SQL
// text built here is fixed, or a migration's own statement.
#include "fleet/node.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "commit_mode.h"
#include "parallelism.h"
#include "resolve.h"
#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "schema_prefix.h"

namespace shoal::fleet {

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(30);

// This machine's kernel boot id, as shoal.server_machine() reads it on a server's:
// equal ids mean the coordinator runs on that server's machine.
std::optional<std::string> coordinator_machine() {
    std::ifstream file("/proc/sys/kernel/random/boot_id");
    std::string boot_id;
    if (!std::getline(file, boot_id) || boot_id.empty()) return std::nullopt;
    return boot_id;
}

void lose(Node &node, const std::string &what, const DbError &error) {
    node.usable = false;
    node.problem = what + ": " + error.to_string();
}

// "1.10" > "1.9": dotted numbers compared numerically, part by part.
bool version_less(const std::string &a, const std::string &b) {
    std::istringstream left(a), right(b);
    std::string x, y;
    while (true) {
        const bool more_left = static_cast<bool>(std::getline(left, x, '.'));
        const bool more_right = static_cast<bool>(std::getline(right, y, '.'));
        if (!more_left || !more_right) return !more_left && more_right;
        const long nx = std::atol(x.c_str()), ny = std::atol(y.c_str());
        if (nx != ny) return nx < ny;
    }
}

// A failed explicit transaction stays open after the pipeline's sync; close it
// so the control connection can be used again.
void roll_back_where_needed(const std::vector<Node *> &nodes) {
    std::vector<Connection *> open;
    std::vector<Batch> batches;
    for (Node *node : nodes) {
        if (node->control->state() != Connection::State::Idle) continue;
        if (node->control->transaction_status() == PQTRANS_IDLE) continue;
        open.push_back(node->control.get());
        batches.push_back({Query{queries::kRollback.text}});
    }
    // Qualified: with a non-const vector, ADL would pick std::exchange.
    if (!open.empty()) fleet::exchange(open, std::move(batches));
}

}  // namespace

const std::string &run_holder() {
    static const std::string holder = [] {
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
        const passwd *user = getpwuid(getuid());
        char run_id[9];
        std::snprintf(run_id, sizeof run_id, "%08x", static_cast<unsigned>(std::random_device{}()));
        return std::string("shoal ") + SHOAL_VERSION + " " + (user ? user->pw_name : "?") + "@" +
               host + " pid " + std::to_string(getpid()) + " run " + run_id;
    }();
    return holder;
}

std::vector<Connection *> controls(const std::vector<Node *> &nodes) {
    std::vector<Connection *> out;
    for (Node *node : nodes) out.push_back(node->control.get());
    return out;
}

std::vector<Node *> usable_nodes(std::vector<Node> &nodes) {
    std::vector<Node *> out;
    for (Node &node : nodes)
        if (node.usable) out.push_back(&node);
    return out;
}

std::vector<Node> connect_nodes(const std::vector<NodeSpec> &specs) {
    std::vector<Node> nodes;
    nodes.reserve(specs.size());
    for (const NodeSpec &spec : specs) {
        Node node;
        node.spec = spec;
        node.control = std::make_unique<Connection>(spec.conninfo, spec.display);
        node.state.node = spec.display;
        nodes.push_back(std::move(node));
    }
    std::vector<Connection *> all;
    for (Node &node : nodes) all.push_back(node.control.get());
    for (Connection *connection : all) connection->step();  // the first PQconnectPoll
    wait_all(all, Clock::now() + kConnectTimeout);
    for (Node &node : nodes) {
        switch (node.control->state()) {
            case Connection::State::Idle:
                node.usable = true;
                node.host = node.control->host();
                break;
            case Connection::State::Broken:
                node.refused = node.control->refused();
                node.problem = (node.refused ? "cannot log in: " : "unreachable: ") +
                               node.control->broken_reason()->message;
                break;
            default:
                node.problem = "unreachable: no answer within " +
                               std::to_string(kConnectTimeout.count()) + " s";
                break;
        }
    }
    // A standby is asked, not taken at its word: the in_hot_standby a server
    // reports at connect time is what a pooler (PgBouncer) cached from its first
    // server connection, stale after a failover, and servers before 14 never send it.
    const std::vector<Node *> reached = usable_nodes(nodes);
    auto outcomes =
        exchange(controls(reached),
                 std::vector<Batch>(reached.size(), Batch{Query{queries::kIsInRecovery.text}}));
    for (size_t i = 0; i < reached.size(); ++i) {
        if (outcomes[i].error)
            lose(*reached[i], "asking whether it is a standby failed", *outcomes[i].error);
        else
            reached[i]->standby = outcomes[i].results.at(0).value(0, 0) == "t";
    }
    return nodes;
}

bool check_extensions(std::vector<Node *> nodes, ExtensionMode mode) {
    if (mode == ExtensionMode::Install) {
        std::vector<Batch> batches(nodes.size(), Batch{Query{queries::kCreateExtension.text},
                                                       Query{queries::kUpdateExtension.text}});
        auto outcomes = exchange(controls(nodes), std::move(batches));
        for (size_t i = 0; i < nodes.size(); ++i)
            if (outcomes[i].error)
                lose(*nodes[i], "installing the extension failed", *outcomes[i].error);
    }
    const Query probe{queries::kExtensionProbe.text};
    std::vector<Node *> reachable;
    for (Node *node : nodes)
        if (node->usable) reachable.push_back(node);
    auto outcomes =
        exchange(controls(reachable), std::vector<Batch>(reachable.size(), Batch{probe}));
    bool all_ok = reachable.size() == nodes.size();
    std::vector<Node *> current;  // the extension is there and new enough
    std::vector<int> free_slots;
    for (size_t i = 0; i < reachable.size(); ++i) {
        Node &node = *reachable[i];
        const Outcome &outcome = outcomes[i];
        if (outcome.error) {
            lose(node, "reading the extension's version failed", *outcome.error);
            all_ok = false;
            continue;
        }
        const Rows &rows = outcome.results.at(0);
        const auto &installed = rows.rows.at(0).at(0);
        if (installed && !version_less(*installed, kExtensionVersion)) {
            current.push_back(&node);
            free_slots.push_back(std::atoi(rows.value(0, 1).c_str()));
            continue;
        }
        node.usable = false;
        if (!installed) {
            node.extension_fix = "CREATE EXTENSION shoal";
            node.problem = "the shoal extension is not installed";
        } else {
            node.extension_fix = "ALTER EXTENSION shoal UPDATE";
            node.problem = "the shoal extension is version " + *installed + ", this shoal needs " +
                           kExtensionVersion;
        }
        if (mode == ExtensionMode::Preview) {
            // Not a failure: the run this previews would fix it. Not planned
            // either: the schemas are read through the extension.
            node.problem = "would run " + node.extension_fix +
                           (installed ? " (" + *installed + " to " + kExtensionVersion + ")" : "") +
                           "; its schemas are planned once the extension is there";
            continue;
        }
        node.problem += "; run " + node.extension_fix + "; there (or pass --install-extension)";
        all_ok = false;
    }
    // Asked only where the extension is known to have the functions.
    const Query shape{queries::kServerShape.text};
    auto shapes = exchange(controls(current), std::vector<Batch>(current.size(), Batch{shape}));
    std::vector<ServerShape> servers;
    for (size_t i = 0; i < current.size(); ++i) {
        if (shapes[i].error) {
            lose(*current[i], "reading the server's CPUs failed", *shapes[i].error);
            all_ok = false;
            servers.push_back(ServerShape{1, std::nullopt, free_slots[i]});
            continue;
        }
        const Rows &rows = shapes[i].results.at(0);
        servers.push_back(
            ServerShape{std::atoi(rows.value(0, 0).c_str()), rows.rows.at(0).at(1), free_slots[i]});
    }
    const std::vector<int> parallelism = default_parallelism(servers, coordinator_machine());
    for (size_t i = 0; i < current.size(); ++i) current[i]->default_parallelism = parallelism[i];
    return all_ok;
}

namespace {

// The server process each connection's own transaction ran in; 0 when it failed.
std::vector<int> backend_pids(const std::vector<Connection *> &connections) {
    const Query pid{queries::kBackendPid.text};
    std::vector<int> pids;
    for (const Outcome &outcome :
         exchange(connections, std::vector<Batch>(connections.size(), Batch{pid})))
        pids.push_back(outcome.error || outcome.results.empty()
                           ? 0
                           : std::atoi(outcome.results[0].value(0, 0).c_str()));
    return pids;
}

}  // namespace

Batch session_reset() {
    Batch batch;
    for (const queries::Sql &statement : queries::kSessionReset)
        batch.push_back(Query{statement.text});
    return batch;
}

bool refuse_transaction_pooling(std::vector<Node *> nodes) {
    const std::vector<int> before = backend_pids(controls(nodes));
    // A session pooler gives the second connection a server process of its own;
    // a transaction pooler hands it the one the control connection just released
    // (PgBouncer reuses the most recently released server connection first).
    std::vector<std::unique_ptr<Connection>> probes;
    std::vector<Connection *> probing;
    for (Node *node : nodes) {
        probes.push_back(std::make_unique<Connection>(node->spec.conninfo, node->spec.display));
        probing.push_back(probes.back().get());
        probing.back()->step();
    }
    wait_all(probing, Clock::now() + kConnectTimeout);
    // A probe that could not connect proves nothing (pid 0); the control's own test stands.
    for (Connection *&probe : probing)
        if (probe->state() != Connection::State::Idle) probe = nullptr;
    const std::vector<int> probe_pids = backend_pids(probing);
    const std::vector<int> after = backend_pids(controls(nodes));
    bool all_ok = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const bool moved = before[i] == 0 || before[i] != after[i];
        const bool shared = probe_pids[i] != 0 && probe_pids[i] == before[i];
        if (!moved && !shared) {
            nodes[i]->backend_pid = before[i];
            continue;
        }
        all_ok = false;
        nodes[i]->usable = false;
        nodes[i]->problem =
            "this node is reached through a transaction-pooling proxy (" +
            std::string(
                moved
                    ? "the control connection's server process changed between two transactions"
                    : "two connections got the same server process " + std::to_string(before[i])) +
            "): a run keeps its lock and settings on each connection's session. Connect to "
            "PostgreSQL directly or "
            "through session pooling (PgBouncer pool_mode=session); nothing was changed";
    }
    return all_ok;
}

LockResult lock_run(std::vector<Node *> nodes, const std::string &digest) {
    LockResult result;
    const Query take{queries::kLockRun.text, {run_holder(), digest}};
    const auto take_on = [&](const std::vector<Node *> &some) {
        auto outcomes = exchange(controls(some), std::vector<Batch>(some.size(), Batch{take}));
        for (size_t i = 0; i < some.size(); ++i) {
            if (!outcomes[i].error) {
                some[i]->locked = true;
                continue;
            }
            const DbError &error = *outcomes[i].error;
            result.ok = false;
            result.held_elsewhere = result.held_elsewhere || error.is_lock_timeout();
            result.messages.push_back(some[i]->spec.display + ": " + error.to_string());
        }
    };
    // The first node first: two runs started at the same moment would otherwise
    // each win some nodes and both give up. The one that wins the first node
    // goes on to the others (one round trip more, whatever the fleet's size).
    if (nodes.empty()) return result;
    take_on({nodes.front()});
    if (result.ok) take_on(std::vector<Node *>(nodes.begin() + 1, nodes.end()));
    return result;
}

void unlock_run(std::vector<Node> &nodes) {
    std::vector<Node *> locked;
    for (Node &node : nodes)
        if (node.locked && node.control->state() == Connection::State::Idle)
            locked.push_back(&node);
    // The lock is a session lock: a node we cannot tell frees it when our
    // connection closes, so a failure here needs no handling.
    exchange(controls(locked),
             std::vector<Batch>(locked.size(), Batch{Query{queries::kUnlockRun.text}}));
    for (Node &node : nodes) node.locked = false;
}

bool read_stamps(std::vector<Node *> nodes) {
    // One row per applied version, one with NULLs for a schema without any
    // (or whose stamp cannot be read: its versions are NULL).
    const Query stamps{queries::kStamps.text};
    auto outcomes = exchange(controls(nodes), std::vector<Batch>(nodes.size(), Batch{stamps}));
    bool all_ok = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
        Node &node = *nodes[i];
        if (outcomes[i].error) {
            lose(node, "reading the stamps failed", *outcomes[i].error);
            all_ok = false;
            continue;
        }
        node.state.schemas.clear();
        for (const auto &row : outcomes[i].results.at(0).rows) {
            const std::string &schema = *row.at(0);
            // The extension filters too; this is the rule shoal plans by.
            if (!is_candidate_schema(schema)) continue;
            if (node.state.schemas.empty() || node.state.schemas.back().schema != schema)
                node.state.schemas.push_back(SchemaState{schema, {}, row.at(3).value_or("")});
            if (row.at(1))
                node.state.schemas.back().applied.push_back(
                    AppliedVersion{*row[1], row[2].value_or("")});
        }
    }
    return all_ok;
}

bool same_schemas(std::vector<Node *> nodes) {
    // Every schema; the candidates among them (the same rule read_stamps
    // keeps) are compared with what was read.
    const Query names{queries::kSchemaNames.text};
    auto outcomes = exchange(controls(nodes), std::vector<Batch>(nodes.size(), Batch{names}));
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (outcomes[i].error) return false;
        std::set<std::string> now, known;
        for (const auto &row : outcomes[i].results.at(0).rows) {
            const std::string name = row.at(0).value_or("");
            if (is_candidate_schema(name)) now.insert(name);
        }
        for (const SchemaState &schema : nodes[i]->state.schemas) known.insert(schema.schema);
        if (now != known) return false;
    }
    return true;
}

bool stage(std::vector<Node *> nodes, const MigrationDir &dir,
           const std::vector<std::vector<StageItem>> &items) {
    std::vector<Batch> batches;
    for (const auto &node_items : items) {
        Batch batch;
        for (const StageItem &item : node_items) {
            const bool up = item.direction == Direction::Up;
            const Script &script = up ? item.version->up : item.version->dn;
            std::vector<std::string> statements, locations;
            for (const Statement &statement : script.statements) {
                statements.push_back(mask_secrets(statement.sql, script.secrets));
                locations.push_back(stored_location(dir.path, statement.where));
            }
            batch.push_back(Query{queries::kStage.text,
                                  {item.version->name, up ? "up" : "dn", script.checksum,
                                   text_array(statements), text_array(locations)}});
        }
        batches.push_back(std::move(batch));
    }
    auto outcomes = exchange(controls(nodes), std::move(batches));
    bool all_ok = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (!outcomes[i].error) continue;
        lose(*nodes[i], "staging the migrations failed", *outcomes[i].error);
        all_ok = false;
    }
    return all_ok;
}

bool run_public_script(std::vector<Node *> nodes, const Script &script,
                       std::vector<std::string> &errors) {
    constexpr size_t kPrologue = 2;  // BEGIN and search_path before the script's statements
    Batch batch{Query{queries::kBegin.text}, Query{queries::kPublicSearchPath.text}};
    for (const Statement &statement : script.statements) batch.push_back(Query{statement.sql, {}});
    batch.push_back(Query{queries::kCommit.text});
    // The script's statements are bounded by their statement_timeout only, as a step's are.
    auto outcomes =
        exchange(controls(nodes), std::vector<Batch>(nodes.size(), batch), std::nullopt);
    bool all_ok = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (!outcomes[i].error) continue;
        all_ok = false;
        // Each query that succeeded left one result: the count is the failing one's index.
        const size_t failed = outcomes[i].results.size();
        std::string where = script.path;
        if (failed >= kPrologue && failed - kPrologue < script.statements.size())
            where = to_string(script.statements[failed - kPrologue].where);
        errors.push_back(nodes[i]->spec.display + ": " + where + ": " +
                         mask_secrets(outcomes[i].error->to_string(), script.secrets));
        if (nodes[i]->control->state() == Connection::State::Broken)
            lose(*nodes[i], "running " + script.path + " failed", *outcomes[i].error);
    }
    roll_back_where_needed(nodes);
    // before.sql and after.sql run on the control connection, which serves the
    // rest of the run: nothing they set may stay in force.
    std::vector<Node *> connected;
    for (Node *node : nodes)
        if (node->control->state() == Connection::State::Idle) connected.push_back(node);
    auto resets =
        exchange(controls(connected), std::vector<Batch>(connected.size(), session_reset()));
    for (size_t i = 0; i < connected.size(); ++i)
        if (resets[i].error)
            lose(*connected[i], "resetting the session after " + script.path + " failed",
                 *resets[i].error);
    return all_ok;
}

std::vector<NodeFingerprint> read_fingerprints(std::vector<Node *> nodes, const MigrationDir &dir) {
    const Query stored{queries::kRerunFingerprint.text};
    const Query schemas{queries::kPgMigSchemas.text};
    auto outcomes =
        exchange(controls(nodes), std::vector<Batch>(nodes.size(), Batch{stored, schemas}));
    // pg-mig's function exists only after a first full run; a missing one (NULL),
    // or any failure, reads as "never saved", which reruns before.sql and
    // after.sql: the safe side.
    std::vector<NodeFingerprint> fingerprints;
    for (size_t i = 0; i < nodes.size(); ++i) {
        NodeFingerprint fingerprint{nodes[i]->spec.display, "", ""};
        const Outcome &outcome = outcomes[i];
        if (!outcome.error && outcome.results.size() == 2) {
            fingerprint.stored = outcome.results[0].value(0, 0);
            std::vector<std::string> names;
            for (const auto &row : outcome.results[1].rows) names.push_back(row.at(0).value_or(""));
            fingerprint.current = rerun_fingerprint(names, dir);
        }
        fingerprints.push_back(std::move(fingerprint));
    }
    return fingerprints;
}

namespace {

// One NodeError per failed outcome; a broken connection also loses the node.
std::vector<NodeError> failures_of(const std::vector<Node *> &nodes,
                                   const std::vector<Outcome> &outcomes, const std::string &what) {
    std::vector<NodeError> errors;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (!outcomes[i].error) continue;
        errors.push_back(NodeError{nodes[i], what, outcomes[i].error->to_string()});
        if (nodes[i]->control->state() == Connection::State::Broken)
            lose(*nodes[i], what + " failed", *outcomes[i].error);
    }
    return errors;
}

}  // namespace

std::vector<NodeError> write_fingerprints(std::vector<Node *> nodes,
                                          const std::vector<std::string> &values,
                                          const std::string &what) {
    std::vector<Batch> batches;
    for (const std::string &value : values)
        batches.push_back(Batch{Query{queries::kAtSynchronousLevel.text},
                                Query{queries::kSetRerunFingerprint.text, {value}}});
    return failures_of(nodes, exchange(controls(nodes), std::move(batches)), what);
}

std::vector<NodeError> set_digests(std::vector<Node *> nodes, const std::string &digest,
                                   const std::string &what) {
    auto outcomes = exchange(
        controls(nodes),
        std::vector<Batch>(nodes.size(), Batch{Query{queries::kAtSynchronousLevel.text},
                                               Query{queries::kSetDigest.text, {digest}}}));
    return failures_of(nodes, outcomes, what);
}

std::vector<NodeError> begin_runs(std::vector<Node *> nodes, const std::string &command,
                                  const std::string &scope) {
    const Query begin{queries::kBeginRun.text,
                      {command, scope.empty() ? std::nullopt : std::optional<std::string>(scope)}};
    return failures_of(nodes, exchange(controls(nodes), std::vector<Batch>(nodes.size(), {begin})),
                       "recording the run's start");
}

std::vector<NodeError> end_runs(std::vector<Node *> nodes, const std::vector<RunEnd> &ends) {
    std::vector<Batch> batches;
    for (const RunEnd &end : ends)
        batches.push_back(
            {Query{queries::kEndRun.text,
                   {end.outcome, std::to_string(end.steps_done), std::to_string(end.steps_failed),
                    std::string(end.digest_stored ? "true" : "false")}}});
    return failures_of(nodes, exchange(controls(nodes), std::move(batches)),
                       "recording the run's outcome");
}

std::vector<bool> make_durable(std::vector<Node *> nodes) {
    auto outcomes =
        exchange(controls(nodes),
                 std::vector<Batch>(nodes.size(), Batch{Query{queries::kAtSynchronousLevel.text},
                                                        Query{queries::kDurableCommit.text}}));
    std::vector<bool> confirmed;
    for (size_t i = 0; i < nodes.size(); ++i) {
        confirmed.push_back(!outcomes[i].error);
        if (outcomes[i].error)
            lose(*nodes[i], "making the run's commits durable failed", *outcomes[i].error);
    }
    return confirmed;
}

std::vector<NodeError> choose_commit_modes(const std::vector<Node *> &nodes, CommitMode mode) {
    // First the level a synchronous commit asks for; in Auto mode then the
    // probe, alternating kinds so that a hiccup of the server's scheduling does
    // not decide for one; the cheapest of each counts (commit_mode.h).
    const int rounds = mode == CommitMode::Auto ? 8 : 0;
    Batch batch{Query{queries::kSynchronousLevel.text}};
    std::vector<std::pair<size_t, bool>> marks;  // result index, synchronous
    for (int round = 0; round < rounds; ++round)
        for (const bool synchronous : {true, false}) {
            batch.push_back(Query{queries::kBegin.text});
            marks.emplace_back(batch.size(), synchronous);
            batch.push_back(
                Query{queries::kCommitProbeMark.text, {synchronous ? "true" : "false"}});
            batch.push_back(Query{queries::kCommit.text});
        }
    if (!marks.empty()) {
        marks.emplace_back(batch.size(), false);
        batch.push_back(Query{queries::kClockMicros.text});
    }
    const auto outcomes = exchange(controls(nodes), std::vector<Batch>(nodes.size(), batch));
    for (size_t i = 0; i < nodes.size(); ++i) {
        Node &node = *nodes[i];
        const Outcome &outcome = outcomes[i];
        if (!outcome.results.empty()) node.synchronous_level = outcome.results[0].value(0, 0);
        node.wal_flush_micros.reset();
        if (!marks.empty() && !outcome.error && outcome.results.size() == batch.size()) {
            std::vector<CommitMark> times;
            for (const auto &[index, synchronous] : marks)
                times.push_back(CommitMark{
                    synchronous, std::strtod(outcome.results[index].value(0, 0).c_str(), nullptr)});
            node.wal_flush_micros = wal_flush_micros(times);
        }
        node.commits_synchronously = commits_synchronously(mode, node.wal_flush_micros);
    }
    roll_back_where_needed(nodes);  // a probe that failed inside its BEGIN
    // Only a node whose connection is gone leaves the run.
    std::vector<NodeError> lost = failures_of(nodes, outcomes, "timing a WAL flush");
    lost.erase(std::remove_if(lost.begin(), lost.end(),
                              [](const NodeError &error) { return error.node->usable; }),
               lost.end());
    return lost;
}

std::vector<std::optional<std::string>> read_digests(std::vector<Node *> nodes) {
    const Query digest{queries::kPgMigDigest.text};
    auto outcomes = exchange(controls(nodes), std::vector<Batch>(nodes.size(), Batch{digest}));
    std::vector<std::optional<std::string>> values;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const Outcome &outcome = outcomes[i];
        if (!outcome.error) {
            values.push_back(outcome.results.empty() || outcome.results[0].empty()
                                 ? ""
                                 : outcome.results[0].value(0, 0));
            continue;
        }
        // No function (or no schema public): never migrated, no digest.
        const std::string &state = outcome.error->sqlstate;
        if (state == "42883" || state == "3F000") {
            values.push_back("");
            continue;
        }
        lose(*nodes[i], "reading the digest failed", *outcome.error);
        values.push_back(std::nullopt);
    }
    return values;
}

}  // namespace shoal::fleet
