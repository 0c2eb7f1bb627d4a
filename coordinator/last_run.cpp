// status's last run in words and JSON, and the outcome a run records.
#include "last_run.h"

#include <cstdio>

#include "text.h"

namespace shoal {

namespace {

// "1 200": digits grouped by thousands, as the summary's counts read.
std::string grouped(long long count) {
    std::string digits = std::to_string(count);
    for (int at = static_cast<int>(digits.size()) - 3; at > 0 && digits[at - 1] != '-'; at -= 3)
        digits.insert(static_cast<size_t>(at), " ");
    return digits;
}

std::string duration(double seconds) {
    char text[32];
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.1f s", seconds);
    else
        std::snprintf(text, sizeof text, "%d min %d s", static_cast<int>(seconds / 60),
                      static_cast<int>(seconds) % 60);
    return text;
}

std::string steps(long long count) { return grouped(count) + (count == 1 ? " step" : " steps"); }

}  // namespace

std::string run_outcome(ExitCode code) {
    switch (code) {
        case ExitCode::Ok:
            return "succeeded";
        case ExitCode::Cancelled:
            return "cancelled";
        case ExitCode::Interrupted:
            return "interrupted";
        default:
            return "failed";
    }
}

std::string run_scope(const Targeting &target) {
    std::vector<std::string> parts;
    if (!target.schemas.empty()) {
        std::vector<std::string> patterns;
        for (const SchemaPattern &pattern : target.schemas) patterns.push_back(pattern.text);
        parts.push_back("--schemas " + join(patterns, ","));
    }
    if (!target.to.empty()) parts.push_back("--to " + target.to);
    if (target.node_subset) parts.push_back("--nodes");
    return join(parts, " ");
}

std::string format_last_run(const LastRun &run) {
    const std::string by = " by " + printable(run.role);
    if (!run.finished_at) {
        const std::string started = run.started_at + by + " (" + printable(run.command) + ")";
        if (run.outcome == "running") return "running since " + started;
        return run.outcome + ": started " + started +
               ", its session ended without closing the run (killed or crashed)";
    }
    std::string text = printable(run.outcome);
    // Options as typed, escaped but not quoted: a scope is no one name.
    if (!run.scope.empty()) text += " for " + single_line(run.scope) + " only";
    text += " in " + duration(run.seconds.value_or(0)) + " at " + *run.finished_at + by + " (" +
            printable(run.command) + ", " + steps(run.steps_done.value_or(0));
    const long long failed = run.steps_failed.value_or(0);
    if (failed > 0)
        text += ", " + grouped(failed) + " failed on this node";
    else if (run.outcome == "failed")
        text += ", none failed on this node";
    return text + (run.digest_stored.value_or(false) ? ", digest stored)" : ", digest not stored)");
}

Json json_last_run(const LastRun &run) {
    const auto or_null = [](const auto &value) -> Json {
        if (!value) return nullptr;
        return *value;
    };
    return {{"outcome", run.outcome},
            {"command", run.command},
            {"scope", json_string_or_null(run.scope)},
            {"role", run.role},
            {"started_at", run.started_at},
            {"finished_at", or_null(run.finished_at)},
            {"seconds", run.seconds ? Json(json_round(*run.seconds, 3)) : Json(nullptr)},
            {"steps_done", or_null(run.steps_done)},
            {"steps_failed", or_null(run.steps_failed)},
            {"digest_stored", or_null(run.digest_stored)}};
}

}  // namespace shoal
