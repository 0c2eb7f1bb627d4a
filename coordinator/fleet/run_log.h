// What a run did, for machines. `--log-json FILE`: one JSON object per line
// per event (docs/json.md, "The run log"), appended and flushed line by line, so
// a log shipper tailing the file sees each event as it happens, an interrupted
// run's included. `--metrics FILE`: the run's figures in Prometheus' text
// format (prometheus.h), written once at its end through a temporary file and
// a rename, as node_exporter's textfile collector requires. The driver and the
// run report events through RunObserver as they arise; nothing here decides
// anything about the run.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json.h"

namespace shoal::fleet {

struct RunSummary;  // fleet/summary.h, which includes driver.h, which includes this

// One step of a chain: which node, schema and version.
struct StepRef {
    const std::string &node;
    const std::string &schema;
    const std::string &version;
};

// The events of a run, in the order they happen.
class RunObserver {
  public:
    virtual ~RunObserver() = default;
    virtual void step_started(const StepRef &step) = 0;
    virtual void step_finished(const StepRef &step, double seconds) = 0;
    // A lock timeout (or deadlock): attempt `attempt` of `retries` after `wait_ms`.
    virtual void step_retried(const StepRef &step, int attempt, int retries, long wait_ms,
                              const std::string &error) = 0;
    virtual void step_failed(const StepRef &step, double seconds, const std::string &error,
                             const std::string &sqlstate) = 0;
    // Rolled back because the run is stopping (interrupt, cancel): not the schema's failure.
    virtual void step_stopped(const StepRef &step, const std::string &error) = 0;
    virtual void wave_started(const std::string &wave, size_t schemas) = 0;
    virtual void halted(const std::string &why) = 0;
    // "paused", "resumed", "cancelled"; `detail`: the sentence the run prints
    // ("paused by ROLE on NODE: REASON").
    virtual void steered(const std::string &change, const std::string &detail) = 0;
    virtual void node_lost(const std::string &node, const std::string &problem) = 0;
    virtual void interrupted() = 0;
};

// The --log-json file. Without one (open() never called) every event is dropped.
class RunLog : public RunObserver {
  public:
    // Opens `path` for appending; false, with the reason in `error`, when it cannot.
    bool open(const std::string &path, std::string &error);

    void run_started(const std::string &command, const std::vector<std::string> &nodes,
                     size_t steps);
    void run_finished(const RunSummary &summary, int exit_code);
    // How a node's steps commit (commit_mode.h); flush_micros as measured, if it was.
    void commit_mode(const std::string &node, bool synchronous, std::optional<double> flush_micros);

    void step_started(const StepRef &step) override;
    void step_finished(const StepRef &step, double seconds) override;
    void step_retried(const StepRef &step, int attempt, int retries, long wait_ms,
                      const std::string &error) override;
    void step_failed(const StepRef &step, double seconds, const std::string &error,
                     const std::string &sqlstate) override;
    void step_stopped(const StepRef &step, const std::string &error) override;
    void wave_started(const std::string &wave, size_t schemas) override;
    void halted(const std::string &why) override;
    void steered(const std::string &change, const std::string &detail) override;
    void node_lost(const std::string &node, const std::string &problem) override;
    void interrupted() override;

  private:
    // Writes {"time", "event", "run", ...fields} as one line and flushes it.
    void write(const std::string &event, const Json &fields);

    std::unique_ptr<std::FILE, int (*)(std::FILE *)> file_{nullptr, &std::fclose};
};

// Whether `path` can be written as a metrics file: its directory exists and
// is writable (the file is replaced by a rename). "" when it can, else why not.
std::string metrics_path_problem(const std::string &path);

// The run's figures (docs/operators.md, "Metrics") for `nodes` (every node
// listed, reached or not), written to `path` atomically; "" on success, else
// why not.
std::string write_metrics(const std::string &path, const RunSummary &summary, int exit_code,
                          const std::vector<std::string> &nodes);

}  // namespace shoal::fleet
