#pragma once
// Width folding. Japanese tools disagree on width: one care system stores ＡＢＣ１２３ and ｶﾀｶﾅ,
// the next ABC123 and カタカナ. The gateway stores one form (normalizeWidth) so that values
// compare equal and encode to CP932 / ISO-2022-JP without surprises.
//
// Every function takes and returns UTF-8 and throws TextError (utf8.hpp), naming the byte
// offset, when the input is not valid UTF-8. Characters a function does not cover pass through.

#include <string>
#include <string_view>

namespace tsunagi::mapping::text {

/// Full-width ASCII U+FF01–U+FF5E → U+0021–U+007E, and the ideographic space U+3000 → U+0020.
/// Note that ＼ becomes '\' and ～ becomes '~' (they are full-width ASCII in Unicode's view).
std::string toHalfwidthAscii(std::string_view utf8);

/// The reverse: U+0021–U+007E → U+FF01–U+FF5E and U+0020 → U+3000 (for forms that demand
/// 全角 only, such as some insurer filings). Control characters are left alone.
std::string toFullwidthAscii(std::string_view utf8);

/// Half-width katakana U+FF61–U+FF9F → full-width, combining a following voiced mark: ｶﾞ → ガ,
/// ﾊﾟ → パ, ｳﾞ → ヴ. The half-width punctuation of that block becomes its full-width form
/// (｡｢｣､･ｰ → 。「」、・ー). ﾜﾞ and ｦﾞ stay two characters (ワ゛, ヲ゛) because ヷ and ヺ are in
/// neither CP932 nor JIS X 0208: text that arrived in CP932 must always encode back to it. A mark
/// with nothing to combine with becomes the spacing mark ゛ (U+309B) or ゜ (U+309C).
std::string toFullwidthKatakana(std::string_view utf8);

/// Full-width katakana → half-width, splitting voiced kana (ガ → ｶﾞ, パ → ﾊﾟ, ヴ → ｳﾞ, ヷ → ﾜﾞ),
/// for the tools that still require ｶﾅ (bank transfer files, some 国保連 layouts). Also converts
/// 。「」、・ー and the voiced marks (spacing and combining). Kana with no half-width form (ヰ ヱ
/// ヮ ヵ ヶ ヽ ヾ) and hiragana are left as they are: folding them would change the text.
std::string toHalfwidthKatakana(std::string_view utf8);

/// The form the gateway stores: ASCII half-width, katakana full-width (toHalfwidthAscii after
/// toFullwidthKatakana), and kana followed by a combining voiced mark U+3099 / U+309A composed
/// into one character (か + U+3099 → が), as in Unicode NFC: macOS file names and some web
/// forms send the decomposed form, which would otherwise never compare equal.
std::string normalizeWidth(std::string_view utf8);

/// How tool values are matched (profile value mappings, code labels): normalizeWidth, then
/// without leading and trailing spaces, tabs and line breaks (U+3000 has become a space by then),
/// so that ＡＤＬ１, "ADL1 " and ADL1 match.
std::string foldForComparison(std::string_view utf8);

}  // namespace tsunagi::mapping::text
