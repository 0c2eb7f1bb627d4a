// Bytes as text (text.h): what the loader refuses (NUL, invalid UTF-8).
#include "text.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

TEST(TextFlaw, CleanTextHasNone) {
    EXPECT_FALSE(find_text_flaw(""));
    EXPECT_FALSE(find_text_flaw("CREATE TABLE t (id bigint);\n-- Grüße, 表, 🦈\n"));
}

TEST(TextFlaw, NulInACommentIsFoundWithLineAndColumn) {
    const std::string text = std::string("SELECT 1;\n-- a comment \0 here\nDROP TABLE t;\n", 44);
    std::optional<TextFlaw> flaw = find_text_flaw(text);
    ASSERT_TRUE(flaw);
    EXPECT_EQ(flaw->line, 2);
    EXPECT_EQ(flaw->column, 14);
    EXPECT_NE(flaw->what.find("NUL"), std::string::npos);
}

TEST(TextFlaw, InvalidUtf8IsFoundWithItsBytes) {
    std::optional<TextFlaw> flaw = find_text_flaw("SELECT 1;\nSELECT 'caf\xE9';\n");  // Latin-1 é
    ASSERT_TRUE(flaw);
    EXPECT_EQ(flaw->line, 2);
    EXPECT_EQ(flaw->column, 12);
    EXPECT_NE(flaw->what.find("not valid UTF-8"), std::string::npos);
    EXPECT_NE(flaw->what.find("0xE9"), std::string::npos);
}

TEST(TextFlaw, PostgresqlsUtf8Rules) {
    for (const char *bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                            "\xF8\x88\x80\x80\x80", "\x80", "\xE2\x82"}) {
        EXPECT_TRUE(find_text_flaw(std::string("x") + bad + "y")) << bad;
    }
    EXPECT_FALSE(find_text_flaw("\xC2\xA9 \xE2\x82\xAC \xF0\x9F\xA6\x88 \xF4\x8F\xBF\xBF"));
}

}  // namespace
}  // namespace shoal
