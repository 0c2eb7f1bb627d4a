// The default number of connections per node, from what each node's server says
// of its machine (shoal.server_cpus(), shoal.server_machine()) and where the
// coordinator runs. Pure, unit-tested.
//
// Measured (bench/results/parallelism.md): a migration step is CPU work on the
// server with a round trip in between. Across a network the round trip is as long
// as a small step, so two connections per CPU keep a server busy. On the server's
// own machine it is a local socket's, a few percent of a step, and the
// coordinator's own CPU comes out of the same cores: one connection per CPU is
// 5-10 % faster than two there, which only add context switches and each
// backend's catch-up on the others' catalog changes. More than two per CPU lose
// 10-40 %. Nodes whose servers share a machine share its CPUs.
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

inline constexpr int kConnectionsPerRemoteCpu = 2;
inline constexpr int kConnectionsPerLocalCpu = 1;
inline constexpr int kMaxDefaultParallelism = 10;  // pg-mig's default

// Per server, in order: kConnectionsPerLocalCpu per CPU when the server's machine
// is `coordinator_machine` (the coordinator's own boot id, when known), else
// kConnectionsPerRemoteCpu; divided among the servers on the same machine
// (rounded, at least 1), at most kMaxDefaultParallelism, and at most half the free
// connection slots so the application keeps the rest.
std::vector<int> default_parallelism(const std::vector<ServerShape> &servers,
                                     const std::optional<std::string> &coordinator_machine);

}  // namespace shoal
