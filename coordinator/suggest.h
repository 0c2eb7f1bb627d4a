// "Did you mean …?" for what people mistype on the command line and in
// shoal.ini: the known word nearest to the one typed. Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace shoal {

// The candidate `typed` most likely meant: the one it begins (`can` → `canary`,
// when only one candidate begins so), else the one fewest edits away (insert,
// delete, replace, swap two neighbours), if that is close enough to be a typo:
// at most a third of the longer word's letters, and at least one. nullopt when
// nothing is that close, so a suggestion is never a wild guess.
std::optional<std::string> closest_word(const std::string &typed,
                                        const std::vector<std::string> &candidates);

// " (did you mean `WORD`?)" for the closest_word, "" when there is none: what
// an error message about an unknown word ends with.
std::string did_you_mean(const std::string &typed, const std::vector<std::string> &candidates);

}  // namespace shoal
