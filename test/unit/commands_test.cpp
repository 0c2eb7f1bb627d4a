// Offline commands in a temporary directory (commands.h).
#include "commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "disk_files.h"
#include "migration_dir.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;

// 2024-01-02 03:04:05 UTC.
const std::time_t kNow = 1704164645;

class CommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root =
            fs::temp_directory_path() /
            ("shoal-commands-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root);
        fs::create_directories(root);
    }
    void TearDown() override { fs::remove_all(root); }
    void touch(const std::string &name) { std::ofstream(root / name) << "SELECT 1;\n"; }
    MigrationDir load() {
        LoadResult r = load_migration_dir(root.string(), DiskFiles());
        EXPECT_TRUE(r.ok());
        return r.dir;
    }
    std::string read(const std::string &name) {
        std::ifstream in(root / name);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    fs::path root;
};

TEST_F(CommandsTest, NewUsesUtcClockAndWritesEmptyPairAndChain) {
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "add-users@sh", kNow, out, err), ExitCode::Ok);
    EXPECT_TRUE(fs::exists(root / "20240102030405.add-users.sh.up.sql"));
    EXPECT_EQ(fs::file_size(root / "20240102030405.add-users.sh.dn.sql"), 0u);
    EXPECT_NE(read("chain.txt").find("(init) -> 20240102030405.add-users.sh  # "),
              std::string::npos);
    EXPECT_EQ(load().versions.size(), 1u);
}

TEST_F(CommandsTest, NewBumpsPastNewestTimestamp) {
    touch("20990101000000.future.sh.up.sql");
    touch("20990101000000.future.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "20990101000100");  // newest + one minute
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "next@sh", kNow, out, err), ExitCode::Ok);
    EXPECT_TRUE(fs::exists(root / "20990101000100.next.sh.up.sql"));
}

TEST_F(CommandsTest, NewBumpsToARealTimeAcrossAnHour) {
    // pg-mig's newest + 60 would give 20991231235959 + 60 = 20991231236019.
    touch("20991231235959.late.sh.up.sql");
    touch("20991231235959.late.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "21000101000059");
}

TEST_F(CommandsTest, NewKeepsPgMigArithmeticPastAStampThatIsNoTime) {
    touch("20991499000000.skewed.sh.up.sql");  // month 14
    touch("20991499000000.skewed.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "20991499000060");
}

TEST_F(CommandsTest, NewValidatesNameAndWarnsOnUnknownPrefix) {
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "Bad.Name@sh", kNow, out, err), ExitCode::Usage);
    EXPECT_EQ(command_new(load(), "ok-name", kNow, out, err), ExitCode::Usage);
    EXPECT_EQ(command_new(load(), "ok@sh.x", kNow, out, err), ExitCode::Usage);
    touch("20240101000000.a.sh.up.sql");
    touch("20240101000000.a.sh.dn.sql");
    std::ostringstream err2;
    EXPECT_EQ(command_new(load(), "b@shard", kNow, out, err2), ExitCode::Ok);
    EXPECT_NE(err2.str().find("warning: no version uses schema prefix \"shard\""),
              std::string::npos);
}

TEST_F(CommandsTest, ChainDigestList) {
    touch("20240101000000.a.sh.up.sql");
    touch("20240101000000.a.sh.dn.sql");
    touch("20240102000000.b.public.up.sql");
    touch("20240102000000.b.public.dn.sql");
    MigrationDir dir = load();
    std::ostringstream out, err;
    EXPECT_EQ(command_chain(dir, out, err), ExitCode::Ok);
    std::string chain = read("chain.txt");
    // Same line format as pg-mig --chain: digest= with the short digest, then one link per line.
    EXPECT_NE(chain.find("\ndigest=20240102000000.b11d4ed91b380448  # IF THERE IS MERGE"),
              std::string::npos);
    EXPECT_NE(chain.find("\n(init) -> 20240101000000.a.sh  # "), std::string::npos);
    EXPECT_NE(chain.find("\n20240101000000.a.sh -> 20240102000000.b.public  # "),
              std::string::npos);
    std::ostringstream digest, list;
    command_digest(dir, digest);
    EXPECT_EQ(digest.str(),
              "20240102000000.b11d4ed91b380448e32ba24dcf30cb8f9d4df9bce4a950cb3cd9853e1fc303ca\n");
    command_list(dir, list);
    EXPECT_EQ(list.str(), "All versions:\n > 20240101000000.a.sh\n > 20240102000000.b.public\n");
}

}  // namespace
}  // namespace shoal
