// Progress output: formats counters into one line and decides where and how
// often it appears. Knows nothing about nodes or SQL.
#include "fleet/progress.h"

#include <unistd.h>

namespace shoal::fleet {

namespace {

constexpr auto kLiveInterval = std::chrono::milliseconds(100);
constexpr auto kPlainInterval = std::chrono::seconds(10);

std::string seconds_text(double seconds) {
    char buf[32];
    if (seconds < 60)
        std::snprintf(buf, sizeof buf, "%.0fs", seconds);
    else
        std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60,
                      static_cast<int>(seconds) % 60);
    return buf;
}

}  // namespace

Progress::Progress(bool json) : out_(json ? stderr : stdout), live_(isatty(fileno(out_)) == 1) {}

void Progress::add_total(size_t steps) { total_ += steps; }
void Progress::step_done() { ++done_; }
void Progress::step_failed() { ++failed_; }

void Progress::note(const std::string &line) {
    if (live_ && drawn_) std::fputs("\r\033[K", out_);
    drawn_ = false;
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
}

void Progress::set_waiting(const std::string &what, const std::string &how_long) {
    const bool changed = what != waiting_for_;
    waiting_for_ = what;
    waiting_ = what.empty() ? "" : what + ", " + how_long;
    if (live_ || what.empty()) return;
    const auto now = Clock::now();
    if (changed || now - last_waiting_line_ >= kPlainInterval) {
        last_waiting_line_ = now;
        std::fprintf(out_, "waiting: %s\n", waiting_.c_str());
        std::fflush(out_);
    }
}

void Progress::set_paused(const std::string &by) { paused_ = by; }

void Progress::tick() {
    const auto now = Clock::now();
    if (total_ == 0 || now - last_draw_ < (live_ ? kLiveInterval : kPlainInterval)) return;
    if (!live_ && last_draw_ == Clock::time_point{}) {
        last_draw_ = now;  // off a terminal the first line comes after one interval
        return;
    }
    last_draw_ = now;
    draw();
}

void Progress::draw() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const size_t finished = done_ + failed_;
    const double rate = elapsed > 0 ? finished / elapsed : 0;
    const double percent = total_ ? 100.0 * finished / total_ : 100.0;
    std::string eta =
        rate > 0 && finished < total_ ? seconds_text((total_ - finished) / rate) : "-";
    char counts[256];
    std::snprintf(counts, sizeof counts, "%3.0f%%  %zu/%zu  ", percent, finished, total_);
    std::string line = counts;
    if (!paused_.empty()) {
        line += "PAUSED " + paused_;
    } else {
        char rates[256];
        std::snprintf(rates, sizeof rates, "%.0f/s  ETA %s", rate, eta.c_str());
        line += rates;
    }
    line += "  failed " + std::to_string(failed_) +
            (retries_ ? ", retries " + std::to_string(retries_) : "") +
            (retrying_ ? " (" + std::to_string(retrying_) + " waiting to retry)" : "");
    if (live_ && !waiting_.empty()) line += "  waiting: " + waiting_;
    if (live_) {
        std::fprintf(out_, "\r\033[K%s", line.c_str());
        drawn_ = true;
    } else {
        std::fprintf(out_, "progress: %s\n", line.c_str());
    }
    std::fflush(out_);
}

void Progress::end() {
    if (live_ && drawn_) std::fputs("\r\033[K", out_);
    drawn_ = false;
    std::fflush(out_);
}

}  // namespace shoal::fleet
