// The shared library's identity for PostgreSQL's loader. The SQL-callable
// functions live in the files named after them (run_script.cpp).
#include "boundary.hpp"

extern "C" {
PG_MODULE_MAGIC;
}
