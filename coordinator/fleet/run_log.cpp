// The run log's lines and the metrics file: formats what the run reports and
// writes it; the only file I/O of a run.
#include "fleet/run_log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "fleet/node.h"
#include "fleet/summary.h"
#include "prometheus.h"

namespace shoal::fleet {

namespace {

// Now, as ISO 8601 UTC with milliseconds: 2026-12-01T23:59:59.123Z.
std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(millis));
    return out;
}

Json step_fields(const StepRef &step) {
    return {{"node", step.node}, {"schema", step.schema}, {"version", step.version}};
}

std::string directory_of(const std::string &path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? "." : parent.string();
}

}  // namespace

bool RunLog::open(const std::string &path, std::string &error) {
    file_.reset(std::fopen(path.c_str(), "a"));
    if (!file_) error = "--log-json " + path + ": " + std::strerror(errno);
    return static_cast<bool>(file_);
}

void RunLog::write(const std::string &event, const Json &fields) {
    if (!file_) return;
    Json line = {{"time", utc_now()}, {"event", event}, {"run", run_holder()}};
    for (const auto &[key, value] : fields.items()) line[key] = value;
    std::fprintf(file_.get(), "%s\n", json_text(line).c_str());
    std::fflush(file_.get());
}

void RunLog::run_started(const std::string &command, const std::vector<std::string> &nodes,
                         size_t steps) {
    write("run_started", {{"command", command}, {"nodes", nodes}, {"steps", steps}});
}

void RunLog::commit_mode(const std::string &node, bool synchronous,
                         std::optional<double> flush_micros) {
    write("commit_mode",
          {{"node", node},
           {"synchronous", synchronous},
           {"wal_flush_us", flush_micros ? Json(std::lround(*flush_micros)) : Json()}});
}

void RunLog::run_finished(const RunSummary &summary, int exit_code) {
    write("run_finished",
          {{"command", summary.command},
           {"exit_code", exit_code},
           {"done", summary.drive.done},
           {"failed", summary.drive.errors.size()},
           {"not_done", summary.drive.not_done},
           {"unconfirmed", summary.unconfirmed},
           {"retries", summary.retries},
           {"lost", summary.drive.lost},
           {"seconds", json_round(summary.seconds, 3)},
           {"digest", summary.digest.empty() ? Json(nullptr) : Json(summary.digest)}});
}

// The two events of every step return before building their fields when no
// --log-json was asked for: they are on the driver's hot path.
void RunLog::step_started(const StepRef &step) {
    if (!file_) return;
    write("step_started", step_fields(step));
}

void RunLog::step_finished(const StepRef &step, double seconds) {
    if (!file_) return;
    Json fields = step_fields(step);
    fields["seconds"] = json_round(seconds, 3);
    write("step_finished", fields);
}

void RunLog::step_retried(const StepRef &step, int attempt, int retries, long wait_ms,
                          const std::string &error) {
    Json fields = step_fields(step);
    fields["attempt"] = attempt;
    fields["retries"] = retries >= 0 ? Json(retries) : Json(nullptr);  // null: retry_for decides
    fields["wait_ms"] = wait_ms;
    fields["error"] = error;
    write("step_retried", fields);
}

void RunLog::step_failed(const StepRef &step, double seconds, const std::string &error,
                         const std::string &sqlstate) {
    Json fields = step_fields(step);
    fields["seconds"] = json_round(seconds, 3);
    fields["error"] = error;
    fields["sqlstate"] = sqlstate.empty() ? Json(nullptr) : Json(sqlstate);
    write("step_failed", fields);
}

void RunLog::step_stopped(const StepRef &step, const std::string &error) {
    Json fields = step_fields(step);
    fields["error"] = error;
    write("step_stopped", fields);
}

void RunLog::wave_started(const std::string &wave, size_t schemas) {
    write("wave_started", {{"wave", wave}, {"schemas", schemas}});
}

void RunLog::halted(const std::string &why) { write("halted", {{"reason", why}}); }

void RunLog::steered(const std::string &change, const std::string &detail) {
    write(change, {{"detail", detail}});
}

void RunLog::node_lost(const std::string &node, const std::string &problem) {
    write("node_lost", {{"node", node}, {"problem", problem}});
}

void RunLog::interrupted() { write("interrupted", Json::object()); }

std::string metrics_path_problem(const std::string &path) {
    const std::string dir = directory_of(path);
    if (!std::filesystem::is_directory(dir)) return "--metrics " + path + ": no directory " + dir;
    if (access(dir.c_str(), W_OK) != 0)
        return "--metrics " + path + ": " + dir + ": " + std::strerror(errno);
    return "";
}

std::string write_metrics(const std::string &path, const RunSummary &summary, int exit_code,
                          const std::vector<std::string> &nodes) {
    const std::pair<std::string, std::string> command{"command", summary.command};
    std::map<std::string, size_t> failed_on;
    for (const SchemaError &error : summary.drive.errors) ++failed_on[error.node];
    Metric done{"shoal_run_steps_done",
                "Versions the last run applied (undid) on the node, confirmed durable.",
                "gauge",
                {}};
    Metric failed{
        "shoal_run_schemas_failed", "Schemas whose chain failed in the last run.", "gauge", {}};
    Metric lost{"shoal_run_node_lost",
                "1 when the node was lost during the last run or could not be reached.",
                "gauge",
                {}};
    for (const std::string &node : nodes) {
        const auto done_here = summary.drive.done_on.find(node);
        const bool was_lost =
            std::count(summary.drive.lost.begin(), summary.drive.lost.end(), node) +
            std::count(summary.unreachable.begin(), summary.unreachable.end(), node);
        done.samples.push_back(
            {{{"node", node}, command},
             static_cast<double>(done_here == summary.drive.done_on.end() ? 0
                                                                          : done_here->second)});
        failed.samples.push_back({{{"node", node}, command}, static_cast<double>(failed_on[node])});
        lost.samples.push_back({{{"node", node}, command}, was_lost ? 1.0 : 0.0});
    }
    const auto one = [&](const char *name, const char *help, double value) {
        return Metric{name, help, "gauge", {{{command}, value}}};
    };
    const std::vector<Metric> metrics = {
        done,
        failed,
        lost,
        one("shoal_run_steps_not_done",
            "Steps the last run planned but did not attempt (failure, cancel, interrupt, lost "
            "node).",
            static_cast<double>(summary.drive.not_done)),
        one("shoal_run_steps_unconfirmed",
            "Steps applied on a node lost before its final durable commit.",
            static_cast<double>(summary.unconfirmed)),
        one("shoal_run_retries", "Lock-timeout retries in the last run.",
            static_cast<double>(summary.retries)),
        one("shoal_run_duration_seconds", "How long the last run took.", summary.seconds),
        one("shoal_run_exit_code", "The last run's exit code (0: complete).", exit_code),
        one("shoal_run_finished_timestamp_seconds", "When the last run ended, Unix time.",
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count()),
    };
    // A name the collector ignores (it reads *.prom) in the same directory, so
    // the rename is atomic and the collector never reads half a file.
    const std::string temporary = path + ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << prometheus_text(metrics);
        out.close();
        if (!out) {
            std::filesystem::remove(temporary);
            return "--metrics " + path + ": cannot write " + temporary;
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        return "--metrics " + path + ": " + error.message();
    }
    return "";
}

}  // namespace shoal::fleet
