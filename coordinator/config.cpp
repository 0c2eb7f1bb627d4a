// The run's settings: command line > environment > shoal.ini, parsed with
// Boost.Program_options. The only I/O here is find_ini, which reads the ini
// file; parse_config itself works on the strings it is given. libpq resolves
// everything we do not pass it (.pgpass, service files, defaults).
#include "config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <libpq-fe.h>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "directives.h"
#include "history.h"
#include "report.h"
#include "suggest.h"
#include "text.h"

namespace po = boost::program_options;

namespace shoal {
namespace {

struct CommandDoc {
    Command command;
    const char *name;
    const char *synopsis;
    const char *brief;    // one line for the overview
    const char *summary;  // the paragraph of the command's own help
};

const std::vector<CommandDoc> &command_docs() {
    static const std::vector<CommandDoc> docs = {
        {Command::Apply, "apply", "shoal apply [options]",
         "apply pending versions to every schema on every node (default)",
         "Applies every pending version to every matching schema on every node, in parallel,\n"
         "atomically per schema per version; a failed or interrupted run resumes where each\n"
         "schema left off. The default command (as pg-mig with no action flag)."},
        {Command::Undo, "undo", "shoal undo VERSION [options]",
         "undo the latest version VERSION where it is the latest",
         "Undoes VERSION (runs its .dn.sql) on every schema whose latest version it is.\n"
         "Schemas that never had it are skipped; schemas with newer versions are an error."},
        {Command::Status, "status", "shoal status [options]",
         "show what each schema has and lacks, and the run lock",
         "Shows, per node, how many schemas are up to date and behind, which versions the\n"
         "behind lack (schemas lacking the same versions on one line), which of them failed\n"
         "at a version they still lack and with what error, and who holds the run lock.\n"
         "Standbys in --hosts are skipped, named on one line each."},
        {Command::Check, "check", "shoal check [options]",
         "deploy gate: exit 0 when the fleet is at least at the code digest",
         "Deploy gate: exits 0 when every node's digest is at least the code digest (as\n"
         "pg-mig's digests compare), 6 when one is behind, 5 when one cannot be read.\n"
         "Reads only public.mig_digest_const(), as pg-mig's gate: no extension needed."},
        {Command::Verify, "verify", "shoal verify [options]",
         "compare schema structure across the fleet",
         "Compares a structural fingerprint of every migrated schema across the fleet and\n"
         "reports the schemas that differ from the rest."},
        {Command::History, "history", "shoal history [options]",
         "shoal.event of every node, newest first",
         "Lists what happened on every node (shoal.event: apply, undo, mark, forget, fail,\n"
         "pause, resume, cancel), newest first: time (UTC), node, schema, version, action,\n"
         "role, detail. A version shoal runs outside a transaction (CREATE INDEX\n"
         "CONCURRENTLY) is recorded as a mark and shown as the apply it was."},
        {Command::Mark, "mark", "shoal mark VERSION [options]",
         "record VERSION as applied without running it (repair)",
         "Records VERSION as applied, without running it, in every targeted schema whose\n"
         "next version it is (shoal.mig_mark(), one transaction per schema): for a version\n"
         "applied by hand. Schemas that have it already are left as they are; nothing\n"
         "changes when a targeted schema lacks an earlier version. Takes the run lock."},
        {Command::Forget, "forget", "shoal forget VERSION [options]",
         "drop VERSION from the stamps where it is the latest, running nothing (repair)",
         "Drops VERSION from the stamp of every targeted schema whose latest version it is,\n"
         "without running its .dn.sql (shoal.mig_forget()): for a version whose objects are\n"
         "gone. Schemas that never had it are left alone; nothing changes when a targeted\n"
         "schema has newer versions after it. Takes the run lock."},
        {Command::Baseline, "baseline", "shoal baseline VERSION --reference SCHEMA [options]",
         "adopt schemas built another way: record versions up to VERSION as applied",
         "Adopts schemas built some other way (restored from a dump, made by an ORM): in\n"
         "every targeted schema behind VERSION whose structure equals the reference\n"
         "schema's (verify's fingerprint), records each version up to VERSION it lacks as\n"
         "applied, without running it (one transaction per schema). The reference must\n"
         "have exactly the versions up to VERSION. Schemas that differ are listed and left\n"
         "alone. Takes the run lock."},
        {Command::Pause, "pause", "shoal pause [--reason TEXT] [options]",
         "hold every node: a run starts no new schema transaction until resume",
         "Pauses every node: a run in progress lets the versions in flight finish and starts\n"
         "nothing new until `shoal resume`; a run started later waits, saying so. Recorded on\n"
         "each node with your role, the time and the reason (shoal.event). No migration\n"
         "directory needed."},
        {Command::Resume, "resume", "shoal resume [--reason TEXT] [options]",
         "resume every node (ends a pause, or a cancel not yet taken up)",
         "Resumes every node. A run holds while any node of its fleet is paused, so this is\n"
         "how a fleet resumes: shoal.resume() in psql resumes only the node it runs on."},
        {Command::Cancel, "cancel", "shoal cancel [--reason TEXT] [options]",
         "end the run in progress: versions in flight finish, nothing new starts",
         "Cancels the run in progress on every node that holds one: versions in flight finish,\n"
         "nothing new starts, the run exits 8. Nodes where no run holds the run lock are left\n"
         "as they are (the next run would clear a cancel anyway); to hold the next run, pause."},
        {Command::Complete, "complete", "shoal complete VERSION [options]",
         "contract an online version once every schema finished its backfill",
         "Contracts the online version VERSION (docs/online.md) after the application is\n"
         "deployed: refused (exit 6) until every targeted schema finished its backfill and\n"
         "no row's new column differs from up(old); then, per schema, one short lock-timed\n"
         "transaction swaps the columns, drops the trigger and the old column and records\n"
         "the version in the stamp. Takes the run lock."},
        {Command::Abort, "abort", "shoal abort VERSION [options]",
         "remove what an online version's expand added, before its contract",
         "Aborts the online version VERSION before its contract: per schema, one short\n"
         "lock-timed transaction drops the new column and the trigger its expand added, and\n"
         "its backfill state; the schema is then as before the expand. Takes the run lock."},
        {Command::New, "new", "shoal new NAME@PREFIX [options]",
         "create an empty version NAME@PREFIX (no database)",
         "Creates empty TIMESTAMP.NAME.PREFIX.up.sql and .dn.sql (UTC timestamp, after the\n"
         "newest version) and rewrites chain.txt. NAME: lowercase letters, digits, - and _."},
        {Command::Digest, "digest", "shoal digest [options]", "print the code digest (no database)",
         "Prints the code digest of the migration directory (pg-mig --list=digest). No database."},
        {Command::List, "list", "shoal list [options]", "list the versions (no database)",
         "Lists every version in the migration directory (pg-mig --list). No database."},
        {Command::Chain, "chain", "shoal chain [options]", "rewrite chain.txt (no database)",
         "Rewrites chain.txt (pg-mig --chain), so versions added on parallel branches\n"
         "conflict in git instead of landing in the middle of the chain."},
        {Command::Lint, "lint", "shoal lint [VERSION...] [--all] [--json] [--trace] [--migdir DIR]",
         "check versions for statements that would hurt a live fleet (--trace: measure them)",
         "Checks the up scripts for statements that would lock or break a live fleet."},
        {Command::Dump, "dump", "shoal dump [--schema SCHEMA] [--out DIR] [options]",
         "write one shard's structure as SQL files (schema as code)",
         "Writes the structure of one shard at head (or of --schema) as canonical SQL files,\n"
         "free of the shard's name, into --out (default: the schema directory, which must\n"
         "not exist yet or be empty). Objects of kinds shoal does not model are named and\n"
         "nothing is written. docs/generate.md."},
        {Command::Generate, "generate", "shoal generate NAME@PREFIX [--check] [options]",
         "write the versions that turn the fleet's head into the desired schema",
         "Compares the desired schema (--schema-dir, shoal.ini schema=, default schema/) with a\n"
         "shard of PREFIX at head and writes online-safe versions named as `shoal new` names\n"
         "them, after proving them on a rolled-back copy. Hazards (data loss, rewrites) are\n"
         "refused unless allowed. --check writes nothing and exits 6 when they differ.\n"
         "docs/generate.md."},
        {Command::Help, "help", "shoal help [COMMAND]", "show help for COMMAND",
         "Shows help for COMMAND."},
        {Command::Version, "version", "shoal version", "print shoal's version",
         "Prints shoal's version."},
    };
    return docs;
}

const CommandDoc &doc_of(Command command) {
    return *std::find_if(command_docs().begin(), command_docs().end(),
                         [&](const CommandDoc &d) { return d.command == command; });
}

bool is_repair(Command c) {
    return c == Command::Mark || c == Command::Forget || c == Command::Baseline;
}

bool is_online_change(Command c) { return c == Command::Complete || c == Command::Abort; }

bool is_online(Command c) {
    return c == Command::Apply || c == Command::Undo || c == Command::Status ||
           c == Command::Check || c == Command::Verify || c == Command::History || is_repair(c) ||
           is_steering(c) || c == Command::Dump || c == Command::Generate || is_online_change(c);
}

// Settings that the environment and shoal.ini may give too.
struct Layered {
    const char *option;
    const char *env;
    const char *ini_key = nullptr;  // when shoal.ini spells it otherwise
    const char *ini() const { return ini_key ? ini_key : option; }
};
const std::vector<Layered> &layered() {
    static const std::vector<Layered> table = {
        {"migdir", "PGMIGDIR"},   {"hosts", "PGHOST"},        {"port", "PGPORT"},
        {"user", "PGUSER"},       {"password", "PGPASSWORD"}, {"db", "PGDATABASE"},
        {"sslmode", "PGSSLMODE"}, {"parallelism", nullptr},   {"schema-dir", nullptr, "schema"},
    };
    return table;
}

// --lock-timeout, --retry-for (durations, as the directives read them) and --retries.
void parse_lock_policy(const po::variables_map &vm, LockPolicy &policy,
                       std::vector<std::string> &errors) {
    const auto duration = [&](const char *option, int &into) {
        if (!vm.count(option)) return;
        const std::string text = vm[option].as<std::string>();
        const std::optional<long> ms = parse_duration_ms(text);
        if (ms && *ms <= 24L * 3600 * 1000)
            into = static_cast<int>(*ms);
        else
            errors.push_back(std::string("--") + option +
                             " takes a duration (500ms, 2s, 1min), not \"" + text + "\"");
    };
    duration("lock-timeout", policy.lock_timeout_ms);
    duration("retry-for", policy.retry_for_ms);
    if (!vm.count("retries")) return;
    const std::string text = vm["retries"].as<std::string>();
    const bool count =
        !text.empty() && text.size() <= 6 && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        });
    if (count)
        policy.retries = std::stoi(text);
    else
        errors.push_back("--retries takes a count (0 for none), not \"" + text + "\"");
}

