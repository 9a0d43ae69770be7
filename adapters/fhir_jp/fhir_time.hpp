#pragma once
// FHIR date and dateTime values (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm))
// read as the calendar date in Japan: an instant written with any offset is moved to JST (UTC+9)
// before its date is taken, so 2024-03-07T20:00:00Z is 2024-03-08 in Japan.

#include <optional>
#include <string>
#include <string_view>

#include "mapping/date.hpp"

namespace tsunagi::adapters::fhir_jp {

struct FhirDate {
  enum class Precision { Year, Month, Day };
  Precision precision = Precision::Day;
  /// The date in Japan. For Year / Month precision, the first day of the year / month (use
  /// precision before treating it as a real day).
  mapping::Date date;
  bool hadTime = false;  ///< the value was a dateTime with a time and offset
};

/// Parses a FHIR date or dateTime. nullopt when the text is not one (wrong shape, impossible
/// date, time without offset, offset beyond ±14:00).
std::optional<FhirDate> parseFhirDate(std::string_view text);

/// Why `text` is not a FHIR date (for error messages); precondition: parseFhirDate failed.
std::string fhirDateProblem(std::string_view text);

}  // namespace tsunagi::adapters::fhir_jp
