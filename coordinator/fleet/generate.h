// `shoal generate NAME@PREFIX`: the desired schema (Config::schema_dir) loaded
// by PostgreSQL into a scratch schema on the reference shard's node, compared
// with that shard (coordinator/schema_diff.h), the versions proven on a
// rebuilt copy of the shard (up gives the desired fingerprint, dn the
// original) and only then written, with chain.txt. `--check` stops after the
// comparison. Everything runs in one transaction that is always rolled back.
#pragma once

#include "config.h"
#include "migration.h"

namespace shoal::fleet {

int command_generate(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
