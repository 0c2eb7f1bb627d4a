// `shoal verify`: every schema has the structure of the majority of schemas
// with its applied versions (the pure comparison is coordinator/verify.h; this
// reads the nodes and prints). Takes no lock and writes nothing.
#pragma once

#include "config.h"
#include "migration.h"

namespace shoal::fleet {

int command_verify(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
