// Prometheus' text format: escaping and layout, nothing else.
#include "prometheus.h"

#include <cmath>
#include <sstream>

namespace shoal {

namespace {

// HELP text escapes only backslash and line feed.
std::string help_text_of(const std::string &help) {
    std::string out;
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// Integers as integers; other values with enough digits to read back the same.
std::string number_text(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    std::ostringstream out;
    out.precision(17);
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        out << static_cast<long long>(value);
    else
        out << value;
    return out.str();
}

}  // namespace

std::string prometheus_label_value(const std::string &value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string prometheus_text(const std::vector<Metric> &metrics) {
    std::string out;
    for (const Metric &metric : metrics) {
        out += "# HELP " + metric.name + " " + help_text_of(metric.help) + "\n";
        out += "# TYPE " + metric.name + " " + metric.type + "\n";
        for (const MetricSample &sample : metric.samples) {
            out += metric.name;
            if (!sample.labels.empty()) {
                out += "{";
                for (size_t i = 0; i < sample.labels.size(); ++i)
                    out += (i ? "," : "") + sample.labels[i].first + "=\"" +
                           prometheus_label_value(sample.labels[i].second) + "\"";
                out += "}";
            }
            out += " " + number_text(sample.value) + "\n";
        }
    }
    return out;
}

}  // namespace shoal
