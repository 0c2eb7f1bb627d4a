// What holds for the whole library while a step's statements run (module.cpp).
#pragma once

namespace shoal {

// How many steps' statements are running now (run_statements; nested when a
// statement itself applies a version). While it is above zero, the utility hook
// refuses what would outlive the step (PREPARE, DECLARE ... WITH HOLD) and what
// would reach beyond it into the session (DEALLOCATE, DISCARD).
extern int step_depth;

// shoal.run_as_owner (custom GUC, default on): when the current user is a
// superuser and the schema's owner is not, a step's statements run as that owner
// (run_script.cpp), so nothing the owner planted runs with superuser rights.
extern bool run_as_owner;

// While a step's deferred triggers fire at its end (run_script.cpp), still as
// the step's role: SET CONSTRAINTS is refused then, so that the triggers'
// code cannot defer new events past the step to its commit, where they would
// fire as whoever the user is then (the superuser who applied it).
extern bool firing_step_triggers;

// Gives one of the flags above a value for the enclosing scope and puts back the
// one it found, also when the scope is left by a PgError (a nested step's end
// must not lift its caller's state).
template <typename T>
class SetForScope {
  public:
    SetForScope(T &target, T value) : target_(target), outer_(target) { target_ = value; }
    ~SetForScope() { target_ = outer_; }
    SetForScope(const SetForScope &) = delete;
    SetForScope &operator=(const SetForScope &) = delete;

  private:
    T &target_;
    T outer_;
};

}  // namespace shoal
