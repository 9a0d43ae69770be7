// Malformed and hostile FHIR JP input: each case is refused with an AdapterError whose first
// issue names the JSON path (or, for byte-level problems, the line) and says why.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/fhir_jp/fhir_jp_adapter.hpp"

namespace tsunagi::adapters {
namespace {

using ::testing::HasSubstr;

// A small valid 退院時サマリー: Composition, Patient, Encounter, Organization, Practitioner.
const std::string& minimal() {
  static const std::string bytes = [] {
    std::ifstream in(
        std::string(TSUNAGI_SOURCE_DIR) + "/tests/fixtures/fhir_jp/minimal-discharge-summary.json",
        std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return bytes;
}

constexpr std::string_view kRepresentation =
    R"({"extension": [{"url": )"
    R"("http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", )";
const std::string kPatientName =
    std::string(kRepresentation) + R"("valueCode": "IDE"}], "text": "松戸 次郎"})";
const std::string kKanaName =
    std::string(kRepresentation) + R"("valueCode": "SYL"}], "text": "マツド ジロウ"})";

// The minimal bundle with `from` (which must occur exactly once) replaced by `to`.
std::string with(std::string_view from, std::string_view to) {
  std::string base = minimal();
  const std::size_t at = base.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the bundle";
  EXPECT_EQ(base.find(from, at + 1), std::string::npos) << "test bug: '" << from << "' twice";
  if (at == std::string::npos) return base;
  return base.replace(at, from.size(), to);
}

Decoded decode(const std::string& bytes) {
  return FhirJpAdapter().decode(LocalInput{bytes, "t.json", {}});
}

// The first issue of the refusal: its path (exactly) and a part of its message.
void expectRefused(const std::string& bytes, const std::string& path, const std::string& message,
                   int line = -1) {
  try {
    decode(bytes);
    ADD_FAILURE() << "accepted; expected a refusal at '" << path << "'";
  } catch (const AdapterError& e) {
    ASSERT_FALSE(e.issues().empty());
    const mapping::Issue& issue = e.issues().front();
    EXPECT_EQ(issue.path, path) << issue.describe();
    EXPECT_THAT(issue.message, HasSubstr(message)) << issue.describe();
    if (line >= 0) {
      EXPECT_EQ(issue.line, line) << issue.describe();
    }
  }
}

TEST(FhirJpMalformed, TheBaseBundleIsValid) {
  const Decoded d = decode(minimal());
  ASSERT_EQ(d.documents.size(), 1u);
}

TEST(FhirJpMalformed, NotJson) { expectRefused("Patient: 松戸 次郎", "", "not a JSON object", 1); }

TEST(FhirJpMalformed, EmptyBody) { expectRefused(" \n", "", "the document is empty"); }

TEST(FhirJpMalformed, TruncatedJson) {
  const std::string cut = minimal().substr(0, minimal().size() / 2);
  expectRefused(cut, "", "truncated");
}

TEST(FhirJpMalformed, SyntaxError) {
  expectRefused(with(R"("gender": "male",)", R"("gender" "male",)"), "", "not valid JSON");
}

TEST(FhirJpMalformed, WrongResourceType) {
  expectRefused(with(R"("resourceType": "Bundle")", R"("resourceType": "Patient")"),
                "Bundle.resourceType", "is 'Patient'; expected 'Bundle'");
}

TEST(FhirJpMalformed, BundleTypeIsNotDocument) {
  expectRefused(with(R"("type": "document")", R"("type": "collection")"), "Bundle.type",
                "is 'collection'; expected 'document'");
}

TEST(FhirJpMalformed, FirstEntryIsNotAComposition) {
  expectRefused(
      with(R"("resourceType": "Composition", "status")", R"("resourceType": "List", "status")"),
      "Bundle.entry[0].resource.resourceType",
      "the first entry of a document Bundle must be its Composition");
}

TEST(FhirJpMalformed, DuplicateComposition) {
  expectRefused(with(R"("resourceType": "Practitioner", "name": [{"text": "矢切 医"}])",
                     R"("resourceType": "Composition")"),
                "Bundle.entry[4].resource", "a second Composition");
}

TEST(FhirJpMalformed, UnknownDocumentTypeCode) {
  expectRefused(with(R"("code": "18842-5")", R"("code": "11488-4")"),
                "Bundle.entry[0].resource.type",
                "has '11488-4'; expected 18842-5 (退院時サマリー) or 57133-1 (診療情報提供書)");
}

TEST(FhirJpMalformed, MissingPatient) {
  std::string bundle = with(R"("resourceType": "Patient",)", R"("resourceType": "Basic",)");
  expectRefused(bundle, "Bundle.entry[0].resource.subject.reference",
                "refers to Bundle.entry[1], a Basic; expected a Patient");
  expectRefused(with(R"("subject": {"reference": "urn:uuid:5e0c3f64-0000-4000-8000-000000000001"})",
                     R"("title": "退院時サマリー")"),
                "Bundle.entry[0].resource.subject", "is required");
}

TEST(FhirJpMalformed, EntryReferencingAMissingResource) {
  expectRefused(
      with(R"("text": {"status": "additional", "div")",
           R"("entry": [{"reference": "urn:uuid:5e0c3f64-0000-4000-8000-0000000000ff"}], )"
           R"("text": {"status": "additional", "div")"),
      "Bundle.entry[0].resource.section[0].entry[0].reference", "matches no Bundle.entry.fullUrl");
}

TEST(FhirJpMalformed, PatientWithoutName) {
  expectRefused(with(kPatientName + ",\n               " + kKanaName, ""),
                "Bundle.entry[1].resource.name", "is required");
}

TEST(FhirJpMalformed, NameWithoutKanaIsRefused) {
  // Decision: an error, not a loss: 氏名（カナ） is required and is what receivers match people on.
  expectRefused(with(",\n               " + kKanaName, ""), "Bundle.entry[1].resource.name",
                "has no カナ name");
}

TEST(FhirJpMalformed, KanaNameInKanji) {
  expectRefused(with(R"("text": "マツド ジロウ")", R"("text": "松戸 次郎")"),
                "Bundle.entry[1].resource.name[1]",
                "must be katakana; it has U+677E at character 1");
}

TEST(FhirJpMalformed, GenderUnknownOrOther) {
  expectRefused(with(R"("gender": "male")", R"("gender": "unknown")"),
                "Bundle.entry[1].resource.gender", "is 'unknown'; 性別 sex");
  expectRefused(with(R"("gender": "male")", R"("gender": "other")"),
                "Bundle.entry[1].resource.gender", "has only 1 男 (male) and 2 女 (female)");
}

TEST(FhirJpMalformed, BadBirthDate) {
  expectRefused(with(R"("birthDate": "1940-04-01")", R"("birthDate": "1940-02-30")"),
                "Bundle.entry[1].resource.birthDate", "'1940-02-30' is not a real date");
  expectRefused(with(R"("birthDate": "1940-04-01")", R"("birthDate": "1940-04")"),
                "Bundle.entry[1].resource.birthDate", "must be a full date YYYY-MM-DD");
  expectRefused(with(R"("birthDate": "1940-04-01")", R"("birthDate": "昭和15年4月1日")"),
                "Bundle.entry[1].resource.birthDate", "is not a FHIR date");
}

TEST(FhirJpMalformed, HugeString) {
  const std::string huge(1024 * 1024, 'A');
  expectRefused(with(R"("text": "松戸 次郎")", "\"text\": \"" + huge + "\""),
                "Bundle.entry[1].resource.name[0]",
                "the name has 1048576 characters; the liaison sheet holds at most 64");
}

TEST(FhirJpMalformed, DeepNesting) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  expectRefused(with(R"("timestamp")", "\"deep\": " + deep + ",\n  \"timestamp\""), "",
                "nested more than 64 levels deep", 5);
}

TEST(FhirJpMalformed, WrongJsonTypes) {
  expectRefused(with("\"name\": [" + kPatientName + ",\n               " + kKanaName + "]",
                     R"("name": "松戸 次郎")"),
                "Bundle.entry[1].resource.name", "expected an array, found a string");
  expectRefused(with(R"("text": "松戸 次郎")", R"("family": 42)"),
                "Bundle.entry[1].resource.name[0].family", "expected a string, found a number");
  expectRefused(with(R"("entry": [)", R"("entry": ["x", )"), "Bundle.entry[0]",
                "expected a Bundle entry object, found a string");
}

TEST(FhirJpMalformed, InvalidUtf8) {
  expectRefused(with("松戸 次郎", "\xE6\x9D\xBE\xFF"), "", "not valid UTF-8", 21);
}

TEST(FhirJpMalformed, NulByte) {
  expectRefused(with("経過良好", std::string("経過\0良好", 13)), "", "NUL byte at byte offset", 18);
  expectRefused(with("松戸 次郎", "松戸\\u0000次郎"), "Bundle.entry[1].resource.name[0].text",
                "control character U+0000");
}

TEST(FhirJpMalformed, EncounterEndsBeforeItStarts) {
  expectRefused(with(R"("end": "2024-03-15")", R"("end": "2024-02-15")"),
                "Bundle.entry[2].resource.period.end",
                "the end 2024-02-15 is before the start 2024-03-01");
}

TEST(FhirJpMalformed, UnknownDischargeDisposition) {
  expectRefused(with(R"("code": "1"}]}}}})", R"("code": "2"}]}}}})"),
                "Bundle.entry[2].resource.hospitalization.dischargeDisposition.coding[0].code",
                "退院時転帰 '2' is not a DPC code");
}

TEST(FhirJpMalformed, BodyOverSixteenMebibytes) {
  std::string body = minimal();
  body += std::string(16 * 1024 * 1024 + 1 - body.size(), ' ');
  expectRefused(body, "",
                "the document is 16,777,217 bytes; at most 16,777,216 bytes are accepted");
}

TEST(FhirJpMalformed, DuplicateFullUrl) {
  expectRefused(with(R"("fullUrl": "urn:uuid:5e0c3f64-0000-4000-8000-000000000004")",
                     R"("fullUrl": "urn:uuid:5e0c3f64-0000-4000-8000-000000000003")"),
                "Bundle.entry[4].fullUrl", "is also the fullUrl of Bundle.entry[3]");
}

TEST(FhirJpMalformed, MissingDocumentDate) {
  expectRefused(with(R"("date": "2024-03-15T10:00:00+09:00",)", ""),
                "Bundle.entry[0].resource.date", "is required");
}

TEST(FhirJpMalformed, NoAdmissionDateAnywhere) {
  expectRefused(with(R"("period": {"start": "2024-03-01", "end": "2024-03-15"},)", ""),
                "Bundle.entry[0].resource.encounter",
                "入院日 admittedOn is required on a discharge sheet; looked for it in");
}

TEST(FhirJpMalformed, AdmissionBeforeBirth) {
  expectRefused(with(R"("birthDate": "1940-04-01")", R"("birthDate": "2024-03-05")"),
                "Bundle.entry[2].resource.period.start",
                "2024-03-01 is before the patient's birthDate 2024-03-05");
}

TEST(FhirJpMalformed, WithdrawnDocument) {
  expectRefused(with(R"("resourceType": "Composition", "status": "final")",
                     R"("resourceType": "Composition", "status": "entered-in-error")"),
                "Bundle.entry[0].resource.status", "withdrew");
}

TEST(FhirJpMalformed, TimeWithoutOffset) {
  expectRefused(with(R"("date": "2024-03-15T10:00:00+09:00")", R"("date": "2024-03-15T10:00:00")"),
                "Bundle.entry[0].resource.date", "is not a FHIR dateTime");
}

}  // namespace
}  // namespace tsunagi::adapters
