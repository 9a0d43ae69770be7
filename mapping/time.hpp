#pragma once
// Instants and their civil time (a calendar date and a time of day): the one place that turns
// seconds since the epoch into dates and times and back, in UTC, in Japan (UTC+9, no daylight
// saving time) or in the machine's local time zone, and writes them in the forms tsunagi uses.
// Nothing else in the tree calls gmtime_r, localtime_r, strftime or timegm.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

#include "mapping/date.hpp"

namespace tsunagi::mapping {

/// Days since 1970-01-01 of a proleptic Gregorian date (negative before it), and back.
std::int64_t daysSinceEpoch(const Date& date);
Date dateFromDaysSinceEpoch(std::int64_t days);

/// Seconds since the epoch of a date and time of day in UTC. Like timegm(3), fields out of their
/// range carry over (second 60 is the next minute, month 13 the next January).
std::int64_t unixSecondsOfUtc(const Date& date, int hour, int minute, int second);
/// The same for a broken-down UTC time (std::tm: years since 1900, months from 0), such as
/// OpenSSL's ASN1_TIME_to_tm gives.
std::int64_t unixSecondsOfUtc(const std::tm& utc);

/// A date and a time of day, in the zone it was taken in.
struct CivilTime {
  Date date;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;
};

enum class Zone {
  Utc,
  Japan,  ///< JST, UTC+9: dates on Japanese documents and the console's
  Local,  ///< the machine's time zone (the operator's files and an HL7 peer's MSH-7)
};

/// The civil time of `unixSeconds` in `zone`.
CivilTime civilTime(std::int64_t unixSeconds, Zone zone);
/// The civil time of a clock reading in `zone`, with its milliseconds.
CivilTime civilTime(std::chrono::system_clock::time_point instant, Zone zone);

/// Seconds since the epoch now.
std::int64_t nowUnixSeconds();

/// "2024-03-01T00:30:00Z" (`utc` is a UTC time); "2024-03-01T00:30:00.250Z" with milliseconds.
std::string isoUtc(const CivilTime& utc, bool milliseconds = false);
/// "20240301093000": HL7 v2 TS and the care plan CSV's timestamps.
std::string compactTimestamp(const CivilTime& time);
/// "2024-03-01 09:30:00": for people (NAME.error.txt).
std::string readableTimestamp(const CivilTime& time);
/// "2024/03/01 09:30": a time in a Japanese tool's field.
std::string japaneseMinutes(const CivilTime& time);

}  // namespace tsunagi::mapping
