// The offline commands: new, digest, list, chain. They are the edge for the
// migration directory: the only core code that writes files (the new version's
// empty pair and chain.txt). The clock comes in as an argument so tests can pin it.
#include "commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "digest.h"
#include "text.h"

namespace shoal {
namespace {

// On every chain line, so a merge conflict shows it right where it happens.
const char *const kChainWarning =
    "IF THERE IS MERGE CONFLICT HERE, DO NOT RESOLVE IT MANUALLY! READ ABOVE!";

std::string utc_timestamp(std::time_t now) { return utc_text(now, "%Y%m%d%H%M%S"); }

// "" when written, else why not.
std::string write_file(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    return out ? "" : "cannot write " + path;
}

// `result` as text: what was written on `out`, the rest on `err`.
ExitCode print_write(const std::string &command, const WriteResult &result, std::ostream &out,
                     std::ostream &err) {
    for (const std::string &warning : result.warnings)
        err << "shoal " << command << ": warning: " << warning << "\n";
    for (const std::string &error : result.errors)
        err << "shoal " << command << ": " << error << "\n";
    if (result.written.empty()) return result.code;
    out << "Wrote " << result.written.back() << "\n";
    if (result.written.size() > 1) {
        out << "Created:\n";
        for (size_t i = 0; i + 1 < result.written.size(); ++i)
            out << "  " << result.written[i] << "\n";
    }
    return result.code;
}

std::string chain_path(const MigrationDir &dir) {
    return (std::filesystem::path(dir.path) / "chain.txt").string();
}

}  // namespace

std::string next_timestamp(const MigrationDir &dir, std::time_t now, std::string *why_not) {
    std::string stamp = utc_timestamp(now);
    std::string newest;
    for (const Version &version : dir.versions) newest = std::max(newest, version.timestamp);
    // pg-mig's actionMake, exactly: when the clock is not past the newest
    // timestamp (compared as strings), String(Number(newest) + 60), which need
    // not name a real time (…235959 gives …236019). Both tools must name the
    // same version, so we do not "fix" it; where its name would not be the
    // newest, or its arithmetic would not be exact, we name nothing.
    if (newest.empty() || stamp > newest) return stamp;
    const size_t kExactDigits = 15;  // every 15-digit integer + 60 is exact in a double
    if (newest.size() > kExactDigits) {
        if (why_not)
            *why_not = "the newest timestamp, " + newest + ", has more than " +
                       std::to_string(kExactDigits) +
                       " digits: pg-mig adds 60 to it as a JavaScript number, which is no longer "
                       "exact there; name the version by hand, newer than " +
                       newest;
        return "";
    }
    stamp = std::to_string(std::stoull(newest) + 60);
    if (stamp <= newest) {
        if (why_not)
            *why_not = "pg-mig's next timestamp, " + newest + " + 60 = " + stamp +
                       ", would not sort after the newest, " + newest +
                       " (versions are ordered as text); name the version by hand, newer than " +
                       newest;
        return "";
    }
    return stamp;
}

std::string chain_text(const MigrationDir &dir) {
    std::string text =
        "#\n"
        "# The chain of migration versions, one link per line, written by `shoal chain`\n"
        "# (and `shoal new`); pg-mig --chain writes the same links.\n"
        "#\n"
        "# Versions are append-only: a new version must be newer than every version\n"
        "# already on the main branch. Two branches that both add a version change the\n"
        "# same last line here, so git reports a conflict instead of merging a version\n"
        "# into the middle of the chain.\n"
        "#\n"
        "# If this file conflicts, do NOT merge it by hand:\n"
        "#\n"
        "# 1. Take the main branch's version of this file.\n"
        "# 2. Undo your new version where you applied it: shoal undo VERSION\n"
        "# 3. Rename your version's two files to a timestamp newer than every other\n"
        "#    version (or recreate them with shoal new and move the SQL over).\n"
        "# 4. Regenerate this file: shoal chain\n"
        "# 5. Apply again: shoal apply\n"
        "#\n"
        "\n";
    text += "digest=" + short_code_digest(dir) + "  # " + kChainWarning + "\n\n";
    std::string previous = "(init)";
    for (const Version &version : dir.versions) {
        text += previous + " -> " + version.name + "  # " + kChainWarning + "\n";
        previous = version.name;
    }
    return text;
}

WriteResult write_chain(const MigrationDir &dir) {
    WriteResult result;
    const std::string error = write_file(chain_path(dir), chain_text(dir));
    if (error.empty()) {
        result.written.push_back(chain_path(dir));
    } else {
        result.code = ExitCode::Usage;
        result.errors.push_back(error);
    }
    return result;
}

ExitCode command_chain(const MigrationDir &dir, std::ostream &out, std::ostream &err) {
    return print_write("chain", write_chain(dir), out, err);
}

WriteResult check_chain(const MigrationDir &dir) {
    std::ifstream in(chain_path(dir), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    WriteResult result;
    if (in.is_open() && text.str() == chain_text(dir)) return result;
    result.code = ExitCode::NotUpToDate;
    result.errors.push_back(
        chain_path(dir) +
        (in.is_open() ? " is stale: it is not what `shoal chain` writes for the versions in the "
                        "directory"
                      : " is missing") +
        "; run `shoal chain` and commit it");
    return result;
}

ExitCode command_chain_check(const MigrationDir &dir, std::ostream &out, std::ostream &err) {
    const WriteResult checked = check_chain(dir);
    if (checked.code == ExitCode::Ok) out << chain_path(dir) << " is up to date\n";
    for (const std::string &error : checked.errors) err << "shoal: " << error << "\n";
    return checked.code;
}

ExitCode command_digest(const MigrationDir &dir, std::ostream &out) {
    out << code_digest(dir) << "\n";
    return ExitCode::Ok;
}

ExitCode command_list(const MigrationDir &dir, std::ostream &out) {
    out << "All versions:\n";
    for (const Version &version : dir.versions) out << " > " << version.name << "\n";
    return ExitCode::Ok;
}

WriteResult name_new_version(const MigrationDir &dir, const std::string &name_at_prefix,
                             std::time_t now, Version &version) {
    WriteResult result;
    const auto refuse = [&](std::string why) {
        result.code = ExitCode::Usage;
        result.errors.push_back(std::move(why));
        return result;
    };
    size_t at = name_at_prefix.find('@');
    std::string name = name_at_prefix.substr(0, at);
    std::string prefix = at == std::string::npos ? "" : name_at_prefix.substr(at + 1);
    static const std::regex valid_name("^[-a-z0-9_]+$");  // pg-mig's actionMake
    if (!std::regex_match(name, valid_name))
        return refuse("NAME must be lowercase letters, digits, - and _ (got \"" + name +
                      "\"); usage: shoal new NAME@PREFIX");
    // pg-mig takes any prefix and reads back what matches ^\d+\.[^.]+\.([^.]+)\.up\.sql$.
    // It would silently drop a second @ and what follows; a dot, a slash or a
    // control character cannot make a file name it reads back.
    std::string bad_prefix;
    if (prefix.empty())
        bad_prefix = "is missing";
    else if (prefix.find('@') != std::string::npos)
        bad_prefix = "holds an @: write exactly one @ between NAME and PREFIX";
    else if (prefix.find('.') != std::string::npos)
        bad_prefix = "holds a dot: the file name TIMESTAMP.NAME.PREFIX.up.sql has exactly 5 parts";
    else if (prefix.find('/') != std::string::npos)
        bad_prefix = "holds a /: it is part of a file name";
    else if (std::any_of(prefix.begin(), prefix.end(),
                         [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        bad_prefix = "holds a control character";
    if (!bad_prefix.empty())
        return refuse("PREFIX (the schemas the version applies to, e.g. sh or public) " +
                      bad_prefix + "; usage: shoal new NAME@PREFIX");
    std::vector<std::string> known = prefixes(dir);
    if (!dir.versions.empty() && std::find(known.begin(), known.end(), prefix) == known.end())
        result.warnings.push_back("no version uses schema prefix \"" + prefix +
                                  "\" yet; the prefixes in use are: " + join(known, " "));

    std::string why_not;
    version.timestamp = next_timestamp(dir, now, &why_not);
    if (version.timestamp.empty()) return refuse("no name pg-mig would also give: " + why_not);
    version.title = name;
    version.prefix = prefix;
    version.name = version.timestamp + "." + name + "." + prefix;
    result.version = version.name;
    return result;
}

WriteResult make_version(const MigrationDir &dir, const std::string &name_at_prefix,
                         std::time_t now) {
    Version version;
    WriteResult result = name_new_version(dir, name_at_prefix, now, version);
    if (result.code != ExitCode::Ok) return result;
    const auto refuse = [&](std::string why) {
        result.code = ExitCode::Usage;
        result.errors.push_back(std::move(why));
        return result;
    };
    for (const char *direction : {".up.sql", ".dn.sql"}) {
        std::string path = (std::filesystem::path(dir.path) / (version.name + direction)).string();
        if (std::filesystem::exists(path)) return refuse(path + " already exists");
        const std::string error = write_file(path, "");
        if (!error.empty()) return refuse(error);
        result.written.push_back(path);
    }

    MigrationDir with_new = dir;
    with_new.versions.push_back(version);
    std::sort(with_new.versions.begin(), with_new.versions.end(),
              [](const Version &a, const Version &b) { return a.name < b.name; });
    const WriteResult chained = write_chain(with_new);
    result.code = chained.code;
    result.written.insert(result.written.end(), chained.written.begin(), chained.written.end());
    result.errors.insert(result.errors.end(), chained.errors.begin(), chained.errors.end());
    return result;
}

ExitCode command_new(const MigrationDir &dir, const std::string &name_at_prefix, std::time_t now,
                     std::ostream &out, std::ostream &err) {
    return print_write("new", make_version(dir, name_at_prefix, now), out, err);
}

Json json_of_list(const MigrationDir &dir) {
    std::vector<std::string> names;
    for (const Version &version : dir.versions) names.push_back(version.name);
    return json_envelope("list", ExitCode::Ok, {{"versions", names}, {"errors", Json::array()}});
}

Json json_of_digest(const MigrationDir &dir) {
    return json_envelope("digest", ExitCode::Ok,
                         {{"digest", code_digest(dir)}, {"errors", Json::array()}});
}

Json json_of_write(const std::string &command, const WriteResult &result) {
    Json fields = Json::object();
    if (command == "new") fields["version"] = json_string_or_null(result.version);
    fields["written"] = result.written;
    fields["errors"] = json_messages(result.errors);
    fields["warnings"] = json_messages(result.warnings);
    return json_envelope(command, result.code, fields);
}

}  // namespace shoal
