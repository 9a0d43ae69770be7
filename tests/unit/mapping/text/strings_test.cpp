// mapping/text/strings: the plain-text helpers every layer uses.

#include "mapping/text/strings.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping::text {
namespace {

TEST(Strings, TrimsAsciiWhitespaceOrTheCharactersGiven) {
  EXPECT_EQ(trimAscii(" \t\r\n値 \n"), "値");
  EXPECT_EQ(trimAscii(" \t "), "");
  EXPECT_EQ(trimAscii(""), "");
  EXPECT_EQ(trimAscii(" a\tb\n", " \t"), "a\tb\n");          // HTTP's optional whitespace only
  EXPECT_EQ(trimAscii("\u3000名\u3000"), "\u3000名\u3000");  // ASCII only
}

TEST(Strings, TrimsTypedTextOfIdeographicSpacesToo) {
  EXPECT_EQ(trimmed("\u3000 名前 \n"), "名前");
  EXPECT_EQ(trimmed("\u3000\u3000"), "");
  EXPECT_EQ(trimmed("佐藤\u3000太郎"), "佐藤\u3000太郎");  // inside stays
}

TEST(Strings, CutsToCharactersWithAnEllipsis) {
  EXPECT_EQ(cutToCharacters("あいうえお", 5), "あいうえお");
  EXPECT_EQ(cutToCharacters("あいうえお", 3), "あい…");
  EXPECT_EQ(cutToCharacters("abcdef", 1), "…");
}

TEST(Strings, QuotesAValueCutToItsLimit) {
  EXPECT_EQ(quoteForMessage("柏木"), "'柏木'");
  EXPECT_EQ(quoteForMessage(std::string(100, 'x'), 3), "'xxx…'");
  EXPECT_EQ(quoteForMessage("あいうえお", 2), "'あい…'");
}

TEST(Strings, EscapesMarkupCharacters) {
  EXPECT_EQ(escapeHtml(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escapeHtml("柏市\n"), "柏市\n");
}

TEST(Strings, WritesThousandsSeparators) {
  EXPECT_EQ(withThousands(0), "0");
  EXPECT_EQ(withThousands(999), "999");
  EXPECT_EQ(withThousands(16777216), "16,777,216");
}

}  // namespace
}  // namespace tsunagi::mapping::text
