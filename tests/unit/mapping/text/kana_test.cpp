#include "mapping/text/kana.hpp"

#include <gtest/gtest.h>

#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::text {
namespace {

TEST(Kana, HiraganaBecomesKatakana) {
  EXPECT_EQ(hiraganaToKatakana("さとう たろう"), "サトウ タロウ");
  EXPECT_EQ(hiraganaToKatakana("ぁゖゝゞゔ"), "ァヶヽヾヴ");
  EXPECT_EQ(hiraganaToKatakana("佐藤 ABC"), "佐藤 ABC");
}

TEST(Kana, KatakanaBecomesHiraganaExceptTheFormsHiraganaLacks) {
  EXPECT_EQ(katakanaToHiragana("サトウ ヽヾ ヶ"), "さとう ゝゞ ゖ");
  EXPECT_EQ(katakanaToHiragana("ヷヺ"), "ヷヺ");
}

TEST(Kana, EveryKanaSurvivesARoundTrip) {
  for (char32_t c = 0x3041; c <= 0x3096; ++c) {
    const std::string hiragana = encodeUtf8(c);
    EXPECT_EQ(katakanaToHiragana(hiraganaToKatakana(hiragana)), hiragana) << codePointLabel(c);
  }
}

TEST(FoldForMatching, WidthScriptAndSpacingDoNotMatter) {
  const std::string key = foldForMatching("サトウタロウ");
  EXPECT_EQ(key, "サトウタロウ");
  EXPECT_EQ(foldForMatching("ｻﾄｳ ﾀﾛｳ"), key);
  EXPECT_EQ(foldForMatching("さとう　たろう"), key);
  EXPECT_EQ(foldForMatching("サトウ・タロウ"), key);
}

TEST(FoldForMatching, SmallKanaMatchTheUpperCaseOnlyFormsOfBillingSystems) {
  EXPECT_EQ(foldForMatching("キャシー"), foldForMatching("キヤシ"));
  EXPECT_EQ(foldForMatching("ハッタ"), foldForMatching("ハツタ"));
  EXPECT_EQ(foldForMatching("ァィゥェォッャュョヮヵヶ"), "アイウエオツヤユヨワカケ");
}

TEST(FoldForMatching, VuIsTheBRowOfSystemsWithoutIt) {
  EXPECT_EQ(foldForMatching("ヴィクトリア"), foldForMatching("ビクトリア"));
  EXPECT_EQ(foldForMatching("ヴァ ヴィ ヴゥ ヴェ ヴォ ヴ"), "バビブベボブ");
  EXPECT_EQ(foldForMatching("ｳﾞｧｲｵﾘﾝ"), "バイオリン");
  EXPECT_EQ(foldForMatching("ヷヸヹヺ"), "バビベボ");
}

TEST(FoldForMatching, SameSoundKanaAreOne) {
  EXPECT_EQ(foldForMatching("ツヅキ"), foldForMatching("つずき"));
  EXPECT_EQ(foldForMatching("チヂミ"), foldForMatching("チジミ"));
  EXPECT_EQ(foldForMatching("カヲル"), foldForMatching("カオル"));
  EXPECT_EQ(foldForMatching("ヰヱ"), "イエ");
}

TEST(FoldForMatching, LongVowelMarksAndDashesAreDropped) {
  const std::string key = foldForMatching("サト");
  EXPECT_EQ(foldForMatching("サトー"), key);
  EXPECT_EQ(foldForMatching("ｻﾄｰ"), key);
  EXPECT_EQ(foldForMatching("サト－"), key);
  EXPECT_EQ(foldForMatching("サト-"), key);
}

TEST(FoldForMatching, RomajiIsUpperCase) {
  EXPECT_EQ(foldForMatching("Sato Taro"), "SATOTARO");
  EXPECT_EQ(foldForMatching("ｓａｔｏ　ｔａｒｏ"), "SATOTARO");
}

TEST(FoldForMatching, KanjiNamesIgnoreSpacesOnly) {
  EXPECT_EQ(foldForMatching("佐藤　太郎"), foldForMatching("佐藤太郎"));
  EXPECT_NE(foldForMatching("佐藤太郎"), foldForMatching("佐籐太郎"));
}

TEST(FoldForMatching, DifferentNamesStayDifferent) {
  EXPECT_NE(foldForMatching("サトウ"), foldForMatching("サイトウ"));
  EXPECT_NE(foldForMatching("カトウ"), foldForMatching("ガトウ"));  // voicing is kept
  EXPECT_NE(foldForMatching("ハラ"), foldForMatching("パラ"));
}

TEST(FoldForMatching, FoldingTwiceChangesNothing) {
  for (const char* name : {"ｷｬｼｰ･ｳﾞｧﾝ", "ヂヅヲ", "さとう　たろう", "Ｓａｔｏ"}) {
    EXPECT_EQ(foldForMatching(foldForMatching(name)), foldForMatching(name)) << name;
  }
}

TEST(FoldForMatching, InvalidUtf8IsATextError) {
  EXPECT_THROW(foldForMatching("サト\xC0\x80"), TextError);
}

}  // namespace
}  // namespace tsunagi::mapping::text
