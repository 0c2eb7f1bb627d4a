// `shoal generate`: load, compare, plan, prove, write, in that order, and
// nothing written unless every step before it held. The transaction on the
// reference's node holds up to three scratch schemas: the desired schema as
// PostgreSQL created it from schema/, the reference rebuilt with the renames
// applied (only when there are renames: the plan then compares names that
// already agree), and the proof, where the reference is rebuilt from its
// model (which must give its fingerprint), the generated up scripts run (the
// desired fingerprint) and then their dn scripts (the original one).
#include "fleet/generate.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "commands.h"
#include "disk_files.h"
#include "fleet/dump.h"
#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "lint.h"
#include "migration_dir.h"
#include "schema_diff.h"
#include "schema_files.h"
#include "text.h"

namespace shoal::fleet {

namespace {

const char *const kDesired = "shoal_generate_desired";
const char *const kRenamed = "shoal_generate_renamed";
const char *const kProof = "shoal_generate_proof";

// One generate at a time per migration directory: two would name their
// versions after the same newest one, and each write a chain.txt without the
// other's. An flock on the directory itself leaves no file behind and ends
// with the process, however it ends.
class DirectoryLock {
  public:
    ~DirectoryLock() {
        if (fd_ >= 0) close(fd_);
    }
    // Why the lock cannot be taken; nullopt once it is held.
    std::optional<std::string> take(const std::string &dir) {
        fd_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) == 0) return std::nullopt;
        if (errno == EWOULDBLOCK)
            return "another shoal generate is writing into " + dir + ": run one at a time";
        return "cannot lock " + dir + ": " + std::strerror(errno);
    }

  private:
    int fd_ = -1;
};

class Generate {
  public:
    Generate(const Config &config, const MigrationDir &dir) : config_(config), dir_(dir) {}

    int run() {
        for (const std::string &kind : config_.allowed_hazards)
            options_.allowed_hazards.insert(kind);
        for (const std::string &kind : options_.allowed_hazards)
            if (std::find(hazard_kinds().begin(), hazard_kinds().end(), kind) ==
                hazard_kinds().end())
                return fail(ExitCode::Usage, "--allow-hazard " + kind +
                                                 " is not a hazard; they are " +
                                                 join(hazard_kinds(), ", "));
        if (!config_.generate_check)
            if (const auto busy = lock_.take(dir_.path)) return fail(ExitCode::Usage, *busy);
        Version first;
        const WriteResult named = name_new_version(dir_, config_.generate_name, now_, first);
        if (named.code != ExitCode::Ok) return fail(named.code, join(named.errors, "; "));
        prefix_ = first.prefix;
        title_ = first.title;

        SchemaDirLoad desired = load_schema_dir(config_.schema_dir, DiskFiles());
        for (const Problem &warning : desired.warnings)
            std::cerr << "warning: " << format_problem(warning) << "\n";
        std::vector<Problem> problems = desired.problems;
        const std::vector<Rename> renames = find_renames(desired.files, problems);
        if (!problems.empty())
            return fail(
                ExitCode::BadMigrations,
                "the desired schema " + config_.schema_dir + " does not load:", lines_of(problems));

        std::vector<Node> nodes;
        if (const ExitCode opened = open_fleet(config_, nodes); opened != ExitCode::Ok)
            return to_int(opened);
        std::string error;
        fleet_ = usable_nodes(nodes);
        const std::optional<Reference> reference =
            choose_reference(fleet_, dir_, prefix_, "", error);
        if (!reference) return fail(ExitCode::BadMigrations, error);
        reference_ = *reference;
        for (const std::string &drifted : reference_.drifted)
            std::cerr << "shoal generate: " << drifted
                      << " is at head but differs from the majority (shoal verify says how); "
                         "planned from "
                      << source() << "\n";
        Scratch scratch(*reference_.node);
        return compare(scratch, desired.files, renames);
    }

  private:
    const Config &config_;
    const MigrationDir &dir_;
    const std::time_t now_ = std::time(nullptr);
    GenerateOptions options_;
    std::string prefix_, title_;
    Reference reference_;
    std::vector<Node *> fleet_;
    DirectoryLock lock_;

    std::string source() const { return reference_.node->spec.display + ":" + reference_.schema; }

    static std::vector<std::string> lines_of(const std::vector<Problem> &problems) {
        std::vector<std::string> lines;
        for (const Problem &problem : problems) lines.push_back(format_problem(problem));
        return lines;
    }

    int fail(ExitCode code, const std::string &message,
             const std::vector<std::string> &lines = {}) {
        std::cerr << "shoal generate: " << message << "\n";
        for (const std::string &line : lines) std::cerr << "  " << line << "\n";
        if (code != ExitCode::NotUpToDate && code != ExitCode::Usage)
            std::cerr << "Nothing written.\n";
        return to_int(code);
    }

