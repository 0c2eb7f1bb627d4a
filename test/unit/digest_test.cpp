// pg-mig's digest format and comparison (digest.h), and the SHA-256 helper.
#include "digest.h"

#include <gtest/gtest.h>

#include "checksum.h"

namespace shoal {
namespace {

// Expected hashes computed outside this code, with coreutils:
//   printf 'hello' | sha256sum
//   printf '' | sha256sum
//   printf '20240101000000.a.sh\n20240102000000.b.public' | sha256sum
// (pg-mig hashes the sorted names joined by "\n", without a trailing newline).
const char *const kHelloSha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const char *const kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const char *const kTwoSha = "b11d4ed91b380448e32ba24dcf30cb8f9d4df9bce4a950cb3cd9853e1fc303ca";

TEST(Checksum, Sha256MatchesCoreutils) {
    EXPECT_EQ(sha256_hex("hello"), kHelloSha);
    EXPECT_EQ(sha256_hex(""), kEmptySha);
}

TEST(Digest, EqualsPgMigForFixedList) {
    // Given unsorted: pg-mig sorts before hashing; the timestamp is the last one's.
    EXPECT_EQ(digest_of({"20240102000000.b.public", "20240101000000.a.sh"}),
              std::string("20240102000000.") + kTwoSha);
}

TEST(Digest, EmptyDirectoryIsZero) { EXPECT_EQ(digest_of({}), std::string("0.") + kEmptySha); }

TEST(Digest, ShortFormCutsHashTo16) {
    MigrationDir dir;
    Version a, b;
    a.name = "20240101000000.a.sh";
    b.name = "20240102000000.b.public";
    dir.versions = {a, b};
    EXPECT_EQ(short_code_digest(dir), std::string("20240102000000.") + std::string(kTwoSha, 16));
    EXPECT_EQ(code_digest(dir), std::string("20240102000000.") + kTwoSha);
}

// pg-mig's own Registry.test.ts cases for chooseBestDigest.
TEST(Digest, ChooseBestDigestAsPgMig) {
    EXPECT_EQ(choose_best_digest({}), "0");
    EXPECT_EQ(choose_best_digest({"1.deadbeef", "2.deadbeef"}), "2.deadbeef");
    EXPECT_EQ(choose_best_digest({"before-undo", "2.deadbeef", "after-undo"}), "2.deadbeef");
    EXPECT_EQ(choose_best_digest({"before-undo", "after-undo"}), "0.after-undo");
    EXPECT_EQ(choose_best_digest({"2.deadbeef", "3.deadbeef", "1.deadbeef"}), "3.deadbeef");
}

TEST(Digest, CheckComparesLexicographically) {
    std::string code = digest_of({"20240101000000.a.sh", "20240102000000.b.public"});
    EXPECT_TRUE(digest_satisfies(code, code));
    EXPECT_TRUE(digest_satisfies("20240103000000.0000", code));
    EXPECT_FALSE(digest_satisfies("20240101000000.ffff", code));
    EXPECT_FALSE(digest_satisfies("0.after-undo", code));
    EXPECT_FALSE(digest_satisfies("0", code));
}

TEST(Digest, CheckTreatsAnUndoMarkerAsBehindEveryCode) {
    // pg-mig stores "before-undo"/"after-undo" during an undo; "a…" > "2…" as text.
    std::string code = digest_of({"20240101000000.a.sh"});
    EXPECT_FALSE(digest_satisfies("after-undo", code));
    EXPECT_FALSE(digest_satisfies("before-undo", code));
}

}  // namespace
}  // namespace shoal
