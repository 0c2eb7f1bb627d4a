// The shoal command line: reads the configuration, loads the migration
// directory (every problem reported, nothing connected when there is one), then
// runs an offline command here or hands an online one to the fleet layer. The
// edge where values become output and exit codes; no logic of its own.
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <exception>
#include <iostream>

#include "commands.h"
#include "config.h"
#include "disk_files.h"
#include "fleet/apply.h"
#include "fleet/steer.h"
#include "lint.h"
#include "migration_dir.h"
#include "report.h"
#include "text.h"

namespace {

using namespace shoal;

std::map<std::string, std::string> read_environment() {
    std::map<std::string, std::string> env;
    for (const char *name : {"SHOAL_HOSTS", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD",
                             "PGDATABASE", "PGSSLMODE", "PGMIGDIR"}) {
        if (const char *value = std::getenv(name)) env[name] = value;
    }
    return env;
}

// The name of the command the command line names first, "" when none does.
std::string named_command(const std::vector<std::string> &args, const Config &config) {
    return !args.empty() && args[0] == command_name(config.command) ? args[0] : "";
}

// An undo changes every schema that has the version: on a terminal a person
// confirms it first (--yes does it for them); a script, whose stdin is not a
// terminal, is never asked. A dry run changes nothing and is not asked either.
bool undo_confirmed(const Config &config) {
    if (config.command != Command::Undo || config.yes || config.dry || !isatty(STDIN_FILENO))
        return true;
    std::vector<std::string> nodes;
    for (const NodeSpec &node : config.nodes) nodes.push_back(node.display);
    std::cerr << "Undo " << printable(config.undo_version)
              << " (run its .dn.sql) in every schema whose latest version it is, on "
              << join(nodes, ", ") << "? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    answer = trim(answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

int run(const std::vector<std::string> &args) {
    // Known before parsing, so that a command line that does not parse still
    // gets its answer as JSON.
    const bool json = asks_for_json(args);
    std::optional<IniFile> ini = skips_ini(args) ? std::nullopt : find_ini(".");
    ConfigResult parsed = parse_config(args, read_environment(), ini);
    if (!parsed.ok()) {
        for (const std::string &error : parsed.errors) std::cerr << "shoal: " << error << "\n";
        std::cerr << "Try: shoal help\n";
        if (json)
            std::cout << json_text(json_stopped(named_command(args, parsed.config), ExitCode::Usage,
                                                json_messages(parsed.errors)))
                      << std::endl;
        return to_int(ExitCode::Usage);
    }
    const Config &config = parsed.config;
    if (config.command == Command::Help) {
        const std::string help =
            config.help_for == Command::Lint ? lint_help() : help_text(config.help_for);
        if (config.json)
            std::cout << json_text(json_envelope("help", ExitCode::Ok,
                                                 {{"text", help}, {"errors", Json::array()}}))
                      << std::endl;
        else
            std::cout << help;
        return to_int(ExitCode::Ok);
    }
    if (config.command == Command::Version) {
        if (config.json)
            std::cout << json_text(json_envelope("version", ExitCode::Ok,
                                                 {{"version", SHOAL_VERSION},
                                                  {"extension", SHOAL_EXTENSION_VERSION},
                                                  {"errors", Json::array()}}))
                      << std::endl;
        else
            std::cout << "shoal " << SHOAL_VERSION << " (needs extension shoal "
                      << SHOAL_EXTENSION_VERSION << " or newer on every node)\n";
        return to_int(ExitCode::Ok);
    }
    if (is_steering(config.command)) return fleet::run_steering_command(config);

    const std::string command = command_name(config.command);
    LoadResult loaded = load_migration_dir(config.migdir, DiskFiles());
    for (const Problem &warning : loaded.warnings)
        std::cerr << "warning: " << format_problem(warning) << "\n";
    if (!loaded.ok()) {
        std::cerr << format_problems(loaded.problems) << loaded.problems.size()
                  << (loaded.problems.size() == 1 ? " problem" : " problems") << " in "
                  << loaded.dir.path << "; nothing ran.\n";
        if (config.json)
            std::cout << json_text(json_stopped(command, ExitCode::BadMigrations,
                                                json_problems(loaded.problems),
                                                json_problems(loaded.warnings)))
                      << std::endl;
        return to_int(ExitCode::BadMigrations);
    }
    const MigrationDir &dir = loaded.dir;
    const std::time_t now = std::time(nullptr);
    if (config.json) {
        switch (config.command) {
            case Command::New: {
                const WriteResult made = make_version(dir, config.new_name, now);
                std::cout << json_text(json_of_write(command, made)) << std::endl;
                return to_int(made.code);
            }
            case Command::Chain: {
                const WriteResult written =
                    config.chain_check ? check_chain(dir) : write_chain(dir);
                std::cout << json_text(json_of_write(command, written)) << std::endl;
                return to_int(written.code);
            }
            case Command::Digest:
                std::cout << json_text(json_of_digest(dir)) << std::endl;
                return to_int(ExitCode::Ok);
            case Command::List:
                std::cout << json_text(json_of_list(dir)) << std::endl;
                return to_int(ExitCode::Ok);
            default:
                break;
        }
    }
    switch (config.command) {
        case Command::New:
            return to_int(command_new(dir, config.new_name, now, std::cout, std::cerr));
        case Command::Digest:
            return to_int(command_digest(dir, std::cout));
        case Command::List:
            return to_int(command_list(dir, std::cout));
        case Command::Chain:
            if (config.chain_check) return to_int(command_chain_check(dir, std::cout, std::cerr));
            return to_int(command_chain(dir, std::cout, std::cerr));
        case Command::Lint:
            // --trace runs versions on a node: the fleet layer's business.
            if (parse_lint_args(config.lint_args).trace)
                return fleet::run_online_command(config, dir);
            return run_lint(config, dir, std::cout);
        default:
            if (!undo_confirmed(config)) {
                std::cerr << "shoal: undo not confirmed; nothing changed\n";
                return to_int(ExitCode::Usage);
            }
            return fleet::run_online_command(config, dir);
    }
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception &e) {
        std::cerr << "shoal: internal error: " << e.what() << "\n";
        return shoal::to_int(shoal::ExitCode::Internal);
    }
}