// The libpq settings of every command that connects.
void add_connection_options(po::options_description &group) {
    // clang-format off
    group.add_options()
        ("hosts", po::value<std::string>()->value_name("LIST"),
         "nodes, comma separated: host[:port][/db] or postgres://user:pass@host:port/db "
         "(a URI's host list h1:p1,h2:p2 is one node that libpq fails over within); or "
         "separated by ';' or newlines, libpq key=value strings too (service=NAME; "
         "host=a,b target_session_attrs=read-write is one node) (env SHOAL_HOSTS, ';' "
         "separated, then PGHOST)")
        ("port", po::value<std::string>()->value_name("PORT"), "default port (env PGPORT)")
        ("user", po::value<std::string>()->value_name("USER"), "default user (env PGUSER)")
        ("password", po::value<std::string>()->value_name("PASS"),
         "default password (env PGPASSWORD; better: ~/.pgpass)")
        ("db", po::value<std::string>()->value_name("DB"),
         "default database (env PGDATABASE)")
        ("sslmode", po::value<std::string>()->value_name("MODE"),
         "libpq sslmode (env PGSSLMODE)");
    // clang-format on
}

// --lock-timeout, --retry-for and --retries: every command that changes schemas.
void add_lock_policy_options(po::options_description &options) {
    // clang-format off
    options.add_options()
        ("lock-timeout", po::value<std::string>()->value_name("TIME"),
         "how long a statement waits for a lock before the schema is retried: the "
         "application's worst wait behind a migration (default 1s; a version's "
         "$lock_timeout wins)")
        ("retry-for", po::value<std::string>()->value_name("TIME"),
         "how long a schema keeps retrying after its first lock timeout, with "
         "exponential backoff (default 1min; a version's $retry_for wins)")
        ("retries", po::value<std::string>()->value_name("N"),
         "at most N retries of a schema's lock timeouts (default: as many as "
         "--retry-for allows; a version's $retries wins)");
    // clang-format on
}

