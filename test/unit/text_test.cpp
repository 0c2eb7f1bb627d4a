// Bytes as text (text.h): what the loader refuses (NUL, invalid UTF-8), how
// names from a database are shown to people, and the cuts reports make.
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

TEST(Printable, PlainNamesAreUnchanged) {
    EXPECT_EQ(printable("sh0001"), "sh0001");
    EXPECT_EQ(printable("20241107201239.add-users.sh"), "20241107201239.add-users.sh");
    EXPECT_EQ(printable("Grüße_表"), "Grüße_表");
}

TEST(Printable, ControlCharactersAreEscapedAndQuoted) {
    EXPECT_EQ(printable("sh0001\nSucceeded"), "\"sh0001\\nSucceeded\"");
    EXPECT_EQ(printable("sh\x1b[2Jx"), "\"sh\\x1b[2Jx\"");
    EXPECT_EQ(printable("a\tb\rc\x7f"), "\"a\\tb\\rc\\x7f\"");
    EXPECT_EQ(printable("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(printable("my schema"), "\"my schema\"");
    EXPECT_EQ(printable(""), "\"\"");
}

TEST(Printable, UnicodeControlsAndBadBytesAreEscaped) {
    EXPECT_EQ(printable("a\xC2\x9B"
                        "b"),
              "\"a\\u009bb\"");  // C1 CSI
    EXPECT_EQ(printable("a\xE2\x80\xAE"
                        "b"),
              "\"a\\u202eb\"");  // right-to-left override
    EXPECT_EQ(printable("a\xE2\x80\xA8"
                        "b"),
              "\"a\\u2028b\"");  // line separator
    EXPECT_EQ(printable("a\xE9"
                        "b"),
              "\"a\\xe9b\"");
}

TEST(Printable, NeverHoldsALineBreakOrEscape) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    const std::string shown = printable(all);
    for (char c : shown) {
        EXPECT_GE(static_cast<unsigned char>(c), 0x20);
        EXPECT_NE(static_cast<unsigned char>(c), 0x7f);
    }
}

TEST(SingleLine, EscapesOnlyWhatIsNotPrintable) {
    EXPECT_EQ(single_line("schema \"sh0901\nSucceeded.\" does not exist"),
              "schema \"sh0901\\nSucceeded.\" does not exist");
    EXPECT_EQ(single_line("a\x1b[2Kb\\c, d"), "a\\x1b[2Kb\\c, d");
    EXPECT_EQ(single_line(""), "");
}

TEST(SplitLines, EveryLineButNoneAfterTheLastNewline) {
    EXPECT_EQ(split_lines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(split_lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
    EXPECT_EQ(split_lines("-- $x=1\r\n"),
              std::vector<std::string>{"-- $x=1\r"});  // \r is the line's
    EXPECT_TRUE(split_lines("").empty());
    EXPECT_EQ(split_lines("\n"), std::vector<std::string>{""});
}

TEST(Trim, WhiteSpaceAtBothEndsOnly) {
    EXPECT_EQ(trim(" \t\r\n\v\fRESET ALL  \n"), "RESET ALL");
    EXPECT_EQ(trim("a  b"), "a  b");
    EXPECT_EQ(trim(" \n "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("x;"), "x;");  // only white space: a statement's text is its own
}

TEST(Shortened, OneLineEachRunOfWhiteSpaceOneSpace) {
    EXPECT_EQ(shortened("CREATE TABLE t (\n    id bigint,\n\tname text\n)", 100),
              "CREATE TABLE t ( id bigint, name text )");
    EXPECT_EQ(shortened("  SELECT 1  ", 100), "SELECT 1");
    EXPECT_EQ(shortened("", 10), "");
}

TEST(Shortened, CutsAfterMaxBytesAndSaysSo) {
    EXPECT_EQ(shortened("0123456789", 10), "0123456789");
    EXPECT_EQ(shortened("0123456789A", 10), "0123456789...");
    EXPECT_EQ(shortened("0123 \n 56789AB", 8), "0123 567...");
}

// A cut inside a character would print a broken UTF-8 sequence.
TEST(Shortened, NeverCutsACharacterInTwo) {
    const std::string text = "COMMENT ON TABLE t IS 'Grüße'";  // ü and ß are two bytes each
    const size_t inside_u = text.find("ü") + 1;
    EXPECT_EQ(shortened(text, inside_u), "COMMENT ON TABLE t IS 'Gr...");
    EXPECT_EQ(shortened("🦈🦈", 6), "🦈...");
    EXPECT_FALSE(find_text_flaw(shortened("表表表表", 7)));
}

// PostgreSQL's quote_literal: a backslash makes an E'' string, whatever
// standard_conforming_strings is; the comments the snapshot reads are so written.
TEST(QuoteLiteral, AsPostgresWritesIt) {
    EXPECT_EQ(quote_literal(""), "''");
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal("a\\b'c"), "E'a\\\\b''c'");
    EXPECT_EQ(quote_literal("line\nnext"), "'line\nnext'");
}

}  // namespace
}  // namespace shoal
