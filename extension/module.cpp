// The shared library's identity for PostgreSQL's loader, and what it installs when
// loaded (_PG_init): the setting shoal.run_as_owner, and the utility hook that
// keeps a step's statements from leaving anything behind that outlives the step. The SQL-callable
// functions live in the files named after them (run_script.cpp). Everything here is plain C-style
// code: PostgreSQL calls it, and it may ereport.
#include "boundary.hpp"
#include "step.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

namespace shoal {
int step_depth = 0;
bool run_as_owner = true;
bool firing_step_triggers = false;
}  // namespace shoal

namespace {

ProcessUtility_hook_type previous_process_utility = nullptr;

// A prepared statement or a WITH HOLD cursor lives on after the step's
// transaction, in the session that goes on to the next schema; so a version may
// create neither (a DO block's EXECUTE included: every utility statement passes
// here). Refused before it exists: neither is transactional. The other way round,
// DEALLOCATE and DISCARD would take away what the session keeps between steps (the
// coordinator's prepared step, the caller's temporary tables), also for good.
void refuse_what_outlives_a_step(PlannedStmt *statement, const char *query, bool read_only_tree,
                                 ProcessUtilityContext context, ParamListInfo params,
                                 QueryEnvironment *environment, DestReceiver *destination,
                                 QueryCompletion *completion) {
    if (shoal::firing_step_triggers && IsA(statement->utilityStmt, ConstraintsSetStmt))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("SET CONSTRAINTS cannot run in a trigger a migration step fires "
                               "at its end: it would defer the trigger's events past the step's "
                               "role")));
    if (shoal::step_depth > 0) {
        const Node *utility = statement->utilityStmt;
        if (IsA(utility, PrepareStmt))
            ereport(
                ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("PREPARE cannot run in a migration step: the prepared statement would "
                        "outlive it"),
                 errhint("Run the statement itself, or EXECUTE it dynamically in a DO block.")));
        if (IsA(utility, DeclareCursorStmt) &&
            (reinterpret_cast<const DeclareCursorStmt *>(utility)->options & CURSOR_OPT_HOLD) != 0)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("DECLARE ... WITH HOLD cannot run in a migration step: the "
                                   "cursor would outlive it"),
                            errhint("Use a cursor without WITH HOLD, or a loop in a DO block.")));
        if (IsA(utility, DeallocateStmt))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("DEALLOCATE cannot run in a migration step: the session's "
                                   "prepared statements are not "
                                   "the step's")));
        if (IsA(utility, DiscardStmt))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("DISCARD cannot run in a migration step: the session it would "
                                   "reset is not the step's"),
                            errhint("A step's temporary objects are dropped at its end; its "
                                    "settings are restored.")));
    }
    if (previous_process_utility != nullptr)
        previous_process_utility(statement, query, read_only_tree, context, params, environment,
                                 destination, completion);
    else
        standard_ProcessUtility(statement, query, read_only_tree, context, params, environment,
                                destination, completion);
}

}  // namespace

void _PG_init(void) {
    DefineCustomBoolVariable(
        "shoal.run_as_owner",
        "Runs a step's statements as the schema's owner when a superuser applies to a schema "
        "that a lesser role owns.",
        "Off: they run as the superuser, and whatever the owner planted (a trigger, a function) "
        "runs with "
        "superuser rights.",
        &shoal::run_as_owner, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    previous_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = refuse_what_outlives_a_step;
}
