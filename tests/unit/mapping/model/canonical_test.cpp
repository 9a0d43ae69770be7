// The canonical documents: fixtures validate, parse → serialize is a fixed point, and every
// business rule refuses bad content with the field path.
#include "mapping/model/canonical.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace tsunagi::mapping {
namespace {

using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The issues a refused document produced, or a failure if it was accepted.
std::vector<Issue> refusal(const std::string& bytes) {
  try {
    parseCanonical(bytes);
  } catch (const DocumentError& e) {
    return e.issues();
  }
  ADD_FAILURE() << "document was accepted";
  return {};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

MATCHER_P2(IssueAt, path, message, "") {
  return arg.path == path && arg.message.find(message) != std::string::npos;
}

class Fixture : public ::testing::TestWithParam<const char*> {};

TEST_P(Fixture, ValidatesAndSerializesToTheSameBytes) {
  const std::string bytes = fixture(GetParam());
  CanonicalDocument document = parseCanonical(bytes);
  EXPECT_EQ(serialize(document), bytes);
  EXPECT_THAT(validate(document), ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Canonical, Fixture,
                         ::testing::Values("discharge-sheet.xml", "admission-sheet.xml",
                                           "case-update.xml", "case-membership-open.xml",
                                           "case-membership-add.xml",
                                           "case-membership-close.xml"));

TEST(LiaisonSheet, DischargeFixtureCarriesEveryItem) {
  LiaisonSheet s = parseLiaisonSheet(fixture("discharge-sheet.xml"));
  EXPECT_EQ(s.kind, SheetKind::Discharge);
  EXPECT_EQ(s.patient.nameKana, "ナガレヤマ ハナコ");
  EXPECT_EQ(s.patient.birthDate, (Date{1939, 6, 21}));
  ASSERT_TRUE(s.insurance);
  EXPECT_EQ(s.insurance->careLevel, "23");
  EXPECT_EQ(s.insurance->certificationPeriod->to, (Date{2025, 9, 30}));
  EXPECT_EQ(s.adl->bathing, "4");
  EXPECT_EQ(s.nutrition->thickenedFluids, true);
  EXPECT_TRUE(s.pressureUlcer->present);
  ASSERT_EQ(s.medicalProcedures.size(), 2u);
  EXPECT_EQ(s.medicalProcedures[1].code, "02");
  ASSERT_EQ(s.diagnoses.size(), 3u);
  EXPECT_EQ(s.diagnoses[0].onsetDate, (Date{2024, 2, 13}));
  EXPECT_FALSE(s.diagnoses[2].onsetDate.has_value());
  EXPECT_EQ(s.medication->drugs.size(), 2u);
  EXPECT_EQ(s.family->keyPerson->relationship, "長女");
  EXPECT_EQ(s.contacts->hospital->institutionCode, "1212000001");
  EXPECT_EQ(s.discharge->interview->profession, "10");
  EXPECT_THAT(*s.discharge->courseAndTreatment, HasSubstr("\n体重は"));
  ASSERT_EQ(s.attachments.size(), 2u);
  EXPECT_EQ(s.attachments[0].mediaType, "image/png");
}

TEST(LiaisonSheet, AdmissionFixtureCarriesAdmissionDetails) {
  LiaisonSheet s = parseLiaisonSheet(fixture("admission-sheet.xml"));
  EXPECT_EQ(s.kind, SheetKind::Admission);
  ASSERT_TRUE(s.admission);
  EXPECT_EQ(s.admission->enclosedCarePlanTables, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(s.admission->wishToAccompanyHomeVisit, true);
}

TEST(Serializer, SameDocumentAlwaysGivesTheSameBytes) {
  LiaisonSheet s = parseLiaisonSheet(fixture("discharge-sheet.xml"));
  const std::string once = serialize(s);
  LiaisonSheet copy = s;
  EXPECT_EQ(serialize(copy), once);
  EXPECT_EQ(serialize(parseLiaisonSheet(once)), once);
}

TEST(Serializer, EscapesMarkupAndKeepsCarriageReturns) {
  LiaisonSheet s = parseLiaisonSheet(fixture("admission-sheet.xml"));
  s.notes = "A&B <要確認> \"引用\"\r\n2行目";
  const std::string bytes = serialize(s);
  EXPECT_THAT(bytes, HasSubstr("<notes>A&amp;B &lt;要確認&gt; &quot;引用&quot;&#13;\n2行目</notes>"));
  EXPECT_EQ(parseLiaisonSheet(bytes).notes, s.notes);
}

TEST(Serializer, RefusesControlCharactersXmlCannotCarry) {
  LiaisonSheet s = parseLiaisonSheet(fixture("admission-sheet.xml"));
  s.notes = std::string("bell\x07");
  EXPECT_THROW(serialize(s), std::invalid_argument);
  EXPECT_THAT(validate(s), ::testing::ElementsAre(IssueAt("/LiaisonSheet", "control character U+0007")));
}

TEST(Parser, DetectsTheDocumentTypeFromTheRoot) {
  EXPECT_EQ(documentTypeName(parseCanonical(fixture("case-update.xml"))), "CaseUpdate");
  EXPECT_THAT([] { parseLiaisonSheet(fixture("case-update.xml")); },
              ::testing::ThrowsMessage<DocumentError>(
                  HasSubstr("expected a LiaisonSheet, got a CaseUpdate")));
}

TEST(Parser, SchemaErrorsCarryLineAndPath) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<sex>2</sex>", "<sex>女</sex>"));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].path, "/LiaisonSheet/patient/sex");
  EXPECT_EQ(issues[0].line, 13);  // the line of <sex> in the fixture
  EXPECT_THAT(issues[0].message, HasSubstr("女"));
}

TEST(Parser, OneCareLevelPerSheet) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<careLevel>23</careLevel>",
                                 "<careLevel>23</careLevel>\n    <careLevel>24</careLevel>"));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].path, "/LiaisonSheet/insurance/careLevel[2]");
}

