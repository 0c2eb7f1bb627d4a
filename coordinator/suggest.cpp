// Suggestions for mistyped words (suggest.h): optimal string alignment
// distance, a Levenshtein distance that counts a swap of neighbours as one edit,
// the typo people make most.
#include "suggest.h"

#include <algorithm>

namespace shoal {
namespace {

size_t edit_distance(const std::string &a, const std::string &b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t replace = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, replace});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> closest_word(const std::string &typed,
                                        const std::vector<std::string> &candidates) {
    if (typed.empty()) return std::nullopt;
    std::vector<std::string> extending;
    for (const std::string &candidate : candidates)
        if (candidate.size() > typed.size() && candidate.compare(0, typed.size(), typed) == 0)
            extending.push_back(candidate);
    if (extending.size() == 1) return extending[0];

    std::optional<std::string> best;
    size_t best_distance = 0;
    for (const std::string &candidate : candidates) {
        const size_t distance = edit_distance(typed, candidate);
        const size_t allowed = std::max<size_t>(1, std::max(typed.size(), candidate.size()) / 3);
        if (distance == 0 || distance > allowed) continue;
        if (!best || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string did_you_mean(const std::string &typed, const std::vector<std::string> &candidates) {
    std::optional<std::string> word = closest_word(typed, candidates);
    return word ? " (did you mean `" + *word + "`?)" : "";
}

}  // namespace shoal
