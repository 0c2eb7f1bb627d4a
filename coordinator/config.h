// The run's settings, merged from the command line > environment > shoal.ini
// (found upward from the working directory). Parsing lives in config.cpp and does
// no I/O beyond reading the ini file it is given; libpq parses node URIs
// (PQconninfoParse, no connection) and resolves everything else (.pgpass,
// service files, sslmode) and we never re-implement it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commit_mode.h"
#include "lock_policy.h"
#include "targeting.h"
#include "waves.h"

namespace shoal {

enum class Command {
    Apply,
    Undo,
    Status,
    New,
    Digest,
    Check,
    Chain,
    List,
    Lint,
    Verify,
    History,
    Mark,
    Forget,
    Baseline,
    // Steering the fleet's runs (fleet/steer.h).
    Pause,
    Resume,
    Cancel,
    // Schema as code (fleet/dump.h, fleet/generate.h).
    Dump,
    Generate,
    // Online versions (fleet/online.h): contract or abort after the backfill.
    Complete,
    Abort,
    Help,
    Version
};

// One node to connect to, as the user gave it; `conninfo` is what libpq gets
// (a postgres:// URI or key=value string with host/port/dbname filled in).
// Nodes are distinct databases (a host:port/db listed twice is a usage error), so
// their display names are distinct too; code that talks to nodes still keys them
// by position, never by a name meant for people.
struct NodeSpec {
    std::string display;   // "host[:port][/db]" ("h1:p1,h2:p2/db" for a multi-host URI), parts the
                           // same everywhere left out; never a password
    std::string conninfo;  // may hold a password: never print it
};

struct Config {
    Command command = Command::Apply;
    std::string migdir;           // PGMIGDIR / --migdir
    std::vector<NodeSpec> nodes;  // from --hosts / SHOAL_HOSTS / PGHOST, defaults applied
    std::string undo_version;     // undo VERSION
    std::string new_name;         // new NAME@PREFIX
    int parallelism = 0;          // per node; 0 = default chosen by the fleet layer
    bool dry = false;
    bool force = false;  // run before/after even when nothing is pending
    bool json = false;
    bool skip_unreachable = false;
    bool install_extension = false;
    bool allow_drift = false;
    CommitMode commit_mode = CommitMode::Auto;  // --synchronous-commit, --asynchronous-commit
    WaveOptions waves;                          // --canary N, --waves LIST (apply)
    FailureLimit max_failures;                  // --max-failures, checked between waves; default 0
    bool yes = false;                           // undo --yes: do not ask on a terminal
    bool chain_check = false;                   // chain --check: compare chain.txt, write nothing
    // history: --version, --action, --since (as given: resolved against the clock
    // when the nodes are read), --limit.
    std::string history_version;
    std::string history_action;
    std::string history_since;
    int history_limit = 50;
    std::optional<std::string> reason;   // pause/resume/cancel --reason, recorded on every node
    std::string log_json;                // apply/undo --log-json FILE: one JSON line per event
    std::string metrics;                 // apply/undo --metrics FILE: Prometheus text at the end
    LockPolicy lock_policy;              // apply/undo --lock-timeout, --retry-for, --retries
    std::vector<std::string> lint_args;  // reserved for lint options
    Targeting target;                    // --schemas, --to, --nodes
    std::string version;                 // mark, forget, baseline, complete, abort VERSION
    std::string reference;               // baseline --reference SCHEMA
    std::string ini_path;                // the shoal.ini that was read, "" when none
    Command help_for = Command::Help;    // with Command::Help: which command's help
    // Schema as code: dump and generate (docs/generate.md).
    std::string schema_dir = "schema";  // --schema-dir, ini schema=: the desired schema
    std::string dump_schema;            // dump --schema: the shard to dump ("" = one at head)
    std::string dump_out;               // dump --out DIR ("" = schema_dir)
    std::string generate_name;          // generate NAME@PREFIX
    std::vector<std::string> allowed_hazards;  // generate --allow-hazard KIND (repeatable)
    bool generate_check = false;               // generate --check: compare, write nothing
};

// The ini file found upward from the working directory, with its text.
struct IniFile {
    std::string path;
    std::string text;
};

struct ConfigResult {
    Config config;
    std::vector<std::string> errors;  // usage errors; non-empty means exit code Usage
    bool ok() const { return errors.empty(); }
};

// Merges command line (argv without the program name) > `env` > `ini`.
// Subcommands (`shoal apply …`) and pg-mig's flags (`--make=`, `--undo=`,
// `--list`, `--list=digest`, `--chain`, `--pass`, `--dry`) are both accepted.
// Options are matched by their whole name only; an unknown command, option or
// ini key is an error that suggests the nearest known one.
//
// The node list (--hosts > SHOAL_HOSTS > PGHOST > ini hosts=): each entry is
// pg-mig's host[:port][/db], a postgres:// URI or a libpq key=value string
// (`service=NAME`, `host=a,b target_session_attrs=read-write`), one node each.
// Entries are separated as pg-mig does (commas, semicolons, white space; a URI's
// host list is libpq's) unless the list holds a key=value string or comes from
// SHOAL_HOSTS: then by ';' or newlines only, and commas are libpq's (failover
// hosts of one node), as PGHOST's are for libpq.
ConfigResult parse_config(const std::vector<std::string> &args,
                          const std::map<std::string, std::string> &env,
                          const std::optional<IniFile> &ini);

// True when the command line asks not to read shoal.ini (--skip-config, as pg-mig).
bool skips_ini(const std::vector<std::string> &args);
// True when the command line holds the word --json before any `--`: read
// before parsing, so that a command line that does not parse is answered in
// JSON too (docs/json.md, "A usage error").
bool asks_for_json(const std::vector<std::string> &args);

// `spec` (a --hosts/PGHOST/shoal.ini host entry, a postgres:// URI, a conninfo
// string, or any text that may hold one) as it may be shown to people: the
// password of a URI's userinfo and the value of every *password key
// (conninfo `password=…`, URI `?password=…`, `sslpassword`) become "***".
// Every message that shows a node spec as the user wrote it goes through this.
std::string displayable_node_spec(const std::string &spec);

// `shoal.ini` in `start_dir` or the nearest parent that has one (reads files).
std::optional<IniFile> find_ini(const std::string &start_dir);

// The complete --help text of `command` (Command::Help: the overview), with
// the options it takes and the exit codes.
std::string help_text(Command command);

// The tables --help is printed from, walked by the man page and the shell
// completions (manual.h) so that they cannot disagree with --help.
struct OptionReference {
    std::string name;        // the long name without dashes: "migdir"
    std::string value_name;  // "DIR", "VERSION", …; empty for a flag
    std::string description;
};
struct OptionGroupReference {
    std::string caption;  // "Options", "Run", …
    std::vector<OptionReference> options;
};
struct CommandReference {
    Command command;
    std::string name, synopsis, brief, summary;
    std::vector<OptionGroupReference> groups;  // as `shoal NAME --help` lists them
};
std::vector<CommandReference> command_reference();

// "apply", "undo", …
std::string command_name(Command command);

// pause, resume and cancel: online, but they need no migration directory.
bool is_steering(Command command);

}  // namespace shoal
