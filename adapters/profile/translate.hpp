#pragma once
// One field's value between a tool and the canonical model, as a profile says (profile.hpp):
// code translations (the tool's 要介護１ → 21), 和暦 and other date forms, instants in Japan time,
// booleans, numbers, lists in one cell, identifier prefixes. Pure functions; the adapters add the
// loss report and the length limits around them.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mapping/profile/profile.hpp"

namespace tsunagi::adapters::profile {

using mapping::Date;
using mapping::profile::DateFormat;
using mapping::profile::FieldMapping;

/// A tool value → the canonical literal(s) for field.path (none when the value is blank), or why
/// it cannot be translated (English, naming the code table and what would be accepted; the caller
/// adds where). `items` holds one tool value, or several for a list field read from a kintone
/// CHECK_BOX / MULTI_SELECT.
std::variant<std::vector<std::string>, std::string> toCanonical(
    const FieldMapping& field, const std::vector<std::string>& items);

/// What encode writes for one canonical value.
struct ToolText {
  std::string text;
  bool approximated = false;  ///< a coarser tool value stood in (ValueMapping::approximates)
  bool unmapped = false;      ///< the tool has no value for this code (labels="false", no mapping)
  std::string detail;         ///< for a loss entry: "見守り (2) written as 一部介助"
};

/// A canonical literal → the tool's text (codes through the mappings or the table's Japanese
/// label, dates and instants in the field's format, booleans through the mappings or あり/なし).
ToolText toTool(const FieldMapping& field, const std::string& canonical);

/// An instant with an offset (2024-03-01T09:30:00+09:00, …Z, fractions ignored) as UTC
/// "2024-03-01T00:30:00Z", or as Japan time "2024/03/01 09:30". Throws std::invalid_argument.
std::string instantToUtc(std::string_view instant);
std::string instantToJst(std::string_view instant);

/// Japan-time text ("2024/03/01 09:30", "2024-03-01 9:30:15", full-width digits too) → the
/// instant "2024-03-01T09:30:00+09:00". Throws std::invalid_argument.
std::string jstToInstant(std::string_view text);

/// `date` written in `format` (a date format, not an instant one).
std::string formatDate(const Date& date, DateFormat format);

}  // namespace tsunagi::adapters::profile