    // The desired schema in its scratch schema, the models, the plan.
    int compare(Scratch &scratch, const std::vector<Script> &files,
                const std::vector<Rename> &renames) {
        std::string error;
        if (auto failed = scratch.begin()) return fail(ExitCode::Unreachable, failed->to_string());
        if (auto failed = scratch.create_schema(kDesired))
            return fail(ExitCode::Unreachable, failed->to_string());
        for (const Script &file : files) {
            std::vector<std::string> statements;
            for (const Statement &statement : file.statements) {
                // Run in the scratch transaction it would fail; run outside it,
                // it would commit.
                if (statement.nontransactional)
                    return fail(ExitCode::BadMigrations,
                                to_string(statement.where) + ": \"" + shortened(statement.sql, 60) +
                                    "\" cannot run in the transaction the desired schema loads "
                                    "in: write what the shard holds (an index without "
                                    "CONCURRENTLY: generate builds it concurrently)");
                statements.push_back(statement.sql);
            }
            if (auto failed = scratch.run(kDesired, statements))
                return fail(ExitCode::BadMigrations,
                            to_string(file.statements.at(failed->index).where) + ": " +
                                failed->error.to_string());
            // The rollback would hide what a file did elsewhere: the versions
            // would lack it, and the proof would run where it exists.
            const std::vector<std::string> outside = scratch.outside(kDesired, reference_, error);
            if (!error.empty()) return fail(ExitCode::Unreachable, error);
            std::vector<std::string> lines;
            for (const std::string &line : outside) lines.push_back(file.path + ": " + line);
            if (!lines.empty())
                return fail(ExitCode::BadMigrations,
                            "the desired schema reaches outside its own schema (it describes one "
                            "shard, with unqualified names):",
                            lines);
        }
        const std::optional<SchemaModel> desired = scratch.model(kDesired, error);
        const std::optional<SchemaModel> reference =
            desired ? scratch.model(reference_.schema, error) : std::nullopt;
        if (!reference) return fail(ExitCode::Unreachable, error);
        std::vector<std::string> blocked;
        for (const std::string &line : unmodelled_lines(*reference))
            blocked.push_back(line + " (in " + source() + ")");
        for (const std::string &line : unmodelled_lines(*desired))
            blocked.push_back(line + " (in " + config_.schema_dir + ")");
        if (!blocked.empty())
            return fail(ExitCode::BadMigrations,
                        "objects of kinds shoal does not model yet (docs/generate.md) block the "
                        "plan:",
                        blocked);
        const RenamePlan rename_plan = plan_renames(renames, *reference, *desired);
        if (!rename_plan.problems.empty())
            return fail(ExitCode::BadMigrations,
                        "renames that cannot be:", lines_of(rename_plan.problems));
        std::optional<SchemaModel> current = reference;
        if (!rename_plan.up.empty()) {
            std::vector<std::string> statements = rebuild(*reference, error);
            if (!error.empty()) return fail(ExitCode::Internal, error);
            statements.insert(statements.end(), rename_plan.up.begin(), rename_plan.up.end());
            if (auto failed = scratch.create_schema(kRenamed))
                return fail(ExitCode::Unreachable, failed->to_string());
            if (auto failed = scratch.run(kRenamed, statements))
                return fail(ExitCode::BadMigrations,
                            statements.at(failed->index) + ": " + failed->error.to_string());
            current = scratch.model(kRenamed, error);
            if (!current) return fail(ExitCode::Unreachable, error);
        }
        const ChangePlan plan = plan_changes(*current, *desired, rename_plan, options_);
        if (!plan.blocked.empty())
            return fail(ExitCode::BadMigrations,
                        "changes shoal has no online recipe for block the plan (docs/generate.md):",
                        plan.blocked);
        if (config_.generate_check) return check(plan);
        if (plan.empty()) {
            std::cout << "No changes: " << config_.schema_dir << " is the structure of " << source()
                      << ", at head.\n";
            return to_int(ExitCode::Ok);
        }
        if (!plan.refused.empty())
            return fail(ExitCode::BadMigrations, "hazards refused:", plan.refused);
        if (const int missing = check_roles(*desired); missing != 0) return missing;
        return prove_and_write(scratch, plan, *reference);
    }

