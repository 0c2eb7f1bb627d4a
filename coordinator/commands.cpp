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

namespace shoal {
namespace {

// On every chain line, so a merge conflict shows it right where it happens.
const char *const kChainWarning =
    "IF THERE IS MERGE CONFLICT HERE, DO NOT RESOLVE IT MANUALLY! READ ABOVE!";

std::string utc_timestamp(std::time_t now) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
}

bool write_file(const std::string &path, const std::string &text, std::ostream &err) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) err << "shoal: cannot write " << path << "\n";
    return static_cast<bool>(out);
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

ExitCode command_chain(const MigrationDir &dir, std::ostream &out, std::ostream &err) {
    if (!write_file(chain_path(dir), chain_text(dir), err)) return ExitCode::Usage;
    out << "Wrote " << chain_path(dir) << "\n";
    return ExitCode::Ok;
}

ExitCode command_chain_check(const MigrationDir &dir, std::ostream &out, std::ostream &err) {
    std::ifstream in(chain_path(dir), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.is_open() && text.str() == chain_text(dir)) {
        out << chain_path(dir) << " is up to date\n";
        return ExitCode::Ok;
    }
    err << "shoal: " << chain_path(dir)
        << (in.is_open() ? " is stale: it is not what `shoal chain` writes for the versions "
                           "in the directory"
                         : " is missing")
        << "; run `shoal chain` and commit it\n";
    return ExitCode::NotUpToDate;
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

ExitCode command_new(const MigrationDir &dir, const std::string &name_at_prefix, std::time_t now,
                     std::ostream &out, std::ostream &err) {
    size_t at = name_at_prefix.find('@');
    std::string name = name_at_prefix.substr(0, at);
    std::string prefix = at == std::string::npos ? "" : name_at_prefix.substr(at + 1);
    static const std::regex valid_name("^[-a-z0-9_]+$");  // pg-mig's actionMake
    if (!std::regex_match(name, valid_name)) {
        err << "shoal new: NAME must be lowercase letters, digits, - and _ (got \"" << name
            << "\")\nUsage: shoal new NAME@PREFIX\n";
        return ExitCode::Usage;
    }
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
    if (!bad_prefix.empty()) {
        err << "shoal new: PREFIX (the schemas the version applies to, e.g. sh or public) "
            << bad_prefix << "\nUsage: shoal new NAME@PREFIX\n";
        return ExitCode::Usage;
    }
    std::vector<std::string> known = prefixes(dir);
    if (!dir.versions.empty() && std::find(known.begin(), known.end(), prefix) == known.end()) {
        err << "shoal new: warning: no version uses schema prefix \"" << prefix
            << "\" yet; the prefixes in use are:";
        for (const std::string &p : known) err << " " << p;
        err << "\n";
    }

    Version version;
    std::string why_not;
    version.timestamp = next_timestamp(dir, now, &why_not);
    if (version.timestamp.empty()) {
        err << "shoal new: no name pg-mig would also give: " << why_not << "\n";
        return ExitCode::Usage;
    }
    version.title = name;
    version.prefix = prefix;
    version.name = version.timestamp + "." + name + "." + prefix;
    std::vector<std::string> created;
    for (const char *direction : {".up.sql", ".dn.sql"}) {
        std::string path = (std::filesystem::path(dir.path) / (version.name + direction)).string();
        if (std::filesystem::exists(path)) {
            err << "shoal new: " << path << " already exists\n";
            return ExitCode::Usage;
        }
        if (!write_file(path, "", err)) return ExitCode::Usage;
        created.push_back(path);
    }

    MigrationDir with_new = dir;
    with_new.versions.push_back(version);
    std::sort(with_new.versions.begin(), with_new.versions.end(),
              [](const Version &a, const Version &b) { return a.name < b.name; });
    ExitCode chained = command_chain(with_new, out, err);
    out << "Created:\n";
    for (const std::string &path : created) out << "  " << path << "\n";
    return chained;
}

}  // namespace shoal
