// pg-mig's digest and its comparison, reproduced exactly (Registry.getDigest,
// Registry.chooseBestDigest): a deploy gate written for pg-mig must give the
// same answer against a fleet that shoal migrated. No I/O.
#include "digest.h"

#include <algorithm>

#include "checksum.h"

namespace shoal {
namespace {

// pg-mig's separator; it sorts before "0", which makes "<ts>.<hash>" strings
// compare by timestamp first.
constexpr char kSeparator = '.';

std::vector<std::string> version_names(const MigrationDir &dir) {
    std::vector<std::string> names;
    for (const Version &version : dir.versions) names.push_back(version.name);
    return names;
}

std::string join_lines(const std::vector<std::string> &names) {
    std::string joined;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) joined += '\n';
        joined += names[i];
    }
    return joined;
}

// The leading digits of the newest name, the whole name when it has none,
// "0" for an empty directory (pg-mig's lastOrder).
std::string last_order(const std::vector<std::string> &sorted) {
    if (sorted.empty()) return "0";
    const std::string &last = sorted.back();
    size_t digits = 0;
    while (digits < last.size() && last[digits] >= '0' && last[digits] <= '9') ++digits;
    return digits > 0 ? last.substr(0, digits) : last;
}

}  // namespace

std::string digest_of(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return last_order(names) + kSeparator + sha256_hex(join_lines(names));
}

std::string code_digest(const MigrationDir &dir) { return digest_of(version_names(dir)); }

std::string short_code_digest(const MigrationDir &dir) {
    std::string full = code_digest(dir);
    size_t separator = full.find(kSeparator);
    return full.substr(0, separator + 1 + 16);
}

std::string choose_best_digest(const std::vector<std::string> &node_digests) {
    std::vector<std::string> digests, resets;
    for (const std::string &value : node_digests) {
        (value.find(kSeparator) != std::string::npos ? digests : resets).push_back(value);
    }
    // A real digest is saved only after a run succeeded everywhere, so the
    // highest one is a level the whole fleet has reached.
    if (!digests.empty()) return *std::max_element(digests.begin(), digests.end());
    // Only undo markers: an undo was announced to every node before it ran.
    if (!resets.empty()) {
        return std::string("0") + kSeparator + *std::min_element(resets.begin(), resets.end());
    }
    return "0";
}

bool digest_satisfies(const std::string &database_digest, const std::string &code_digest) {
    // A node's stored value may be pg-mig's undo marker ("after-undo"), which is
    // "0.…" once chosen: below every code digest, as pg-mig's check has it.
    return choose_best_digest({database_digest}) >= code_digest;
}

}  // namespace shoal
