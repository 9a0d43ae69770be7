#pragma once
// 和暦 (Japanese era dates) ↔ 西暦, and the one date parser adapters use for what people type.
// Errors are DateError (mapping/date.hpp) with a message an operator can act on.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mapping/date.hpp"

namespace tsunagi::mapping::text {

enum class Era { Meiji, Taisho, Showa, Heisei, Reiwa };

/// One era. `first`..`last` are the dates written in this era when formatting. On the two
/// change-over days on which an emperor died and the new era began the same day (1912-07-30,
/// 1926-12-25) the old name is also accepted when parsing (明治45年7月30日, 大正15年12月25日):
/// both names were legally in use that day and both appear in records.
struct EraInfo {
  Era era;
  std::string_view name;             ///< 令和
  char letter;                       ///< 'R', as in R6.3.1
  int number;                        ///< 5, as in GYYMMDD 5060301 (1 明治 … 5 令和)
  Date first;                        ///< first day written in this era
  std::optional<Date> last;          ///< last day written in this era; none for the current era
  std::optional<Date> lastAccepted;  ///< last day the name is accepted when parsing
};

/// 明治 to 令和, in order.
std::span<const EraInfo> eras();

/// The table entry for `era`.
const EraInfo& eraInfo(Era era);

/// Japan adopted the Gregorian calendar on 明治6年1月1日 = 1873-01-01 (明治5年12月3日 of the old
/// calendar). Earlier 明治 dates are lunisolar: no simple arithmetic converts them, so they are
/// rejected in both directions.
inline constexpr Date kFirstGregorianMeijiDate{1873, 1, 1};

/// Parses a 和暦 date in the forms people and systems write, after width normalisation (so
/// full-width digits and letters work) and with spaces allowed between parts:
///   令和6年3月1日, 令和元年5月1日 (元年 = year 1), 令和 6年 3月 1日, 令和６年３月１日;
///   R6.3.1, R06/03/01, R6-3-1, r6.3.1 (letters M T S H R, any case; one separator kind);
///   5060301: GYYMMDD with era numbers 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 (介護給付費請求).
/// Also accepted: the squared era signs ㍾ ㍽ ㍼ ㍻ ㋿ and a one-kanji era (昭23年4月5日).
/// Throws DateError for an impossible date, a date outside its era (with the date it probably
/// meant: "平成31年5月1日 is after the end of 平成 (2019-04-30); did you mean 令和元年5月1日?"),
/// 明治 before 1873-01-01, an unknown era, or any other shape.
Date parseWareki(std::string_view text);

/// The single entry point for dates from outside: ISO 2024-03-01, 2024/3/1, 2024.3.1, 20240301,
/// 2024年3月1日, and every form parseWareki accepts. Throws DateError.
Date parseFlexibleDate(std::string_view text);

/// The era a date is written in, or nullopt before 1873-01-01 (see kFirstGregorianMeijiDate).
/// Precondition: date.isValid().
std::optional<Era> eraOf(const Date& date);

/// 令和6年3月1日; 令和元年5月1日 for the first year. Throws DateError for an invalid date or one
/// before 1873-01-01.
std::string toWareki(const Date& date);

/// R6.3.1 (R1.5.1 for 元年). Throws like toWareki.
std::string toWarekiShort(const Date& date);

/// GYYMMDD, e.g. 5060301 for 2024-03-01, as in 介護給付費請求 files. Throws like toWareki.
std::string toWarekiNumeric(const Date& date);

}  // namespace tsunagi::mapping::text
