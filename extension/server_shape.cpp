// shoal.server_cpus() and shoal.server_machine(): what the coordinator needs to
// choose its default parallelism, which PostgreSQL does not tell. How many
// connections a node takes well depends on the CPUs its server may use, and on
// how many of the fleet's servers share them (several nodes on one machine, as in
// development, CI and benchmarks): servers with the same machine id share a kernel
// and so its CPUs.
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "boundary.hpp"

extern "C" {
#include "utils/builtins.h"
}

// The CPUs this server process may run on (its affinity mask: a container's or
// taskset's limit), else the CPUs online.
SHOAL_FUNCTION(shoal_server_cpus) {
    int cpus = 0;
#ifdef __linux__
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (sched_getaffinity(0, sizeof mask, &mask) == 0) cpus = CPU_COUNT(&mask);
#endif
    if (cpus <= 0) cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    PG_RETURN_INT32(cpus > 0 ? cpus : 1);
}

// The running kernel's boot id (Linux): the same for every server on one machine,
// containers included, and different on every other machine. NULL where the
// system has none.
SHOAL_FUNCTION(shoal_server_machine) {
    char boot_id[64] = {};
    FILE *file = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (file == nullptr) PG_RETURN_NULL();
    const bool read = fgets(boot_id, sizeof boot_id, file) != nullptr;
    fclose(file);
    boot_id[strcspn(boot_id, "\n")] = '\0';
    if (!read || boot_id[0] == '\0') PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text(boot_id));
}
