// The offline commands: new, digest, list, chain. They are the edge for the
// migration directory: the only core code that writes files (the new version's
// empty pair and chain.txt). The clock comes in as an argument so tests can pin it.
#include "commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

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

// The time a YYYYMMDDHHMMSS stamp names, when it names a real one (strptime
// accepts month 14; the round trip through gmtime does not).
std::optional<std::time_t> parse_utc_timestamp(const std::string &stamp) {
    std::tm utc{};
    if (stamp.size() != 14 || !strptime(stamp.c_str(), "%Y%m%d%H%M%S", &utc)) return std::nullopt;
    const std::time_t time = timegm(&utc);
    if (utc_timestamp(time) != stamp) return std::nullopt;
    return time;
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

std::string next_timestamp(const MigrationDir &dir, std::time_t now) {
    std::string stamp = utc_timestamp(now);
    std::string newest;
    for (const Version &version : dir.versions) newest = std::max(newest, version.timestamp);
    // pg-mig compares as strings and, when the clock is not ahead, adds 60 to
    // the newest as a number, which can name no real time (…134185). We add a
    // minute as time; only a newest stamp that is no real time itself (month
    // 14, say) gets pg-mig's arithmetic.
    if (!newest.empty() && stamp <= newest) {
        const std::optional<std::time_t> time = parse_utc_timestamp(newest);
        stamp = time ? utc_timestamp(*time + 60) : std::to_string(std::stoull(newest) + 60);
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
    static const std::regex valid_name("^[-a-z0-9_]+$");
    static const std::regex valid_prefix("^[A-Za-z0-9_]+$");
    if (!std::regex_match(name, valid_name)) {
        err << "shoal new: NAME must be lowercase letters, digits, - and _ (got \"" << name
            << "\")\nUsage: shoal new NAME@PREFIX\n";
        return ExitCode::Usage;
    }
    if (!std::regex_match(prefix, valid_prefix)) {
        err << "shoal new: PREFIX (the schemas the version applies to, e.g. sh or public) is "
               "missing or holds other than letters, digits and _\nUsage: shoal new NAME@PREFIX\n";
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
    version.timestamp = next_timestamp(dir, now);
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