// The options a command takes. `pg_mig_style`: no subcommand was given, so
// every option and pg-mig's action flags are accepted.
po::options_description options_for(Command command, bool pg_mig_style, bool with_hidden) {
    // One option per line reads as the table it is.
    // clang-format off
    po::options_description all;
    po::options_description common("Options");
    common.add_options()
        ("migdir", po::value<std::string>()->value_name("DIR"),
         "migration directory (env PGMIGDIR; in shoal.ini relative to the file)")
        ("env", po::value<std::string>()->value_name("NAME"),
         "read shoal.ini's [NAME] section over its top (production, staging)")
        ("json", "print the result, or why there is none, as one JSON document (docs/json.md)")
        ("help,h", "show this help");
    all.add(common);

    bool online = pg_mig_style || is_online(command);
    if (online) {
        po::options_description connection("Connection (libpq resolves whatever is not given: "
                                           ".pgpass, service files, defaults)");
        add_connection_options(connection);
        connection.add_options()
            ("skip-unreachable", "go on without nodes that cannot be reached (exit code 5)");
        all.add(connection);
    }
    if (command == Command::Lint && !pg_mig_style) {
        // `lint --trace` runs versions on a node; lint parses its other arguments itself.
        po::options_description trace("Trace (lint --trace)");
        add_connection_options(trace);
        trace.add_options()
            ("parallelism", po::value<int>()->value_name("N"),
             "connections per node the fleet estimate assumes (default: chosen by shoal)");
        all.add(trace);
    }
    if (command == Command::History && !pg_mig_style) {
        po::options_description history("History");
        history.add_options()
            ("version", po::value<std::string>()->value_name("VERSION"), "only this version's events")
            ("action", po::value<std::string>()->value_name("ACTION"),
             "only these events: apply, undo, mark, forget, fail, pause, resume, cancel, "
             "expand, backfilled, contract or abort")
            ("since", po::value<std::string>()->value_name("WHEN"),
             "only events since WHEN: a UTC date or time (2026-12-01, 2026-12-01T10:30) or a "
             "duration back from now (90s, 30m, 2h, 3d, 1w)")
            ("limit", po::value<int>()->value_name("N"), "at most N events in all (default 50)");
        all.add(history);
    }
    bool runs = pg_mig_style || command == Command::Apply || command == Command::Undo;
    if (runs) {
        po::options_description run("Run");
        run.add_options()
            ("parallelism", po::value<int>()->value_name("N"),
             "connections per node (default: per CPU of the node's server 1 if shoal runs on "
             "its machine, else 2; shared among nodes on one machine, at most 10 and at most "
             "half its free connection slots)")
            ("dry-run", "print the plan and whether before.sql and after.sql would run; change "
                        "nothing, take no lock")
            ("install-extension", "CREATE EXTENSION shoal where it is missing, ALTER EXTENSION shoal "
                                  "UPDATE where it is old (with --dry-run: say so per node)")
            ("synchronous-commit", "every schema's commit waits for its WAL flush, at the session's "
                                   "synchronous_commit level, at least local (default: on each "
                                   "node where a flush takes at most 100 µs, measured at the start)")
            ("asynchronous-commit", "no schema's commit waits for its WAL flush; one flushing commit "
                                    "per node makes the run durable before it reports (default: on "
                                    "each node where a flush takes longer)")
            ("log-json", po::value<std::string>()->value_name("FILE"),
             "append one JSON line per event of the run to FILE (docs/json.md)")
            ("metrics", po::value<std::string>()->value_name("FILE"),
             "write the run's figures to FILE at its end, in Prometheus' text format "
             "(for node_exporter's textfile collector)");
        add_lock_policy_options(run);
        if (pg_mig_style || command == Command::Apply) {
            run.add_options()
                ("force", "run before.sql and after.sql even when nothing is pending")
                ("allow-drift", "report applied versions whose file changed as warnings, "
                                "not errors")
                ("to", po::value<std::string>()->value_name("VERSION"),
                 "apply versions up to and including VERSION only; schemas past it are left "
                 "as they are")
                ("canary", po::value<std::string>()->value_name("N|NAMES"),
                 "first apply the pending chain to N schemas, spread over the nodes, or to "
                 "the schemas named (sh0042,sh0107); stop there if any fails")
                ("waves", po::value<std::string>()->value_name("LIST"),
                 "then the rest in waves, cumulative percentages of all schemas (1,10,50,100), "
                 "each wave finished before the next starts")
                ("max-failures", po::value<std::string>()->value_name("K|P%"),
                 "with --waves: start no further wave once more than K schemas (or P% of "
                 "those run so far) failed (default 0)");
        }
        if (pg_mig_style || command == Command::Undo)
            run.add_options()
                ("yes", "undo without asking (it asks only when stdin is a terminal)");
        all.add(run);
    }
    if (command == Command::Chain && !pg_mig_style) {
        po::options_description chain("Chain");
        chain.add_options()
            ("check", "write nothing; exit 6 when chain.txt is not what `shoal chain` would "
                      "write (for CI)");
        all.add(chain);
    }
    if (online) {
        po::options_description targeting("Targeting (a run narrowed by any of them stores no digest)");
        targeting.add_options()
            ("nodes", po::value<std::string>()->value_name("LIST"),
             "only these nodes of --hosts: display names or 1-based positions, comma separated");
        if (pg_mig_style || command != Command::Check)
            targeting.add_options()
                ("schemas", po::value<std::vector<std::string>>()->composing()->value_name("PATTERN"),
                 "only the schemas matching PATTERN (repeatable; comma separated items): a name, "
                 "a glob (sh00*, sh00?2), or a range sh0000-0099 (as the summary prints them; "
                 "sh0001-0003,0008 reads back); matching no schema is an error (exit 2)");
        if (command == Command::Baseline)
            targeting.add_options()
                ("reference", po::value<std::string>()->value_name("SCHEMA"),
                 "the schema whose structure the adopted schemas must have; it has exactly the "
                 "versions up to VERSION (the first node in --hosts that has it)");
        if (is_repair(command))
            targeting.add_options()
                ("dry-run", "print what would be recorded or dropped where; change nothing, "
                            "take no lock");
        all.add(targeting);
    }
    if ((command == Command::Dump || command == Command::Generate) && !pg_mig_style) {
        po::options_description schema("Schema as code (docs/generate.md)");
        schema.add_options()
            ("schema-dir", po::value<std::string>()->value_name("DIR"),
             "the desired schema: SQL files of one shard, names unqualified (shoal.ini "
             "schema=, relative to the file; default schema)");
        if (command == Command::Dump)
            schema.add_options()
                ("schema", po::value<std::string>()->value_name("SCHEMA"),
                 "the shard to dump (default: one at head, of the directory's one shard prefix)")
                ("out", po::value<std::string>()->value_name("DIR"),
                 "where to write (default: the schema directory); must not exist or be empty");
        if (command == Command::Generate)
            schema.add_options()
                ("check", "write nothing; exit 6 when the desired schema is not the fleet's head "
                          "or shards at head differ (for CI)")
                ("allow-hazard", po::value<std::vector<std::string>>()->composing()->value_name("KIND"),
                 "write a hazardous change instead of refusing it (repeatable): drop-table, "
                 "drop-column, type-change, volatile-default, generated-column, not-null-column, "
                 "enum-label, matview-recreate, exclusion-constraint-scan");
        all.add(schema);
    }
    if (is_online_change(command) && !pg_mig_style) {
        po::options_description online_change("Lock policy (each schema's one transaction)");
        add_lock_policy_options(online_change);
        all.add(online_change);
    }
    if (is_steering(command) && !pg_mig_style) {
        po::options_description steer("Steering");
        steer.add_options()
            ("reason", po::value<std::string>()->value_name("TEXT"),
             "why, recorded on every node with your role")
            ("dry-run", "say per node what would change; change nothing");
        all.add(steer);
    }
    if (with_hidden) {
        // pg-mig's spellings, so existing deploy scripts keep working.
        po::options_description hidden;
        hidden.add_options()("target", po::value<std::string>(), "")("skip-config", "");
        if (runs) hidden.add_options()("dry", "");
        if (online) hidden.add_options()("pass", po::value<std::string>(), "");
        if (pg_mig_style) {
            hidden.add_options()
                ("make", po::value<std::string>(), "")
                ("undo", po::value<std::string>(), "")
                ("list", po::value<std::string>()->implicit_value(""), "")
                ("chain", po::value<std::string>()->implicit_value(""), "")
                ("version", "");
        }
        all.add(hidden);
    }
    // clang-format on
    return all;
}

