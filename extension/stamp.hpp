// A schema's stamp as shoal lays it out since 1.5 (stamp.cpp): one function,
// pg-mig's <schema>.mig_versions_const(), whose body holds pg-mig's value and,
// after it in a comment, shoal's per-version data. Reading, appending to,
// removing from and writing a stamp are all here; apply, mark, undo and forget
// (versions.cpp) and the upgrade's fold go through them.
#pragma once

#include <string>
#include <vector>

#include "const_value.hpp"

namespace shoal {

// shoal's per-version data of a stamp ({"<version>": {"checksum": …, "applied_at":
// …}}, "" when none): what mig_versions_const() (`list`, nullptr when missing)
// holds after its value; else, for a stamp written before 1.5, the value of its
// shoal_stamp_const() (`old_data`, nullptr when missing), unless
// mig_versions_const() was written after it.
std::string stamp_data(const ConstFunction *list, const ConstFunction *old_data);

// A schema's stamp as texts, kept as they were written so that a change touches
// only what it changes.
struct Stamp {
    std::string list;                   // pg-mig's value, a JSON array; "" when there is no stamp
    std::vector<std::string> versions;  // the list's versions, oldest first
    std::string data;                   // shoal's per-version data, "" when none
    bool has_old_data =
        false;  // a shoal_stamp_const() from before 1.5 is there: the next write drops it
};

// The schema's stamp, read from the catalog without running it (take the schema
// lock first). SH006 when mig_versions_const() is not a constant function
// returning a JSON array of version names.
Stamp read_stamp(const char *schema);

// The checksum the stamp records for an applied version, "" when unknown.
std::string recorded_checksum(const Stamp &stamp, const char *version);

// Appends a version, with its checksum and the time now, to the stamp's texts.
void append_version(Stamp &stamp, const char *version, const char *checksum);

// Drops the newest version and its data from the stamp (it must have one). The
// data is rebuilt for the versions left, without entries whose checksum is unknown.
void remove_latest_version(Stamp &stamp);

// Writes the stamp in one catalog write: mig_versions_const() returning its list,
// with its data after it, and settings as pg-mig's CREATE OR REPLACE leaves them;
// then drops a shoal_stamp_const() from before 1.5 (has_old_data; its data is in
// the stamp now).
void write_stamp(const char *schema, const Stamp &stamp);

// Moves the data of a stamp written before 1.5 (stamp_data() of its
// shoal_stamp_const()) into mig_versions_const(), keeping the old function for the
// next write to drop; false, changing nothing, when there is no such data.
bool fold_old_stamp(const char *schema);

}  // namespace shoal
