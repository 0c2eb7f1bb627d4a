// The default number of connections per node, from what each node's server says
// of its machine (shoal.server_cpus(), shoal.server_machine()). Pure, unit-tested.
//
// Measured (bench/results/parallelism.md): a migration step is CPU work on the
// server with a round trip in between, so about two connections per CPU keep a
// server busy; more only add contention (at 8 per node on a 2-CPU machine shoal
// ran 10-20 % slower than at 4 on one node, and 35-40 % slower than at 1 with
// three nodes on it). Nodes whose servers share a machine share its CPUs.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace shoal {

struct ServerShape {
    int cpus = 1;                        // CPUs the server may run on
    std::optional<std::string> machine;  // servers with the same id share those CPUs
    int free_slots = 0;                  // connection slots not in use
};

inline constexpr int kConnectionsPerCpu = 2;
inline constexpr int kMaxDefaultParallelism = 10;  // pg-mig's default

// Per server, in order: kConnectionsPerCpu per CPU, divided among the servers on
// the same machine (rounded, at least 1), at most kMaxDefaultParallelism, and at
// most half the free connection slots so the application keeps the rest.
std::vector<int> default_parallelism(const std::vector<ServerShape> &servers);

}  // namespace shoal
