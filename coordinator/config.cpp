// The run's settings: command line > environment > shoal.ini, parsed with
// Boost.Program_options. The only I/O here is find_ini, which reads the ini
// file; parse_config itself works on the strings it is given. libpq resolves
// everything we do not pass it (.pgpass, service files, defaults).
#include "config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <libpq-fe.h>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "report.h"

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
         "Shows, per node, how many schemas are up to date and behind, which of the behind\n"
         "failed at a version they still lack, and who holds the run lock. Standbys in\n"
         "--hosts are skipped, named on one line each."},
        {Command::Check, "check", "shoal check [options]",
         "deploy gate: exit 0 when the fleet is at least at the code digest",
         "Deploy gate: exits 0 when every node's digest is at least the code digest (as\n"
         "pg-mig's digests compare), 6 when one is behind, 5 when one cannot be read.\n"
         "Reads only public.mig_digest_const(), as pg-mig's gate: no extension needed."},
        {Command::Verify, "verify", "shoal verify [options]",
         "compare schema structure across the fleet",
         "Compares a structural fingerprint of every migrated schema across the fleet and\n"
         "reports the schemas that differ from the rest."},
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

bool is_online(Command c) {
    return c == Command::Apply || c == Command::Undo || c == Command::Status ||
           c == Command::Check || c == Command::Verify || is_steering(c);
}

// Settings that the environment and shoal.ini may give too.
struct Layered {
    const char *option;
    const char *env;
};
const std::vector<Layered> &layered() {
    static const std::vector<Layered> table = {
        {"migdir", "PGMIGDIR"},   {"hosts", "PGHOST"},        {"port", "PGPORT"},
        {"user", "PGUSER"},       {"password", "PGPASSWORD"}, {"db", "PGDATABASE"},
        {"sslmode", "PGSSLMODE"}, {"parallelism", nullptr},
    };
    return table;
}

