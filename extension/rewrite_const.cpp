// shoal.rewrite_const(schema, name, source): the fast path of a stamp write. A
// stamp is rewritten once per version applied, and CREATE OR REPLACE FUNCTION
// costs as much as a small migration (parse, dependency records, a validation of
// the body); rewriting prosrc of the existing function in place is what ALTER
// FUNCTION does for its attributes: one catalog update, which sends the same
// invalidations. Everything else of the function stays as it was (owner, ACL,
// comment, proconfig). It returns false, changing nothing, when there is no such
// function or it is not a constant SQL function returning text: the caller then
// creates it with CREATE OR REPLACE FUNCTION, which also reports what is wrong.
#include "boundary.hpp"
#include "pg_calls.hpp"

extern "C" {
#include "utils/builtins.h"
}

SHOAL_FUNCTION(shoal_rewrite_const) {
    // Plain C calls while no C++ object is alive: an ereport here skips no destructor.
    const char *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
    text *source = PG_GETARG_TEXT_PP(2);
    PG_RETURN_BOOL(shoal::rewrite_function_source(schema, name, source, false));
}
