#include "mapping/date.hpp"

#include <array>
#include <cstdio>
#include <ostream>

namespace tsunagi::mapping {

namespace {

constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// Reads exactly `width` ASCII digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<Date> Date::parseIso(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  const Date date{*year, *month, *day};
  if (!date.isValid()) return std::nullopt;
  return date;
}

std::string Date::iso() const {
  if (year >= 0 && year <= 9999 && month >= 0 && month <= 99 && day >= 0 && day <= 99) {
    std::string out = "0000-00-00";
    auto put = [&out](std::size_t at, int value, int width) {
      for (int i = width - 1; i >= 0; --i, value /= 10) {
        out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
      }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    return out;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

bool Date::isLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int Date::daysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeapYear(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

std::optional<std::string> Date::problem() const {
  if (year < 1 || year > 9999) return "year " + std::to_string(year) + " is not between 1 and 9999";
  if (month < 1 || month > 12) {
    return "month " + std::to_string(month) + " is not between 1 and 12";
  }
  const int days = daysInMonth(year, month);
  if (day < 1)
    return "day " + std::to_string(day) + " is not between 1 and " + std::to_string(days);
  if (day > days) {
    return std::string(kMonthNames[static_cast<std::size_t>(month - 1)]) + " " +
           std::to_string(year) + " has " + std::to_string(days) + " days, not " +
           std::to_string(day);
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, const Date& date) {
  if (date.isValid()) return out << date.iso();
  return out << "Date{" << date.year << ", " << date.month << ", " << date.day << "}";
}

}  // namespace tsunagi::mapping