std::vector<std::string> command_names() {
    std::vector<std::string> names;
    for (const CommandDoc &doc : command_docs()) names.push_back(doc.name);
    return names;
}

std::optional<Command> command_by_name(const std::string &name) {
    for (const CommandDoc &doc : command_docs()) {
        if (name == doc.name) return doc.command;
    }
    return std::nullopt;
}

// The pg-mig action flags in a variables_map, as pg-mig's cli.ts orders them.
Command pg_mig_command(const po::variables_map &vm, std::vector<std::string> &errors) {
    if (vm.count("version")) return Command::Version;
    if (vm.count("help")) return Command::Help;
    if (vm.count("make")) return Command::New;
    if (vm.count("chain")) return Command::Chain;
    if (vm.count("list")) {
        std::string list = vm["list"].as<std::string>();
        if (list.empty()) return Command::List;
        if (list == "digest") return Command::Digest;
        errors.push_back("--list takes no value or \"digest\", not \"" + list + "\"");
    }
    if (vm.count("undo")) return Command::Undo;
    return Command::Apply;
}

std::string conninfo_quote(const std::string &value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// One node's connection settings before they become a conninfo string.
struct NodeParts {
    std::string host, port, db, user, password;  // host and port may be libpq's failover lists
    std::vector<std::pair<std::string, std::string>> extra;  // the URI's other parameters

    std::string service() const {
        for (const auto &[key, value] : extra)
            if (key == "service") return value;
        return "";
    }
};

// Whether a node list holds libpq key=value connection strings (`host=a,b
// target_session_attrs=read-write`): its entries are then separated by ';' or
// newlines only, since commas and spaces belong to the entries.
bool holds_conninfo(const std::string &hosts) {
    static const std::regex conninfo_key(R"((^|[\s,;])\w+\s*=)");
    return std::regex_search(hosts, conninfo_key);
}

// The list of nodes as shoal splits it. pg-mig's list (`libpq_commas` false):
// entries separated by commas, semicolons or white space, except inside a URI's
// host list, where commas are libpq's own (postgres://h1:5432,h2:5433/db is one
// node that libpq fails over within), unless a comma is followed by the next
// URI's scheme. With `libpq_commas` (SHOAL_HOSTS, or a list holding key=value
// connection strings): entries separated by ';' or newlines outside quotes,
// each one node, commas and spaces in it libpq's.
std::vector<std::string> split_node_list(const std::string &hosts, bool libpq_commas) {
    std::vector<std::string> entries;
    if (libpq_commas) {
        std::string entry;
        const auto end_entry = [&] {
            if (!trim(entry).empty()) entries.push_back(trim(entry));
            entry.clear();
        };
        bool quoted = false;
        for (size_t i = 0; i < hosts.size(); ++i) {
            const char c = hosts[i];
            if (quoted && c == '\\' && i + 1 < hosts.size()) {
                entry += c;
                entry += hosts[++i];
                continue;
            }
            if (c == '\'') quoted = !quoted;
            if (!quoted && (c == ';' || c == '\n'))
                end_entry();
            else
                entry += c;
        }
        end_entry();  // an unbalanced quote included: libpq names that
        return entries;
    }
    static const std::regex entry(R"(\w+://(?:[^/?\s,;]|,(?!\w+://))*[^\s,;]*|[^\s,;]+)");
    for (std::sregex_iterator it(hosts.begin(), hosts.end(), entry), end; it != end; ++it)
        entries.push_back(it->str());
    return entries;
}

// A node's settings as libpq parsed them: shoal's own keywords in their
// fields, every other one (service, target_session_attrs, sslmode, …) kept as
// it is. Only the ports are checked here: libpq leaves them to connection time.
std::optional<NodeParts> parts_of(const PQconninfoOption *options) {
    NodeParts parts;
    const std::map<std::string, std::string NodeParts::*> own = {
        {"host", &NodeParts::host},
        {"port", &NodeParts::port},
        {"dbname", &NodeParts::db},
        {"user", &NodeParts::user},
        {"password", &NodeParts::password}};
    for (const PQconninfoOption *option = options; option->keyword; ++option) {
        if (!option->val || !*option->val) continue;
        auto field = own.find(option->keyword);
        if (field != own.end())
            parts.*(field->second) = option->val;
        else
            parts.extra.emplace_back(option->keyword, option->val);
    }
    // libpq gives "," for two hosts without a port: no port given, the default applies.
    if (parts.port.find_first_not_of(',') == std::string::npos) parts.port.clear();
    static const std::regex ports(R"(^(\d{1,5})?(,(\d{1,5})?)*$)");
    if (!std::regex_match(parts.port, ports)) return std::nullopt;
    return parts;
}

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// libpq's parse of a URI or key=value string, and its message when it fails.
ConninfoOptions libpq_parse(const std::string &spec, std::string &libpq_message) {
    char *error = nullptr;
    ConninfoOptions options(PQconninfoParse(spec.c_str(), &error), &PQconninfoFree);
    libpq_message = error ? trim(error) : "";
    PQfreemem(error);
    return options;
}

// libpq parses a URI (percent-decoding, IPv6 brackets, host lists, query
// parameters); shoal only checks that the ports are numbers, which libpq leaves
// to connection time.
std::optional<NodeParts> parse_uri(const std::string &uri, std::string &error) {
    const auto unparsable = [&]() -> std::optional<NodeParts> {
        // libpq's own message is not shown: it may quote the password.
        error =
            "cannot parse \"" + displayable_node_spec(uri) +
            "\" as postgres://[user[:password]@]host[:port][,host[:port]...][/db][?key=value&...] "
            "(percent-encode reserved characters such as / @ : in the user name or password)";
        return std::nullopt;
    };
    if (uri.rfind("postgres://", 0) != 0 && uri.rfind("postgresql://", 0) != 0) return unparsable();
    std::string ignored;
    ConninfoOptions options = libpq_parse(uri, ignored);
    std::optional<NodeParts> parts = options ? parts_of(options.get()) : std::nullopt;
    return parts ? parts : unparsable();
}

// A key=value connection string, as libpq reads it. libpq's message names the
// word it stumbled on, which may be part of a password: it is shown as libpq
// gives it for the string with its passwords masked, which fails the same way
// unless the password itself was what was malformed.
std::optional<NodeParts> parse_conninfo(const std::string &conninfo, std::string &error) {
    std::string libpq_message;
    ConninfoOptions options = libpq_parse(conninfo, libpq_message);
    std::optional<NodeParts> parts = options ? parts_of(options.get()) : std::nullopt;
    if (parts) return parts;
    const std::string masked = displayable_node_spec(conninfo);
    std::string reason = "a port is not a number";
    if (!options && libpq_parse(masked, reason))
        reason = "a password value is malformed (an unbalanced quote or backslash)";
    error = "cannot parse connection string \"" + masked + "\": " + reason;
    return std::nullopt;
}

// A node list entry: a postgres:// URI, a key=value connection string, or
// pg-mig's host[:port][/db] shorthand.
std::optional<NodeParts> parse_host_spec(const std::string &spec, std::string &error) {
    if (spec.find("://") != std::string::npos) return parse_uri(spec, error);
    if (holds_conninfo(spec)) return parse_conninfo(spec, error);
    static const std::regex plain(R"(^(.*?)(?::(\d+))?(?:/(.+))?$)");
    std::smatch m;
    std::regex_match(spec, m, plain);
    NodeParts parts;
    parts.host = m[1];
    parts.port = m[2];
    parts.db = m[3];
    return parts;
}

// libpq's comma-separated list as a vector ("" is one empty element).
std::vector<std::string> list_items(const std::string &list) {
    std::vector<std::string> items;
    std::stringstream stream(list);
    for (std::string item; std::getline(stream, item, ',');) items.push_back(item);
    if (items.empty() || list.back() == ',') items.push_back("");
    return items;
}

// "host[:port]" for each host of the node (libpq's rule: one port for all
// hosts, or one per host), then "/db". A failover list always shows its ports:
// its hosts may be one machine.
std::string display_of(const NodeParts &node, bool port_matters, bool db_matters) {
    if (node.host.empty() && !node.service().empty())
        return "service=" + node.service() + (db_matters ? "/" + node.db : "");
    const std::vector<std::string> hosts = list_items(node.host), ports = list_items(node.port);
    port_matters = port_matters || hosts.size() > 1;
    std::string display;
    for (size_t i = 0; i < hosts.size(); ++i) {
        if (i > 0) display += ",";
        display += hosts[i].empty() ? "local" : displayable_node_spec(hosts[i]);
        const std::string &port = ports[ports.size() == hosts.size() ? i : 0];
        if (port_matters) display += ":" + (port.empty() ? std::string("5432") : port);
    }
    if (db_matters) display += "/" + node.db;
    return display;
}

std::string conninfo_of(const NodeParts &node, const std::string &sslmode) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"host", node.host}, {"port", node.port},         {"dbname", node.db},
        {"user", node.user}, {"password", node.password}, {"sslmode", sslmode}};
    params.insert(params.end(), node.extra.begin(), node.extra.end());
    std::string conninfo;
    for (const auto &[key, value] : params) {
        if (value.empty()) continue;
        conninfo += (conninfo.empty() ? "" : " ") + key + "=" + conninfo_quote(value);
    }
    return conninfo;
}

