// Prometheus' text exposition format (version 0.0.4), as node_exporter's
// textfile collector reads it: per metric a `# HELP` and a `# TYPE` line, then
// one `name{label="value",...} number` line per sample. Only formatting: which
// figures a run exposes is fleet/run_log.cpp's, writing the file is too.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace shoal {

struct MetricSample {
    std::vector<std::pair<std::string, std::string>> labels;  // name, value (any text)
    double value = 0;
};

struct Metric {
    std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
    std::string help;  // one line
    std::string type;  // gauge, counter
    std::vector<MetricSample> samples;
};

// A label value as the format quotes it: backslash, double quote and line feed
// escaped (\\, \", \n); everything else as it is.
std::string prometheus_label_value(const std::string &value);

// The metrics as one text, each ending in a line feed. A metric without
// samples still gets its HELP and TYPE lines.
std::string prometheus_text(const std::vector<Metric> &metrics);

}  // namespace shoal
