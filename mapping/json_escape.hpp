#pragma once
// JSON string escaping: the one implementation used by the JSON log lines, problem documents,
// exchange-log details, loss reports and the FHIR writer.

#include <string>
#include <string_view>

namespace tsunagi::mapping {

/// `text` escaped for the inside of a JSON string (quotes not added): \" \\ \n \r \t and \u00XX
/// for other control characters; UTF-8 passes through unchanged.
std::string jsonEscape(std::string_view text);

/// Appends `text` as a complete JSON string, quotes included.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace tsunagi::mapping