// The nodes of `settings`' host list; `libpq_commas`: it came from SHOAL_HOSTS.
std::vector<NodeSpec> build_nodes(const std::map<std::string, std::string> &settings,
                                  bool libpq_commas, std::vector<std::string> &errors) {
    auto setting = [&](const char *name) {
        auto it = settings.find(name);
        return it == settings.end() ? std::string() : it->second;
    };
    std::string hosts = setting("hosts");
    std::vector<std::string> specs = split_node_list(hosts, libpq_commas || holds_conninfo(hosts));
    if (specs.empty()) specs.push_back("");  // libpq's own default: local socket

    std::vector<NodeParts> nodes;
    for (const std::string &spec : specs) {
        std::string error;
        std::optional<NodeParts> parts = parse_host_spec(spec, error);
        if (!parts) {
            errors.push_back(error);
            continue;
        }
        // What the host spec leaves out, the defaults give (pg-mig's normalizeDsn);
        // a service file gives them for its nodes (then libpq's environment).
        if (parts->service().empty()) {
            if (parts->port.empty()) parts->port = setting("port");
            if (parts->db.empty()) parts->db = setting("db");
            if (parts->user.empty()) parts->user = setting("user");
            if (parts->password.empty()) parts->password = setting("password");
        }
        nodes.push_back(*parts);
    }
    auto differs = [&](std::string NodeParts::*field) {
        return std::any_of(nodes.begin(), nodes.end(),
                           [&](const NodeParts &n) { return n.*field != nodes[0].*field; });
    };
    // The full host:port/db is a node's identity: a database listed twice would
    // be migrated by two connections racing each other. With every identity
    // distinct, the short display names are distinct too (a part is left out
    // only when it is the same everywhere), so people can tell nodes apart.
    std::set<std::string> identities;
    for (const NodeParts &node : nodes)
        if (!identities.insert(display_of(node, true, true)).second)
            errors.push_back("node " + display_of(node, true, true) +
                             " is listed twice in --hosts");
    bool port_matters = differs(&NodeParts::port), db_matters = differs(&NodeParts::db);
    std::vector<NodeSpec> out;
    for (const NodeParts &node : nodes) {
        out.push_back(
            {display_of(node, port_matters, db_matters), conninfo_of(node, setting("sslmode"))});
    }
    return out;
}

