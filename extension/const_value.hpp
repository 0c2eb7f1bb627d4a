// Reading a constant function's value from its source (const_value.cpp).
#pragma once

#include <string>

namespace shoal {

// The text the constant function schema.name() (no arguments) returns, read from
// its source `SELECT '<literal>';` without running it; false when there is no such
// function. Raises SH006 when its body has another form.
bool read_const_function(const char *schema, const char *name, std::string &value);

}  // namespace shoal