TEST(Parser, MissingRequiredItemIsNamed) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"),
                                 "    <birthDate>1939-06-21</birthDate>\n", ""));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].path, "/LiaisonSheet/patient/postalCode");
  EXPECT_THAT(issues[0].message, HasSubstr("birthDate"));
}

TEST(Parser, FreeTextOverItsLengthLimitIsRefused) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<prognosis>心不全の再増悪の可能性あり。</prognosis>",
                                 "<prognosis>" + std::string(401 * 3, 'x').substr(0, 401) + "</prognosis>"));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].path, "/LiaisonSheet/discharge/prognosis");
  EXPECT_THAT(issues[0].message, HasSubstr("length"));
}

TEST(BusinessRules, UnknownCodeNamesTheTableAndTheCode) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<careLevel>23</careLevel>",
                                 "<careLevel>26</careLevel>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt(
                          "/LiaisonSheet/insurance/careLevel", "unknown code '26' in code table care-level")));
}

TEST(BusinessRules, UnknownCodeInsideARepeatedElementHasItsIndex) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<code>02</code>", "<code>55</code>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt("/LiaisonSheet/medicalProcedure[2]/code",
                                                     "code table medical-procedure")));
}

TEST(BusinessRules, DatesMustBeInOrder) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"),
                                 "<plannedDischargeOn>2024-03-15</plannedDischargeOn>",
                                 "<plannedDischargeOn>2024-02-01</plannedDischargeOn>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt(
                          "/LiaisonSheet/dates/plannedDischargeOn",
                          "退院予定日 plannedDischargeOn 2024-02-01 is before 入院日 admittedOn 2024-02-14")));
}

TEST(BusinessRules, BirthAfterAdmissionIsRefused) {
  auto issues = refusal(replaced(fixture("admission-sheet.xml"), "<birthDate>1941-11-03</birthDate>",
                                 "<birthDate>2024-06-01</birthDate>"));
  EXPECT_THAT(issues, ::testing::Contains(IssueAt("/LiaisonSheet/dates/admittedOn",
                                                  "is before the birth date 2024-06-01")));
}

TEST(BusinessRules, CertificationPeriodMustNotEndBeforeItStarts) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<to>2025-09-30</to>", "<to>2023-09-30</to>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt("/LiaisonSheet/insurance/certificationPeriod/to",
                                                     "is before its start")));
}

