// `shoal lint --trace` against the fleet. It reads the stamps and plans as
// apply would; each pending version gets a canary, a schema whose chain holds
// it as early as any (its next step where one exists, so the predecessor state
// is real). All traced versions of one canary share one transaction on that
// schema's node: the earlier pending versions of its chain run first, untraced
// where another canary traces them, so a later version is measured on the state
// it will really meet. The transaction always ends in ROLLBACK, after an error
// too. Each statement goes out in one pipelined batch with its probes: a start
// time, the statement, the elapsed time, the size of every relation the
// transaction holds ACCESS EXCLUSIVE (read under that lock, so it waits for
// nobody), and a snapshot of the relations of the canary schema and those it
// holds locks on, with lock modes and relfilenodes; consecutive snapshots give
// the statement's new locks and its rewrites. A solo version cannot run in a
// transaction: it is reported as not traceable, and the versions after it in
// its chain as not traced, as are those after a failure. Values travel as
// parameters; the schema reaches SQL only through set_config, quoted.
#include "fleet/trace.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "fleet/driver.h"
#include "fleet/event_loop.h"
#include "fleet/node.h"
#include "fleet/queries.h"
#include "fleet/status.h"
#include "canaries.h"
#include "lint.h"
#include "plan.h"
#include "report.h"
#include "text.h"

namespace shoal::fleet {

namespace {

// When a version sets no $statement_timeout. The canary's locks are held until
// the trace's transaction ends, so no statement may run unbounded there.
constexpr int kStatementTimeoutMs = 60000;

// PostgreSQL's table-level lock modes, weakest first.
const std::vector<std::string> kModes = {
    "AccessShareLock", "RowShareLock",          "RowExclusiveLock", "ShareUpdateExclusiveLock",
    "ShareLock",       "ShareRowExclusiveLock", "ExclusiveLock",    "AccessExclusiveLock"};

size_t strength(const std::string &mode) {
    return static_cast<size_t>(std::find(kModes.begin(), kModes.end(), mode) - kModes.begin());
}

// One relation as the trace's transaction sees it between two statements.
struct Relation {
    std::string name;  // without the schema when it is the canary's
    char kind = '?';   // pg_class.relkind; '?' once dropped in the transaction
    std::string filenode;
    bool stats_rows = false;  // reltuples or relpages say it has rows
    std::set<std::string> modes;
};
using Snapshot = std::map<std::string, Relation>;  // by oid

struct LockTaken {
    std::string relation;
    std::string mode;  // the strongest one the statement took, "ACCESS EXCLUSIVE"
    bool table_with_rows = false;
};

struct StatementTrace {
    const Statement *statement = nullptr;
    double ms = 0;
    std::vector<LockTaken> locks;
    std::vector<std::string> rewrote;  // tables whose relfilenode changed
    std::optional<DbError> error;
};

enum class State { Traced, Failed, Solo, Skipped, NotPending };

struct VersionTrace {
    const Version *version = nullptr;
    State state = State::Skipped;
    std::string reason;  // Skipped, NotPending: why
    const Node *node = nullptr;
    std::string schema;
    std::vector<StatementTrace> statements;
    size_t schemas = 0;  // pending it over the reachable fleet
    int parallelism = 1;
    double fleet_seconds = 0;

