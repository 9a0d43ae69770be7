#pragma once
// Strict conversion between UTF-8 (everything inside the gateway) and the legacy Japanese
// charsets partner systems still send and expect: CP932 (Windows Shift_JIS, "MS932") for CSV
// and fixed-width files, ISO-2022-JP for SS-MIX2 HL7 v2.5 messages.
//
// Strict means nothing is lost silently. glibc's iconv, used underneath, maps several characters
// one way (U+301C 〜 → 0x8160, which reads back as U+FF5E ～; U+00A5 ¥ → 0x5C, which reads back
// as '\') and Poco writes '?' for what it cannot map; here every character is checked to read
// back exactly, and the caller sees each one that does not, with its position.
//
// iconv handles are not thread-safe, so each call opens its own (a few microseconds; see
// docs/japanese-text.md). All functions are safe to call from any thread.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::text {

/// The legacy charsets. Names are glibc iconv's: "CP932" and "ISO-2022-JP" (RFC 1468: ASCII,
/// JIS X 0201 Roman, JIS X 0208; no half-width katakana, no NEC/IBM extensions).
enum class Charset { Cp932, Iso2022Jp };

/// "CP932" or "ISO-2022-JP".
std::string_view charsetName(Charset charset);

/// 〓 (U+3013, ゲタ): the conventional Japanese mark for a character that could not be written.
/// It exists in both charsets, and a reader knows something was there.
inline constexpr char32_t kGetaMark = 0x3013;

/// What encode() does with a character the target charset cannot hold.
enum class OnUnmappable {
  Fail,        ///< throw EncodingError listing every such character; no substitution at all
  Substitute,  ///< apply substitutionTable(), then write 〓 for what remains; report both
};

/// A character that could not be written.
struct Unmappable {
  char32_t codePoint = 0;
  std::string character;       ///< the character as UTF-8
  std::size_t charIndex = 0;   ///< position in the input, counted in code points from 0
  std::size_t byteOffset = 0;  ///< position in the UTF-8 input, in bytes from 0

  /// "U+301C 〜 at character 3 (byte offset 9)".
  std::string describe() const;
};

/// A character (or, for ｶﾞ, two) written as something else.
struct Substitution {
  std::string from;  ///< the input text replaced (UTF-8)
  std::string to;    ///< what was written instead (UTF-8)
  std::size_t charIndex = 0;
  std::size_t byteOffset = 0;
};

struct EncodeResult {
  std::string bytes;                        ///< the encoded text
  std::vector<Substitution> substitutions;  ///< applied from substitutionTable(), in order
  std::vector<Unmappable> unmappable;       ///< written as 〓 (Substitute mode), in order

  /// True when the bytes read back as exactly the input.
  bool exact() const { return substitutions.empty() && unmappable.empty(); }
};

/// A conversion that cannot be done without loss, or bytes that are not valid in the charset.
/// byteOffset() is the first problem: in the UTF-8 input when encoding, in the legacy bytes when
/// decoding. Invalid UTF-8 given to encode() is a plain TextError.
class EncodingError : public TextError {
 public:
  EncodingError(const std::string& message, std::size_t byteOffset,
                std::vector<Unmappable> unmappable = {});

  /// Every unmappable character (encode in Fail mode); empty for decoding errors.
  const std::vector<Unmappable>& unmappable() const noexcept { return unmappable_; }

 private:
  std::vector<Unmappable> unmappable_;
};

/// One entry of the substitution table. A rule applies only when `from` cannot be written in the
/// target charset and `to` can, so one table serves both charsets (〜 → ～ fires for CP932,
/// ～ → 〜 for ISO-2022-JP).
struct SubstitutionRule {
  char32_t from;
  std::string_view to;      ///< UTF-8, may be several characters: ① → (1)
  std::string_view reason;  ///< why this replacement, for the documentation
};

/// The documented substitutions (docs/japanese-text.md). Besides these, in Substitute mode
/// half-width katakana that ISO-2022-JP cannot hold become full-width, with a following ﾞ/ﾟ
/// combined (ｶﾞ → ガ), each recorded as one Substitution.
std::span<const SubstitutionRule> substitutionTable();

/// UTF-8 → `charset`. Every character is checked to read back exactly; U+E000–U+F8FF (private
/// use: 外字) is never written, and for ISO-2022-JP neither are ESC, SO and SI (they would be read
/// as charset switches) nor anything needing JIS X 0201 Roman (ESC ( J), in which 0x5C and 0x7E
/// mean ¥ and ‾ while byte-level HL7 parsers see '\' and '~'.
/// Throws TextError for invalid UTF-8, EncodingError in Fail mode when any character is
/// unmappable.
EncodeResult encode(std::string_view utf8, Charset charset, OnUnmappable onUnmappable);

/// `charset` → UTF-8. Throws EncodingError naming the byte offset for: byte sequences not valid
/// in the charset, a truncated character at the end, CP932 user-defined characters (外字,
/// 0xF040–0xF9FC: their meaning is private to the sender), and for ISO-2022-JP any escape
/// sequence other than ESC ( B, ESC ( J, ESC $ @, ESC $ B (glibc would copy unknown ones into
/// the output), SO/SI, 8-bit bytes, or a JIS X 0208 character cut in half. Text that ends in
/// JIS X 0208 mode without returning to ASCII is accepted: its meaning is unambiguous.
std::string decode(std::string_view bytes, Charset charset);

/// A byte order mark at the start of `bytes`.
enum class Bom { None, Utf8, Utf16Le, Utf16Be };

/// EF BB BF → Utf8, FF FE → Utf16Le, FE FF → Utf16Be. For CSV inputs a UTF-8 BOM means the file
/// is UTF-8 (Excel's "CSV UTF-8"); without one, Japanese Excel writes CP932.
Bom detectBom(std::string_view bytes);

/// `bytes` without a leading UTF-8 BOM (unchanged when there is none).
std::string_view stripUtf8Bom(std::string_view bytes);

}  // namespace tsunagi::mapping::text
