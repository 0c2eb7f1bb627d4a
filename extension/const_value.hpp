// Reading a constant function's value from its source (const_value.cpp).
#pragma once

#include <string>

extern "C" {
#include "postgres.h"
#include "access/transam.h"
}

namespace shoal {

// What starts shoal's per-version data after a stamp's value, in the same body: a
// comment, which pg-mig's rewrite of the stamp drops (stamp.cpp).
constexpr const char kDataMarker[] = "-- shoal ";

// A constant function's source taken apart: the value of its literal `SELECT
// '<literal>';` (doubled quotes undone) and shoal's data in the comment after it
// ("" when there is none); false when the source has any other form.
bool read_const_source(const char *source, size_t length, std::string &value, std::string &data);

// A constant function as read from the catalog.
struct ConstFunction {
    std::string value;                                // the text it returns
    std::string data;                                 // shoal's data after it, "" when none
    TransactionId written_by = InvalidTransactionId;  // xmin of its pg_proc row: who wrote it last
};

// The constant function schema.name() (no arguments), read from its source without
// running it; false when there is no such function. Raises SH006 when its body has
// another form.
bool read_const_function(const char *schema, const char *name, ConstFunction &found);

}  // namespace shoal
