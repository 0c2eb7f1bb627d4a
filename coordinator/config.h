// The run's settings, merged from the command line > environment > shoal.ini
// (found upward from the working directory). Parsing lives in config.cpp and does
// no I/O beyond reading the ini file it is given; libpq resolves everything else
// (.pgpass, service files, sslmode) and we never re-implement it.
#pragma once

#include <string>
#include <vector>

namespace shoal {

enum class Command { Apply, Undo, Status, New, Digest, Check, Chain, List, Lint, Verify, Help, Version };

// One node to connect to, as the user gave it; `conninfo` is what libpq gets
// (a postgres:// URI or key=value string with host/port/dbname filled in).
struct NodeSpec {
    std::string display;   // "host:port/db", never with a password
    std::string conninfo;  // may hold a password: never print it
};

struct Config {
    Command command = Command::Apply;
    std::string migdir;                  // PGMIGDIR / --migdir
    std::vector<NodeSpec> nodes;         // from PGHOST / --hosts, defaults applied
    std::string undo_version;            // undo VERSION
    std::string new_name;                // new NAME@PREFIX
    int parallelism = 0;                 // per node; 0 = default chosen by the fleet layer
    bool dry = false;
    bool force = false;                  // run before/after even when nothing is pending
    bool json = false;
    bool skip_unreachable = false;
    bool install_extension = false;
    bool allow_drift = false;
    std::vector<std::string> lint_args;  // reserved for lint options
};

}  // namespace shoal
