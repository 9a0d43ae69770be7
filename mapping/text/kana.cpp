#include "mapping/text/kana.hpp"

#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::mapping::text {

namespace {

constexpr char32_t kHiraganaFirst = 0x3041;  // ぁ
constexpr char32_t kHiraganaLast = 0x3096;   // ゖ
constexpr char32_t kKatakanaOffset = 0x60;   // ァ (U+30A1) − ぁ (U+3041)

std::u32string toKatakana(std::u32string text) {
  for (char32_t& c : text) {
    if ((c >= kHiraganaFirst && c <= kHiraganaLast) || c == 0x309D || c == 0x309E) {
      c += kKatakanaOffset;
    }
  }
  return text;
}

// ァ → ア etc.: the large kana for a small one, or the character itself.
char32_t largeKana(char32_t c) {
  switch (c) {
    case U'ァ':
      return U'ア';
    case U'ィ':
      return U'イ';
    case U'ゥ':
      return U'ウ';
    case U'ェ':
      return U'エ';
    case U'ォ':
      return U'オ';
    case U'ッ':
      return U'ツ';
    case U'ャ':
      return U'ヤ';
    case U'ュ':
      return U'ユ';
    case U'ョ':
      return U'ヨ';
    case U'ヮ':
      return U'ワ';
    case U'ヵ':
      return U'カ';
    case U'ヶ':
      return U'ケ';
    default:
      break;
  }
  // Katakana phonetic extensions (U+31F0–U+31FF, small kana used for Ainu).
  static constexpr char32_t kAinuLarge[16] = {U'ク', U'シ', U'ス', U'ト', U'ヌ', U'ハ',
                                              U'ヒ', U'フ', U'ヘ', U'ホ', U'ム', U'ラ',
                                              U'リ', U'ル', U'レ', U'ロ'};
  if (c >= 0x31F0 && c <= 0x31FF) return kAinuLarge[c - 0x31F0];
  return c;
}

// ヴァ → バ etc. (rule 3): the b-row kana for the vowel after ヴ, or 0.
char32_t bRowFor(char32_t vowel) {
  switch (vowel) {
    case U'ァ':
      return U'バ';
    case U'ィ':
      return U'ビ';
    case U'ゥ':
      return U'ブ';
    case U'ェ':
      return U'ベ';
    case U'ォ':
      return U'ボ';
    default:
      return 0;
  }
}

bool isRemovedForMatching(char32_t c) {
  return c == U' ' || c == U'\t' || c == 0x3000 || c == U'ー' || c == U'・' || c == U'-';
}

}  // namespace

std::string hiraganaToKatakana(std::string_view utf8) {
  return encodeUtf8(toKatakana(decodeUtf8(utf8)));
}

std::string katakanaToHiragana(std::string_view utf8) {
  std::u32string text = decodeUtf8(utf8);
  for (char32_t& c : text) {
    if ((c >= kHiraganaFirst + kKatakanaOffset && c <= kHiraganaLast + kKatakanaOffset) ||
        c == 0x30FD || c == 0x30FE) {
      c -= kKatakanaOffset;
    }
  }
  return encodeUtf8(text);
}

std::string foldForMatching(std::string_view utf8) {
  const std::u32string text = toKatakana(decodeUtf8(normalizeWidth(utf8)));  // rules 1, 2
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    // Rule 3.
    if (c == U'ヴ') {
      const char32_t b = i + 1 < text.size() ? bRowFor(text[i + 1]) : 0;
      if (b != 0) ++i;
      c = b != 0 ? b : U'ブ';
    } else if (c == U'ヷ') {
      c = U'バ';
    } else if (c == U'ヸ') {
      c = U'ビ';
    } else if (c == U'ヹ') {
      c = U'ベ';
    } else if (c == U'ヺ') {
      c = U'ボ';
    }
    c = largeKana(c);  // rule 4
    switch (c) {       // rules 5, 6
      case U'ヂ':
        c = U'ジ';
        break;
      case U'ヅ':
        c = U'ズ';
        break;
      case U'ヲ':
        c = U'オ';
        break;
      case U'ヰ':
        c = U'イ';
        break;
      case U'ヱ':
        c = U'エ';
        break;
      default:
        break;
    }
    if (isRemovedForMatching(c)) continue;  // rule 7
    if (c >= U'a' && c <= U'z') c -= 0x20;  // rule 8
    out.push_back(c);
  }
  return encodeUtf8(out);
}

}  // namespace tsunagi::mapping::text
