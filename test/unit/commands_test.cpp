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

// pg-mig's actionMake: when the clock is not past the newest version (a
// string comparison), String(Number(newest) + 60), which need not be a real
// time. shoal names what pg-mig names, so both tools agree on the chain.
TEST_F(CommandsTest, NewBumpsPastAFutureNewestAsPgMigDoes) {
    touch("20990101000000.future.sh.up.sql");
    touch("20990101000000.future.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "20990101000060");
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "next@sh", kNow, out, err), ExitCode::Ok);
    EXPECT_TRUE(fs::exists(root / "20990101000060.next.sh.up.sql"));
}

TEST_F(CommandsTest, NewAddsSixtyAsANumberAcrossAnHourAsPgMigDoes) {
    touch("20991231235959.late.sh.up.sql");
    touch("20991231235959.late.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "20991231236019");
}

TEST_F(CommandsTest, NewKeepsPgMigArithmeticPastAStampThatIsNoTime) {
    touch("20991499000000.skewed.sh.up.sql");  // month 14
    touch("20991499000000.skewed.sh.dn.sql");
    EXPECT_EQ(next_timestamp(load(), kNow), "20991499000060");
}

// Where pg-mig's name would not be the newest version (newest + 60 gains a
// digit and sorts first; a number beyond JavaScript's exact integers), shoal
// names nothing and says why, instead of creating a version in the middle.
TEST_F(CommandsTest, NewRefusesWhenPgMigsNameWouldNotBeTheNewest) {
    touch("99999999999999.last.sh.up.sql");
    touch("99999999999999.last.sh.dn.sql");
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "next@sh", kNow, out, err), ExitCode::Usage);
    EXPECT_NE(err.str().find("would not sort after"), std::string::npos) << err.str();
    EXPECT_FALSE(fs::exists(root / "100000000000059.next.sh.up.sql"));
}

TEST_F(CommandsTest, NewRefusesATimestampBeyondExactArithmetic) {
    touch("923456789012345678901234.huge.sh.up.sql");
    touch("923456789012345678901234.huge.sh.dn.sql");
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "next@sh", kNow, out, err), ExitCode::Usage);
    EXPECT_NE(err.str().find("digits"), std::string::npos) << err.str();
}

// pg-mig accepts any prefix its file-name regex reads back ([^.]+): a dash
// or an upper-case letter too.
TEST_F(CommandsTest, NewAcceptsEveryPrefixPgMigReadsBack) {
    std::ostringstream out, err;
    EXPECT_EQ(command_new(load(), "a@my-shard", kNow, out, err), ExitCode::Ok) << err.str();
    EXPECT_TRUE(fs::exists(root / "20240102030405.a.my-shard.up.sql"));
    EXPECT_EQ(command_new(load(), "b@Sh", kNow, out, err), ExitCode::Ok) << err.str();
    std::ostringstream err2;
    EXPECT_EQ(command_new(load(), "c@sh/x", kNow, out, err2), ExitCode::Usage);
    EXPECT_NE(err2.str().find("/"), std::string::npos);
    std::ostringstream err3;
    EXPECT_EQ(command_new(load(), "d@sh@x", kNow, out, err3), ExitCode::Usage);
    EXPECT_NE(err3.str().find("one @"), std::string::npos) << err3.str();
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

// --json: what new did, or why not, in the envelope (docs/json.md).
TEST_F(CommandsTest, NewAsJson) {
    const WriteResult made = make_version(load(), "add-users@sh", kNow);
    const Json done = json_of_write("new", made);
    EXPECT_EQ(done["command"], "new");
    EXPECT_EQ(done["exit_code"], 0);
    EXPECT_EQ(done["version"], "20240102030405.add-users.sh");
    EXPECT_EQ(done["written"].size(), 3u);
    EXPECT_EQ(done["warnings"].size(), 0u);
    const Json refused = json_of_write("new", make_version(load(), "Bad@sh", kNow));
    EXPECT_EQ(refused["exit_code"], 2);
    EXPECT_TRUE(refused["version"].is_null());
    EXPECT_EQ(refused["written"].size(), 0u);
    EXPECT_EQ(refused["errors"][0]["message"].get<std::string>().rfind("NAME must be", 0), 0u);
    const Json warned = json_of_write("new", make_version(load(), "b@shard", kNow + 60));
    EXPECT_NE(warned["warnings"][0]["message"].get<std::string>().find("\"shard\""),
              std::string::npos);
}

// Issue 18, item 10: CI can ask whether chain.txt is current; nothing is written.
TEST_F(CommandsTest, ChainCheckSaysWhetherChainTxtIsCurrent) {
    touch("20240101000000.a.sh.up.sql");
    touch("20240101000000.a.sh.dn.sql");
    std::ostringstream out, err;
    EXPECT_EQ(command_chain_check(load(), out, err), ExitCode::NotUpToDate);
    EXPECT_NE(err.str().find("chain.txt is missing"), std::string::npos) << err.str();
    EXPECT_FALSE(fs::exists(root / "chain.txt"));
    command_chain(load(), out, err);
    EXPECT_EQ(command_chain_check(load(), out, err), ExitCode::Ok);
    touch("20240102000000.b.sh.up.sql");
    touch("20240102000000.b.sh.dn.sql");
    const std::string before = read("chain.txt");
    std::ostringstream stale;
    EXPECT_EQ(command_chain_check(load(), out, stale), ExitCode::NotUpToDate);
    EXPECT_NE(stale.str().find("chain.txt is stale"), std::string::npos) << stale.str();
    EXPECT_EQ(read("chain.txt"), before);
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
