#pragma once
// A calendar date without time zone: birth dates, 認定 periods, service days. Proleptic
// Gregorian, years 1–9999 (what ISO 8601 writes with four digits).

#include <compare>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tsunagi::mapping {

/// A date that could not be read or converted; the message quotes the input and says why.
class DateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A plain year-month-day. It may hold an impossible date (Date{2023, 2, 29}): check isValid()
/// or use the parsers, which never return one.
struct Date {
  int year = 1;
  int month = 1;
  int day = 1;

  /// Strict ISO 8601 calendar date "YYYY-MM-DD" (exactly that shape), and a real date.
  /// For the forms people type (2024/3/1, 令和6年3月1日 ...) use text::parseFlexibleDate.
  static std::optional<Date> parseIso(std::string_view text);

  /// "2024-03-01". Precondition: isValid().
  std::string iso() const;

  /// True for a real date: year 1–9999, month 1–12, day within the month (29 February only in
  /// leap years: divisible by 4, except centuries not divisible by 400).
  bool isValid() const { return !problem().has_value(); }

  /// Why the date is not real ("February 2023 has 28 days, not 29"), or nullopt when it is.
  std::optional<std::string> problem() const;

  /// Gregorian leap year rule.
  static bool isLeapYear(int year);

  /// 28–31; precondition: 1 <= month <= 12.
  static int daysInMonth(int year, int month);

  friend auto operator<=>(const Date&, const Date&) = default;
};

/// Prints iso() (or the raw fields for an invalid date), so test failures read well.
std::ostream& operator<<(std::ostream& out, const Date& date);

}  // namespace tsunagi::mapping
