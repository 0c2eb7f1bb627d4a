// Default parallelism per node (parallelism.h).
#include "parallelism.h"

#include <algorithm>
#include <map>

namespace shoal {

std::vector<int> default_parallelism(const std::vector<ServerShape> &servers,
                                     const std::optional<std::string> &coordinator_machine) {
    std::map<std::string, int> sharing;
    for (const ServerShape &server : servers)
        if (server.machine) ++sharing[*server.machine];
    std::vector<int> out;
    out.reserve(servers.size());
    for (const ServerShape &server : servers) {
        const int share = server.machine ? sharing[*server.machine] : 1;
        const bool local = server.machine && server.machine == coordinator_machine;
        const int per_cpu = local ? kConnectionsPerLocalCpu : kConnectionsPerRemoteCpu;
        int n = (per_cpu * std::max(server.cpus, 1) + share / 2) / share;
        n = std::min(n, kMaxDefaultParallelism);
        n = std::min(n, server.free_slots / 2);
        out.push_back(std::max(n, 1));
    }
    return out;
}

}  // namespace shoal