    // Every role the desired schema grants to must exist on every node (the
    // reference's node has them: the desired schema loaded there), or the
    // versions would fail on the others.
    int check_roles(const SchemaModel &desired) {
        const std::vector<std::string> roles = granted_roles(desired);
        if (roles.empty()) return 0;
        std::vector<Batch> batches;
        for (size_t i = 0; i < fleet_.size(); ++i)
            batches.push_back({Query{queries::kMissingRoles.text, {text_array(roles)}}});
        const auto outcomes = exchange(controls(fleet_), std::move(batches));
        std::vector<std::string> missing;
        for (size_t i = 0; i < fleet_.size(); ++i) {
            if (outcomes[i].error)
                return fail(ExitCode::Unreachable,
                            fleet_[i]->spec.display + ": " + outcomes[i].error->to_string());
            for (const auto &row : outcomes[i].results.at(0).rows)
                missing.push_back("role " + row.at(0).value_or("") + " does not exist on " +
                                  fleet_[i]->spec.display);
        }
        if (missing.empty()) return 0;
        return fail(ExitCode::BadMigrations,
                    "the desired schema grants privileges to roles that are missing (create them "
                    "on every node first):",
                    missing);
    }

    // The statements that rebuild `model` in an empty schema: its dump.
    std::vector<std::string> rebuild(const SchemaModel &model, std::string &error) {
        std::vector<std::string> blocked, problems;
        const std::vector<std::string> statements =
            statements_of_files(dump_files(model, blocked), problems);
        if (!problems.empty()) error = join(problems, "; ");
        return statements;
    }

    int check(const ChangePlan &plan) {
        if (plan.empty() && reference_.drifted.empty()) {
            std::cout << "No changes: " << config_.schema_dir << " is the structure of " << source()
                      << ", at head.\n";
            return to_int(ExitCode::Ok);
        }
        if (!plan.empty()) {
            std::cout << config_.schema_dir << " differs from " << source() << " (at head):\n";
            for (const std::string &change : plan.changes) std::cout << "  " << change << "\n";
        }
        for (const std::string &drifted : reference_.drifted)
            std::cout << "shard " << drifted << " differs from " << source() << "\n";
        return to_int(ExitCode::NotUpToDate);
    }

    // Names each version as `shoal new` would, after the ones named before it.
    std::vector<Version> name_versions(size_t count) {
        MigrationDir named = dir_;
        std::vector<Version> versions;
        for (size_t i = 0; i < count; ++i) {
            Version version;
            const std::string title = i == 0 ? title_ : title_ + "-" + std::to_string(i + 1);
            name_new_version(named, title + "@" + prefix_, now_, version);
            named.versions.push_back(version);
            versions.push_back(version);
        }
        return versions;
    }

    static std::string file_path(const MigrationDir &dir, const std::string &name) {
        return (std::filesystem::path(dir.path) / name).lexically_normal().string();
    }

    int prove_and_write(Scratch &scratch, const ChangePlan &plan, const SchemaModel &reference) {
        const std::vector<Version> names = name_versions(plan.versions.size());
        std::map<std::string, std::string> files;
        std::vector<std::string> order;  // paths, in the order they are written
        for (size_t i = 0; i < names.size(); ++i)
            for (const bool up : {true, false}) {
                const std::string path =
                    file_path(dir_, names[i].name + (up ? ".up.sql" : ".dn.sql"));
                files[path] = version_file_text(plan.versions[i], up, options_);
                order.push_back(path);
            }
        const DiskFiles disk;
        const LoadResult loaded = load_migration_dir(dir_.path, FilesWithAdded(disk, files));
        if (!loaded.ok())
            return fail(ExitCode::Internal,
                        "the generated versions do not load (a bug in shoal: please report it):",
                        lines_of(loaded.problems));
        std::vector<const Version *> generated;
        for (const Version &name : names) generated.push_back(find_version(loaded.dir, name.name));
        std::vector<std::string> lint_errors;
        for (const Version *version : generated)
            for (const LintFinding &finding : lint_script(version->up, {prefix_}))
                if (finding.severity == Severity::Error && !finding.waived)
                    lint_errors.push_back(to_string(finding.where) + ": [" + finding.rule + "] " +
                                          finding.statement);
        if (!lint_errors.empty())
            return fail(
                ExitCode::Internal,
                "the generated versions fail shoal lint (a bug in shoal: please report it):",
                lint_errors);
        if (const int proof = prove(scratch, generated, reference); proof != 0) return proof;
        scratch.roll_back();
        return write(loaded.dir, files, order);
    }

    // Runs a script's statements in the proof schema; CONCURRENTLY dropped
    // from the solo ones (they cannot run in a transaction; they build and
    // drop the same index without it).
    std::optional<std::string> run_script(Scratch &scratch, const Script &script) {
        std::vector<std::string> statements;
        for (const Statement &statement : script.statements) {
            statements.push_back(statement.nontransactional ? without_concurrently(statement.sql)
                                                            : statement.sql);
            if (statements.back().empty())
                return to_string(statement.where) +
                       ": the proof cannot run this statement in its transaction";
        }
        auto failed = scratch.run(kProof, statements);
        if (!failed) return std::nullopt;
        return to_string(script.statements.at(failed->index).where) + ": " +
               failed->error.to_string();
    }