void validate(const std::map<std::string, std::string> &settings,
              std::vector<std::string> &errors) {
    auto it = settings.find("port");
    static const std::regex port(R"(^\d{1,5}$)");
    if (it != settings.end() && !std::regex_match(it->second, port)) {
        errors.push_back("port must be a number, not \"" + it->second + "\"");
    }
    it = settings.find("sslmode");
    static const std::vector<std::string> modes = {"disable", "allow",     "prefer",
                                                   "require", "verify-ca", "verify-full"};
    if (it != settings.end() && std::find(modes.begin(), modes.end(), it->second) == modes.end()) {
        errors.push_back(
            "sslmode must be one of disable, allow, prefer, require, verify-ca, "
            "verify-full, not \"" +
            it->second + "\"");
    }
}

// `value` without the quotes around it, when it is quoted: "a b" and 'a b' are a b.
std::string unquoted(const std::string &value) {
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
        return value.substr(1, value.size() - 2);
    return value;
}

// shoal.ini's settings: its top's key=value lines, then, with `env_name`, those
// of its [env_name] section over them. Every key must be one of the layered
// ones; a relative migdir is relative to the ini file's directory, so it is
// found from any subdirectory. Errors name file:line and never quote a line,
// which may be `password secret`.
std::map<std::string, std::string> parse_ini(const IniFile &ini, const std::string &env_name,
                                             std::vector<std::string> &errors) {
    std::vector<std::string> keys;
    for (const Layered &l : layered()) keys.push_back(l.ini());
    std::map<std::string, std::string> top, selected;
    std::map<std::string, int> first_line;  // per "section.key"
    std::vector<std::string> sections;
    std::string section;  // "" before the first [name]
    std::istringstream lines(ini.text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        const std::string where = ini.path + ":" + std::to_string(number) + ": ";
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            if (line.back() != ']' || line.size() < 3) {
                errors.push_back(where + "expected [name]");
                return {};
            }
            section = trim(line.substr(1, line.size() - 2));
            sections.push_back(section);
            continue;
        }
        const size_t equals = line.find('=');
        if (equals == std::string::npos) {
            errors.push_back(where + "expected key=value");
            return {};
        }
        const std::string key = trim(line.substr(0, equals));
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            errors.push_back(where + "unknown key \"" + printable(key) + "\"" +
                             did_you_mean(key, keys) + "; the keys are " + join(keys, ", "));
            continue;
        }
        auto [seen, fresh] = first_line.emplace(section + "." + key, number);
        if (!fresh) {
            errors.push_back(where + key + " is given twice (first at line " +
                             std::to_string(seen->second) + ")");
            continue;
        }
        std::string value = unquoted(trim(line.substr(equals + 1)));
        if ((key == "migdir" || key == "schema") && !value.empty() &&
            std::filesystem::path(value).is_relative())
            value = (std::filesystem::path(ini.path).parent_path() / value).string();
        if (section.empty())
            top[key] = value;
        else if (section == env_name)
            selected[key] = value;
    }
    if (!env_name.empty() &&
        std::find(sections.begin(), sections.end(), env_name) == sections.end())
        errors.push_back("--env " + printable(env_name) + ": " + ini.path + " has no [" +
                         printable(env_name) + "] section" +
                         (sections.empty() ? std::string(" (it has none)")
                                           : " (it has [" + join(sections, "], [") + "])"));
    for (const auto &[key, value] : selected) top[key] = value;
    return top;
}

void parse_history_options(const po::variables_map &vm, Config &config,
                           std::vector<std::string> &errors) {
    if (vm.count("version")) config.history_version = vm["version"].as<std::string>();
    if (vm.count("action")) {
        config.history_action = vm["action"].as<std::string>();
        const std::string error = history_action_error(config.history_action);
        if (!error.empty()) errors.push_back(error);
    }
    if (vm.count("since")) {
        config.history_since = vm["since"].as<std::string>();
        std::string error;
        if (!parse_since(config.history_since, 0, error)) errors.push_back(error);
    }
    if (vm.count("limit")) {
        config.history_limit = vm["limit"].as<int>();
        if (config.history_limit < 1)
            errors.push_back("--limit must be a positive number of events");
    }
}

}  // namespace

