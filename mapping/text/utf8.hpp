#pragma once
// Strict UTF-8 decoding and encoding shared by every text utility. Inputs come from other
// organisations' systems, so a malformed byte is reported with its offset instead of being
// replaced or skipped.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tsunagi::mapping::text {

/// Malformed text: what is wrong and the byte offset in the input where it was found, so an
/// operator can open the file at that place.
class TextError : public std::runtime_error {
 public:
  TextError(const std::string& message, std::size_t byteOffset);

  /// Offset of the first byte of the offending sequence in the input that was being read.
  std::size_t byteOffset() const noexcept { return byteOffset_; }

 private:
  std::size_t byteOffset_;
};

/// Decodes the code point that starts at `offset` and advances `offset` past it. Rejects what
/// RFC 3629 forbids: stray continuation bytes, 0xC0/0xC1/0xF5–0xFF, overlong forms, surrogates
/// (U+D800–U+DFFF), values above U+10FFFF and sequences cut short by the end of the input.
/// Precondition: offset < utf8.size(). Throws TextError naming the offset.
char32_t decodeUtf8At(std::string_view utf8, std::size_t& offset);

/// The whole input as code points. Throws TextError at the first malformed sequence.
std::u32string decodeUtf8(std::string_view utf8);

/// Appends the UTF-8 form of `codePoint`. Throws std::invalid_argument for a surrogate or a value
/// above U+10FFFF: those are bugs in the caller, not bad input.
void appendUtf8(std::string& out, char32_t codePoint);

/// The UTF-8 form of one code point (see appendUtf8).
std::string encodeUtf8(char32_t codePoint);

/// The UTF-8 form of a sequence of code points (see appendUtf8).
std::string encodeUtf8(std::u32string_view codePoints);

/// Throws TextError at the first malformed sequence; returns normally for valid UTF-8.
void validateUtf8(std::string_view utf8);

/// True when the whole input is valid UTF-8 (same rules as decodeUtf8At).
bool isValidUtf8(std::string_view utf8) noexcept;

/// "U+301C": the notation used in every error message and report.
std::string codePointLabel(char32_t codePoint);

/// True for a byte that continues a multi-byte sequence (10xxxxxx): no character starts there.
constexpr bool isContinuationByte(char byte) noexcept {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

/// Number of characters (code points) of UTF-8 text: the bytes that start one. For valid UTF-8
/// (check first where the text is untrusted).
std::size_t characterCount(std::string_view utf8) noexcept;

/// The longest start of `utf8` of at most `maxBytes` bytes that does not end inside a character
/// (a file name cut to the file system's limit, a value cut for a message).
std::string_view cutAtCharacter(std::string_view utf8, std::size_t maxBytes) noexcept;

}  // namespace tsunagi::mapping::text
