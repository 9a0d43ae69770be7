#pragma once
// fhir_jp: FHIR JP document Bundles (JP-CLINS and the earlier eReferral / eDischargeSummary
// drafts, DOMAIN.md §6) ↔ the liaison sheet. The full mapping table, with the reasons for each
// choice, is docs/adapter-guide.md § fhir_jp; in short:
//
// decode: a 退院時サマリー (18842-5) or 診療情報提供書 (57133-1) Bundle → one discharge sheet.
//   - Bundle.type = document, first entry the only Composition; references resolve by fullUrl
//     (or resourceType/id); a dangling reference is an error.
//   - sheetId = "fhirjp-" + SHA-256 of Bundle.identifier.value (医療機関コード^年^番号), so a
//     corrected Bundle with the same identifier replaces the sheet.
//   - Patient: IDE name → nameKanji, SYL name → nameKana (folded to full-width katakana; a
//     missing カナ name is an error, receivers match people on it); gender male/female → 1/2
//     (other, unknown: error); birthDate (full date, else error); first address and phone;
//     Patient.identifier (the hospital's patient number) dropped; contact with name and
//     relationship → family/keyPerson.
//   - dates: Composition.date (in Japan time) → recordedOn; Encounter.period.start/end →
//     admittedOn / plannedDischargeOn (else Encounter.classHistory, else Composition.event.period,
//     recorded as Approximated); Bundle.timestamp → providedOn.
//   - Encounter: dischargeDisposition (DPC code) → discharge/disposition; admitSource dropped;
//     location display → contacts/hospital/ward.
//   - contacts: hospital = Encounter.serviceProvider, else custodian, else author Organization;
//     the author Practitioner → attendingDoctor (careManager when qualified 介護支援専門員).
//   - sections: 340/342/344 Conditions → diagnosis (≤ 10; narrative lines if no Condition);
//     312 → causeDisease; 330/333 → courseAndTreatment; 420/424 → homeReturnRequirements;
//     430/444 MedicationRequest/Statement → medication/drug; 510 → contraindications;
//     410 → wishes/advanceCarePlanning; 950, 910, 220 → notes; 920 → contacts; anything else is
//     a Dropped loss naming the section once. Narrative XHTML is stripped (never XML-parsed).
//
// encode: an admission sheet → a CLINS 診療情報提供書-style document Bundle for hospitals that
//   take FHIR: Patient (IDE + SYL names), Encounter (admittedOn, hospital, ward), the care
//   manager as author (Practitioner with qualification 介護支援専門員 + Organization), the
//   かかりつけ医 as Patient.generalPractitioner, Conditions, MedicationStatements; the items FHIR
//   has no structured place for go into section narratives (Approximated losses). Deterministic:
//   same sheet, same bytes (no clock, no random ids).

#include "adapters/adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

/// The "fhir_jp" adapter. Input is untrusted: size, depth, UTF-8 and every JSON type are checked.
class FhirJpAdapter : public Adapter {
 public:
  std::string name() const override { return "fhir_jp"; }
  std::vector<std::string> documentTypes() const override { return {"LiaisonSheet"}; }
  bool canEncode() const override { return true; }
  /// One FHIR JP document Bundle (JSON) → one discharge LiaisonSheet and its losses.
  Decoded decode(const LocalInput& input) const override;

 protected:
  /// An admission LiaisonSheet → a FHIR JP document Bundle (JSON, UTF-8). The Bundle has no
  /// free-text field for a loss note, so EncodeOptions::appendLossNote is not applied.
  Encoded encodeDocument(const mapping::CanonicalDocument& document,
                         const EncodeOptions& options) const override;
};

/// Registers "fhir_jp".
void registerFhirJp(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
