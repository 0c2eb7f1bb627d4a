// What holds for the whole library while a step's statements run (module.cpp).
#pragma once

namespace shoal {

// How many steps' statements are running now (run_statements; nested when a
// statement itself applies a version). While it is above zero, the utility hook
// refuses what would outlive the step: PREPARE, and DECLARE ... WITH HOLD.
extern int step_depth;

}  // namespace shoal