TEST(BusinessRules, MunicipalityCodeCheckDigitIsVerified) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"),
                                 "<municipalityCode>122203</municipalityCode>",
                                 "<municipalityCode>122204</municipalityCode>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt("/LiaisonSheet/patient/municipalityCode",
                                                     "check digit is 4, expected 3")));
}

TEST(BusinessRules, KanaNameMustBeFullWidthKatakana) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "<nameKana>ナガレヤマ ハナコ</nameKana>",
                                 "<nameKana>ながれやま ﾊﾅｺ</nameKana>"));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt("/LiaisonSheet/patient/nameKana",
                                                     "character 1 is U+306A 'な'")));
}

TEST(BusinessRules, CertifiedNeedsCareLevelAndPeriod) {
  auto issues = refusal(replaced(fixture("discharge-sheet.xml"), "    <careLevel>23</careLevel>\n", ""));
  EXPECT_THAT(issues, ::testing::ElementsAre(IssueAt("/LiaisonSheet/insurance/careLevel",
                                                     "required when 認定状況 is 2")));
}

TEST(BusinessRules, AdmissionSheetCannotCarryDischargeDetails) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"), "kind=\"discharge\"", "kind=\"admission\"");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/LiaisonSheet/discharge",
                                                             "an admission sheet")));
}

TEST(BusinessRules, DischargeSheetNeedsTheAdmissionDate) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"), "    <admittedOn>2024-02-14</admittedOn>\n", "");
  EXPECT_THAT(refusal(bytes), ::testing::Contains(IssueAt("/LiaisonSheet/dates/admittedOn",
                                                          "required on a discharge sheet")));
}

TEST(BusinessRules, AttachmentDigestMustMatchItsContent) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"),
                               "e878950f8091ec010cf5cc723bdea027a8539cf7147cfea199c2f666232dcd4e",
                               std::string(64, '0'));
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/LiaisonSheet/attachment[1]/sha256",
                                                             "does not match the SHA-256")));
}

TEST(BusinessRules, AttachmentContentMustBeWhatItsMediaTypeSays) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"), "<mediaType>image/png</mediaType>",
                               "<mediaType>image/jpeg</mediaType>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/LiaisonSheet/attachment[1]/mediaType",
                                                             "not a image/jpeg file")));
}

TEST(BusinessRules, AttachmentSizeMustMatch) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"), "<size>45</size>", "<size>46</size>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/LiaisonSheet/attachment[2]/size",
                                                             "says 46 bytes but the content has 45")));
}

TEST(BusinessRules, ProcedureListedTwiceIsRefused) {
  std::string bytes = replaced(fixture("discharge-sheet.xml"), "<code>02</code>", "<code>08</code>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/LiaisonSheet/medicalProcedure[2]/code",
                                                             "listed twice")));
}

TEST(CaseUpdate, EmptyPostIsRefused) {
  CaseUpdate u = parseCaseUpdate(fixture("case-update.xml"));
  u.text.reset();
  u.vitals.reset();
  u.medicationStatus.reset();
  u.adlChange.reset();
  EXPECT_THAT(validate(u), ::testing::ElementsAre(IssueAt("/CaseUpdate", "must carry text, vitals")));
}

TEST(CaseUpdate, DiastolicMustBeBelowSystolic) {
  std::string bytes = replaced(fixture("case-update.xml"), "<diastolic>74</diastolic>",
                               "<diastolic>140</diastolic>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/CaseUpdate/vitals/diastolic",
                                                             "must be lower than systolic 128")));
}

TEST(CaseUpdate, VitalsOutsideHumanRangeAreRefusedBySchema) {
  std::string bytes = replaced(fixture("case-update.xml"), "<spo2>96</spo2>", "<spo2>160</spo2>");
  EXPECT_THAT(refusal(bytes), ::testing::Contains(::testing::Field(&Issue::path, "/CaseUpdate/vitals/spo2")));
}

TEST(CaseUpdate, UnknownProfessionIsNamed) {
  std::string bytes = replaced(fixture("case-update.xml"), "<profession>06</profession>",
                               "<profession>42</profession>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/CaseUpdate/author/profession",
                                                             "unknown code '42' in code table profession")));
}

