// The one guarded boundary between PostgreSQL and shoal's C++ code.
//
// PostgreSQL reports errors by longjmp (ereport); C++ by exceptions. Neither may
// cross the other: a longjmp must not skip a live destructor, and an exception must
// not leave a function PostgreSQL called. So:
//   * every SQL-callable function is declared with SHOAL_FUNCTION, whose C entry
//     point runs the C++ body inside try/catch and reports a caught exception with
//     ereport only after the catch scope has closed (all destructors have run);
//   * every PostgreSQL call made while C++ objects are alive goes through pg_guard(),
//     which turns an ereport into a PgError exception carrying the error unchanged,
//     and the boundary rethrows it as it was (SQLSTATE, detail, context intact).
// Nothing here may throw inside PG_TRY or keep a C++ object across a longjmp.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

#include <exception>

namespace shoal {

// A PostgreSQL error caught by pg_guard(), copied into the memory context of the
// guarded call so it outlives the error state. Trivially destructible on purpose.
struct PgError {
  ErrorData *data;
};

// Runs call, which may ereport; an ereport becomes a thrown PgError. The lambda must
// create no C++ object with a destructor: the longjmp would skip it.
template <typename Call> void pg_guard(Call &&call) {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData *volatile error = nullptr;
  PG_TRY();
  {
    call();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    error = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (error != nullptr) throw PgError{error};
}

// The entry point's body: returns the C++ function's result, or reports what it
// threw. The message buffer is a plain array so nothing needs destroying when
// ereport longjmps out of this frame.
inline Datum call_guarded(Datum (*body)(FunctionCallInfo), FunctionCallInfo fcinfo) {
  ErrorData *pg_error = nullptr;
  char message[1024] = "unknown C++ exception";
  try {
    return body(fcinfo);
  } catch (const PgError &error) {
    pg_error = error.data;
  } catch (const std::exception &error) {
    strlcpy(message, error.what(), sizeof message);
  } catch (...) {
  }
  if (pg_error != nullptr) ReThrowError(pg_error);
  ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("shoal: %s", message)));
  pg_unreachable();
}

}  // namespace shoal

// Declares the SQL-callable C function `name` and opens the definition of its C++
// body: SHOAL_FUNCTION(shoal_x) { ... return ...; }. A function without arguments
// never reads fcinfo, hence [[maybe_unused]].
#define SHOAL_FUNCTION(name)                                                        \
  extern "C" {                                                                      \
  PG_FUNCTION_INFO_V1(name);                                                        \
  }                                                                                 \
  static Datum name##_body(FunctionCallInfo fcinfo);                                \
  extern "C" Datum name(PG_FUNCTION_ARGS) { return shoal::call_guarded(name##_body, fcinfo); } \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
