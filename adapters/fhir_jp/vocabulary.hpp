#pragma once
// The FHIR JP vocabulary the fhir_jp adapter reads and writes (DOMAIN.md §6). The profiles and
// code-system URLs drifted between the eReferral / eDischargeSummary / eClinicalSummary drafts
// and JP-CLINS: every spelling listed here is accepted on input; only the CLINS ones are written.

#include <array>
#include <string_view>

namespace tsunagi::adapters::fhir_jp {

/// Document type codes (Composition.type). They are LOINC codes, so http://loinc.org is
/// accepted as their system as well.
inline constexpr std::string_view kDocTypeSystem =
    "http://jpfhir.jp/fhir/Common/CodeSystem/doc-typecodes";
inline constexpr std::string_view kLoincSystem = "http://loinc.org";
inline constexpr std::string_view kDischargeSummaryCode = "18842-5";  ///< 退院時サマリー
inline constexpr std::string_view kReferralCode = "57133-1";          ///< 診療情報提供書

/// Document sub-type (Composition.category) written by the encoder.
inline constexpr std::string_view kDocSubTypeSystem =
    "http://jpfhir.jp/fhir/Common/CodeSystem/doc-subtypecodes";

/// Section code systems (Composition.section.code), CLINS first.
inline constexpr std::array<std::string_view, 4> kSectionSystems = {
    "http://jpfhir.jp/fhir/clins/CodeSystem/document-section",
    "http://jpfhir.jp/fhir/eReferral/CodeSystem/document-section",
    "http://jpfhir.jp/fhir/eDischargeSummary/CodeSystem/document-section",
    "http://jpfhir.jp/fhir/eClinicalSummary/CodeSystem/document-section",
};

/// Bundle.identifier systems: CLINS, and the older documentInstance-identifier.
inline constexpr std::array<std::string_view, 2> kBundleIdentifierSystems = {
    "http://jpfhir.jp/fhir/clins/bundle-identifier",
    "http://jpfhir.jp/fhir/core/IdSystem/documentInstance-identifier",
};

/// Profiles written by the encoder (CLINS spelling).
inline constexpr std::string_view kBundleProfile =
    "http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eReferral";
inline constexpr std::string_view kCompositionProfile =
    "http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Composition_eReferral";
inline constexpr std::string_view kResourceInstanceSystem =
    "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier";

/// The name-representation extension: IDE = 漢字, SYL = カナ, ABC = alphabet.
inline constexpr std::string_view kNameRepresentationUrl =
    "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";

/// Patient.identifier systems of a hospital's own patient number: this prefix + 医療機関コード.
inline constexpr std::string_view kHospitalPatientIdPrefix = "urn:oid:1.2.392.100495.20.3.51.";

/// 医療機関コード (保険医療機関番号, ten digits) on Organization.identifier.
inline constexpr std::string_view kMedicalInstitutionSystem =
    "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no";

/// DPC 退院時転帰 and 入院経路 (Encounter.hospitalization), as published in eDischargeSummary.
inline constexpr std::array<std::string_view, 2> kDischargeDispositionSystems = {
    "http://jpfhir.jp/fhir/Common/CodeSystem/discharge-disposition",
    "http://jpfhir.jp/fhir/clins/CodeSystem/discharge-disposition",
};

/// ICD-10 systems accepted on Condition.code.coding; the first one is written.
inline constexpr std::array<std::string_view, 2> kIcd10Systems = {
    "http://hl7.org/fhir/sid/icd-10",
    "http://jpfhir.jp/fhir/core/CodeSystem/JP_ICD10",
};

/// The document-section codes the adapter gives a meaning to (DOMAIN.md §6 and the published
/// eDischargeSummary / CLINS document-section code systems).
namespace section {
inline constexpr std::string_view kRemarks = "220";               ///< 備考・連絡情報
inline constexpr std::string_view kStructured = "300";            ///< 構造情報 (container)
inline constexpr std::string_view kAdmissionReason = "312";       ///< 入院理由
inline constexpr std::string_view kAdmissionDetails = "322";      ///< 入院時詳細 (container)
inline constexpr std::string_view kDischargeDetails = "324";      ///< 退院時詳細 (container)
inline constexpr std::string_view kClinicalCourse = "330";        ///< 臨床経過
inline constexpr std::string_view kHospitalCourse = "333";        ///< 入院中経過
inline constexpr std::string_view kProblems = "340";              ///< 傷病名・主訴
inline constexpr std::string_view kAdmissionDiagnoses = "342";    ///< 入院時診断
inline constexpr std::string_view kDischargeDiagnoses = "344";    ///< 退院時診断
inline constexpr std::string_view kAdvanceDirective = "410";      ///< 事前指示
inline constexpr std::string_view kClinicalInstruction = "420";   ///< 診療方針指示
inline constexpr std::string_view kDischargeInstruction = "424";  ///< 退院時方針指示
inline constexpr std::string_view kMedication = "430";            ///< 投薬指示
inline constexpr std::string_view kDischargeMedication = "444";   ///< 退院時投薬指示
inline constexpr std::string_view kAllergies = "510";        ///< アレルギー・不耐性反応
inline constexpr std::string_view kPhysicalStatus = "610";   ///< 身体所見
inline constexpr std::string_view kSocialHistory = "640";    ///< 社会歴・生活習慣
inline constexpr std::string_view kReferralTo = "910";       ///< 紹介先情報
inline constexpr std::string_view kReferralFrom = "920";     ///< 紹介元情報
inline constexpr std::string_view kReferralPurpose = "950";  ///< 紹介目的
}  // namespace section

}  // namespace tsunagi::adapters::fhir_jp
