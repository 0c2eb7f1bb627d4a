// The offline commands (new, digest, chain, list): everything that needs the
// migration directory but no database. Each takes what it reads as arguments
// (the directory, a clock value) and writes only the files it is about, so it
// is testable in a temporary directory.
#pragma once

#include <ctime>
#include <ostream>
#include <string>

#include "migration.h"
#include "report.h"

namespace shoal {

// `shoal new NAME@PREFIX`: creates empty TIMESTAMP.NAME.PREFIX.up.sql and .dn.sql
// in dir.path and rewrites chain.txt: the name pg-mig's --make gives. TIMESTAMP
// is `now` in UTC as YYYYMMDDHHMMSS, or, when that is not newer than the newest
// version, the newest timestamp + 60 as a number (pg-mig's rule; it need not be
// a real time). NAME as pg-mig ([-a-z0-9_]+); PREFIX anything pg-mig reads back
// (no dot, no slash, no control character, one @). Refuses, saying why, when
// pg-mig's name would not be the newest. Warns when PREFIX is new to the directory.
ExitCode command_new(const MigrationDir &dir, const std::string &name_at_prefix, std::time_t now,
                     std::ostream &out, std::ostream &err);

// `shoal digest` (pg-mig --list=digest): the code digest, one line.
ExitCode command_digest(const MigrationDir &dir, std::ostream &out);

// `shoal list` (pg-mig --list): every version.
ExitCode command_list(const MigrationDir &dir, std::ostream &out);

// `shoal chain`: rewrites dir.path/chain.txt as pg-mig does, so versions added
// on parallel branches conflict in git.
ExitCode command_chain(const MigrationDir &dir, std::ostream &out, std::ostream &err);

// `shoal chain --check` (for CI): writes nothing; NotUpToDate, saying so on
// `err`, when dir.path/chain.txt is missing or not what command_chain would write.
ExitCode command_chain_check(const MigrationDir &dir, std::ostream &out, std::ostream &err);

// chain.txt's text for `dir` (what command_chain writes).
std::string chain_text(const MigrationDir &dir);

// The timestamp `new` would use, given the versions present and the time; ""
// (and the reason in *why_not) when pg-mig's rule gives no newest version.
std::string next_timestamp(const MigrationDir &dir, std::time_t now,
                           std::string *why_not = nullptr);

}  // namespace shoal
