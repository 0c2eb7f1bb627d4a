// Prometheus' text format (prometheus.h): label values escaped as the format
// requires, whatever a node's name holds, and the HELP/TYPE/sample layout.
#include "prometheus.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

TEST(Prometheus, LabelValuesEscapeBackslashQuoteAndLineFeed) {
    EXPECT_EQ(prometheus_label_value("h1:5432/app"), "h1:5432/app");
    EXPECT_EQ(prometheus_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(prometheus_label_value("tab\there"), "tab\there");  // the format escapes no more
}

TEST(Prometheus, EachMetricHasHelpTypeAndItsSamples) {
    const std::vector<Metric> metrics = {
        {"shoal_steps",
         "Steps.\nDone",
         "gauge",
         {{{{"node", "n\"1"}, {"command", "apply"}}, 3}, {{{"node", "n2"}}, 0.25}}},
        {"shoal_exit_code", "Exit code.", "gauge", {{{}, 130}}},
        {"shoal_empty", "No samples.", "gauge", {}},
    };
    EXPECT_EQ(prometheus_text(metrics),
              "# HELP shoal_steps Steps.\\nDone\n"
              "# TYPE shoal_steps gauge\n"
              "shoal_steps{node=\"n\\\"1\",command=\"apply\"} 3\n"
              "shoal_steps{node=\"n2\"} 0.25\n"
              "# HELP shoal_exit_code Exit code.\n"
              "# TYPE shoal_exit_code gauge\n"
              "shoal_exit_code 130\n"
              "# HELP shoal_empty No samples.\n"
              "# TYPE shoal_empty gauge\n");
}

}  // namespace
}  // namespace shoal
