// The offline commands (new, digest, chain, list): everything that needs the
// migration directory but no database. Each takes what it reads as arguments
// (the directory, a clock value) and writes only the files it is about, so it
// is testable in a temporary directory.
#pragma once

#include <ctime>
#include <ostream>
#include <string>
#include <vector>

#include "migration.h"
#include "report.h"

namespace shoal {

// What `new` or `chain` did: the files written, or why not. Errors and
// warnings are sentences without the "shoal new: " the text output adds.
struct WriteResult {
    ExitCode code = ExitCode::Ok;
    std::string version;               // new: the version created
    std::vector<std::string> written;  // the paths written, in order (chain.txt last)
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

// `shoal new NAME@PREFIX`: creates empty TIMESTAMP.NAME.PREFIX.up.sql and .dn.sql
// in dir.path and rewrites chain.txt: the name pg-mig's --make gives. TIMESTAMP
// is `now` in UTC as YYYYMMDDHHMMSS, or, when that is not newer than the newest
// version, the newest timestamp + 60 as a number (pg-mig's rule; it need not be
// a real time). NAME as pg-mig ([-a-z0-9_]+); PREFIX anything pg-mig reads back
// (no dot, no slash, no control character, one @). Refuses, saying why, when
// pg-mig's name would not be the newest. Warns when PREFIX is new to the directory.
WriteResult make_version(const MigrationDir &dir, const std::string &name_at_prefix,
                         std::time_t now);
// What make_version() checks and names, writing nothing: `version` gets the
// name, timestamp, title and prefix (no scripts) when the result is Ok;
// otherwise its errors say why. `shoal generate` names its versions with it.
WriteResult name_new_version(const MigrationDir &dir, const std::string &name_at_prefix,
                             std::time_t now, Version &version);
// make_version() as text: what it wrote on `out`, errors and warnings on `err`.
ExitCode command_new(const MigrationDir &dir, const std::string &name_at_prefix, std::time_t now,
                     std::ostream &out, std::ostream &err);

// `shoal digest` (pg-mig --list=digest): the code digest, one line.
ExitCode command_digest(const MigrationDir &dir, std::ostream &out);

// `shoal list` (pg-mig --list): every version.
ExitCode command_list(const MigrationDir &dir, std::ostream &out);

// `shoal chain`: rewrites dir.path/chain.txt as pg-mig does, so versions added
// on parallel branches conflict in git.
WriteResult write_chain(const MigrationDir &dir);
// write_chain() as text.
ExitCode command_chain(const MigrationDir &dir, std::ostream &out, std::ostream &err);

// The --json document of an offline command (docs/json.md): list, digest,
// chain, new.
Json json_of_list(const MigrationDir &dir);
Json json_of_digest(const MigrationDir &dir);
Json json_of_write(const std::string &command, const WriteResult &result);
// `shoal chain --check` (for CI): writes nothing; NotUpToDate, saying why, when
// dir.path/chain.txt is missing or not what command_chain would write.
WriteResult check_chain(const MigrationDir &dir);
// check_chain() as text.
ExitCode command_chain_check(const MigrationDir &dir, std::ostream &out, std::ostream &err);

// chain.txt's text for `dir` (what command_chain writes).
std::string chain_text(const MigrationDir &dir);

// The timestamp `new` would use, given the versions present and the time; ""
// (and the reason in *why_not) when pg-mig's rule gives no newest version.
std::string next_timestamp(const MigrationDir &dir, std::time_t now,
                           std::string *why_not = nullptr);

}  // namespace shoal
