#include "mapping/text/encoding.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

namespace tsunagi::mapping::text {
namespace {

// The EncodingError that encoding `utf8` in Fail mode throws.
EncodingError failureFor(std::string_view utf8, Charset charset) {
  try {
    encode(utf8, charset, OnUnmappable::Fail);
  } catch (const EncodingError& e) {
    return e;
  }
  ADD_FAILURE() << "no EncodingError for " << utf8;
  return EncodingError("none", 0);
}

EncodingError decodeFailureFor(std::string_view bytes, Charset charset) {
  try {
    decode(bytes, charset);
  } catch (const EncodingError& e) {
    return e;
  }
  ADD_FAILURE() << "no EncodingError";
  return EncodingError("none", 0);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string exactly(std::string_view utf8, Charset charset) {
  return encode(utf8, charset, OnUnmappable::Fail).bytes;
}

// ---- CP932 ----

TEST(Cp932, JapaneseTextIncludingNecAndIbmCharactersRoundTrips) {
  const std::string text = "佐藤 太郎 さとう ｻﾄｳ ｶﾞｽ ①㈱ 髙橋 山﨑 ～＼ TEL:04-7123";
  const EncodeResult result = encode(text, Charset::Cp932, OnUnmappable::Fail);
  EXPECT_TRUE(result.exact());
  EXPECT_EQ(decode(result.bytes, Charset::Cp932), text);
}

TEST(Cp932, WritesTheExpectedBytes) {
  EXPECT_EQ(exactly("髙", Charset::Cp932), "\xFB\xFC");
  EXPECT_EQ(exactly("﨑", Charset::Cp932), "\xFA\xB1");
  EXPECT_EQ(exactly("①", Charset::Cp932), "\x87\x40");
  EXPECT_EQ(exactly("㈱", Charset::Cp932), "\x87\x8A");
  EXPECT_EQ(exactly("ｶﾞ", Charset::Cp932), "\xB6\xDE");  // half-width kana stay one byte each
  EXPECT_EQ(exactly("あ", Charset::Cp932), "\x82\xA0");
}

TEST(Cp932, TheWaveDashIsReportedWithItsPosition) {
  const EncodingError e = failureFor("1〜3", Charset::Cp932);
  ASSERT_EQ(e.unmappable().size(), 1u);
  EXPECT_EQ(e.unmappable()[0].codePoint, char32_t{0x301C});
  EXPECT_EQ(e.unmappable()[0].character, "〜");
  EXPECT_EQ(e.unmappable()[0].charIndex, 1u);
  EXPECT_EQ(e.unmappable()[0].byteOffset, 1u);
  EXPECT_EQ(e.byteOffset(), 1u);
  EXPECT_TRUE(contains(e.what(), "U+301C 〜 at character 1 (byte offset 1)")) << e.what();
}

TEST(Cp932, TheWaveDashIsWrittenAsFullwidthTildeWhenSubstitutionIsAllowed) {
  const EncodeResult result = encode("1〜3", Charset::Cp932, OnUnmappable::Substitute);
  EXPECT_EQ(result.bytes,
            "1\x81\x60"
            "3");
  ASSERT_EQ(result.substitutions.size(), 1u);
  EXPECT_EQ(result.substitutions[0].from, "〜");
  EXPECT_EQ(result.substitutions[0].to, "～");
  EXPECT_EQ(result.substitutions[0].charIndex, 1u);
  EXPECT_TRUE(result.unmappable.empty());
  EXPECT_EQ(decode(result.bytes, Charset::Cp932), "1～3");
}

TEST(Cp932, TheYenSignIsNeverWrittenAsBackslash) {
  const EncodingError e = failureFor("価格¥500", Charset::Cp932);
  ASSERT_EQ(e.unmappable().size(), 1u);
  EXPECT_EQ(e.unmappable()[0].codePoint, char32_t{0xA5});
  EXPECT_EQ(e.unmappable()[0].charIndex, 2u);
  EXPECT_EQ(e.unmappable()[0].byteOffset, 6u);

  const EncodeResult result = encode("価格¥500", Charset::Cp932, OnUnmappable::Substitute);
  EXPECT_EQ(result.bytes.find('\\'), std::string::npos);
  EXPECT_EQ(decode(result.bytes, Charset::Cp932), "価格￥500");
  EXPECT_EQ(result.substitutions.at(0).to, "￥");
}

TEST(Cp932, EveryUnmappableCharacterIsListedNotJustTheFirst) {
  const EncodingError e = failureFor("〜¥−‖", Charset::Cp932);
  ASSERT_EQ(e.unmappable().size(), 4u);
  EXPECT_EQ(e.unmappable()[3].codePoint, char32_t{0x2016});
  EXPECT_EQ(e.unmappable()[3].charIndex, 3u);
  EXPECT_EQ(e.unmappable()[3].byteOffset, 8u);
  EXPECT_TRUE(contains(e.what(), "4 characters have no CP932 form")) << e.what();
}

// glibc's CP932 is Microsoft's table: these bytes read as the full-width forms, and each
// full-width form writes back to the same byte (docs/japanese-text.md).
TEST(Cp932, ReadsTheMicrosoftMappingsObservedInGlibc) {
  const std::pair<const char*, const char*> observed[] = {
      {"\x81\x60", "～"}, {"\x81\x5F", "＼"}, {"\x5C", "\\"},     {"\x7E", "~"},
      {"\x81\x8F", "￥"}, {"\x81\x50", "￣"}, {"\x81\x7C", "－"}, {"\x81\x61", "∥"},
      {"\x81\x91", "￠"}, {"\x81\x92", "￡"}, {"\x81\xCA", "￢"}, {"\x81\x5C", "―"},
  };
  for (const auto& [bytes, utf8] : observed) {
    EXPECT_EQ(decode(bytes, Charset::Cp932), utf8) << utf8;
    EXPECT_EQ(exactly(utf8, Charset::Cp932), bytes) << utf8;
  }
}

TEST(Cp932, TheJisFormsOfTheseCharactersAreSubstitutedAndRecorded) {
  const EncodeResult result = encode("〜−‖¢£¬—¥‾", Charset::Cp932, OnUnmappable::Substitute);
  EXPECT_EQ(decode(result.bytes, Charset::Cp932), "～－∥￠￡￢―￥￣");
  EXPECT_EQ(result.substitutions.size(), 9u);
  EXPECT_TRUE(result.unmappable.empty());
}

TEST(Cp932, UserDefinedCharactersAreNeitherWrittenNorRead) {
  const EncodingError written = failureFor("外字\uE000", Charset::Cp932);
  EXPECT_EQ(written.unmappable().at(0).codePoint, char32_t{0xE000});
  const EncodingError read = decodeFailureFor("ab\xF0\x40", Charset::Cp932);
  EXPECT_EQ(read.byteOffset(), 2u);
  EXPECT_TRUE(contains(read.what(), "外字")) << read.what();
}

TEST(Cp932, ALoneLeadByteAtTheEndIsATruncatedCharacter) {
  const EncodingError e = decodeFailureFor("ab\x82", Charset::Cp932);
  EXPECT_EQ(e.byteOffset(), 2u);
  EXPECT_TRUE(contains(e.what(), "truncated")) << e.what();
  EXPECT_TRUE(contains(e.what(), "byte offset 2")) << e.what();
}

TEST(Cp932, InvalidBytesAreReportedWithTheirOffset) {
  EncodingError e = decodeFailureFor("\x82\xA0\x80", Charset::Cp932);
  EXPECT_EQ(e.byteOffset(), 2u);
  EXPECT_TRUE(contains(e.what(), "0x80 is not used in CP932")) << e.what();
  e = decodeFailureFor("a\x85\x40", Charset::Cp932);
  EXPECT_EQ(e.byteOffset(), 1u);
  EXPECT_TRUE(contains(e.what(), "0x85 0x40 is not assigned")) << e.what();
  e = decodeFailureFor("a\x82\x20", Charset::Cp932);
  EXPECT_TRUE(contains(e.what(), "cannot be a second byte")) << e.what();
}

// ---- ISO-2022-JP ----

TEST(Iso2022Jp, JapaneseTextRoundTripsThroughJisX0208) {
  const std::string text = "患者 太郎 カンジャ タロウ 〜 ＼ − ‖ 凜";
  const EncodeResult result = encode(text, Charset::Iso2022Jp, OnUnmappable::Fail);
  EXPECT_TRUE(result.exact());
  EXPECT_TRUE(contains(result.bytes, "\x1b$B"));
  EXPECT_TRUE(result.bytes.ends_with("\x1b(B"));
  EXPECT_EQ(decode(result.bytes, Charset::Iso2022Jp), text);
  EXPECT_EQ(exactly("カ", Charset::Iso2022Jp), "\x1b$B%+\x1b(B");
}

TEST(Iso2022Jp, NecAndIbmCharactersAreReportedWithTheirPositions) {
  const EncodingError e = failureFor("髙橋①㈱﨑", Charset::Iso2022Jp);
  ASSERT_EQ(e.unmappable().size(), 4u);
  EXPECT_EQ(e.unmappable()[0].character, "髙");
  EXPECT_EQ(e.unmappable()[0].charIndex, 0u);
  EXPECT_EQ(e.unmappable()[1].character, "①");
  EXPECT_EQ(e.unmappable()[1].charIndex, 2u);
  EXPECT_EQ(e.unmappable()[1].byteOffset, 6u);
  EXPECT_EQ(e.unmappable()[2].character, "㈱");
  EXPECT_EQ(e.unmappable()[2].byteOffset, 9u);
  EXPECT_EQ(e.unmappable()[3].character, "﨑");
  EXPECT_EQ(e.unmappable()[3].charIndex, 4u);
  EXPECT_TRUE(contains(e.what(), "U+9AD9 髙 at character 0 (byte offset 0)")) << e.what();
}

TEST(Iso2022Jp, NecAndIbmCharactersAreSubstitutedAndRecorded) {
  const EncodeResult result = encode("髙橋①㈱﨑", Charset::Iso2022Jp, OnUnmappable::Substitute);
  EXPECT_EQ(decode(result.bytes, Charset::Iso2022Jp), "高橋(1)(株)崎");
  ASSERT_EQ(result.substitutions.size(), 4u);
  EXPECT_EQ(result.substitutions[0].from, "髙");
  EXPECT_EQ(result.substitutions[0].to, "高");
  EXPECT_EQ(result.substitutions[1].from, "①");
  EXPECT_EQ(result.substitutions[1].to, "(1)");
  EXPECT_EQ(result.substitutions[1].byteOffset, 6u);
  EXPECT_EQ(result.substitutions[2].to, "(株)");
  EXPECT_EQ(result.substitutions[3].to, "崎");
  EXPECT_EQ(result.substitutions[3].charIndex, 4u);
  EXPECT_TRUE(result.unmappable.empty());
}

TEST(Iso2022Jp, HalfwidthKanaIsReportedWhenSubstitutionIsNotAllowed) {
  const EncodingError e = failureFor("ｶﾞｽ", Charset::Iso2022Jp);
  ASSERT_EQ(e.unmappable().size(), 3u);
  EXPECT_EQ(e.unmappable()[1].codePoint, char32_t{0xFF9E});
  EXPECT_EQ(e.unmappable()[2].charIndex, 2u);
  EXPECT_EQ(e.unmappable()[2].byteOffset, 6u);
}

TEST(Iso2022Jp, HalfwidthKanaIsWrittenFullwidthWithVoicedMarksCombined) {
  const EncodeResult result = encode("ｶﾞｽ ﾀﾝｸ", Charset::Iso2022Jp, OnUnmappable::Substitute);
  EXPECT_EQ(decode(result.bytes, Charset::Iso2022Jp), "ガス タンク");
  ASSERT_EQ(result.substitutions.size(), 5u);
  EXPECT_EQ(result.substitutions[0].from, "ｶﾞ");
  EXPECT_EQ(result.substitutions[0].to, "ガ");
  EXPECT_EQ(result.substitutions[1].from, "ｽ");
  EXPECT_EQ(result.substitutions[1].charIndex, 2u);
  EXPECT_EQ(result.substitutions[1].byteOffset, 6u);
}

TEST(Iso2022Jp, TheFullwidthTildeIsWrittenAsWaveDash) {
  EXPECT_EQ(failureFor("1～3", Charset::Iso2022Jp).unmappable().at(0).codePoint, char32_t{0xFF5E});
  const EncodeResult result = encode("1～3", Charset::Iso2022Jp, OnUnmappable::Substitute);
  EXPECT_EQ(decode(result.bytes, Charset::Iso2022Jp), "1〜3");
  EXPECT_EQ(result.substitutions.at(0).to, "〜");
}

TEST(Iso2022Jp, TheYenSignIsWrittenFullwidthNeverWithJisRoman) {
  // ESC ( J would make byte 0x5C mean ¥ while an HL7 parser sees its escape character.
  const EncodingError e = failureFor("¥100", Charset::Iso2022Jp);
  EXPECT_EQ(e.unmappable().at(0).codePoint, char32_t{0xA5});
  const EncodeResult result = encode("¥100", Charset::Iso2022Jp, OnUnmappable::Substitute);
  EXPECT_FALSE(contains(result.bytes, "\x1b(J"));
  EXPECT_EQ(decode(result.bytes, Charset::Iso2022Jp), "￥100");
}

TEST(Iso2022Jp, ReadsJisRomanWhenASenderUsesIt) {
  EXPECT_EQ(decode("\x1b(J\x5c\x7e\x1b(B", Charset::Iso2022Jp), "¥‾");
  EXPECT_EQ(decode("\x1b$@%+\x1b(B", Charset::Iso2022Jp), "カ");  // JIS C 6226-1978 designation
}

TEST(Iso2022Jp, EscapeAndShiftCharactersInTheTextAreUnmappable) {
  const EncodingError e = failureFor("a\x1b$Bb\x0e", Charset::Iso2022Jp);
  ASSERT_EQ(e.unmappable().size(), 2u);
  EXPECT_EQ(e.unmappable()[0].codePoint, char32_t{0x1B});
  EXPECT_EQ(e.unmappable()[1].codePoint, char32_t{0x0E});
}

TEST(Iso2022Jp, ATruncatedEscapeSequenceIsReportedWithItsOffset) {
  EncodingError e = decodeFailureFor("abc\x1b$", Charset::Iso2022Jp);
  EXPECT_EQ(e.byteOffset(), 3u);
  EXPECT_TRUE(contains(e.what(), "truncated escape sequence")) << e.what();
  e = decodeFailureFor("abc\x1b", Charset::Iso2022Jp);
  EXPECT_EQ(e.byteOffset(), 3u);
}

TEST(Iso2022Jp, EscapeSequencesOutsideRfc1468AreRejectedNotCopied) {
  // glibc copies these into its output as raw ESC bytes; they must be an error instead.
  EncodingError e = decodeFailureFor("a\x1b(I6\x1b(B", Charset::Iso2022Jp);  // half-width kana
  EXPECT_EQ(e.byteOffset(), 1u);
  EXPECT_TRUE(contains(e.what(), "is not ISO-2022-JP")) << e.what();
  e = decodeFailureFor("a\x1b$(D\x22\x2F", Charset::Iso2022Jp);  // JIS X 0212
  EXPECT_EQ(e.byteOffset(), 1u);
  e = decodeFailureFor("\x0e\x21\x0f", Charset::Iso2022Jp);
  EXPECT_TRUE(contains(e.what(), "SO/SI")) << e.what();
}

TEST(Iso2022Jp, ACharacterCutInHalfIsReported) {
  EncodingError e = decodeFailureFor("\x1b$B%", Charset::Iso2022Jp);
  EXPECT_EQ(e.byteOffset(), 3u);
  EXPECT_TRUE(contains(e.what(), "cut in half")) << e.what();
  e = decodeFailureFor("\x1b$B%+%\x1b(B", Charset::Iso2022Jp);
  EXPECT_EQ(e.byteOffset(), 5u);
}

TEST(Iso2022Jp, EightBitBytesAndUnassignedCodesAreReported) {
  EncodingError e = decodeFailureFor("ab\x82\xA0", Charset::Iso2022Jp);
  EXPECT_EQ(e.byteOffset(), 2u);
  EXPECT_TRUE(contains(e.what(), "8-bit")) << e.what();
  e = decodeFailureFor("\x1b$B\x2d\x21\x1b(B", Charset::Iso2022Jp);  // ① in CP932's row 13
  EXPECT_EQ(e.byteOffset(), 3u);
  EXPECT_TRUE(contains(e.what(), "row 13")) << e.what();
}

TEST(Iso2022Jp, TextEndingInJisModeIsAccepted) {
  EXPECT_EQ(decode("a\x1b$B%+", Charset::Iso2022Jp), "aカ");
}

TEST(Iso2022Jp, DecodesTheRealSsMix2AdmissionMessage) {
  std::ifstream file(TSUNAGI_SAMPLES_DIR "/ssmix2/ADT-22_A01_admission.hl7",
                     std::ios::binary);
  ASSERT_TRUE(file) << "missing sample";
  const std::string bytes{std::istreambuf_iterator<char>(file), {}};
  const std::string text = decode(bytes, Charset::Iso2022Jp);
  EXPECT_TRUE(contains(text,
                       "\rPID|0001||9999013||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||"
                       "19480405|M\r"))
      << text;
  EXPECT_TRUE(contains(text, "ishi01^医師一郎^")) << text;
  EXPECT_TRUE(text.starts_with("MSH|^~\\&|HIS123|"));
  // And it encodes back to the same bytes.
  EXPECT_EQ(exactly(text, Charset::Iso2022Jp), bytes);
}

// ---- both ----

TEST(Encoding, WhatRemainsUnmappableBecomesGetaAndIsReported) {
  for (Charset charset : {Charset::Cp932, Charset::Iso2022Jp}) {
    const EncodeResult result = encode("a😀b", charset, OnUnmappable::Substitute);
    EXPECT_EQ(decode(result.bytes, charset), "a〓b") << charsetName(charset);
    ASSERT_EQ(result.unmappable.size(), 1u);
    EXPECT_EQ(result.unmappable[0].codePoint, char32_t{0x1F600});
    EXPECT_EQ(result.unmappable[0].charIndex, 1u);
    EXPECT_EQ(result.unmappable[0].byteOffset, 1u);
    EXPECT_FALSE(result.exact());
  }
}

TEST(Encoding, InvalidUtf8IsATextErrorNamingTheOffset) {
  try {
    encode("ab\xE3\x81", Charset::Cp932, OnUnmappable::Substitute);
    FAIL() << "no TextError";
  } catch (const EncodingError&) {
    FAIL() << "invalid UTF-8 is a TextError, not an EncodingError";
  } catch (const TextError& e) {
    EXPECT_EQ(e.byteOffset(), 2u);
  }
}

TEST(Encoding, EmptyTextEncodesToNothing) {
  EXPECT_EQ(exactly("", Charset::Cp932), "");
  EXPECT_EQ(exactly("", Charset::Iso2022Jp), "");
  EXPECT_EQ(decode("", Charset::Iso2022Jp), "");
}

TEST(Encoding, EverySubstitutionRuleHelpsInAtLeastOneCharset) {
  for (const SubstitutionRule& rule : substitutionTable()) {
    bool helps = false;
    for (Charset charset : {Charset::Cp932, Charset::Iso2022Jp}) {
      const EncodeResult result = encode(encodeUtf8(rule.from), charset, OnUnmappable::Substitute);
      if (result.substitutions.size() == 1 && result.unmappable.empty()) {
        helps = true;
        EXPECT_EQ(decode(result.bytes, charset), rule.to) << codePointLabel(rule.from);
      }
    }
    EXPECT_TRUE(helps) << codePointLabel(rule.from) << " → " << rule.to;
  }
}

TEST(Encoding, ConcurrentCallsDoNotShareConversionState) {
  const std::string text = "患者 太郎 ｶﾝｼﾞｬ 〜 ①";
  const EncodeResult expected = encode(text, Charset::Iso2022Jp, OnUnmappable::Substitute);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (encode(text, Charset::Iso2022Jp, OnUnmappable::Substitute).bytes != expected.bytes) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Bom, DetectsByteOrderMarks) {
  EXPECT_EQ(detectBom("\xEF\xBB\xBFid,name"), Bom::Utf8);
  EXPECT_EQ(detectBom("\xFF\xFEi\0"), Bom::Utf16Le);
  EXPECT_EQ(detectBom("\xFE\xFF\0i"), Bom::Utf16Be);
  EXPECT_EQ(detectBom("id,name"), Bom::None);
  EXPECT_EQ(detectBom("\xEF\xBB"), Bom::None);
}

TEST(Bom, StripsOnlyAUtf8Bom) {
  EXPECT_EQ(stripUtf8Bom("\xEF\xBB\xBFid,氏名"), "id,氏名");
  EXPECT_EQ(stripUtf8Bom("id,氏名"), "id,氏名");
  EXPECT_EQ(stripUtf8Bom("\xFF\xFEi"), "\xFF\xFEi");
}

}  // namespace
}  // namespace tsunagi::mapping::text
