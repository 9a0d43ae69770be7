#pragma once
// Hiragana ↔ katakana, and the folding key used to match people's names across tools.
// Functions take and return UTF-8 and throw TextError (utf8.hpp) for invalid UTF-8.

#include <string>
#include <string_view>

namespace tsunagi::mapping::text {

/// ぁ–ゖ (U+3041–U+3096) → ァ–ヶ, and the iteration marks ゝゞ → ヽヾ. Everything else passes.
std::string hiraganaToKatakana(std::string_view utf8);

/// ァ–ヶ → ぁ–ゖ and ヽヾ → ゝゞ. ヷ ヸ ヹ ヺ have no hiragana and are left as they are.
std::string katakanaToHiragana(std::string_view utf8);

/// The key used to decide whether two spellings of a name are the same person's name. It is for
/// MATCHING ONLY: never display it, store it as the name, or send it to another system — it
/// throws information away on purpose.
///
/// Why: a patient's フリガナ is typed by different people into different tools (a hospital HIS,
/// a care manager's software, a pharmacy's web form), each with its own habits and limits. The
/// rules below, applied in this order, each remove one such difference:
///
///  1. normalizeWidth (width.hpp): ｻﾄｳ and サトウ, ＡＢＣ and ABC, decomposed が (か + U+3099)
///     and が — tools differ in which width they accept or produce.
///  2. Hiragana → katakana: さとう and サトウ — some forms ask for ふりがな, others for フリガナ.
///  3. ヴァ ヴィ ヴゥ ヴェ ヴォ → バ ビ ブ ベ ボ, ヴ → ブ, and ヷ ヸ ヹ ヺ → バ ビ ベ ボ: older
///     systems (JIS X 0201 kana, some 国保 layouts) cannot hold ヴ, so ヴィクトリア is typed
///     ビクトリア. Done before rule 4, so that ヴァ becomes バ and not ブア.
///  4. Small kana → large: ァィゥェォ ッ ャュョ ヮ ヵ ヶ (and the Ainu small kana ㇰ–ㇿ) →
///     アイウエオ ツ ヤユヨ ワ カ ケ ...: banking and billing formats allow upper-case kana only,
///     so キャ is often stored as キヤ and ハッタ as ハツタ.
///  5. ヂ → ジ, ヅ → ズ: the same sound, and people write the name as it sounds (ちぢみ/ちじみ).
///  6. ヲ → オ, ヰ → イ, ヱ → エ: same sound in modern speech; old given names keep the old kana.
///  7. Removed: spaces (U+0020, U+3000, TAB), the long vowel mark ー, the middle dot ・ and the
///     hyphen-minus '-' (full-width － becomes '-' in rule 1): some tools separate family and
///     given names with a space or ・ and others do not; ー is typed as ー, - or dropped
///     (サトー, サト-, サト). Note ｰ (half-width) and － are already ー / '-' after rule 1.
///  8. ASCII letters → upper case: romaji names arrive as Sato, SATO, ｓａｔｏ.
///
/// Kanji and other characters are kept (after rule 1), so "佐藤　太郎" and "佐藤太郎" match.
std::string foldForMatching(std::string_view utf8);

}  // namespace tsunagi::mapping::text
