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
//     and the boundary rethrows it as it was (SQLSTATE, detail, context intact);
//   * both put PostgreSQL's exception and error context stacks back as they found
//     them whichever way they are left, a C++ exception included.
// Nothing may keep a C++ object across a longjmp.
#pragma once

// Before PostgreSQL's headers, whose port.h renames the C library's printf family.
#include <csetjmp>
#include <stdexcept>

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

namespace shoal {

// A PostgreSQL error caught by pg_guard(), copied into the memory context of the
// guarded call so it outlives the error state. Trivially destructible on purpose.
struct PgError {
    ErrorData *data;
};

// Puts PostgreSQL's exception stack (where the next ereport jumps) and error
// context stack back as they were when it was made, however its scope is left.
// PG_TRY restores them only at PG_END_TRY, which a C++ exception leaving the
// guarded call never reaches: the next ereport would then jump into a dead frame.
// As pg_duckdb's PgExceptionGuard.
class PgStacksGuard {
  public:
    PgStacksGuard() : exception_stack_(PG_exception_stack), context_stack_(error_context_stack) {}
    ~PgStacksGuard() {
        PG_exception_stack = exception_stack_;
        error_context_stack = context_stack_;
    }
    PgStacksGuard(const PgStacksGuard &) = delete;
    PgStacksGuard &operator=(const PgStacksGuard &) = delete;

  private:
    sigjmp_buf *exception_stack_;
    ErrorContextCallback *context_stack_;
};

// Runs call with a jump target of its own for ereport; false when it ereported
// (PostgreSQL's error state then holds the error, to be copied and flushed).
template <typename Call>
bool completes_without_error(Call &call) {
    PgStacksGuard stacks;
    sigjmp_buf jump_target;
    if (sigsetjmp(jump_target, 0) != 0) return false;
    PG_exception_stack = &jump_target;
    call();
    return true;
}

// Runs call, which may ereport; an ereport becomes a thrown PgError. The lambda must
// create no C++ object with a destructor: the longjmp would skip it.
template <typename Call>
void pg_guard(Call &&call) {
    const MemoryContext caller_context = CurrentMemoryContext;
    if (completes_without_error(call)) return;
    MemoryContextSwitchTo(caller_context);
    ErrorData *error = nullptr;
    auto copy_error = [&error] { error = CopyErrorData(); };
    const bool copied = completes_without_error(copy_error);  // CopyErrorData allocates
    FlushErrorState();
    MemoryContextSwitchTo(caller_context);
    if (!copied) throw std::runtime_error("out of memory copying a PostgreSQL error");
    throw PgError{error};
}

// The entry point's body: returns the C++ function's result, or reports what it
// threw. The message buffer is a plain array so nothing needs destroying when
// ereport longjmps out of this frame; for the same reason the stacks are saved in
// plain variables, not a PgStacksGuard (a plain C call in the body may longjmp
// past this frame). They are put back before reporting, so that a C++ exception
// that left a PG_TRY (or a callback's scope) unwound cannot send the report into a
// dead frame, as pg_duckdb's __CPPFunctionGuard__ does.
inline Datum call_guarded(Datum (*body)(FunctionCallInfo), FunctionCallInfo fcinfo) {
    sigjmp_buf *const exception_stack = PG_exception_stack;
    ErrorContextCallback *const context_stack = error_context_stack;
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
    PG_exception_stack = exception_stack;
    error_context_stack = context_stack;
    if (pg_error != nullptr) ReThrowError(pg_error);
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("shoal: %s", message)));
    pg_unreachable();
}

}  // namespace shoal

// Declares the SQL-callable C function `name` and opens the definition of its C++
// body: SHOAL_FUNCTION(shoal_x) { ... return ...; }. A function without arguments
// never reads fcinfo, hence [[maybe_unused]].
#define SHOAL_FUNCTION(name)                                                                     \
    extern "C" {                                                                                 \
    PG_FUNCTION_INFO_V1(name);                                                                   \
    }                                                                                            \
    static Datum name##_body(FunctionCallInfo fcinfo);                                           \
    extern "C" Datum name(PG_FUNCTION_ARGS) { return shoal::call_guarded(name##_body, fcinfo); } \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
