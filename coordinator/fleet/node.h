// The fleet's nodes and the setup and wind-down rounds of a run, each one batch
// per node sent to all nodes at once: connect, check the extension, take and
// release the run lock, read every stamp, stage scripts, run before.sql and
// after.sql, read and write the rerun fingerprint and the digest. Every node has
// one control connection that holds the run lock for the whole run; the chains
// themselves run on the driver's own connections (driver.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "fleet/connection.h"
#include "migration.h"
#include "plan.h"
#include "rerun_fingerprint.h"

namespace shoal::fleet {

// The extension version this coordinator speaks (docs/architecture.md): the one
// this tree ships, read from extension/shoal.control at build time.
inline constexpr const char *kExtensionVersion = SHOAL_EXTENSION_VERSION;

struct Node {
    NodeSpec spec;
    std::unique_ptr<Connection> control;  // holds the run lock while the run lasts
    bool usable = false;                  // connected, extension checked, not lost since
    bool standby = false;                 // connected to a server in recovery: never part of a run
    std::string problem;                  // why not usable, for the summary
    bool refused = false;                 // its server refused the connection (Connection::refused)
    std::string extension_fix;    // the SQL that makes the extension current here, "" when it is
    std::string host;             // as libpq resolved it: per-host limits key on it
    int default_parallelism = 1;  // see parallelism.h
    bool commits_synchronously = false;  // its steps' commits wait for the flush (commit_mode.h)
    std::string synchronous_level = "local";  // their synchronous_commit then (kSynchronousLevel)
    std::optional<double> wal_flush_micros;   // as choose_commit_modes measured it
    bool locked = false;
    int backend_pid = 0;  // the control connection's server process
    NodeState state;      // schemas and stamps as last read
};

// The nodes' control connections, for exchange().
std::vector<Connection *> controls(const std::vector<Node *> &nodes);

// Nodes that are usable, in fleet order.
std::vector<Node *> usable_nodes(std::vector<Node> &nodes);

// Opens every node's control connection at once. Unreachable nodes stay in
// the list, not usable, with libpq's message in `problem`. A node that said at
// connection that it is a standby is marked `standby`, before any query.
std::vector<Node> connect_nodes(const std::vector<NodeSpec> &specs);

// What check_extensions does where the extension is missing or too old.
enum class ExtensionMode {
    Check,    // the node is left out, its problem naming the SQL that fixes it
    Install,  // runs that SQL (--install-extension)
    Preview,  // says what it would run and changes nothing (--install-extension --dry-run)
};

// Checks the extension (creating or updating it in Install mode) and reads what
// the default parallelism is derived from. A node without a current extension
// gets its extension_fix and is left out (in Preview mode too, as a node that is
// not planned, not as a failure). Returns false when any node failed.
bool check_extensions(std::vector<Node *> nodes, ExtensionMode mode);

// This run's name on every node: the holder shoal.lock_run() records, and what
// each worker connection names in shoal.join_run() to become a member of the
// run. Unique per invocation (a random run id), so a worker can never join a
// run that took the lock after this one lost it.
const std::string &run_holder();

// Refuses nodes that are reached through a transaction-pooling proxy (PgBouncer's
// pool_mode=transaction): a run keeps session state on every connection (the run
// lock, its membership, the prepared step, a solo version's settings), which such
// a proxy hands to other clients between transactions. Detected before anything
// changes: the control connection's server process must stay the same across
// transactions, and a second connection must get a process of its own. Such a
// node becomes unusable with a problem saying what to do. Returns false when any
// node was refused.
bool refuse_transaction_pooling(std::vector<Node *> nodes);

// Undoes what a script run directly on a session may have left in it, so that
// nothing of one step is in force in the next: role and session authorization,
// settings, cursors, temporary objects, LISTENs, sequence state. Not DISCARD ALL:
// that would also release the run's session locks and the prepared step.
Batch session_reset();

// Outcome of taking the run lock on every node.
struct LockResult {
    bool ok = true;
    bool held_elsewhere = false;        // another coordinator holds it somewhere
    std::vector<std::string> messages;  // per failing node, with holder, pid, since
};

// Takes the run lock on every node, the first node alone first (so of two runs
// started together one wins); the caller releases what it took on any failure.
LockResult lock_run(std::vector<Node *> nodes, const std::string &digest);
void unlock_run(std::vector<Node> &nodes);

// Reads schemas and stamps of every node (one round trip each) into node.state:
// the candidate schemas only (is_candidate_schema, the one rule), each with its
// versions or, where the extension says its stamp cannot be read, its problem.
// A node that fails as a whole becomes unusable. Returns false when any failed.
bool read_stamps(std::vector<Node *> nodes);

// Whether every node still has exactly the schemas node.state lists: one cheap
// query over pg_namespace instead of reading 10 000 stamps again after a run.
// A node that cannot say counts as changed (read_stamps then says why).
bool same_schemas(std::vector<Node *> nodes);

// One script to stage: which version it belongs to and which way it runs.
struct StageItem {
    const Version *version;
    Direction direction;
};

// Stages scripts of `dir` on nodes: items[i] goes to nodes[i], all at once. A
// failing node becomes unusable.
bool stage(std::vector<Node *> nodes, const MigrationDir &dir,
           const std::vector<std::vector<StageItem>> &items);

// Runs before.sql or after.sql on every node in `public`, in one transaction
// per node. Failures become node problems (the node stays usable).
bool run_public_script(std::vector<Node *> nodes, const Script &script,
                       std::vector<std::string> &errors);

// pg-mig's rerun fingerprint on every node (public.mig_rerun_fingerprint_const(),
// read and written through shoal.rerun_fingerprint() / set_rerun_fingerprint()):
// the one stored, and the one pg-mig would store now (rerun_fingerprint.h), from
// the schemas pg-mig's own query lists there. A failed read leaves "" (rerun).
std::vector<NodeFingerprint> read_fingerprints(std::vector<Node *> nodes, const MigrationDir &dir);

// A write round's failure on one node: "node: <what> failed: <server's reason>".
// A node whose connection broke is also marked lost (not usable); a node that
// answered with an error stays usable and the caller decides what it means.
struct NodeError {
    Node *node;
    std::string what;    // "storing the digest"
    std::string reason;  // the server's error