TEST(CaseMembership, OpeningNeedsThePatient) {
  CaseMembership m = parseCaseMembership(fixture("case-membership-open.xml"));
  EXPECT_EQ(m.action, MembershipAction::Open);
  EXPECT_EQ(m.participants.size(), 2u);
  m.patient.reset();
  EXPECT_THAT(validate(m), ::testing::ElementsAre(IssueAt("/CaseMembership/patient", "required to open")));
}

TEST(CaseMembership, ParticipantNodeCodeCheckDigitIsVerified) {
  std::string bytes = replaced(fixture("case-membership-add.xml"),
                               "<participant>\n    <node>122203</node>",
                               "<participant>\n    <node>122202</node>");
  EXPECT_THAT(refusal(bytes), ::testing::ElementsAre(IssueAt("/CaseMembership/participant/node",
                                                             "check digit is 2, expected 3")));
}

TEST(CaseMembership, TheCaseIdNamesTheNodeThatOpenedIt) {
  for (const char* id : {"room-12", "case-12217-1", "case-122173", "CASE-122173-1"}) {
    EXPECT_THAT(refusal(replaced(fixture("case-membership-close.xml"),
                                 "<caseId>case-122203-2024-0001</caseId>",
                                 std::string("<caseId>") + id + "</caseId>")),
                ::testing::ElementsAre(IssueAt("/CaseMembership/caseId",
                                               "does not name the node that opened the case")))
        << id;
  }
  EXPECT_THAT(refusal(replaced(fixture("case-membership-close.xml"),
                               "<caseId>case-122203-2024-0001</caseId>",
                               "<caseId>case-122204-2024-0001</caseId>")),
              ::testing::ElementsAre(IssueAt("/CaseMembership/caseId",
                                             "names node 122204: check digit is 4, expected 3")));
  // A CaseUpdate refers to a case; its id is not checked for an owner.
  EXPECT_NO_THROW(
      parseCanonical(replaced(fixture("case-update.xml"), "<caseId>case-122203-2024-0001</caseId>",
                              "<caseId>room-12</caseId>")));
}

TEST(CaseMembership, ClosingListsNoParticipants) {
  CaseMembership m = parseCaseMembership(fixture("case-membership-close.xml"));
  EXPECT_EQ(m.action, MembershipAction::Close);
  m.participants.push_back(Participant{"122203", "x", std::nullopt, "06", std::nullopt});
  EXPECT_THAT(validate(m), ::testing::ElementsAre(IssueAt("/CaseMembership/participant",
                                                          "closing a case")));
}

}  // namespace
}  // namespace tsunagi::mapping

namespace tsunagi::mapping {
namespace {

TEST(CaseUpdateRules, EmptyVitalsBlockIsRefused) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical/case-update.xml");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CaseUpdate u = parseCaseUpdate(bytes);
  u.vitals = Vitals{};
  auto issues = validate(u);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "/CaseUpdate/vitals");
  EXPECT_EQ(issues[0].message, "carries no measurement");
}

TEST(LiaisonSheetRules, EnclosedTableListedTwiceNamesItsPosition) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical/admission-sheet.xml");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LiaisonSheet s = parseLiaisonSheet(bytes);
  s.admission->enclosedCarePlanTables = {"1", "2", "1"};
  auto issues = validate(s);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "/LiaisonSheet/admission/enclosedCarePlanTable[3]");
  EXPECT_EQ(issues[0].message, "居宅サービス計画 第1表 is listed twice");
}

}  // namespace
}  // namespace tsunagi::mapping