    // What differs between the proof schema and `expected`, by their
    // fingerprints and then their objects, and by what only their models
    // hold; empty when nothing does.
    std::vector<std::string> differences(Scratch &scratch, const std::string &expected) {
        std::string error;
        const auto want = scratch.fingerprint(expected, error);
        const auto got = want ? scratch.fingerprint(kProof, error) : std::nullopt;
        if (!got) return {error};
        if (*want != *got)
            return describe_differences(scratch.objects(expected, error),
                                        scratch.objects(kProof, error));
        // What the fingerprint does not see whole (docs/generate.md), the models compare.
        const auto want_model = scratch.model(expected, error);
        const auto got_model = want_model ? scratch.model(kProof, error) : std::nullopt;
        if (!got_model) return {error};
        return unfingerprinted_differences(*want_model, *got_model);
    }

    int prove(Scratch &scratch, const std::vector<const Version *> &generated,
              const SchemaModel &reference) {
        std::string error;
        const std::vector<std::string> statements = rebuild(reference, error);
        if (auto failed = scratch.create_schema(kProof))
            return fail(ExitCode::Unreachable, failed->to_string());
        if (auto failed = scratch.run(kProof, statements))
            error = statements.at(failed->index) + ": " + failed->error.to_string();
        std::vector<std::string> differ =
            error.empty() ? differences(scratch, reference_.schema) : std::vector{error};
        if (!differ.empty())
            return fail(ExitCode::Internal,
                        "the model does not rebuild " + source() +
                            " exactly (a bug in shoal: please report it):",
                        differ);
        for (const Version *version : generated)
            if (auto failed = run_script(scratch, version->up))
                return fail(ExitCode::BadMigrations,
                            "the generated versions fail on a copy of " + source() + ":",
                            {*failed});
        differ = differences(scratch, kDesired);
        if (!differ.empty())
            return fail(ExitCode::BadMigrations,
                        "the generated versions do not give the desired schema (reference: " +
                            config_.schema_dir + "):",
                        differ);
        for (auto version = generated.rbegin(); version != generated.rend(); ++version)
            if (auto failed = run_script(scratch, (*version)->dn))
                return fail(ExitCode::BadMigrations,
                            "the generated undo fails on a copy of " + source() + ":", {*failed});
        differ = differences(scratch, reference_.schema);
        if (!differ.empty())
            return fail(ExitCode::BadMigrations,
                        "the generated undo does not give back " + source() + ":", differ);
        return 0;
    }

    // Whether the directory still holds the versions it held when it was read
    // (someone's `shoal new`, or a generate that ended just before this one
    // took the lock, could have added some) and none of `paths`: "" when so.
    std::string changed_since_read(const std::vector<std::string> &paths) const {
        for (const std::string &path : paths)
            if (std::filesystem::exists(path)) return path + " already exists";
        std::vector<std::string> read, now;
        for (const Version &version : dir_.versions) read.push_back(version.name + ".up.sql");
        for (const std::string &name :
             DiskFiles().list_files(dir_.path).value_or(std::vector<std::string>{})) {
            VersionFileName parsed;
            if (parse_version_file_name(name, parsed) && parsed.up) now.push_back(name);
        }
        std::sort(read.begin(), read.end());
        std::sort(now.begin(), now.end());
        return now == read ? "" : dir_.path + " changed while generate ran: run it again";
    }

    int write(const MigrationDir &with_new, const std::map<std::string, std::string> &files,
              const std::vector<std::string> &order) {
        if (const std::string changed = changed_since_read(order); !changed.empty())
            return fail(ExitCode::Usage, changed);
        for (const std::string &path : order) {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << files.at(path);
            out.close();
            if (!out) return fail(ExitCode::Usage, "cannot write " + path);
        }
        const WriteResult chained = write_chain(with_new);
        if (chained.code != ExitCode::Ok) return fail(chained.code, join(chained.errors, "; "));
        std::cout << "Generated " << order.size() / 2
                  << (order.size() == 2 ? " version" : " versions") << " from " << source()
                  << " to " << config_.schema_dir << ", proven on a copy (up and undo):\n";
        for (const std::string &path : order) std::cout << "  " << path << "\n";
        std::cout << "Wrote " << chained.written.back() << "\n";
        return to_int(ExitCode::Ok);
    }
};

}  // namespace

int command_generate(const Config &config, const MigrationDir &dir) {
    return Generate(config, dir).run();
}

}  // namespace shoal::fleet
