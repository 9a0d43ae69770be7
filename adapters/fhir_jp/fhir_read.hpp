#pragma once
// Readers for FHIR data types shared by the decoder's parts (CodeableConcept, HumanName,
// ContactPoint, date elements). Every reader throws AdapterError at the element's JSON path for a
// wrongly typed or malformed value.

#include <optional>
#include <string>
#include <string_view>

#include "adapters/fhir_jp/fhir_time.hpp"
#include "mapping/json/reader.hpp"

namespace tsunagi::adapters::fhir_jp {

using mapping::json::JsonView;

/// CodeableConcept.text, else the display of its first coding that has one.
std::optional<std::string> conceptText(const JsonView& codeable);

/// The first coding of `codeable` whose system is one of `systems` (or has no system when
/// `allowNoSystem`): its code and display.
struct Coding {
  std::string system, code, display, path;
};
std::optional<Coding> findCoding(const JsonView& codeable,
                                 std::initializer_list<std::string_view> systems,
                                 bool allowNoSystem);

/// The valueCode of the iso21090-EN-representation extension of a HumanName: IDE, SYL, ABC.
std::optional<std::string> nameRepresentation(const JsonView& humanName);

/// HumanName.text, else family and given names joined by spaces; trimmed; may be empty.
std::string humanNameText(const JsonView& humanName);

/// The first HumanName of `resource` with representation IDE (漢字), else any name with text.
std::optional<std::pair<std::string, std::string>> preferredName(const JsonView& resource);

/// A phone number in the sheet's form [0-9+][0-9-]{5,19}: full-width digits folded, spaces
/// removed, parentheses turned into hyphens. nullopt when it still does not fit.
std::optional<std::string> normalizePhone(std::string_view value);

/// The first telecom with system "phone" of `resource`, normalized; nullopt when none fits.
std::optional<std::string> firstPhone(const JsonView& resource);

/// The date element `key` of `owner`, read as a date in Japan. Throws AdapterError at its path
/// when it is not a FHIR date/dateTime.
std::optional<FhirDate> readFhirDate(const JsonView& owner, const std::string& key);

/// True for 'ァ'–'ヺ', 'ー', '・' and spaces only (after width folding), with at least one kana.
bool isKatakanaName(std::string_view text);

}  // namespace tsunagi::adapters::fhir_jp
