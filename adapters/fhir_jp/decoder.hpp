#pragma once
// FHIR JP document Bundle → discharge LiaisonSheet. The mapping is described in
// fhir_jp_adapter.hpp and docs/adapter-guide.md (## fhir_jp). Internal to the adapter: the
// decoder is split over decoder.cpp (bundle, patient, encounter, dates, contacts) and
// decoder_sections.cpp (Composition sections, conditions, medication, assembly).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters::fhir_jp {

using mapping::json::JsonLimits;
using mapping::json::JsonView;
using mapping::json::parseJson;
using mapping::text::characterCount;
using mapping::text::quoteForMessage;
using mapping::text::trimmed;

/// Decodes one Bundle. Throws AdapterError naming the JSON path of the first problem.
Decoded decodeBundle(std::string_view bytes, const JsonLimits& limits = {});

namespace detail {

/// One Bundle.entry with what the decoder did with it.
struct Entry {
  JsonView resource;
  std::string resourceType;
  std::string fullUrl;
  bool used = false;       ///< mapped into the sheet
  bool covered = false;    ///< dropped as part of a dropped section (one loss for the section)
  bool inSection = false;  ///< referenced from some Composition.section.entry
};

/// Text gathered from one source, with the source's JSON path for loss reports.
struct TextPart {
  std::string text;
  std::string source;
};

class BundleDecoder {
 public:
  explicit BundleDecoder(JsonView bundle) : bundle_(std::move(bundle)) {}
  Decoded run();

 private:
  // decoder.cpp (readDates and readContacts: decoder_contacts.cpp)
  void indexEntries();
  void readComposition();
  void readSheetId();
  void readPatient();
  void readNames(const JsonView& patient);
  void readPatientContactDetails(const JsonView& patient);
  void readEncounter();
  void readDates();
  void readContacts();
  std::size_t resolve(const JsonView& reference, std::string_view expectedType);
  std::optional<std::size_t> resolveIfPresent(const std::optional<JsonView>& reference,
                                              std::string_view expectedType);
  const JsonView& resource(std::size_t index) { return entries_[index].resource; }

  // decoder_contacts.cpp
  struct OrganizationInfo {
    std::string name;
    std::optional<std::string> code;  // 医療機関コード / 事業所番号, ten digits
    std::optional<std::string> phone;
  };
  std::optional<OrganizationInfo> organization(std::size_t index);
  std::optional<std::string> practitionerName(std::size_t index);
  bool isCareManager(std::size_t practitioner);

  // decoder_sections.cpp
  void walkSections(const std::vector<JsonView>& sections);
  void readSection(const JsonView& section);
  void dropSection(const JsonView& section, const std::string& code, const std::string& title,
                   const std::vector<std::size_t>& entries);
  void readDiagnoses();
  void readDiagnosis(std::size_t index);
  void readMedication();
  void assembleTexts();
  void reportUnusedEntries();

  JsonView bundle_;
  JsonView composition_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> byUrl_;
  std::string documentType_;  // 18842-5 or 57133-1
  mapping::LiaisonSheet sheet_;
  LossReport losses_;

  // What the Encounter and authors gave (read before the sections).
  std::optional<std::size_t> patient_, encounter_, hospitalOrg_, authorPractitioner_, authorOrg_;
  std::map<std::size_t, std::optional<OrganizationInfo>> organizations_;  // read once each
  std::optional<std::string> ward_;
  std::string wardSource_;

  // What the sections gave, assembled in assembleTexts().
  std::vector<std::pair<int, std::size_t>> diagnosisConditions_;  // priority, entry
  std::vector<TextPart> diagnosisNarratives_;
  std::vector<std::size_t> medicationResources_;
  std::vector<TextPart> medicationNarratives_;
  std::vector<TextPart> course_, instructions_, allergies_, notes_, advanceCare_, cause_;
  std::optional<std::size_t> referralFromOrg_, referralFromPractitioner_;
};

}  // namespace detail

}  // namespace tsunagi::adapters::fhir_jp