// The libpq settings of every command that connects.
void add_connection_options(po::options_description &group) {
    // clang-format off
    group.add_options()
        ("hosts", po::value<std::string>()->value_name("LIST"),
         "nodes, comma separated: host[:port][/db] or postgres://user:pass@host:port/db "
         "(a URI's host list h1:p1,h2:p2 is one node that libpq fails over within) (env PGHOST)")
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

// The options a command takes. `pg_mig_style`: no subcommand was given, so
// every option and pg-mig's action flags are accepted.
po::options_description options_for(Command command, bool pg_mig_style, bool with_hidden) {
    // One option per line reads as the table it is.
    // clang-format off
    po::options_description all;
    po::options_description common("Options");
    common.add_options()
        ("migdir", po::value<std::string>()->value_name("DIR"),
         "migration directory (env PGMIGDIR)")
        ("help,h", "show this help");
    all.add(common);

    bool online = pg_mig_style || is_online(command);
    if (online) {
        po::options_description connection("Connection (libpq resolves whatever is not given: "
                                           ".pgpass, service files, defaults)");
        add_connection_options(connection);
        connection.add_options()
            ("skip-unreachable", "go on without nodes that cannot be reached (exit code 5)")
            ("json", "print the result as JSON");
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
    bool runs = pg_mig_style || command == Command::Apply || command == Command::Undo;
    if (runs) {
        po::options_description run("Run");
        run.add_options()
            ("parallelism", po::value<int>()->value_name("N"),
             "connections per node (default: 2 per CPU of the node's server, shared among "
             "nodes on one machine, at most 10 and at most half its free connection slots)")
            ("dry-run", "print the plan and whether before.sql and after.sql would run; change "
                        "nothing, take no lock")
            ("install-extension", "CREATE EXTENSION shoal where it is missing, ALTER EXTENSION shoal "
                                  "UPDATE where it is old (with --dry-run: say so per node)")
            ("synchronous-commit", "wait for each schema's commit to be flushed (default: commit them "
                                   "asynchronously, then one synchronous commit per node before the "
                                   "run reports)")
            ("log-json", po::value<std::string>()->value_name("FILE"),
             "append one JSON line per event of the run to FILE (docs/json.md)")
            ("metrics", po::value<std::string>()->value_name("FILE"),
             "write the run's figures to FILE at its end, in Prometheus' text format "
             "(for node_exporter's textfile collector)");
        if (pg_mig_style || command == Command::Apply) {
            run.add_options()
                ("force", "run before.sql and after.sql even when nothing is pending")
                ("allow-drift", "report applied versions whose file changed as warnings, "
                                "not errors")
                ("canary", po::value<int>()->value_name("N"),
                 "first apply the pending chain to N schemas, spread over the nodes; stop "
                 "there if any fails")
                ("waves", po::value<std::string>()->value_name("LIST"),
                 "then the rest in waves, cumulative percentages of all schemas (1,10,50,100), "
                 "each wave finished before the next starts")
                ("max-failures", po::value<std::string>()->value_name("K|P%"),
                 "with --waves: start no further wave once more than K schemas (or P% of "
                 "those run so far) failed (default 0)");
        }
        all.add(run);
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
};

// The list of nodes as shoal splits it: entries separated by commas, semicolons
// or white space, except inside a URI's host list, where commas are libpq's own
// (postgres://h1:5432,h2:5433/db is one node that libpq fails over within),
// unless a comma is followed by the next URI's scheme.
std::vector<std::string> split_node_list(const std::string &hosts) {
    static const std::regex entry(R"(\w+://(?:[^/?\s,;]|,(?!\w+://))*[^\s,;]*|[^\s,;]+)");
    std::vector<std::string> entries;
    for (std::sregex_iterator it(hosts.begin(), hosts.end(), entry), end; it != end; ++it)
        entries.push_back(it->str());
    return entries;
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
    char *libpq_error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(uri.c_str(), &libpq_error), &PQconninfoFree);
    PQfreemem(libpq_error);
    if (!options) return unparsable();
    NodeParts parts;
    const std::map<std::string, std::string NodeParts::*> own = {
        {"host", &NodeParts::host},
        {"port", &NodeParts::port},
        {"dbname", &NodeParts::db},
        {"user", &NodeParts::user},
        {"password", &NodeParts::password}};
    for (const PQconninfoOption *option = options.get(); option->keyword; ++option) {
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
    if (!std::regex_match(parts.port, ports)) return unparsable();
    return parts;
}

// A --hosts entry: a postgres:// URI, or pg-mig's host[:port][/db] shorthand.
std::optional<NodeParts> parse_host_spec(const std::string &spec, std::string &error) {
    if (spec.find("://") != std::string::npos) return parse_uri(spec, error);
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

std::vector<NodeSpec> build_nodes(const std::map<std::string, std::string> &settings,
                                  std::vector<std::string> &errors) {
    auto setting = [&](const char *name) {
        auto it = settings.find(name);
        return it == settings.end() ? std::string() : it->second;
    };
    std::string hosts = setting("hosts");
    // A key=value conninfo string would be cut into words at its spaces, and a
    // word of it taken for a host name (and echoed by libpq's error).
    static const std::regex conninfo_key(R"((^|[\s,;])\w+\s*=)");
    if (std::regex_search(hosts, conninfo_key)) {
        errors.push_back("hosts \"" + displayable_node_spec(hosts) +
                         "\" looks like a key=value connection string; give host[:port][/db] "
                         "or postgres://user:password@host:port/db entries, comma separated");
        return {};
    }
    std::vector<std::string> specs = split_node_list(hosts);
    if (specs.empty()) specs.push_back("");  // libpq's own default: local socket

    std::vector<NodeParts> nodes;
    for (const std::string &spec : specs) {
        std::string error;
        std::optional<NodeParts> parts = parse_host_spec(spec, error);
        if (!parts) {
            errors.push_back(error);
            continue;
        }
        // What the host spec leaves out, the defaults give (pg-mig's normalizeDsn).
        if (parts->port.empty()) parts->port = setting("port");
        if (parts->db.empty()) parts->db = setting("db");
        if (parts->user.empty()) parts->user = setting("user");
        if (parts->password.empty()) parts->password = setting("password");
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

// shoal.ini's settings, each must be one of the layered ones.
std::map<std::string, std::string> parse_ini(const IniFile &ini, std::vector<std::string> &errors) {
    // Boost's message for a malformed line quotes the line, which may be
    // `password secret`: say where it is instead.
    std::istringstream lines(ini.text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#' || line[first] == ';' ||
            line[first] == '[')
            continue;
        if (line.find('=') == std::string::npos) {
            errors.push_back(ini.path + ":" + std::to_string(number) + ": expected key=value");
            return {};
        }
    }
    po::options_description keys;
    for (const Layered &l : layered()) keys.add_options()(l.option, po::value<std::string>(), "");
    std::map<std::string, std::string> values;
    try {
        std::istringstream text(ini.text);
        po::variables_map vm;
        po::store(po::parse_config_file(text, keys), vm);
        for (const auto &[key, value] : vm) values[key] = value.as<std::string>();
    } catch (const po::error &e) {
        errors.push_back(ini.path + ": " + e.what());
    }
    return values;
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

std::string command_name(Command command) { return doc_of(command).name; }

bool is_steering(Command command) {
    return command == Command::Pause || command == Command::Resume || command == Command::Cancel;
}

bool skips_ini(const std::vector<std::string> &args) {
    return std::find(args.begin(), args.end(), "--skip-config") != args.end();
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
            errors.push_back("unknown command \"" + rest[0] + "\" (shoal help lists them)");
            return result;
        }
        config.command = *named;
        pg_mig_style = false;
        rest.erase(rest.begin());
    }

    po::variables_map vm;
    try {
        po::positional_options_description positional;
        positional.add("target", 1);
        if (config.command == Command::Lint) {
            // shoal lint parses its own arguments; the directory and connection
            // settings are shared.
            // parsed keeps a pointer to the description: it must outlive store().
            const po::options_description shared = options_for(config.command, false, true);
            po::parsed_options parsed =
                po::command_line_parser(rest).options(shared).allow_unregistered().run();
            po::store(parsed, vm);
            config.lint_args = po::collect_unrecognized(parsed.options, po::include_positional);
        } else {
            po::store(po::command_line_parser(rest)
                          .options(options_for(config.command, pg_mig_style, true))
                          .positional(positional)
                          .run(),
                      vm);
        }
        po::notify(vm);
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
        case Command::New:
            if (target.empty()) errors.push_back("new needs NAME@PREFIX");
            config.new_name = target;
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
    std::map<std::string, std::string> from_ini;
    if (ini && !skips_ini(args)) {
        from_ini = parse_ini(*ini, errors);
        config.ini_path = ini->path;
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
        } else if (from_ini.count(l.option)) {
            settings[l.option] = from_ini[l.option];
        }
    }
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
    config.synchronous_commit = vm.count("synchronous-commit") > 0;
    if (vm.count("reason")) config.reason = vm["reason"].as<std::string>();
    if (vm.count("log-json")) config.log_json = vm["log-json"].as<std::string>();
    if (vm.count("metrics")) config.metrics = vm["metrics"].as<std::string>();
    if (vm.count("canary")) {
        config.waves.canary = vm["canary"].as<int>();
        if (config.waves.canary < 1)
            errors.push_back("--canary must be a positive number of schemas");
    }
    std::string error;
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
    if (is_online(config.command) || config.command == Command::Lint)
        config.nodes = build_nodes(settings, errors);
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
               "parallelism) found in the working directory or the nearest parent.\n\n"
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
