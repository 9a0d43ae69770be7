#include "mapping/time.hpp"

#include <cstdio>

namespace tsunagi::mapping {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kJapanOffsetSeconds = 9 * 3600;

// Division rounding towards minus infinity (b > 0).
std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

CivilTime fromSeconds(std::int64_t seconds) {
  const std::int64_t days = floorDiv(seconds, kSecondsPerDay);
  const std::int64_t rest = seconds - days * kSecondsPerDay;
  CivilTime t;
  t.date = dateFromDaysSinceEpoch(days);
  t.hour = static_cast<int>(rest / 3600);
  t.minute = static_cast<int>(rest % 3600 / 60);
  t.second = static_cast<int>(rest % 60);
  return t;
}

}  // namespace

// Howard Hinnant's days_from_civil and civil_from_days (proleptic Gregorian).
std::int64_t daysSinceEpoch(const Date& date) {
  const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date dateFromDaysSinceEpoch(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  return Date{y, m, d};
}

std::int64_t unixSecondsOfUtc(const Date& date, int hour, int minute, int second) {
  // Months out of 1–12 carry into the year first (timegm's rule); days, hours, minutes and
  // seconds out of range simply add up.
  const std::int64_t months = std::int64_t{date.year} * 12 + (date.month - 1);
  const Date firstOfMonth{static_cast<int>(floorDiv(months, 12)),
                          static_cast<int>(months - floorDiv(months, 12) * 12) + 1, 1};
  return (daysSinceEpoch(firstOfMonth) + date.day - 1) * kSecondsPerDay +
         std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
}

std::int64_t unixSecondsOfUtc(const std::tm& utc) {
  return unixSecondsOfUtc(Date{utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday}, utc.tm_hour,
                          utc.tm_min, utc.tm_sec);
}

CivilTime civilTime(std::int64_t unixSeconds, Zone zone) {
  switch (zone) {
    case Zone::Utc:
      return fromSeconds(unixSeconds);
    case Zone::Japan:
      return fromSeconds(unixSeconds + kJapanOffsetSeconds);
    case Zone::Local:
      break;
  }
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  CivilTime out;
  out.date = Date{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
  out.hour = tm.tm_hour;
  out.minute = tm.tm_min;
  out.second = tm.tm_sec;
  return out;
}

CivilTime civilTime(std::chrono::system_clock::time_point instant, Zone zone) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(instant.time_since_epoch()).count();
  const std::int64_t seconds = floorDiv(ms, 1000);
  CivilTime t = civilTime(seconds, zone);
  t.millisecond = static_cast<int>(ms - seconds * 1000);
  return t;
}

std::int64_t nowUnixSeconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string isoUtc(const CivilTime& utc, bool milliseconds) {
  char buf[64];
  if (milliseconds) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.date.year,
                  utc.date.month, utc.date.day, utc.hour, utc.minute, utc.second, utc.millisecond);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.date.year, utc.date.month,
                  utc.date.day, utc.hour, utc.minute, utc.second);
  }
  return buf;
}

std::string compactTimestamp(const CivilTime& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", t.date.year, t.date.month, t.date.day,
                t.hour, t.minute, t.second);
  return buf;
}

std::string readableTimestamp(const CivilTime& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", t.date.year, t.date.month,
                t.date.day, t.hour, t.minute, t.second);
  return buf;
}

std::string japaneseMinutes(const CivilTime& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d/%02d/%02d %02d:%02d", t.date.year, t.date.month, t.date.day,
                t.hour, t.minute);
  return buf;
}

}  // namespace tsunagi::mapping
