#include "mapping/text/utf8.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping::text {
namespace {

// The offset and message of the TextError that validating `bytes` throws.
std::pair<std::size_t, std::string> errorFor(std::string_view bytes) {
  try {
    validateUtf8(bytes);
  } catch (const TextError& e) {
    return {e.byteOffset(), e.what()};
  }
  ADD_FAILURE() << "no TextError for invalid input";
  return {0, ""};
}

TEST(Utf8, DecodesOneToFourByteCharacters) {
  EXPECT_EQ(decodeUtf8("aé漢𠮷"), (std::u32string{U'a', 0xE9, 0x6F22, 0x20BB7}));
}

TEST(Utf8, EncodesCodePointsBackToTheSameBytes) {
  const std::string text = "佐藤 ｻﾄｳ 𠮷野家 é";
  EXPECT_EQ(encodeUtf8(decodeUtf8(text)), text);
  EXPECT_EQ(encodeUtf8(char32_t{0x10FFFF}), "\xF4\x8F\xBF\xBF");
}

TEST(Utf8, RejectsOverlongFormsAndNamesTheOffset) {
  auto [offset, message] = errorFor("ab\xC0\xAF");
  EXPECT_EQ(offset, 2u);
  EXPECT_NE(message.find("byte offset 2"), std::string::npos) << message;
  EXPECT_NE(message.find("overlong"), std::string::npos) << message;

  std::tie(offset, message) = errorFor("x\xE0\x80\xAF");  // '/' in three bytes
  EXPECT_EQ(offset, 1u);
  EXPECT_NE(message.find("overlong 3-byte encoding of U+002F"), std::string::npos) << message;
}

TEST(Utf8, RejectsSurrogates) {
  auto [offset, message] = errorFor("a\xED\xA0\x80z");
  EXPECT_EQ(offset, 1u);
  EXPECT_NE(message.find("surrogate U+D800"), std::string::npos) << message;
}

TEST(Utf8, RejectsCodePointsBeyond10FFFF) {
  auto [offset, message] = errorFor("\xF4\x90\x80\x80");
  EXPECT_EQ(offset, 0u);
  EXPECT_NE(message.find("U+110000"), std::string::npos) << message;
  EXPECT_FALSE(isValidUtf8("\xF5\x80\x80\x80"));
}

TEST(Utf8, RejectsASequenceCutShortByTheEndOfInput) {
  auto [offset, message] = errorFor("ab\xE3\x81");  // first two bytes of あ
  EXPECT_EQ(offset, 2u);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("ends after 2 bytes"), std::string::npos) << message;
}

TEST(Utf8, RejectsASequenceInterruptedByAnotherCharacter) {
  auto [offset, message] = errorFor(
      "\xE3\x81"
      "a");
  EXPECT_EQ(offset, 0u);
  EXPECT_NE(message.find("byte 3 is 0x61"), std::string::npos) << message;
}

TEST(Utf8, RejectsStrayContinuationAndNeverUsedBytes) {
  EXPECT_EQ(errorFor("abc\x81").first, 3u);
  EXPECT_NE(errorFor("abc\x81").second.find("continuation byte 0x81"), std::string::npos);
  EXPECT_NE(errorFor("\xFF").second.find("0xFF never occurs"), std::string::npos);
}

TEST(Utf8, IsValidAgreesWithValidate) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("令和６年"));
  EXPECT_FALSE(isValidUtf8("令和\x96"));
  EXPECT_THROW(validateUtf8("令和\x96"), TextError);
}

TEST(Utf8, RefusesToEncodeNonCharacters) {
  std::string out;
  EXPECT_THROW(appendUtf8(out, 0xD800), std::invalid_argument);
  EXPECT_THROW(appendUtf8(out, 0x110000), std::invalid_argument);
  EXPECT_TRUE(out.empty());
}

TEST(Utf8, LabelsCodePointsInUPlusNotation) {
  EXPECT_EQ(codePointLabel(U'A'), "U+0041");
  EXPECT_EQ(codePointLabel(0x301C), "U+301C");
  EXPECT_EQ(codePointLabel(0x20BB7), "U+20BB7");
}

TEST(Utf8, CountsCharactersAndCutsOnlyBetweenThem) {
  EXPECT_EQ(characterCount(""), 0u);
  EXPECT_EQ(characterCount("ab"), 2u);
  EXPECT_EQ(characterCount("柏市𠮷"), 3u);  // 3 + 3 + 4 bytes
  EXPECT_EQ(cutAtCharacter("柏市", 10), "柏市");
  EXPECT_EQ(cutAtCharacter("柏市", 6), "柏市");
  EXPECT_EQ(cutAtCharacter("柏市", 5), "柏");  // not inside 市
  EXPECT_EQ(cutAtCharacter("柏市", 2), "");
  EXPECT_EQ(cutAtCharacter("a𠮷", 4), "a");
}

}  // namespace
}  // namespace tsunagi::mapping::text
