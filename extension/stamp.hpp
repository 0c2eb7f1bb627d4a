// A schema's stamp as shoal lays it out since 1.5 (stamp.cpp): one function,
// pg-mig's <schema>.mig_versions_const(), whose body holds pg-mig's value and,
// after it in a comment, shoal's per-version data.
#pragma once

#include <string>

#include "const_value.hpp"

namespace shoal {

// shoal's per-version data of a stamp ({"<version>": {"checksum": …, "applied_at":
// …}}, "" when none): what mig_versions_const() (`list`, nullptr when missing)
// holds after its value; else, for a stamp written before 1.5, the value of its
// shoal_stamp_const() (`old_data`, nullptr when missing), unless
// mig_versions_const() was written after it.
std::string stamp_data(const ConstFunction *list, const ConstFunction *old_data);

// Moves the data of a stamp written before 1.5 (stamp_data() of its
// shoal_stamp_const()) into mig_versions_const(), keeping the old function for the
// next write to drop; false, changing nothing, when there is no such data.
bool fold_old_stamp(const char *schema);

// Writes a schema's stamp in one catalog write: mig_versions_const() returning
// version_list (pg-mig's value), with `data` ("" for none) after it, and settings
// as pg-mig's CREATE OR REPLACE leaves them. Drops the schema's shoal_stamp_const()
// when drop_old_data is set (its data is in `data` now).
void write_stamp(const char *schema, const std::string &version_list, const std::string &data, bool drop_old_data);

}  // namespace shoal
