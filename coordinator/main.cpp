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

namespace {

using namespace shoal;

std::map<std::string, std::string> read_environment() {
    std::map<std::string, std::string> env;
    for (const char *name :
         {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "PGMIGDIR"}) {
        if (const char *value = std::getenv(name)) env[name] = value;
    }
    return env;
}

int run(const std::vector<std::string> &args) {
    std::optional<IniFile> ini = skips_ini(args) ? std::nullopt : find_ini(".");
    ConfigResult parsed = parse_config(args, read_environment(), ini);
    if (!parsed.ok()) {
        for (const std::string &error : parsed.errors) std::cerr << "shoal: " << error << "\n";
        std::cerr << "Try: shoal help\n";
        return to_int(ExitCode::Usage);
    }
    const Config &config = parsed.config;
    if (config.command == Command::Help) {
        std::cout << (config.help_for == Command::Lint ? lint_help() : help_text(config.help_for));
        return to_int(ExitCode::Ok);
    }
    if (config.command == Command::Version) {
        std::cout << "shoal " << SHOAL_VERSION << " (needs extension shoal "
                  << SHOAL_EXTENSION_VERSION << " or newer on every node)\n";
        return to_int(ExitCode::Ok);
    }
    if (is_steering(config.command)) return fleet::run_steering_command(config);

    LoadResult loaded = load_migration_dir(config.migdir, DiskFiles());
    for (const Problem &warning : loaded.warnings)
        std::cerr << "warning: " << format_problem(warning) << "\n";
    if (!loaded.ok()) {
        std::cerr << format_problems(loaded.problems) << loaded.problems.size()
                  << (loaded.problems.size() == 1 ? " problem" : " problems") << " in "
                  << loaded.dir.path << "; nothing ran.\n";
        return to_int(ExitCode::BadMigrations);
    }
    const MigrationDir &dir = loaded.dir;
    switch (config.command) {
        case Command::New:
            return to_int(
                command_new(dir, config.new_name, std::time(nullptr), std::cout, std::cerr));
        case Command::Digest:
            return to_int(command_digest(dir, std::cout));
        case Command::List:
            return to_int(command_list(dir, std::cout));
        case Command::Chain:
            return to_int(command_chain(dir, std::cout, std::cerr));
        case Command::Lint:
            // --trace runs versions on a node: the fleet layer's business.
            if (parse_lint_args(config.lint_args).trace)
                return fleet::run_online_command(config, dir);
            return run_lint(config, dir, std::cout);
        default:
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
