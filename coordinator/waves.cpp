// Splitting a plan into a canary and waves, and the --max-failures arithmetic.
// Builds numbers and labels only; the driver runs the waves.
#include "waves.h"

#include <algorithm>
#include <regex>
#include <sstream>

namespace shoal {

std::optional<FailureLimit> parse_failure_limit(const std::string &text, std::string &error) {
    static const std::regex form(R"(^(\d{1,9})(%?)$)");
    std::smatch match;
    if (!std::regex_match(text, match, form)) {
        error = "--max-failures takes a number of schemas (5) or a percentage (2%), not \"" + text +
                "\"";
        return std::nullopt;
    }
    FailureLimit limit{std::stol(match[1]), match[2].length() > 0};
    if (limit.percent && limit.count > 100) {
        error = "--max-failures takes a percentage up to 100%, not " + text;
        return std::nullopt;
    }
    return limit;
}

std::vector<int> parse_wave_percents(const std::string &text, std::string &error) {
    std::vector<int> percents;
    std::stringstream list(text);
    std::string item;
    static const std::regex number(R"(^\s*(\d{1,3})%?\s*$)");
    while (std::getline(list, item, ',')) {
        std::smatch match;
        const int value = std::regex_match(item, match, number) ? std::stoi(match[1]) : -1;
        if (value < 1 || value > 100 || (!percents.empty() && value <= percents.back())) {
            error = "--waves takes ascending percentages from 1 to 100, like 1,10,50,100, not \"" +
                    text + "\"";
            return {};
        }
        percents.push_back(value);
    }
    if (percents.empty()) {
        error = "--waves takes ascending percentages from 1 to 100, like 1,10,50,100";
        return {};
    }
    if (percents.back() != 100) percents.push_back(100);
    return percents;
}

bool exceeds(const FailureLimit &limit, size_t failed, size_t ran) {
    if (!limit.percent) return failed > static_cast<size_t>(limit.count);
    return failed * 100 > static_cast<size_t>(limit.count) * ran;
}

Waves plan_waves(const Plan &plan, const WaveOptions &options) {
    Waves waves;
    // Round-robin: the r-th schema of every node before the (r+1)-th of any.
    std::vector<std::pair<size_t, size_t>> order;
    size_t rounds = 0;
    for (const NodePlan &node : plan.nodes) rounds = std::max(rounds, node.schemas.size());
    for (size_t r = 0; r < rounds; ++r)
        for (size_t n = 0; n < plan.nodes.size(); ++n)
            if (r < plan.nodes[n].schemas.size()) order.emplace_back(n, r);
    const size_t total = order.size();
    // Named canaries go first, in the same round-robin order.
    const auto named = std::stable_partition(order.begin(), order.end(), [&](const auto &at) {
        const std::string &schema = plan.nodes[at.first].schemas[at.second].schema;
        return std::find(options.canary_schemas.begin(), options.canary_schemas.end(), schema) !=
               options.canary_schemas.end();
    });

    // Wave boundaries as positions in `order`, each with its label.
    std::vector<std::pair<size_t, std::string>> ends;
    if (options.canary > 0 || !options.canary_schemas.empty()) {
        const size_t size = options.canary_schemas.empty()
                                ? std::min<size_t>(options.canary, total)
                                : static_cast<size_t>(named - order.begin());
        ends.emplace_back(size, "canary");
        waves.has_canary = true;
    }
    for (size_t k = 0; k < options.percents.size(); ++k) {
        const size_t target = (total * options.percents[k] + 99) / 100;
        ends.emplace_back(target, "wave " + std::to_string(k + 1) + " (" +
                                      std::to_string(options.percents[k]) + "%)");
    }
    if (ends.empty() || ends.back().first < total)
        ends.emplace_back(total, ends.empty() ? "all" : "the rest");

    waves.of.resize(plan.nodes.size());
    for (size_t n = 0; n < plan.nodes.size(); ++n) waves.of[n].resize(plan.nodes[n].schemas.size());
    size_t start = 0;
    for (const auto &[end, label] : ends) {
        if (end <= start) {
            if (label == "canary") waves.has_canary = false;
            continue;
        }
        for (size_t i = start; i < end; ++i)
            waves.of[order[i].first][order[i].second] = waves.labels.size();
        waves.labels.push_back(label);
        waves.sizes.push_back(end - start);
        start = end;
    }
    return waves;
}

}  // namespace shoal