// validate() judges a document built in memory on the model (schema rules, then business rules);
// it must answer exactly as a receiver parsing the serialized bytes (more: schema_rules_test.cpp).
namespace tsunagi::mapping {
namespace {

LiaisonSheet dischargeSheet() {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) /
                   "tests/fixtures/canonical/discharge-sheet.xml");
  return parseLiaisonSheet(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

struct Variant {
  const char* what;
  void (*change)(LiaisonSheet&);
  bool valid;
};

class ValidateAgreesWithTheReceiver : public ::testing::TestWithParam<Variant> {};

TEST_P(ValidateAgreesWithTheReceiver, SameIssuesAsParsingTheBytes) {
  LiaisonSheet sheet = dischargeSheet();
  GetParam().change(sheet);
  const std::vector<Issue> issues = validate(sheet);
  EXPECT_EQ(issues, validateByParsing(serialize(sheet)));
  EXPECT_EQ(issues.empty(), GetParam().valid) << (issues.empty() ? "" : issues[0].describe());
}

INSTANTIATE_TEST_SUITE_P(
    Canonical, ValidateAgreesWithTheReceiver,
    ::testing::Values(
        Variant{"unchanged", [](LiaisonSheet&) {}, true},
        Variant{"carriage return and markup in free text",
                [](LiaisonSheet& s) { s.notes = "A&B <x>\r\n\"y\""; }, true},
        Variant{"29 February of a common year",
                [](LiaisonSheet& s) {
                  s.patient.birthDate = Date{1939, 2, 29};
                },
                false},
        Variant{"year 0",
                [](LiaisonSheet& s) {
                  s.patient.birthDate = Date{0, 6, 21};
                },
                false},
        Variant{"five-digit year",
                [](LiaisonSheet& s) {
                  s.patient.birthDate = Date{10000, 6, 21};
                },
                false},
        Variant{"negative year",
                [](LiaisonSheet& s) {
                  s.patient.birthDate = Date{-5, 6, 21};
                },
                false},
        Variant{"code outside its pattern", [](LiaisonSheet& s) { s.patient.sex = "女"; }, false},
        Variant{"code missing from its table",
                [](LiaisonSheet& s) { s.insurance->careLevel = "26"; }, false},
        Variant{"empty required name", [](LiaisonSheet& s) { s.patient.nameKanji.clear(); }, false},
        Variant{"half-width kana name (a rule)",
                [](LiaisonSheet& s) { s.patient.nameKana = "ｶｼﾜｷﾞ"; }, false},
        Variant{"free text over its length",
                [](LiaisonSheet& s) { s.discharge->prognosis = std::string(401, 'x'); }, false},
        Variant{"U+FFFF, a character XML excludes",
                [](LiaisonSheet& s) {
                  s.notes =
                      "a\xEF\xBF\xBF"
                      "b";
                },
                false},
        Variant{"invalid UTF-8", [](LiaisonSheet& s) { s.notes = "a\xC3(b"; }, false},
        Variant{"more elements than a receiver takes",
                [](LiaisonSheet& s) { s.diagnoses.resize(12000, s.diagnoses.at(0)); }, false},
        Variant{"dates out of order (a rule)",
                [](LiaisonSheet& s) {
                  s.dates.admittedOn = Date{2030, 1, 1};
                },
                false}),
    [](const ::testing::TestParamInfo<Variant>& p) {
      std::string name;
      for (const char* c = p.param.what; *c; ++c) {
        if (std::isalnum(static_cast<unsigned char>(*c))) name += *c;
      }
      return name;
    });

TEST(ValidateAgreesWithTheReceiver, ABadCharacterIsReportedNotPrinted) {
  // A character XML cannot carry comes back as an issue from the parser, and nothing is printed.
  LiaisonSheet sheet = dischargeSheet();
  sheet.notes = "a\xC3(b";
  ::testing::internal::CaptureStderr();
  const std::vector<Issue> issues = validate(sheet);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_FALSE(issues.empty());
  EXPECT_THAT(issues[0].message, HasSubstr("not well-formed"));
}

TEST(ValidateAgreesWithTheReceiver, OtherDocumentTypes) {
  for (const char* name :
       {"case-update.xml", "case-membership-open.xml", "case-membership-close.xml"}) {
    std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CanonicalDocument document = parseCanonical(bytes);
    EXPECT_THAT(validate(document), ::testing::IsEmpty()) << name;
    if (auto* update = std::get_if<CaseUpdate>(&document)) {
      update->vitals = Vitals{};
      update->vitals->systolic = 500;  // outside the schema's range
      EXPECT_EQ(validate(document), validateByParsing(serialize(document)));
      EXPECT_THAT(validate(document), ::testing::Not(::testing::IsEmpty()));
    }
  }
}

}  // namespace
}  // namespace tsunagi::mapping
