// Loading a migration directory: pg-mig's naming and pairing rules, then every
// file resolved, checked for directives, split and checksummed. Every problem
// is collected, none stops the others from being found. Reads only through
// SourceFiles.
#include "migration_dir.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "checksum.h"
#include "directives.h"
#include "online_change.h"
#include "resolve.h"
#include "schema_prefix.h"
#include "split.h"
#include "text.h"

namespace shoal {
namespace {

bool all_digits(const std::string &text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void append(std::vector<Problem> &to, const std::vector<Problem> &from) {
    to.insert(to.end(), from.begin(), from.end());
}

// The migration files as they are, with each environment variable read as a
// mention of its name: what a version's checksum covers. The mention holds NUL
// bytes, which no loaded file may hold, so no file that spells out `${NAME}` (or
// anything else) literally can share its checksum with a file that reads NAME.
class WithoutEnvironment final : public SourceFiles {
  public:
    explicit WithoutEnvironment(const SourceFiles &files) : files_(files) {}
    std::optional<std::vector<std::string>> list_files(const std::string &dir) const override {
        return files_.list_files(dir);
    }
    std::optional<std::string> read_file(const std::string &path) const override {
        return files_.read_file(path);
    }
    std::optional<std::string> getenv(const std::string &name) const override {
        return std::string("\0getenv ", 8) + name + std::string(1, '\0');
    }

  private:
    const SourceFiles &files_;
};

// Sets the checksum of `script` (resolved as `resolved`) and, when a \getenv
// ran, the checksum with the values it read, which an earlier shoal recorded.
// A file \i'd by a name built from a value is not read in the second
// resolution: the checksum covers what the name did not depend on.
void set_checksums(Script &script, const Resolved &resolved, const std::string &cwd,
                   const SourceFiles &files) {
    script.checksum = sha256_hex(resolved.body);
    if (!resolved.reads_environment) return;
    const std::string with_values = script.checksum;
    script.checksum = sha256_hex(resolve_script(script.path, cwd, WithoutEnvironment(files)).body);
    if (script.checksum != with_values) script.checksum_with_values = with_values;
}

// One file fully prepared; problems go to `problems`.
Script load_script(const std::string &path, const std::string &cwd, const SourceFiles &files,
                   ScriptPlace place, std::vector<Problem> &problems,
                   std::vector<Problem> &warnings) {
    Script script;
    script.path = path;
    std::optional<std::string> text = files.read_file(path);
    if (!text) {
        problems.push_back({{path, 0}, "cannot read file: it " + files.read_error(path)});
        return script;
    }
    script.source = *text;
    DirectivesResult directives = parse_directives(path, *text);
    script.directives = directives.directives;
    append(problems, directives.problems);
    append(warnings, directives.warnings);

    Resolved resolved = resolve_script(path, cwd, files);
    append(problems, resolved.problems);
    script.secrets = resolved.secrets;
    script.body = resolved.body;
    set_checksums(script, resolved, cwd, files);
    // A file that did not resolve would only add parse errors caused by that.
    if (!resolved.problems.empty()) return script;
    // Each file was checked as it was read; what is left is a value \getenv or
    // \set put in (an environment variable is bytes, not necessarily UTF-8).
    if (std::optional<TextFlaw> flaw = find_text_flaw(resolved.body)) {
        SourceLocation where =
            resolved.lines.empty()
                ? SourceLocation{path, 0}
                : resolved.lines[std::min<size_t>(flaw->line, resolved.lines.size()) - 1];
        problems.push_back({where, "a value substituted on this line " + flaw->what});
        return script;
    }

    SplitResult split = split_script(resolved, place);
    append(problems, split.problems);
    append(warnings, split.warnings);
    script.statements = std::move(split.statements);
    script.solo = split.solo;
    script.transaction_from = split.transaction_from;
    read_online_declaration(path, *text, script.statements, script.online, problems);
    return script;
}

}  // namespace

bool parse_version_file_name(const std::string &file_name, VersionFileName &out) {
    // ^((\d+\.[^.]+)\.([^.]+))\.(up|dn)\.sql$ : exactly five dot-separated parts.
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t dot = file_name.find('.', start);
        parts.push_back(file_name.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (parts.size() != 5 || !all_digits(parts[0]) || parts[1].empty() || parts[2].empty() ||
        (parts[3] != "up" && parts[3] != "dn") || parts[4] != "sql") {
        return false;
    }
    out.timestamp = parts[0];
    out.title = parts[1];
    out.prefix = parts[2];
    out.version = parts[0] + "." + parts[1] + "." + parts[2];
    out.up = parts[3] == "up";
    return true;
}

LoadResult load_migration_dir(const std::string &path, const SourceFiles &files) {
    LoadResult result;
    std::string root = std::filesystem::path(path).lexically_normal().string();
    if (root.size() > 1 && root.back() == '/') root.pop_back();
    result.dir.path = root;
    std::optional<std::vector<std::string>> names = files.list_files(root);
    if (!names) {
        result.problems.push_back({{root, 0}, "cannot read the migration directory"});
        return result;
    }
    std::sort(names->begin(), names->end());
    auto file_path = [&](const std::string &name) {
        return (std::filesystem::path(root) / name).lexically_normal().string();
    };

    std::set<std::string> ups, dns;
    for (const std::string &name : *names) {
        if (name.size() < 4 || name.compare(name.size() - 4, 4, ".sql") != 0) continue;
        if (name == "before.sql") {
            result.dir.before = load_script(file_path(name), root, files, ScriptPlace::PublicScript,
                                            result.problems, result.warnings);
            continue;
        }
        if (name == "after.sql") {
            result.dir.after = load_script(file_path(name), root, files, ScriptPlace::PublicScript,
                                           result.problems, result.warnings);
            continue;
        }
        VersionFileName parsed;
        if (!parse_version_file_name(name, parsed)) {
            result.problems.push_back(
                {{file_path(name), 0},
                 "a migration file must be named TIMESTAMP.title.prefix.up.sql or "
                 "TIMESTAMP.title.prefix.dn.sql (title and prefix without dots), or be "
                 "before.sql/after.sql"});
            continue;
        }
        (parsed.up ? ups : dns).insert(parsed.version);
        if (!parsed.up) continue;
        Version version;
        version.name = parsed.version;
        version.timestamp = parsed.timestamp;
        version.title = parsed.title;
        version.prefix = parsed.prefix;
        version.up = load_script(file_path(name), root, files, ScriptPlace::Version,
                                 result.problems, result.warnings);
        result.dir.versions.push_back(std::move(version));
    }
    for (Version &version : result.dir.versions) {
        std::string dn_name = version.name + ".dn.sql";
        if (dns.count(version.name)) {
            version.dn = load_script(file_path(dn_name), root, files, ScriptPlace::Version,
                                     result.problems, result.warnings);
        } else {
            result.problems.push_back(
                {{version.up.path, 0},
                 "has no undo file: create " + file_path(dn_name) + " (it may be empty)"});
        }
    }
    // pg-mig lists only up files and reads a dn file for its up file, so it
    // ignores an orphan: so do we, aloud (a rename that missed one half?).
    for (const std::string &orphan : dns) {
        if (!ups.count(orphan)) {
            result.warnings.push_back({{file_path(orphan + ".dn.sql"), 0},
                                       "undo file without its " + orphan +
                                           ".up.sql: ignored (as pg-mig does); delete it or "
                                           "restore its up file"});
        }
    }
    std::sort(result.dir.versions.begin(), result.dir.versions.end(),
              [](const Version &a, const Version &b) { return a.name < b.name; });
    for (std::vector<Problem> *list : {&result.problems, &result.warnings}) {
        std::stable_sort(list->begin(), list->end(), [](const Problem &a, const Problem &b) {
            return std::tie(a.where.file, a.where.line) < std::tie(b.where.file, b.where.line);
        });
    }
    return result;
}

SchemaDirLoad load_schema_dir(const std::string &path, const SourceFiles &files) {
    SchemaDirLoad result;
    const std::string root = std::filesystem::path(path).lexically_normal().string();
    std::optional<std::vector<std::string>> names = files.list_files(root);
    if (!names) {
        result.problems.push_back({{root, 0}, "cannot read the schema directory"});
        return result;
    }
    std::sort(names->begin(), names->end());
    for (const std::string &name : *names) {
        if (name.size() < 4 || name.compare(name.size() - 4, 4, ".sql") != 0) continue;
        result.files.push_back(load_script((std::filesystem::path(root) / name).string(), root,
                                           files, ScriptPlace::Version, result.problems,
                                           result.warnings));
    }
    return result;
}

std::vector<const Version *> chain_for_schema(const MigrationDir &dir, const std::string &schema) {
    std::vector<const Version *> chain;
    // Prefixes are never empty, so "" means the schema matches none.
    std::string prefix = is_candidate_schema(schema) ? best_prefix(schema, prefixes(dir)) : "";
    if (prefix.empty()) return chain;
    for (const Version &version : dir.versions) {
        if (version.prefix == prefix) chain.push_back(&version);
    }
    return chain;
}

}  // namespace shoal
