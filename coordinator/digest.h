// pg-mig's digest: "<last version's timestamp>.<sha256 hex of the sorted version
// names joined by \n>", and how deploy gates compare it. Must stay byte-equal to
// pg-mig's Registry.getDigest / chooseBestDigest, since both tools read the other's.
#pragma once

#include <string>
#include <vector>

#include "migration.h"

namespace shoal {

// `names` in any order; "0.<sha256 of ''>" style for none, as pg-mig.
std::string digest_of(std::vector<std::string> names);
std::string code_digest(const MigrationDir &dir);
// pg-mig's "short" form (hash cut to 16 hex digits), used in chain.txt.
std::string short_code_digest(const MigrationDir &dir);

// Of the digests read from several nodes (values without a "." are undo
// markers), the one that best describes the fleet: the highest real digest;
// else "0." + the lowest marker; "0" when there are none.
std::string choose_best_digest(const std::vector<std::string> &node_digests);

// The deploy gate: a node's stored digest (or undo marker) is at least at the
// code's version.
bool digest_satisfies(const std::string &database_digest, const std::string &code_digest);

}  // namespace shoal
