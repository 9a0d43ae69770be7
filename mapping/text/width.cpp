#include "mapping/text/width.hpp"

#include <algorithm>
#include <array>

#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::text {

namespace {

constexpr char32_t kHalfFirst = 0xFF61;  // ｡
constexpr char32_t kHalfLast = 0xFF9F;   // ﾟ
constexpr char32_t kHalfVoicedMark = 0xFF9E;
constexpr char32_t kHalfSemiVoicedMark = 0xFF9F;
constexpr char32_t kVoicedMark = 0x309B;  // ゛ spacing
constexpr char32_t kSemiVoicedMark = 0x309C;
constexpr char32_t kCombiningVoiced = 0x3099;
constexpr char32_t kCombiningSemiVoiced = 0x309A;

// U+FF61 + i → its full-width form.
constexpr std::array<char16_t, kHalfLast - kHalfFirst + 1> kHalfToFull = {
    u'。', u'「', u'」', u'、', u'・', u'ヲ', u'ァ', u'ィ', u'ゥ', u'ェ', u'ォ', u'ャ', u'ュ',
    u'ョ', u'ッ', u'ー', u'ア', u'イ', u'ウ', u'エ', u'オ', u'カ', u'キ', u'ク', u'ケ', u'コ',
    u'サ', u'シ', u'ス', u'セ', u'ソ', u'タ', u'チ', u'ツ', u'テ', u'ト', u'ナ', u'ニ', u'ヌ',
    u'ネ', u'ノ', u'ハ', u'ヒ', u'フ', u'ヘ', u'ホ', u'マ', u'ミ', u'ム', u'メ', u'モ', u'ヤ',
    u'ユ', u'ヨ', u'ラ', u'リ', u'ル', u'レ', u'ロ', u'ワ', u'ン', u'゛', u'゜'};

bool isHalfwidthKana(char32_t c) { return c >= kHalfFirst && c <= kHalfLast; }

// The voiced (濁音) form of a full-width kana, or 0. Covers hiragana and katakana; `unicodeOnly`
// adds the forms outside JIS X 0208 (ゔ, ヷ ヸ ヹ ヺ), used only for combining-mark composition.
char32_t voicedForm(char32_t c, bool unicodeOnly) {
  for (char32_t base : {char32_t{0x304B}, char32_t{0x30AB}}) {  // か, カ
    // か..ぢ and つ..ど run in pairs (base, voiced); っ (small tsu) sits between ぢ and つ.
    if (c >= base && c <= base + 0x16 && (c - base) % 2 == 0) return c + 1;         // か..ち
    if (c >= base + 0x19 && c <= base + 0x1D && (c - base) % 2 == 1) return c + 1;  // つてと
    // は ひ ふ へ ほ: base, voiced, semi-voiced.
    if (c >= base + 0x24 && c <= base + 0x30 && (c - base - 0x24) % 3 == 0) return c + 1;
  }
  if (c == 0x30A6) return 0x30F4;  // ウ → ヴ (in JIS X 0208)
  if (unicodeOnly) {
    if (c == 0x3046) return 0x3094;                // う → ゔ
    if (c >= 0x30EF && c <= 0x30F2) return c + 8;  // ワヰヱヲ → ヷヸヹヺ
    if (c == 0x309D || c == 0x30FD) return c + 1;  // ゝ → ゞ, ヽ → ヾ
  }
  return 0;
}

// The semi-voiced (半濁音) form: only the は row.
char32_t semiVoicedForm(char32_t c) {
  for (char32_t base : {char32_t{0x306F}, char32_t{0x30CF}}) {  // は, ハ
    if (c >= base && c <= base + 0x0C && (c - base) % 3 == 0) return c + 2;
  }
  return 0;
}

// Full-width katakana → half-width base (+ mark), or nothing when there is no half-width form.
struct HalfForm {
  char32_t base = 0;
  char32_t mark = 0;
};

HalfForm halfForm(char32_t c) {
  switch (c) {
    case kVoicedMark:
    case kCombiningVoiced:
      return {kHalfVoicedMark};
    case kSemiVoicedMark:
    case kCombiningSemiVoiced:
      return {kHalfSemiVoicedMark};
    case 0x30F4:  // ヴ
      return {0xFF73, kHalfVoicedMark};
    case 0x30F7:  // ヷ
      return {0xFF9C, kHalfVoicedMark};
    case 0x30FA:  // ヺ
      return {0xFF66, kHalfVoicedMark};
    default:
      break;
  }
  for (std::size_t i = 0; i < kHalfToFull.size(); ++i) {
    const char32_t full = kHalfToFull[i];
    if (full == kVoicedMark || full == kSemiVoicedMark) continue;
    if (full == c) return {kHalfFirst + static_cast<char32_t>(i)};
    if (voicedForm(full, false) == c)
      return {kHalfFirst + static_cast<char32_t>(i), kHalfVoicedMark};
    if (semiVoicedForm(full) == c) {
      return {kHalfFirst + static_cast<char32_t>(i), kHalfSemiVoicedMark};
    }
  }
  return {};
}

std::u32string halfwidthAscii(std::u32string text) {
  for (char32_t& c : text) {
    if (c >= 0xFF01 && c <= 0xFF5E) {
      c -= 0xFF01 - 0x21;
    } else if (c == 0x3000) {
      c = 0x20;
    }
  }
  return text;
}

std::u32string fullwidthKatakana(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (!isHalfwidthKana(c)) {
      out.push_back(c);
      continue;
    }
    const char32_t full = kHalfToFull[c - kHalfFirst];
    const char32_t next = i + 1 < text.size() ? text[i + 1] : 0;
    char32_t combined = 0;
    if (next == kHalfVoicedMark) combined = voicedForm(full, false);
    if (next == kHalfSemiVoicedMark) combined = semiVoicedForm(full);
    if (combined != 0) {
      out.push_back(combined);
      ++i;
    } else {
      out.push_back(full);
    }
  }
  return out;
}

