// status's last run (last_run.h): a run that did not succeed on the whole fleet
// never reads as a success, a narrowed run says what it covered, a run nobody
// closed says so, and every field is in the JSON.
#include "last_run.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

LastRun closed(const std::string &outcome, long long done, long long failed) {
    LastRun run;
    run.outcome = outcome;
    run.command = "apply";
    run.role = "alice";
    run.started_at = "2026-12-02T03:09:47.700Z";
    run.finished_at = "2026-12-02T03:10:00.000Z";
    run.seconds = 12.3;
    run.steps_done = done;
    run.steps_failed = failed;
    run.digest_stored = outcome == "succeeded";
    return run;
}

TEST(LastRunTest, OutcomeFollowsTheExitCode) {
    EXPECT_EQ(run_outcome(ExitCode::Ok), "succeeded");
    EXPECT_EQ(run_outcome(ExitCode::Cancelled), "cancelled");
    EXPECT_EQ(run_outcome(ExitCode::Interrupted), "interrupted");
    // A failure on another node, a lost node, a plan error: the run failed everywhere.
    EXPECT_EQ(run_outcome(ExitCode::MigrationFailed), "failed");
    EXPECT_EQ(run_outcome(ExitCode::Unreachable), "failed");
    EXPECT_EQ(run_outcome(ExitCode::BadMigrations), "failed");
}

TEST(LastRunTest, ASuccessSaysItsDurationTimeRoleStepsAndDigest) {
    EXPECT_EQ(format_last_run(closed("succeeded", 1200, 0)),
              "succeeded in 12.3 s at 2026-12-02T03:10:00.000Z by alice (apply, 1 200 steps, "
              "digest stored)");
    LastRun one = closed("succeeded", 1, 0);
    one.seconds = 125.4;
    EXPECT_EQ(format_last_run(one),
              "succeeded in 2 min 5 s at 2026-12-02T03:10:00.000Z by alice (apply, 1 step, digest "
              "stored)");
}

TEST(LastRunTest, AFailureElsewhereIsNoSuccessHere) {
    EXPECT_EQ(format_last_run(closed("failed", 12, 0)),
              "failed in 12.3 s at 2026-12-02T03:10:00.000Z by alice (apply, 12 steps, none "
              "failed on this node, digest not stored)");
    EXPECT_EQ(format_last_run(closed("failed", 10, 2)),
              "failed in 12.3 s at 2026-12-02T03:10:00.000Z by alice (apply, 10 steps, 2 failed "
              "on this node, digest not stored)");
}

TEST(LastRunTest, ANarrowedRunSaysWhatItCovered) {
    LastRun run = closed("succeeded", 2, 0);
    run.scope = "--schemas sh1*";
    run.digest_stored = false;
    EXPECT_EQ(format_last_run(run),
              "succeeded for --schemas sh1* only in 12.3 s at 2026-12-02T03:10:00.000Z by alice "
              "(apply, 2 steps, digest not stored)");
    Targeting target;
    EXPECT_EQ(run_scope(target), "");
    std::string error;
    target.schemas = *parse_schema_patterns({"sh1*,sh0002"}, error);
    target.to = "20250101000002.b.sh";
    target.node_subset = true;
    EXPECT_EQ(run_scope(target), "--schemas sh1*,sh0002 --to 20250101000002.b.sh --nodes");
}

TEST(LastRunTest, ARunNobodyClosedSaysWhenItStarted) {
    LastRun run;
    run.outcome = "did not finish";
    run.command = "undo";
    run.role = "bob";
    run.started_at = "2026-12-02T03:09:47.700Z";
    EXPECT_EQ(format_last_run(run),
              "did not finish: started 2026-12-02T03:09:47.700Z by bob (undo), its session ended "
              "without closing the run (killed or crashed)");
    run.outcome = "running";
    EXPECT_EQ(format_last_run(run), "running since 2026-12-02T03:09:47.700Z by bob (undo)");
}

TEST(LastRunTest, HostileNamesStayOnTheirLine) {
    LastRun run = closed("succeeded", 1, 0);
    run.role = "eve\nlast run: succeeded";
    run.scope = "--schemas a\nlast run: succeeded";
    EXPECT_EQ(format_last_run(run).find('\n'), std::string::npos);
}

TEST(LastRunTest, EveryFieldIsInTheJsonNullWhereUnknown) {
    EXPECT_EQ(json_text(json_last_run(closed("failed", 10, 2))),
              R"({"outcome":"failed","command":"apply","scope":null,"role":"alice",)"
              R"("started_at":"2026-12-02T03:09:47.700Z","finished_at":"2026-12-02T03:10:00.000Z",)"
              R"("seconds":12.3,"steps_done":10,"steps_failed":2,"digest_stored":false})");
    LastRun open;
    open.outcome = "did not finish";
    open.command = "apply";
    open.role = "alice";
    open.started_at = "2026-12-02T03:09:47.700Z";
    EXPECT_EQ(json_text(json_last_run(open)),
              R"({"outcome":"did not finish","command":"apply","scope":null,"role":"alice",)"
              R"("started_at":"2026-12-02T03:09:47.700Z","finished_at":null,"seconds":null,)"
              R"("steps_done":null,"steps_failed":null,"digest_stored":null})");
}

}  // namespace
}  // namespace shoal
