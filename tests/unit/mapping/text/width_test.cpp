#include "mapping/text/width.hpp"

#include <gtest/gtest.h>

#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::text {
namespace {

TEST(Width, FullwidthAsciiAndIdeographicSpaceBecomeAscii) {
  EXPECT_EQ(toHalfwidthAscii("ＡＢＣ　１２３！＠ｚ"), "ABC 123!@z");
  EXPECT_EQ(toHalfwidthAscii("０４－７１２３－４５６７"), "04-7123-4567");
  EXPECT_EQ(toHalfwidthAscii("～＼"), "~\\");
}

TEST(Width, AsciiBecomesFullwidthForFormsThatDemandIt) {
  EXPECT_EQ(toFullwidthAscii("ABC 123!"), "ＡＢＣ　１２３！");
  EXPECT_EQ(toHalfwidthAscii(toFullwidthAscii("Tel: 04-7123")), "Tel: 04-7123");
}

TEST(Width, HalfwidthKatakanaBecomesFullwidthWithVoicedMarksCombined) {
  EXPECT_EQ(toFullwidthKatakana("ｶﾞ"), "ガ");
  EXPECT_EQ(toFullwidthKatakana("ﾊﾟ"), "パ");
  EXPECT_EQ(toFullwidthKatakana("ｳﾞ"), "ヴ");
  EXPECT_EQ(toFullwidthKatakana("ｻﾄｳ ﾀﾛｳ"), "サトウ タロウ");
  EXPECT_EQ(toFullwidthKatakana("ﾎﾟｰﾙ･ｼﾞｮﾝｿﾝ"), "ポール・ジョンソン");
  EXPECT_EQ(toFullwidthKatakana("ﾄﾞｯﾄﾞ ﾋﾞﾋﾟﾌﾞﾌﾟﾍﾞﾍﾟﾎﾞﾎﾟ"), "ドッド ビピブプベペボポ");
  EXPECT_EQ(toFullwidthKatakana("ﾂﾞﾁﾞ"), "ヅヂ");
}

TEST(Width, HalfwidthPunctuationBecomesFullwidth) {
  EXPECT_EQ(toFullwidthKatakana("｡｢｣､･ｰ"), "。「」、・ー");
}

TEST(Width, AMarkWithNothingToCombineWithBecomesTheSpacingMark) {
  EXPECT_EQ(toFullwidthKatakana("ﾞ"), "゛");
  EXPECT_EQ(toFullwidthKatakana("ｱﾞ"), "ア゛");
  EXPECT_EQ(toFullwidthKatakana("ｶﾟ"), "カ゜");
}

TEST(Width, VoicedWaAndWoStayTwoCharactersSoCp932CanStillHoldThem) {
  EXPECT_EQ(toFullwidthKatakana("ﾜﾞｦﾞ"), "ワ゛ヲ゛");
}

TEST(Width, FullwidthKatakanaBecomesHalfwidthWithVoicedKanaSplit) {
  EXPECT_EQ(toHalfwidthKatakana("ガパヴ"), "ｶﾞﾊﾟｳﾞ");
  EXPECT_EQ(toHalfwidthKatakana("キャッシュ・カード"), "ｷｬｯｼｭ･ｶｰﾄﾞ");
  EXPECT_EQ(toHalfwidthKatakana("「ヷ」。"), "｢ﾜﾞ｣｡");
}

TEST(Width, KanaWithoutAHalfwidthFormAndHiraganaAreLeftAlone) {
  EXPECT_EQ(toHalfwidthKatakana("ヵヶヮヰヱ"), "ヵヶヮヰヱ");
  EXPECT_EQ(toHalfwidthKatakana("さとう"), "さとう");
  EXPECT_EQ(toHalfwidthKatakana("佐藤"), "佐藤");
}

TEST(Width, EveryHalfwidthKanaSurvivesARoundTripThroughFullwidth) {
  for (char32_t c = 0xFF61; c <= 0xFF9F; ++c) {
    const std::string half = encodeUtf8(c);
    EXPECT_EQ(toHalfwidthKatakana(toFullwidthKatakana(half)), half) << codePointLabel(c);
  }
}

TEST(Width, NormalFormHasAsciiHalfAndKanaFull) {
  EXPECT_EQ(normalizeWidth("ＴＥＬ：０４－７１２３　ｶﾅ ｶﾞｲﾄﾞ"), "TEL:04-7123 カナ ガイド");
  EXPECT_EQ(normalizeWidth("佐藤　太郎"), "佐藤 太郎");
}

TEST(Width, NormalFormComposesDecomposedVoicedKana) {
  EXPECT_EQ(normalizeWidth("か\u3099"), "が");
  EXPECT_EQ(normalizeWidth("ハ\u309Aン"), "パン");
  EXPECT_EQ(normalizeWidth("ウ\u3099"), "ヴ");
  EXPECT_EQ(normalizeWidth("ア\u3099"), "ア\u3099");  // nothing to compose
}

TEST(Width, NormalFormIsStable) {
  for (const char* text : {"ｻﾄｳ ﾀﾛｳ", "ＡＢＣ", "が", "ｶﾞｯｺｳ"}) {
    EXPECT_EQ(normalizeWidth(normalizeWidth(text)), normalizeWidth(text)) << text;
  }
}

TEST(Width, InvalidUtf8IsATextErrorNamingTheOffset) {
  try {
    normalizeWidth("ｶ\xFF");
    FAIL() << "no TextError";
  } catch (const TextError& e) {
    EXPECT_EQ(e.byteOffset(), 3u);
  }
  EXPECT_THROW(toHalfwidthKatakana("\xE3\x81"), TextError);
}

}  // namespace
}  // namespace tsunagi::mapping::text