std::string displayable_node_spec(const std::string &spec) {
    std::string out = spec;
    // URI userinfo: everything between the first ':' after "scheme://" and the
    // last '@' before the query is the password, whatever it holds (a raw '/'
    // or '@' in it is what made the URI unparsable in the first place).
    size_t scheme = out.find("://");
    if (scheme != std::string::npos) {
        size_t start = scheme + 3;
        size_t at = out.rfind('@', out.find('?', start));
        if (at != std::string::npos && at >= start) {
            size_t colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // conninfo `password=…` (quoted or not) and URI `password=…&`, sslpassword too.
    static const std::regex secret(R"((\w*password)(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*))",
                                   std::regex::icase);
    return std::regex_replace(out, secret, "$1$2***");
}

std::vector<CommandReference> command_reference() {
    static const std::regex caption_line(R"(^(\S.*):$)"),
        option_line(R"(^  (?:-\w \[ )?--([\w-]+))");
    std::vector<CommandReference> reference;
    for (const CommandDoc &doc : command_docs()) {
        CommandReference command{doc.command, doc.name, doc.synopsis, doc.brief, doc.summary, {}};
        const po::options_description options = options_for(doc.command, false, false);
        // Boost keeps the groups' captions to itself: each option belongs to the
        // caption it is printed under in the help.
        std::ostringstream help;
        help << options;
        std::istringstream printed(help.str());
        std::smatch match;
        for (std::string line; std::getline(printed, line);) {
            if (std::regex_match(line, match, caption_line)) {
                command.groups.push_back({match[1], {}});
            } else if (std::regex_search(line, match, option_line) && !command.groups.empty()) {
                const po::option_description &option = options.find(match[1], false);
                const bool takes_value = option.semantic()->max_tokens() > 0;
                command.groups.back().options.push_back(
                    {option.long_name(), takes_value ? option.semantic()->name() : "",
                     option.description()});
            }
        }
        reference.push_back(command);
    }
    return reference;
}

std::string command_name(Command command) { return doc_of(command).name; }

bool is_steering(Command command) {
    return command == Command::Pause || command == Command::Resume || command == Command::Cancel;
}

bool skips_ini(const std::vector<std::string> &args) {
    return std::find(args.begin(), args.end(), "--skip-config") != args.end();
}

bool asks_for_json(const std::vector<std::string> &args) {
    return std::find(args.begin(), std::find(args.begin(), args.end(), "--"), "--json") !=
           std::find(args.begin(), args.end(), "--");
}

ConfigResult parse_config(const std::vector<std::string> &args,
                          const std::map<std::string, std::string> &env,
                          const std::optional<IniFile> &ini) {
    ConfigResult result;
    Config &config = result.config;
    std::vector<std::string> &errors = result.errors;

    std::vector<std::string> rest = args;
    bool pg_mig_style = true;
    if (!rest.empty() && !rest[0].empty() && rest[0][0] != '-') {
        std::optional<Command> named = command_by_name(rest[0]);
        if (!named) {
            errors.push_back("unknown command \"" + printable(rest[0]) + "\"" +
                             did_you_mean(rest[0], command_names()) + "; shoal help lists them");
            return result;
        }
        config.command = *named;
        pg_mig_style = false;
        rest.erase(rest.begin());
    }

    // No option is taken from a prefix of its name: `--can 3` is a typo, not --canary.
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::variables_map vm;
    try {
        po::positional_options_description positional;
        positional.add("target", 1);
        if (config.command == Command::Lint) {
            // shoal lint parses its own arguments; the directory and connection
            // settings are shared.
            // parsed keeps a pointer to the description: it must outlive store().
            const po::options_description shared = options_for(config.command, false, true);
            po::parsed_options parsed = po::command_line_parser(rest)
                                            .options(shared)
                                            .style(style)
                                            .allow_unregistered()
                                            .run();
            po::store(parsed, vm);
            config.lint_args = po::collect_unrecognized(parsed.options, po::include_positional);
        } else {
            po::store(po::command_line_parser(rest)
                          .options(options_for(config.command, pg_mig_style, true))
                          .style(style)
                          .positional(positional)
                          .run(),
                      vm);
        }
        po::notify(vm);
    } catch (const po::unknown_option &e) {
        const po::options_description known = options_for(config.command, pg_mig_style, false);
        std::vector<std::string> names;
        for (const auto &option : known.options()) names.push_back("--" + option->long_name());
        errors.push_back(e.what() + did_you_mean(e.get_option_name(), names));
        return result;
    } catch (const po::error &e) {
        errors.push_back(e.what());
        return result;
    }

    if (pg_mig_style) config.command = pg_mig_command(vm, errors);
    bool lint_help = std::count(config.lint_args.begin(), config.lint_args.end(), "--help") +
                     std::count(config.lint_args.begin(), config.lint_args.end(), "-h");
    if ((vm.count("help") || lint_help) && config.command != Command::Help) {
        config.help_for = config.command;
        config.command = Command::Help;
    }
    std::string target = vm.count("target") ? vm["target"].as<std::string>() : "";
    if (vm.count("make")) target = vm["make"].as<std::string>();
    if (vm.count("undo")) target = vm["undo"].as<std::string>();
    switch (config.command) {
        case Command::Undo:
            if (target.empty()) errors.push_back("undo needs the VERSION to undo");
            config.undo_version = target;
            break;
        case Command::Mark:
        case Command::Forget:
        case Command::Baseline:
        case Command::Complete:
        case Command::Abort:
            if (target.empty())
                errors.push_back(command_name(config.command) + " needs the VERSION");
            config.version = target;
            if (config.command == Command::Baseline && !vm.count("reference"))
                errors.push_back("baseline needs --reference SCHEMA, the schema to compare with");
            if (vm.count("reference")) config.reference = vm["reference"].as<std::string>();
            break;
        case Command::New:
            if (target.empty()) errors.push_back("new needs NAME@PREFIX");
            config.new_name = target;
            break;
        case Command::Generate:
            if (target.empty()) errors.push_back("generate needs NAME@PREFIX");
            config.generate_name = target;
            break;
        case Command::Help:
            if (!target.empty()) {
                std::optional<Command> about = command_by_name(target);
                if (!about) errors.push_back("no help for unknown command \"" + target + "\"");
                config.help_for = about.value_or(Command::Help);
            }
            break;
        default:
            if (!target.empty() && config.command != Command::Lint) {
                errors.push_back(command_name(config.command) + " takes no argument \"" + target +
                                 "\"");
            }
    }

    // command line > environment > shoal.ini, for the settings the command takes.
    const std::string env_name = vm.count("env") ? vm["env"].as<std::string>() : "";
    std::map<std::string, std::string> from_ini;
    if (ini && !skips_ini(args)) {
        from_ini = parse_ini(*ini, env_name, errors);
        config.ini_path = ini->path;
    } else if (!env_name.empty()) {
        errors.push_back("--env " + printable(env_name) +
                         ": no shoal.ini was read (none in the working directory or its "
                         "parents, or --skip-config)");
    }
    po::options_description taken = options_for(config.command, pg_mig_style, true);
    std::map<std::string, std::string> settings;
    for (const Layered &l : layered()) {
        if (!taken.find_nothrow(l.option, false)) continue;
        auto from_env = l.env ? env.find(l.env) : env.end();
        if (vm.count(l.option) && l.option != std::string("parallelism")) {
            settings[l.option] = vm[l.option].as<std::string>();
        } else if (vm.count(l.option)) {
            settings[l.option] = std::to_string(vm[l.option].as<int>());
        } else if (from_env != env.end() && !from_env->second.empty()) {
            settings[l.option] = from_env->second;
        } else if (from_ini.count(l.ini())) {
            settings[l.option] = from_ini[l.ini()];
        }
    }
    // SHOAL_HOSTS is the fleet of those who keep PGHOST as libpq reads it (one
    // host, or one node's failover list, for psql and pg_dump): before PGHOST,
    // and its commas are libpq's too.
    auto shoal_hosts = env.find("SHOAL_HOSTS");
    const bool from_shoal_hosts = taken.find_nothrow("hosts", false) && !vm.count("hosts") &&
                                  shoal_hosts != env.end() && !shoal_hosts->second.empty();
    if (from_shoal_hosts) settings["hosts"] = shoal_hosts->second;
    if (vm.count("pass") && !vm.count("password"))
        settings["password"] = vm["pass"].as<std::string>();
    validate(settings, errors);

    config.migdir = settings.count("migdir") ? settings["migdir"] : "";
    if (settings.count("parallelism")) {
        try {
            config.parallelism = std::stoi(settings["parallelism"]);
        } catch (const std::exception &) {
            config.parallelism = 0;
        }
        if (config.parallelism < 1) errors.push_back("parallelism must be a positive integer");
    }
    config.dry = vm.count("dry-run") || vm.count("dry");
    config.force = vm.count("force") > 0;
    config.json = vm.count("json") > 0;
    config.skip_unreachable = vm.count("skip-unreachable") > 0;
    config.install_extension = vm.count("install-extension") > 0;
    config.allow_drift = vm.count("allow-drift") > 0;
    if (vm.count("synchronous-commit") && vm.count("asynchronous-commit"))
        errors.push_back("--synchronous-commit and --asynchronous-commit exclude each other");
    else if (vm.count("synchronous-commit"))
        config.commit_mode = CommitMode::Synchronous;
    else if (vm.count("asynchronous-commit"))
        config.commit_mode = CommitMode::Asynchronous;
    config.yes = vm.count("yes") > 0;
    config.chain_check = vm.count("check") > 0;
    if (vm.count("reason")) config.reason = vm["reason"].as<std::string>();
    if (vm.count("log-json")) config.log_json = vm["log-json"].as<std::string>();
    if (vm.count("metrics")) config.metrics = vm["metrics"].as<std::string>();
    parse_lock_policy(vm, config.lock_policy, errors);
    std::string error;
    if (vm.count("canary") && !parse_canary(vm["canary"].as<std::string>(), config.waves, error))
        errors.push_back(error);
    if (vm.count("to")) config.target.to = vm["to"].as<std::string>();
    if (vm.count("to") && config.command != Command::Apply)
        errors.push_back("--to is apply's: undo takes one VERSION");
    if (vm.count("schemas")) {
        auto patterns = parse_schema_patterns(vm["schemas"].as<std::vector<std::string>>(), error);
        if (patterns)
            config.target.schemas = std::move(*patterns);
        else
            errors.push_back(error);
    }
    if (vm.count("waves")) {
        config.waves.percents = parse_wave_percents(vm["waves"].as<std::string>(), error);
        if (config.waves.percents.empty()) errors.push_back(error);
    }
    if (vm.count("max-failures")) {
        if (!vm.count("waves"))
            errors.push_back("--max-failures is checked between waves: it needs --waves");
        if (auto limit = parse_failure_limit(vm["max-failures"].as<std::string>(), error))
            config.max_failures = *limit;
        else
            errors.push_back(error);
    }
    if (config.command == Command::History) parse_history_options(vm, config, errors);
    if (settings.count("schema-dir")) config.schema_dir = settings["schema-dir"];
    if (vm.count("schema") && config.command == Command::Dump)
        config.dump_schema = vm["schema"].as<std::string>();
    if (vm.count("out")) config.dump_out = vm["out"].as<std::string>();
    if (vm.count("allow-hazard"))
        config.allowed_hazards = vm["allow-hazard"].as<std::vector<std::string>>();
    config.generate_check = config.command == Command::Generate && vm.count("check") > 0;
    if (is_online(config.command) || config.command == Command::Lint)
        config.nodes = build_nodes(settings, from_shoal_hosts, errors);
    if (vm.count("nodes") && !config.nodes.empty()) {
        std::vector<std::string> displays;
        for (const NodeSpec &node : config.nodes) displays.push_back(node.display);
        std::vector<NodeSpec> chosen;
        for (size_t i : select_nodes(displays, vm["nodes"].as<std::string>(), error))
            chosen.push_back(config.nodes[i]);
        if (chosen.empty()) errors.push_back(error);
        config.target.node_subset = chosen.size() < config.nodes.size();
        config.nodes = std::move(chosen);
    }
    bool needs_dir = config.command != Command::Help && config.command != Command::Version &&
                     !is_steering(config.command);
    if (needs_dir && config.migdir.empty()) {
        errors.push_back(
            "no migration directory: pass --migdir DIR, set PGMIGDIR, or put "
            "migdir=DIR in shoal.ini");
    }
    return result;
}

std::optional<IniFile> find_ini(const std::string &start_dir) {
    std::error_code error;
    std::filesystem::path dir = std::filesystem::absolute(start_dir, error);
    if (error) return std::nullopt;
    for (;; dir = dir.parent_path()) {
        std::filesystem::path candidate = dir / "shoal.ini";
        if (std::filesystem::is_regular_file(candidate, error)) {
            std::ifstream in(candidate);
            std::ostringstream text;
            text << in.rdbuf();
            return IniFile{candidate.string(), text.str()};
        }
        if (dir == dir.parent_path()) return std::nullopt;
    }
}

std::string help_text(Command command) {
    std::ostringstream out;
    if (command == Command::Help) {
        out << "Usage: shoal COMMAND [options]\n\n"
               "shoal applies one append-only chain of SQL migrations (pg-mig's directory\n"
               "format) to every matching schema on every node of a PostgreSQL fleet.\n\n"
               "Commands:\n";
        for (const CommandDoc &doc : command_docs()) {
            std::string name = doc.name;
            out << "  " << name << std::string(10 - name.size(), ' ') << doc.brief << "\n";
        }
        out << "\n`shoal COMMAND --help` shows a command's options.\n\n"
               "Settings come from the command line, then the environment, then shoal.ini\n"
               "(key=value lines: migdir, hosts, port, user, password, db, sslmode,\n"
               "parallelism, schema) found in the working directory or the nearest parent; its\n"
               "[NAME] sections are read with --env NAME, its migdir is relative to it.\n\n"
               "pg-mig's flags are accepted too: --make=NAME@PREFIX, --undo=VERSION, --list,\n"
               "--list=digest, --chain, --pass, --dry, --skip-config; with none of them the\n"
               "command is apply.\n";
    } else {
        const CommandDoc &doc = doc_of(command);
        out << "Usage: " << doc.synopsis << "\n\n" << doc.summary << "\n";
        out << options_for(command, false, false);
    }
    out << "\nExit codes:\n" << exit_code_table();
    return out.str();
}

}  // namespace shoal
