// What a running command tells people while it runs: on a terminal one live line
// (percent, done/total, rate, ETA, failures) redrawn at most ten times a second;
// elsewhere plain lines, with a progress line every ten seconds; while nothing
// moves, what the run waits for (set by the driver); with --json
// nothing on stdout but the final document (notes go to stderr). Retries and
// failures are always announced as they happen, one line each.
#pragma once

#include <cstdio>
#include <string>

#include "fleet/event_loop.h"

namespace shoal::fleet {

class Progress {
  public:
    explicit Progress(bool json);

    void add_total(size_t steps);
    void step_done();
    void step_failed();
    void retried() { ++retries_; }
    size_t retries() const { return retries_; }
    // Schemas waiting for their retry after a lock timeout, for the live line.
    void set_retrying(size_t schemas) { retrying_ = schemas; }

    // A line that must stay on screen (clears the live line first).
    void note(const std::string &line);
    // What the run waits for while nothing moves ("" once something moved
    // again): on a terminal the live line shows it; elsewhere a "waiting:" line
    // when it changes and every ten seconds while it lasts. `what` names the
    // wait; `how_long` is shown with it but does not count as a change.
    void set_waiting(const std::string &what, const std::string &how_long);
    // "by ROLE on NODE: REASON" while the run is paused ("" when it is not): the
    // live line says PAUSED instead of a rate that only decays.
    void set_paused(const std::string &by);
    // Redraws the live line when it is due; cheap to call on every loop turn.
    void tick();
    // Removes the live line for good.
    void end();

  private:
    void draw();

    std::FILE *out_;
    bool live_;
    size_t total_ = 0, done_ = 0, failed_ = 0, retries_ = 0, retrying_ = 0;
    Clock::time_point started_ = Clock::now();
    Clock::time_point last_draw_{};
    bool drawn_ = false;
    std::string waiting_, waiting_for_, paused_;
    Clock::time_point last_waiting_line_{};
};

}  // namespace shoal::fleet
