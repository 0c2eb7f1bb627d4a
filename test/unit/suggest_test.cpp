// "Did you mean …?" (suggest.h).
#include "suggest.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

const std::vector<std::string> kCommands = {"apply", "undo", "status", "check", "chain", "list"};

TEST(Suggest, TyposFindTheirWord) {
    EXPECT_EQ(closest_word("aply", kCommands), "apply");
    EXPECT_EQ(closest_word("stauts", kCommands), "status");  // a swap is one edit
    EXPECT_EQ(closest_word("chian", kCommands), "chain");
    EXPECT_EQ(closest_word("undoo", kCommands), "undo");
}

TEST(Suggest, APrefixOfOneWordIsThatWord) {
    EXPECT_EQ(closest_word("--can", {"--canary", "--chain", "--check"}), "--canary");
    // Two words begin so: only an edit-distance match counts, and there is none.
    EXPECT_EQ(closest_word("ch", kCommands), std::nullopt);
}

TEST(Suggest, NothingCloseIsNoSuggestion) {
    EXPECT_EQ(closest_word("frobnicate", kCommands), std::nullopt);
    EXPECT_EQ(closest_word("", kCommands), std::nullopt);
    EXPECT_EQ(closest_word("apply", kCommands), std::nullopt);  // nothing to correct
    EXPECT_EQ(did_you_mean("xyz", kCommands), "");
    EXPECT_EQ(did_you_mean("lsit", kCommands), " (did you mean `list`?)");
}

}  // namespace
}  // namespace shoal
