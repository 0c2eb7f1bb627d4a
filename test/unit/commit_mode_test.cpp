// Each node's commit mode from the probe's timestamps (commit_mode.h).
#include "commit_mode.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

// Probe marks as the server reports them: each transaction's statement time, then
// the batch's last timestamp.
std::vector<CommitMark> marks(std::initializer_list<std::pair<bool, double>> micros) {
    std::vector<CommitMark> out;
    for (const auto &[synchronous, at] : micros) out.push_back({synchronous, at});
    return out;
}

TEST(WalFlushMicros, CheapestSynchronousCommitMinusCheapestAsynchronousOne) {
    // sync commits take 40, 25; async ones 15, 12: the flush costs 25 - 12.
    const auto flush = wal_flush_micros(
        marks({{true, 1000}, {false, 1040}, {true, 1055}, {false, 1080}, {false, 1092}}));
    ASSERT_TRUE(flush.has_value());
    EXPECT_DOUBLE_EQ(*flush, 13);
}

TEST(WalFlushMicros, NeverNegative) {
    const auto flush = wal_flush_micros(marks({{true, 0}, {false, 10}, {false, 30}}));
    ASSERT_TRUE(flush.has_value());
    EXPECT_DOUBLE_EQ(*flush, 0);
}

TEST(WalFlushMicros, UnknownWithoutACommitOfEachKind) {
    EXPECT_FALSE(wal_flush_micros({}));
    EXPECT_FALSE(wal_flush_micros(marks({{true, 0}, {true, 10}, {false, 30}})))
        << "the last mark is the batch's end, not a commit";
    EXPECT_FALSE(wal_flush_micros(marks({{false, 0}, {false, 10}, {false, 30}})));
}

TEST(CommitsSynchronously, AutoFollowsTheMeasuredFlush) {
    EXPECT_TRUE(commits_synchronously(CommitMode::Auto, 12.0));
    EXPECT_TRUE(commits_synchronously(CommitMode::Auto, kCheapWalFlushMicros));
    EXPECT_FALSE(commits_synchronously(CommitMode::Auto, kCheapWalFlushMicros + 1));
    EXPECT_FALSE(commits_synchronously(CommitMode::Auto, 2000.0));
}

TEST(CommitsSynchronously, AutoWithoutAMeasurementCommitsSynchronously) {
    EXPECT_TRUE(commits_synchronously(CommitMode::Auto, std::nullopt));
}

TEST(CommitsSynchronously, AForcedModeIgnoresTheMeasurement) {
    EXPECT_TRUE(commits_synchronously(CommitMode::Synchronous, 5000.0));
    EXPECT_TRUE(commits_synchronously(CommitMode::Synchronous, std::nullopt));
    EXPECT_FALSE(commits_synchronously(CommitMode::Asynchronous, 1.0));
}

}  // namespace
}  // namespace shoal
