#include "adapters/fhir_jp/fhir_time.hpp"

#include <cstdint>

#include "mapping/text/strings.hpp"
#include "mapping/time.hpp"

namespace tsunagi::adapters::fhir_jp {

using mapping::text::quoteForMessage;

namespace {

constexpr int kJapanOffsetMinutes = 9 * 60;

std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "Thh:mm:ss[.fff](Z|±hh:mm)" at `pos`; returns the minutes to add to reach Japan time's
// day boundary arithmetic: local minutes of day minus offset plus JST offset.
std::optional<int> timeMinutesInJapan(std::string_view text, std::size_t pos) {
  if (pos >= text.size() || text[pos] != 'T') return std::nullopt;
  const auto hh = digits(text, pos + 1, 2);
  const auto mm = digits(text, pos + 4, 2);
  const auto ss = digits(text, pos + 7, 2);
  if (!hh || !mm || !ss || text.size() < pos + 9 || text[pos + 3] != ':' || text[pos + 6] != ':') {
    return std::nullopt;
  }
  if (*hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;  // 60: a leap second
  std::size_t i = pos + 9;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  int offset = 0;
  if (i < text.size() && text[i] == 'Z') {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    const auto oh = digits(text, i + 1, 2);
    const auto om = digits(text, i + 4, 2);
    if (!oh || !om || text.size() < i + 6 || text[i + 3] != ':') return std::nullopt;
    if (*om > 59 || *oh * 60 + *om > 14 * 60) return std::nullopt;
    offset = (text[i] == '-' ? -1 : 1) * (*oh * 60 + *om);
    i += 6;
  } else {
    return std::nullopt;  // FHIR requires the offset whenever a time is given
  }
  if (i != text.size()) return std::nullopt;
  return *hh * 60 + *mm - offset + kJapanOffsetMinutes;
}

}  // namespace

std::optional<FhirDate> parseFhirDate(std::string_view text) {
  const auto year = digits(text, 0, 4);
  if (!year || *year < 1) return std::nullopt;
  if (text.size() == 4) return FhirDate{FhirDate::Precision::Year, mapping::Date{*year, 1, 1}};
  const auto month = digits(text, 5, 2);
  if (text.size() < 7 || text[4] != '-' || !month || *month < 1 || *month > 12) {
    return std::nullopt;
  }
  if (text.size() == 7) {
    return FhirDate{FhirDate::Precision::Month, mapping::Date{*year, *month, 1}};
  }
  const auto date = mapping::Date::parseIso(text.substr(0, 10));
  if (text.size() < 10 || !date) return std::nullopt;
  if (text.size() == 10) return FhirDate{FhirDate::Precision::Day, *date};
  const auto minutes = timeMinutesInJapan(text, 10);
  if (!minutes) return std::nullopt;
  // Whole days to move: floor(minutes / 1440), also for negative values.
  const int dayShift = *minutes >= 0 ? *minutes / 1440 : -((-*minutes + 1439) / 1440);
  const mapping::Date japan =
      mapping::dateFromDaysSinceEpoch(mapping::daysSinceEpoch(*date) + dayShift);
  if (!japan.isValid()) return std::nullopt;
  return FhirDate{FhirDate::Precision::Day, japan, true};
}

std::string fhirDateProblem(std::string_view text) {
  if (text.size() >= 10) {
    const auto date = mapping::Date::parseIso(text.substr(0, 10));
    if (!date) {
      const mapping::Date raw{digits(text, 0, 4).value_or(0), digits(text, 5, 2).value_or(0),
                              digits(text, 8, 2).value_or(0)};
      if (auto why = raw.problem(); why && text[4] == '-' && text[7] == '-') {
        return quoteForMessage(text) + " is not a real date: " + *why;
      }
    } else if (text.size() > 10) {
      return quoteForMessage(text) +
             " is not a FHIR dateTime (expected YYYY-MM-DDThh:mm:ss with Z or an offset "
             "such as +09:00)";
    }
  }
  return quoteForMessage(text) + " is not a FHIR date (expected YYYY, YYYY-MM or YYYY-MM-DD)";
}

}  // namespace tsunagi::adapters::fhir_jp