    double ms() const {
        double total = 0;
        for (const StatementTrace &s : statements) total += s.ms;
        return total;
    }
};

// "AccessExclusiveLock" → "ACCESS EXCLUSIVE", as the documentation names modes.
std::string mode_name(std::string mode) {
    if (mode.size() > 4 && mode.compare(mode.size() - 4, 4, "Lock") == 0)
        mode.resize(mode.size() - 4);
    std::string out;
    for (const char c : mode) {
        if (!out.empty() && std::isupper(static_cast<unsigned char>(c))) out += ' ';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string fixed(double value, int digits) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(digits);
    out << value;
    return out.str();
}

// The trace's transaction on one canary schema, on its node's control connection.
class Canary {
  public:
    Canary(Node &node, std::string schema) : node_(node), schema_(std::move(schema)) {}

    // BEGIN, the schema's search_path, the per-schema lock mig_apply takes (so a
    // concurrent apply of this schema waits, or we do, within lock_timeout), and
    // the first snapshot. The timeouts are the first version's.
    std::optional<DbError> begin(const Script &first) {
        Batch batch{Query{queries::kBegin.text}, timeouts(first),
                    Query{queries::kLocalSearchPath.text, {node_.control->quote_ident(schema_)}},
                    Query{queries::kLockSchema.text, {schema_}},
                    Query{queries::kTraceSnapshot.text, {schema_}}};
        Outcome outcome = send(std::move(batch));
        if (!outcome.error) read_snapshot(outcome.results.back());
        return outcome.error;
    }

    // Runs a version's statements without measuring them.
    std::optional<DbError> apply(const Script &script) {
        Batch batch{timeouts(script)};
        for (const Statement &statement : script.statements)
            batch.push_back(Query{statement.sql, {}});
        batch.push_back(Query{queries::kTraceSnapshot.text, {schema_}});
        Outcome outcome = send(std::move(batch));
        if (!outcome.error) read_snapshot(outcome.results.back());
        return outcome.error;
    }

    // Runs and measures a version's statements; stops at the first error.
    std::vector<StatementTrace> trace(const Script &script) {
        std::vector<StatementTrace> traces;
        if (auto error = send(Batch{timeouts(script)}).error) {
            traces.push_back(StatementTrace{
                script.statements.empty() ? nullptr : &script.statements[0], 0, {}, {}, error});
            return traces;
        }
        for (const Statement &statement : script.statements) {
            Outcome outcome =
                send(Batch{Query{queries::kTraceStart.text}, Query{statement.sql, {}},
                           Query{queries::kTraceElapsedMs.text}, Query{queries::kTraceSizes.text},
                           Query{queries::kTraceSnapshot.text, {schema_}}});
            StatementTrace &trace = traces.emplace_back();
            trace.statement = &statement;
            if (outcome.error) {
                trace.error = outcome.error;
                break;
            }
            trace.ms = std::atof(outcome.results.at(2).value(0, 0).c_str());
            std::map<std::string, bool> non_empty;
            for (const auto &row : outcome.results.at(3).rows)
                non_empty[row.at(0).value_or("")] = row.at(1).value_or("") == "t";
            const Snapshot before = std::move(snapshot_);
            read_snapshot(outcome.results.at(4));
            compare(before, non_empty, trace);
        }
        return traces;
    }

    // Always, whatever happened: nothing the trace did may stay.
    void roll_back() {
        if (node_.control->state() == Connection::State::Idle)
            send(Batch{Query{queries::kRollback.text}});
    }

  private:
    static Query timeouts(const Script &script) {
        const int lock_ms = LockPolicy{}.under(script.directives).lock_timeout_ms;
        const int statement_ms = script.directives.statement_timeout_ms >= 0
                                     ? script.directives.statement_timeout_ms
                                     : kStatementTimeoutMs;
        return Query{queries::kLocalTimeouts.text,
                     {std::to_string(lock_ms), std::to_string(statement_ms)}};
    }

    // The traced statements are bounded by the statement_timeout timeouts() sets, as a step's are.
    Outcome send(Batch batch) {
        return exchange({node_.control.get()}, {std::move(batch)}, std::nullopt).at(0);
    }

    void read_snapshot(const Rows &rows) {
        snapshot_.clear();
        for (const auto &row : rows.rows) {
            Relation &relation = snapshot_[row.at(0).value_or("")];
            if (row.at(2)) {
                relation.name =
                    row.at(1).value_or("") == schema_ ? *row.at(2) : *row.at(1) + "." + *row.at(2);
                relation.kind = row.at(3).value_or("?").front();
                relation.filenode = row.at(4).value_or("");
                relation.stats_rows = row.at(5).value_or("") == "t";
            }
            if (row.at(6)) relation.modes.insert(*row.at(6));
        }
    }

    // What the statement between `before` and the current snapshot did.
    void compare(const Snapshot &before, const std::map<std::string, bool> &non_empty,
                 StatementTrace &trace) {
        for (auto &[oid, relation] : snapshot_) {
            const auto old = before.find(oid);
            // Dropped in this statement: only the earlier snapshot knows the name.
            if (relation.name.empty() && old != before.end()) relation.name = old->second.name;
            const bool table =
                relation.kind == 'r' || relation.kind == 'm' ||
                (old != before.end() && (old->second.kind == 'r' || old->second.kind == 'm'));
            const auto size = non_empty.find(oid);
            const bool rows = table && ((size != non_empty.end() && size->second) ||
                                        (old != before.end() && old->second.stats_rows));
            // A relation in neither snapshot by name lived only inside the
            // statement (the new heap of a rewrite, swapped in and dropped).
            if (relation.name.empty()) continue;
            std::string strongest;
            for (const std::string &mode : relation.modes)
                if ((old == before.end() || !old->second.modes.count(mode)) &&
                    (strongest.empty() || strength(mode) > strength(strongest)))
                    strongest = mode;
            if (!strongest.empty())
                trace.locks.push_back(LockTaken{relation.name, mode_name(strongest), rows});
            if (table && old != before.end() && !old->second.filenode.empty() &&
                !relation.filenode.empty() && old->second.filenode != relation.filenode)
                trace.rewrote.push_back(relation.name);
        }
    }

    Node &node_;
    const std::string schema_;
    Snapshot snapshot_;
};

// Runs one canary's transaction and fills in the traces of the versions it covers.
void run_canary(Node &node, const CanaryChoice &plan,
                std::map<const Version *, VersionTrace> &traces) {
    const std::vector<const Version *> &steps = plan.schema->steps;
    size_t end = 0;
    for (size_t i = 0; i < steps.size(); ++i)
        if (plan.traced.count(steps[i])) end = i + 1;
    Canary canary(node, plan.schema->schema);
    std::string stopped;  // why the versions from here on cannot be traced
    if (auto error = canary.begin(steps.front()->up))
        stopped = "the trace could not start on its canary: " + error->to_string();
    for (size_t i = 0; i < end; ++i) {
        const Version &version = *steps[i];
        VersionTrace *trace = plan.traced.count(&version) ? &traces[&version] : nullptr;
        if (trace) {
            trace->node = &node;
            trace->schema = plan.schema->schema;
        }
        if (version.up.solo) {
            if (trace) trace->state = State::Solo;
            if (stopped.empty())
                stopped = "it follows " + version.name +
                          ", a solo version, which cannot run inside the trace's transaction";
        } else if (!stopped.empty()) {
            if (trace) trace->reason = stopped;
        } else if (!trace) {
            if (auto error = canary.apply(version.up))
                stopped = version.name + " failed on the canary before it: " + error->to_string();
        } else {
            trace->statements = canary.trace(version.up);
            const bool failed = !trace->statements.empty() && trace->statements.back().error;
            trace->state = failed ? State::Failed : State::Traced;
            if (failed) stopped = "it follows " + version.name + ", which failed on the canary";
        }
        if (interrupted() && stopped.empty()) stopped = "the trace was interrupted";
    }
    canary.roll_back();
}

// The fleet's time for a version: the canary's time per schema × the schemas
// pending it on a node ÷ the connections the driver gives it there (the
// configured parallelism or the node's default, capped by the version's
// $parallelism_per_host), on the slowest node; a $parallelism_global cap or
// $run_alone (one schema at a time over the fleet) can only make it longer.
void estimate(VersionTrace &trace, const std::map<const Node *, size_t> &pending,
              const Config &config) {
    const Directives &directives = trace.version->up.directives;
    const double seconds = trace.ms() / 1000;
    trace.schemas = 0;
    trace.fleet_seconds = 0;
    for (const auto &[node, count] : pending) {
        int parallelism = config.parallelism > 0 ? config.parallelism : node->default_parallelism;
        if (directives.parallelism_per_host > 0)
            parallelism = std::min(parallelism, directives.parallelism_per_host);
        trace.schemas += count;
        const double on_node = seconds * static_cast<double>(count) / parallelism;
        if (on_node >= trace.fleet_seconds) {
            trace.fleet_seconds = on_node;
            trace.parallelism = parallelism;
        }
    }
    const double total = seconds * static_cast<double>(trace.schemas);
    if (directives.parallelism_global > 0)
        trace.fleet_seconds = std::max(trace.fleet_seconds, total / directives.parallelism_global);
    if (directives.run_alone) {
        trace.fleet_seconds = total;
        trace.parallelism = 1;
    }
}

LintFinding finding(const char *rule, Severity severity, const StatementTrace &statement,
                    std::string why, std::string recipe) {
    return LintFinding{rule,
                       severity,
                       statement.statement->where,
                       trim(statement.statement->sql),
                       std::move(why),
                       std::move(recipe),
                       false,
                       {}};
}

// The trace's findings: ACCESS EXCLUSIVE on a table with rows and rewrites are
// warnings (they are costs, measured); a failure on the canary is an error,
// except a lock timeout, which says the canary was busy, not that the version is wrong.
std::vector<LintFinding> findings_of(const VersionTrace &trace) {
    std::vector<LintFinding> out;
    if (trace.statements.empty()) return out;
    const std::string on =
        "Measured on " + trace.node->spec.display + ", schema " + printable(trace.schema) + ": ";
    const std::string per_schema = fixed(trace.ms(), 1) + " ms per schema";
    for (const StatementTrace &statement : trace.statements) {
        if (statement.error && statement.error->is_lock_timeout()) {
            out.push_back(
                finding("trace-lock-timeout", Severity::Warning, statement,
                        on + "the statement waited longer than its lock_timeout for a lock: " +
                            statement.error->to_string(),
                        "Trace again when the canary's tables are less busy; a run meets the same "
                        "wait and retries it."));
        } else if (statement.error) {
            out.push_back(finding("trace-failed", Severity::Error, statement,
                                  on + "the version failed: " + statement.error->to_string() +
                                      ". Every schema in the same state fails the same way.",
                                  "Fix the statement; the trace rolled everything back."));
        }
        for (const LockTaken &lock : statement.locks)
            if (lock.mode == "ACCESS EXCLUSIVE" && lock.table_with_rows)
                out.push_back(finding(
                    "trace-access-exclusive", Severity::Warning, statement,
                    on + "the statement took an ACCESS EXCLUSIVE lock on " +
                        single_line(lock.relation) +
                        ", a table with rows: every read and write of it waits until the version's "
                        "transaction ends (" +
                        per_schema + "), on every shard in turn.",
                    "Make the locking step instant or move it out of the hot path: the recipes in "
                    "docs/lint.md (constant defaults, NOT VALID then VALIDATE, CONCURRENTLY "
                    "indexes)."));
        for (const std::string &table : statement.rewrote)
            out.push_back(
                finding("trace-rewrite", Severity::Warning, statement,
                        on + "the statement rewrote " + single_line(table) +
                            " (its relfilenode changed): the whole table was copied under an "
                            "ACCESS EXCLUSIVE lock (" +
                            per_schema + "), on every shard.",
                        "Add columns without a volatile default and backfill in batches outside "
                        "the migration; change types by adding a column (docs/lint.md)."));
    }
    return out;
}

std::string state_name(State state) {
    switch (state) {
        case State::Traced:
            return "traced";
        case State::Failed:
            return "failed";
        case State::Solo:
            return "not-traceable";
        case State::Skipped:
            return "not-traced";
        case State::NotPending:
            return "not-pending";
    }
    return "";
}

std::string report_text(const VersionTrace &trace) {
    std::ostringstream out;
    out << "trace " << trace.version->name;
    if (trace.node)
        out << " on " << trace.node->spec.display << ", schema " << printable(trace.schema);
    switch (trace.state) {
        case State::Solo:
            out << ": not traceable: a solo version (CONCURRENTLY ...) runs outside a transaction, "
                   "so a trace "
                   "could not roll it back\n";
            return out.str();
        case State::Skipped:
        case State::NotPending:
            out << ": not traced: " << trace.reason << "\n";
            return out.str();
        case State::Traced:
        case State::Failed:
            break;
    }
    out << ":\n";
    for (const StatementTrace &statement : trace.statements) {
        out << "  " << to_string(statement.statement->where) << "  ";
        if (statement.error)
            out << "FAILED  " << shortened(trim(statement.statement->sql), 100) << "\n    "
                << statement.error->to_string() << "\n";
        else
            out << fixed(statement.ms, 3) << " ms  "
                << shortened(trim(statement.statement->sql), 100) << "\n";
        for (const LockTaken &lock : statement.locks)
            out << "    lock " << lock.mode << " on " << single_line(lock.relation)
                << (lock.table_with_rows ? " (table with rows)" : "") << "\n";
        for (const std::string &table : statement.rewrote)
            out << "    rewrote " << single_line(table) << "\n";
    }
    if (trace.state == State::Traced)
        out << "  " << fixed(trace.ms(), 3) << " ms per schema x " << trace.schemas
            << " schemas pending / parallelism " << trace.parallelism << " = about "
            << fixed(trace.fleet_seconds, 3) << " s over the fleet\n";
    return out.str();
}

Json report_json(const VersionTrace &trace) {
    Json statements = Json::array();
    for (const StatementTrace &statement : trace.statements) {
        Json locks = Json::array();
        for (const LockTaken &lock : statement.locks)
            locks.push_back({{"relation", lock.relation},
                             {"mode", lock.mode},
                             {"table_with_rows", lock.table_with_rows}});
        statements.push_back(
            {{"file", statement.statement->where.file},
             {"line", statement.statement->where.line},
             {"ms", json_round(statement.ms, 3)},
             {"error", statement.error ? Json(statement.error->to_string()) : Json(nullptr)},
             {"locks", locks},
             {"rewrote", statement.rewrote}});
    }
    return {{"version", trace.version->name},
            {"state", state_name(trace.state)},
            {"reason", json_string_or_null(trace.reason)},
            {"node", trace.node ? Json(trace.node->spec.display) : Json(nullptr)},
            {"schema", json_string_or_null(trace.schema)},
            {"schemas_pending", trace.schemas},
            {"parallelism", trace.parallelism},
            {"per_schema_ms", json_round(trace.ms(), 3)},
            {"fleet_seconds", json_round(trace.fleet_seconds, 3)},
            {"statements", statements}};
}

}  // namespace

int command_trace(const Config &config, const MigrationDir &dir) {
    const LintArgs args = parse_lint_args(config.lint_args);
    // Bad arguments and unknown versions: lint says so, before anything connects.
    const bool known =
        std::all_of(args.versions.begin(), args.versions.end(),
                    [&](const std::string &name) { return find_version(dir, name) != nullptr; });
    if (!args.error.empty() || !known) return run_lint(config, dir, std::cout);

    bool complete = false;
    std::vector<std::string> standbys;
    std::vector<Node> nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return only_standbys(config, standbys);
    if (!read_stamps(usable_nodes(nodes))) {
        complete = false;
        for (const Node &node : nodes)
            if (!node.usable && !node.problem.empty())
                std::cerr << "shoal: " << node.spec.display << ": " << node.problem << "\n";
    }
    const std::vector<Node *> usable = usable_nodes(nodes);
    std::vector<NodeState> states;
    for (Node *node : usable) states.push_back(node->state);
    // As apply plans; drift is only reported, since the trace changes nothing.
    const Plan plan = plan_apply(dir, states, PlanOptions{false});
    std::cerr << format_plan_problems(plan);
    if (!plan.errors.empty()) {
        if (config.json) std::cout << json_text(json_plan_stopped("lint", plan)) << std::endl;
        return to_int(ExitCode::BadMigrations);
    }

    std::map<const Version *, std::map<const Node *, size_t>>
        pending;                                    // schemas lacking it, per node
    for (size_t i = 0; i < plan.nodes.size(); ++i)  // planned from usable[i]
        for (const SchemaPlan &schema : plan.nodes[i].schemas)
            for (const Version *version : schema.steps) ++pending[version][usable[i]];

    // Named versions, or every pending one (--all: lint every version, trace the pending ones).
    LintTrace result;
    // Reported with the findings, never dropped; the answer is then incomplete.
    result.unread = unread_of(nodes);
    result.standbys = standbys;
    complete = complete && result.unread.empty();
    for (const std::string &name : args.versions)
        result.versions.push_back(find_version(dir, name));
    for (const Version &version : dir.versions)
        if (args.versions.empty() && (args.all || pending.count(&version)))
            result.versions.push_back(&version);

    std::map<const Version *, VersionTrace> traces;
    std::set<const Version *> wanted;
    for (const Version *version : result.versions) {
        const bool is_pending = pending.count(version) > 0;
        if (!is_pending && args.versions.empty()) continue;
        VersionTrace &trace = traces[version];
        trace.version = version;
        if (!is_pending) {
            trace.state = State::NotPending;
            trace.reason = "no schema of the reachable fleet lacks it";
            continue;
        }
        wanted.insert(version);
    }
    for (const CanaryChoice &canary : choose_canaries(dir, plan, wanted)) {
        if (interrupted()) break;
        run_canary(*usable[canary.node], canary, traces);
    }

    result.json = Json::array();
    for (const Version *version : result.versions) {
        const auto found = traces.find(version);
        if (found == traces.end()) continue;
        VersionTrace &trace = found->second;
        if (trace.state != State::NotPending) estimate(trace, pending.at(version), config);
        if (trace.state == State::Skipped && trace.reason.empty())
            trace.reason = "the trace was interrupted";
        const std::vector<LintFinding> findings = findings_of(trace);
        result.findings.insert(result.findings.end(), findings.begin(), findings.end());
        result.text += report_text(trace);
        result.json.push_back(report_json(trace));
    }
    result.incomplete = interrupted() ? ExitCode::Interrupted
                        : complete    ? ExitCode::Ok
                                      : left_out_code(nodes);
    return run_lint(config, dir, std::cout, &result);
}

}  // namespace shoal::fleet