    std::string problem() const { return what + " failed: " + reason; }
    std::string message() const { return node->spec.display + ": " + problem(); }
};
// values[i] to nodes[i]; `what` names the write in messages ("clearing the
// rerun fingerprint"). Returns one NodeError per node that did not confirm it.
std::vector<NodeError> write_fingerprints(std::vector<Node *> nodes,
                                          const std::vector<std::string> &values,
                                          const std::string &what);
std::vector<NodeError> set_digests(std::vector<Node *> nodes, const std::string &digest,
                                   const std::string &what);
// The run's record on each node (shoal.begin_run, shoal.end_run: status's last
// run). begin_runs opens it, once the run lock is held, with the command and
// what the run was narrowed to ("" for everything); end_runs closes it, before
// the lock is released, with ends[i] for nodes[i]. A record left open reads as
// "did not finish" once the lock is gone, so a node where closing fails says so
// without the coordinator's word.
std::vector<NodeError> begin_runs(std::vector<Node *> nodes, const std::string &command,
                                  const std::string &scope);
struct RunEnd {
    std::string outcome;  // run_outcome() (last_run.h)
    size_t steps_done = 0;
    size_t steps_failed = 0;
    bool digest_stored = false;
};
std::vector<NodeError> end_runs(std::vector<Node *> nodes, const std::vector<RunEnd> &ends);
// One transaction per node that writes WAL (a transactional logical message),
// committed at the server's own
// synchronous_commit level: its WAL flush (and wait for synchronous standbys)
// covers every commit made before it on that node, the asynchronous ones of the
// run included. Returns, per node, whether it confirmed; a node where it fails
// is marked lost (not usable, with the reason in its problem).
std::vector<bool> make_durable(std::vector<Node *> nodes);
// Sets each node's commits_synchronously for `mode` and its synchronous_level,
// in one round trip per node; in Auto mode the same round trip times a WAL
// flush (queries::kCommitProbeMark), with transactions that write nothing but a
// logical message each. A node where the probe fails commits synchronously;
// one whose control connection broke (or timed out) is lost and returned.
std::vector<NodeError> choose_commit_modes(const std::vector<Node *> &nodes, CommitMode mode);
// Every node's public.mig_digest_const(), read as pg-mig's deploy gate reads it
// (Dest.loadDigests calls the function), so no extension is needed: "" where
// there is none; nullopt where it could not be read (the node is then not usable).
std::vector<std::optional<std::string>> read_digests(std::vector<Node *> nodes);

}  // namespace shoal::fleet