std::u32string composeCombiningMarks(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (!out.empty() && (c == kCombiningVoiced || c == kCombiningSemiVoiced)) {
      const char32_t combined =
          c == kCombiningVoiced ? voicedForm(out.back(), true) : semiVoicedForm(out.back());
      if (combined != 0) {
        out.back() = combined;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string toHalfwidthAscii(std::string_view utf8) {
  return encodeUtf8(halfwidthAscii(decodeUtf8(utf8)));
}

std::string toFullwidthAscii(std::string_view utf8) {
  std::u32string text = decodeUtf8(utf8);
  for (char32_t& c : text) {
    if (c >= 0x21 && c <= 0x7E) {
      c += 0xFF01 - 0x21;
    } else if (c == 0x20) {
      c = 0x3000;
    }
  }
  return encodeUtf8(text);
}

std::string toFullwidthKatakana(std::string_view utf8) {
  return encodeUtf8(fullwidthKatakana(decodeUtf8(utf8)));
}

std::string toHalfwidthKatakana(std::string_view utf8) {
  const std::u32string text = decodeUtf8(utf8);
  std::u32string out;
  out.reserve(text.size() + text.size() / 2);
  for (char32_t c : text) {
    const HalfForm half = (c >= 0x3000 && c <= 0x30FF) ? halfForm(c) : HalfForm{};
    if (half.base == 0) {
      out.push_back(c);
      continue;
    }
    out.push_back(half.base);
    if (half.mark != 0) out.push_back(half.mark);
  }
  return encodeUtf8(out);
}

std::string normalizeWidth(std::string_view utf8) {
  // ASCII is already in normal form (every change below is of a character beyond U+007F): the
  // common case of codes, dates and numbers skips the three conversions.
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return std::string(utf8);
  }
  return encodeUtf8(halfwidthAscii(fullwidthKatakana(composeCombiningMarks(decodeUtf8(utf8)))));
}

std::string foldForComparison(std::string_view utf8) {
  return std::string(trimAscii(normalizeWidth(utf8)));
}

}  // namespace tsunagi::mapping::text
