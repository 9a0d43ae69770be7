// mapping/time: instants ↔ civil time in UTC, Japan and local time, and the written forms.

#include "mapping/time.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping {
namespace {

TEST(Time, CountsDaysFromTheEpochBothWays) {
  EXPECT_EQ(daysSinceEpoch(Date{1970, 1, 1}), 0);
  EXPECT_EQ(daysSinceEpoch(Date{2000, 3, 1}), 11017);
  EXPECT_EQ(daysSinceEpoch(Date{1969, 12, 31}), -1);
  for (const Date d : {Date{1, 1, 1}, Date{1900, 2, 28}, Date{2024, 2, 29}, Date{9999, 12, 31}}) {
    EXPECT_EQ(dateFromDaysSinceEpoch(daysSinceEpoch(d)), d);
  }
}

TEST(Time, ReadsUtcFieldsLikeTimegm) {
  EXPECT_EQ(unixSecondsOfUtc(Date{2024, 3, 1}, 0, 30, 0), 1709253000);
  // Out-of-range fields carry over: second 60, hour 24, month 13.
  EXPECT_EQ(unixSecondsOfUtc(Date{2024, 2, 29}, 23, 59, 60),
            unixSecondsOfUtc(Date{2024, 3, 1}, 0, 0, 0));
  EXPECT_EQ(unixSecondsOfUtc(Date{2023, 13, 1}, 0, 0, 0),
            unixSecondsOfUtc(Date{2024, 1, 1}, 0, 0, 0));
  std::tm tm{};
  tm.tm_year = 124;
  tm.tm_mon = 2;
  tm.tm_mday = 1;
  tm.tm_min = 30;
  EXPECT_EQ(unixSecondsOfUtc(tm), 1709253000);
}

TEST(Time, GivesTheCivilTimeInUtcAndInJapan) {
  const CivilTime utc = civilTime(1709253000, Zone::Utc);  // 2024-03-01T00:30:00Z
  EXPECT_EQ(isoUtc(utc), "2024-03-01T00:30:00Z");
  const CivilTime japan = civilTime(1709253000 - 3600, Zone::Japan);  // 23:30Z on the 29th
  EXPECT_EQ(japan.date, (Date{2024, 3, 1}));
  EXPECT_EQ(compactTimestamp(japan), "20240301083000");
  EXPECT_EQ(readableTimestamp(japan), "2024-03-01 08:30:00");
  EXPECT_EQ(japaneseMinutes(japan), "2024/03/01 08:30");
  EXPECT_EQ(isoUtc(civilTime(-1, Zone::Utc)), "1969-12-31T23:59:59Z");
}

TEST(Time, KeepsTheMillisecondsOfAClockReading) {
  const auto instant =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1709253000250));
  EXPECT_EQ(isoUtc(civilTime(instant, Zone::Utc), true), "2024-03-01T00:30:00.250Z");
}

TEST(Time, LocalTimeIsTheMachinesZone) {
  const std::int64_t now = nowUnixSeconds();
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  const CivilTime local = civilTime(now, Zone::Local);
  EXPECT_EQ(local.date, (Date{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday}));
  EXPECT_EQ(local.hour, tm.tm_hour);
  EXPECT_EQ(local.minute, tm.tm_min);
}

}  // namespace
}  // namespace tsunagi::mapping
