// fhir_jp: the published JP-CLINS samples decode as published; hand-written discharge summaries
// (CLINS and older eDischargeSummary URLs) decode field by field; the encoder's Bundle is
// deterministic and what survives a round trip is checked.

#include "adapters/fhir_jp/fhir_jp_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace tsunagi::adapters {
namespace {

using mapping::Date;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sample(const std::string& name) {
  return readFile(std::string(TSUNAGI_SAMPLES_DIR) + "/fhir-jp/" + name);
}
std::string fixture(const std::string& name) {
  return readFile(std::string(TSUNAGI_SOURCE_DIR) + "/tests/fixtures/" + name);
}

Decoded decode(const std::string& bytes) {
  return FhirJpAdapter().decode(LocalInput{bytes, "in.json", {}});
}

const mapping::LiaisonSheet& sheetOf(const Decoded& d) {
  EXPECT_EQ(d.documents.size(), 1u);
  return std::get<mapping::LiaisonSheet>(d.documents.at(0));
}

// True when `losses` has an entry of `kind` at exactly `path` whose detail contains `detail`.
bool hasLoss(const LossReport& losses, Loss::Kind kind, const std::string& path,
             const std::string& detail = "") {
  for (const Loss& l : losses.entries()) {
    if (l.kind == kind && l.path == path && l.detail.find(detail) != std::string::npos) return true;
  }
  return false;
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(FhirJpAdapter, IsRegisteredByNameAndEncodes) {
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  auto adapter = registry.create("fhir_jp");
  EXPECT_EQ(adapter->name(), "fhir_jp");
  EXPECT_TRUE(adapter->canDecode());
  EXPECT_TRUE(adapter->canEncode());
  EXPECT_EQ(adapter->inputTrust(), InputTrust::Untrusted);
  EXPECT_EQ(adapter->documentTypes(), std::vector<std::string>{"LiaisonSheet"});
}

TEST(FhirJpSamples, ClinsReferralExampleDecodesAsPublished) {
  const Decoded d = decode(sample("CLINS-Referral-Example-01.json"));
  const auto& s = sheetOf(d);
  EXPECT_EQ(s.kind, mapping::SheetKind::Discharge);
  EXPECT_THAT(s.sheetId, StartsWith("fhirjp-"));
  EXPECT_EQ(s.patient.nameKanji, "牧野 爛漫");
  EXPECT_EQ(s.patient.nameKana, "マキノ ランマン");
  EXPECT_EQ(s.patient.sex, "2");
  EXPECT_EQ(s.patient.birthDate, (Date{1930, 6, 28}));
  EXPECT_EQ(s.patient.postalCode, "781-8125");
  EXPECT_EQ(s.patient.address, "高知県高知市五台山4200-6");
  EXPECT_EQ(s.patient.phone, "03-123-1234");
  EXPECT_EQ(s.dates.recordedOn, (Date{2020, 8, 21}));
  EXPECT_EQ(s.dates.admittedOn, (Date{2020, 8, 20}));  // the outpatient visit (classHistory)
  EXPECT_EQ(s.dates.providedOn, (Date{2021, 11, 26}));
  ASSERT_EQ(s.diagnoses.size(), 2u);
  EXPECT_EQ(s.diagnoses[0].name, "上腹部痛");
  EXPECT_EQ(s.diagnoses[1].name, "腰痛");
  EXPECT_FALSE(s.diagnoses[0].onsetDate);  // 2022-06-09 is after the document date 2020-08-21
  ASSERT_TRUE(s.contacts && s.contacts->hospital && s.contacts->attendingDoctor);
  EXPECT_EQ(s.contacts->hospital->institution, "港診療所");
  EXPECT_EQ(s.contacts->hospital->institutionCode, "1319876543");
  EXPECT_EQ(s.contacts->attendingDoctor->name, "大河内 勘三郎");
  ASSERT_TRUE(s.discharge);
  EXPECT_EQ(s.discharge->contraindications, "サバ　キーウイ　ヨード禁");
  EXPECT_EQ(s.discharge->courseAndTreatment, "添付参照");
  EXPECT_EQ(s.notes, "【紹介先】東京第一テスト病院\n【紹介目的】腹痛精査お願いします。");

  const LossReport& l = d.losses;
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Approximated, "/LiaisonSheet", "57133-1"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Approximated, "/LiaisonSheet/dates/admittedOn",
                      "Bundle.entry[2].resource.classHistory[0].period.start"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[1].resource.identifier[0]",
                      "hospital's own patient number"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[0].resource.section[2].section[3]",
                      "'既往歴' (code 370) with its 2 entries"));
  EXPECT_TRUE(
      hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[8].resource.onsetDateTime", "2022-06-09"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[17].resource", "DocumentReference"));
  // Resources dropped with their section are not listed again one by one.
  EXPECT_FALSE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[11].resource"));
  EXPECT_TRUE(mapping::validate(mapping::CanonicalDocument{s}).empty());
}

TEST(FhirJpSamples, NoEntryExampleDecodesAsPublished) {
  const Decoded d = decode(sample("CLINS-Referral-NoEntry-Example-01.json"));
  const auto& s = sheetOf(d);
  EXPECT_EQ(s.patient.nameKana, "マキノ ランマン");
  EXPECT_EQ(s.dates.admittedOn, (Date{2020, 8, 21}));  // no Encounter: Composition.event
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Approximated, "/LiaisonSheet/dates/admittedOn",
                      "Bundle.entry[0].resource.event[0].period.start"));
  ASSERT_EQ(s.diagnoses.size(), 1u);
  EXPECT_EQ(s.diagnoses[0].name, "2022-06-09 上腹部痛、2022-05 腰痛");
  ASSERT_TRUE(s.medication);
  ASSERT_EQ(s.medication->drugs.size(), 2u);
  EXPECT_EQ(s.medication->drugs[1].name, "レバミピド錠100mg1錠　　１日3回毎食後");
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Approximated, "/LiaisonSheet/medication"));
  ASSERT_TRUE(s.discharge && s.discharge->courseAndTreatment);
  EXPECT_THAT(*s.discharge->courseAndTreatment, HasSubstr("緊急⼊院となった．\n⼊院時現症"));
  ASSERT_TRUE(s.notes);
  EXPECT_THAT(*s.notes, HasSubstr("【備考・連絡】よろしくお願いします。"));
  EXPECT_EQ(s.contacts->attendingDoctor->name, "大河内 勘三郎");
}

TEST(FhirJpSamples, TheSameBundleIdentifierGivesTheSameSheetId) {
  // Both samples carry 1318814790^2024^0123-Referral-203949583949: the second replaces the first.
  const auto a = sheetOf(decode(sample("CLINS-Referral-Example-01.json"))).sheetId;
  const auto b = sheetOf(decode(sample("CLINS-Referral-NoEntry-Example-01.json"))).sheetId;
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 63u);
  const std::string other = replaced(sample("CLINS-Referral-Example-01.json"),
                                     "0123-Referral-203949583949", "0123-Referral-203949583950");
  EXPECT_NE(sheetOf(decode(other)).sheetId, a);
}

TEST(FhirJpDischargeSummary, ClinsUrlsDecodeFieldByField) {
  const Decoded d = decode(fixture("fhir_jp/discharge-summary-clins.json"));
  const auto& s = sheetOf(d);
  EXPECT_EQ(s.patient.nameKanji, "流山 一郎");
  EXPECT_EQ(s.patient.nameKana, "ナガレヤマ イチロウ");
  EXPECT_EQ(s.patient.sex, "1");
  EXPECT_EQ(s.patient.birthDate, (Date{1938, 9, 12}));
  EXPECT_EQ(s.patient.postalCode, "270-0156");
  EXPECT_EQ(s.patient.phone, "04-7150-1234");
  // Composition.date 2024-03-14T16:30:00Z is 2024-03-15 01:30 in Japan.
  EXPECT_EQ(s.dates.recordedOn, (Date{2024, 3, 15}));
  EXPECT_EQ(s.dates.admittedOn, (Date{2024, 2, 14}));
  EXPECT_EQ(s.dates.plannedDischargeOn, (Date{2024, 3, 15}));
  EXPECT_EQ(s.dates.providedOn, (Date{2024, 3, 15}));
  // 退院時診断 (344) before 入院時診断 (342); ICD-10 S720 written S72.0; "2015" has no day.
  ASSERT_EQ(s.diagnoses.size(), 3u);
  EXPECT_EQ(s.diagnoses[0].name, "右大腿骨頸部骨折（人工骨頭置換術後）");
  EXPECT_EQ(s.diagnoses[0].onsetDate, (Date{2024, 2, 14}));
  EXPECT_EQ(s.diagnoses[1].name, "高血圧症");
  EXPECT_EQ(s.diagnoses[1].icd10, "I10");
  EXPECT_FALSE(s.diagnoses[1].onsetDate);
  EXPECT_EQ(s.diagnoses[2].icd10, "S72.0");
  ASSERT_TRUE(s.medication);
  ASSERT_EQ(s.medication->drugs.size(), 2u);
  EXPECT_EQ(s.medication->drugs[0].name, "アムロジピン錠5mg");
  EXPECT_EQ(s.medication->drugs[0].dosage, "1回1錠 1日1回 朝食後");
  EXPECT_EQ(s.medication->drugs[1].name, "酸化マグネシウム錠330mg");  // from the coding display
  EXPECT_EQ(s.medication->drugs[1].dosage, "1回1錠 / 1日3回 毎食後");
  ASSERT_TRUE(s.family && s.family->keyPerson);
  EXPECT_EQ(s.family->keyPerson->name, "流山 明子");
  EXPECT_EQ(s.family->keyPerson->relationship, "長女");
  EXPECT_EQ(s.family->keyPerson->phone, "090-1234-5678");
  ASSERT_TRUE(s.contacts && s.contacts->hospital && s.contacts->attendingDoctor);
  EXPECT_EQ(s.contacts->hospital->institution, "流山中央病院");
  EXPECT_EQ(s.contacts->hospital->institutionCode, "1212345678");
  EXPECT_EQ(s.contacts->hospital->ward, "4階東病棟");
  EXPECT_EQ(s.contacts->hospital->phone, "04-7150-0000");
  EXPECT_EQ(s.contacts->attendingDoctor->name, "江戸川 健");
  EXPECT_EQ(s.contacts->attendingDoctor->institution, "流山中央病院");
  EXPECT_FALSE(s.contacts->careManager);
  ASSERT_TRUE(s.discharge);
  EXPECT_EQ(s.discharge->disposition, "1");
  EXPECT_EQ(s.discharge->causeDisease, "自宅で転倒し、右大腿部痛のため救急搬送。");
  EXPECT_EQ(s.discharge->courseAndTreatment,
            "2月15日 人工骨頭置換術施行。\n術後リハビリにて杖歩行自立。<創部>は治癒。");
  EXPECT_EQ(s.discharge->homeReturnRequirements,
            "杖歩行。転倒予防のため夜間はポータブルトイレを使用。\n2週間後に整形外科外来受診。");
  EXPECT_EQ(s.discharge->contraindications, "ロキソプロフェン：発疹");
  ASSERT_TRUE(s.wishes);
  EXPECT_EQ(s.wishes->advanceCarePlanning,
            "延命治療は希望しない（本人・長女と確認、2024-03-10）。");
  EXPECT_FALSE(s.notes);

  const LossReport& l = d.losses;
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped,
                      "Bundle.entry[2].resource.hospitalization.admitSource", "家庭からの入院"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[0].resource.section[0].section[3]",
                      "'感染症情報' (code 520)"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[0].resource.section[0].section[4]",
                      "with its 1 entries"));
  EXPECT_TRUE(
      hasLoss(l, Loss::Kind::Dropped, "Bundle.entry[7].resource.onsetDateTime", "without a day"));
  EXPECT_EQ(l.entries().size(), 5u) << l.text();
}

TEST(FhirJpDischargeSummary, OlderEDischargeSummaryUrlsDecodeFieldByField) {
  const Decoded d = decode(fixture("fhir_jp/discharge-summary-edischarge.json"));
  const auto& s = sheetOf(d);
  EXPECT_EQ(s.patient.nameKanji, "柏 花子");       // family + given
  EXPECT_EQ(s.patient.nameKana, "カシワ ハナコ");  // half-width ｶｼﾜ ﾊﾅｺ folded
  EXPECT_EQ(s.patient.sex, "2");
  EXPECT_EQ(s.patient.address, "千葉県柏市柏の葉5丁目6番7号");  // state + city + lines
  EXPECT_EQ(s.patient.postalCode, "277-0882");                  // from ２７７－０８８２
  EXPECT_EQ(s.patient.phone, "04-7133-0001");                   // full-width digits folded
  EXPECT_EQ(s.dates.recordedOn, (Date{2023, 12, 27}));
  EXPECT_EQ(s.dates.admittedOn, (Date{2023, 12, 1}));  // the 入院期間 of Composition.event
  EXPECT_EQ(s.dates.plannedDischargeOn, (Date{2023, 12, 28}));
  EXPECT_FALSE(hasLoss(d.losses, Loss::Kind::Approximated, "/LiaisonSheet/dates/admittedOn"));
  ASSERT_EQ(s.diagnoses.size(), 1u);
  EXPECT_EQ(s.diagnoses[0].name, "慢性心不全");
  EXPECT_EQ(s.diagnoses[0].onsetDate, (Date{2023, 12, 1}));  // 2023-11-30T23:30-03:00 in Japan
  ASSERT_TRUE(s.medication);
  EXPECT_EQ(s.medication->drugs.at(0).name, "フロセミド錠20mg");
  EXPECT_EQ(s.medication->drugs.at(0).dosage, "1回1錠 1日1回 朝食後");
  ASSERT_TRUE(s.contacts && s.contacts->attendingDoctor);  // through the PractitionerRole
  EXPECT_EQ(s.contacts->attendingDoctor->name, "我孫子 誠");
  EXPECT_EQ(s.contacts->attendingDoctor->institutionCode, "1219876543");
  EXPECT_EQ(s.contacts->hospital->institution, "柏の葉北総合病院");
  ASSERT_TRUE(s.discharge);
  EXPECT_EQ(s.discharge->disposition, "4");
  EXPECT_EQ(s.discharge->courseAndTreatment, "利尿薬にて体重−3kg。\n歩行器で病棟内歩行可能。");
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "Bundle.entry[0].resource.section[3]",
                      "'入院時服薬' (code 432)"));
}

TEST(FhirJpDecode, LongNarrativeIsTruncatedWithALoss) {
  const std::string longText(3000, 'x');
  const Decoded d = decode(replaced(fixture("fhir_jp/discharge-summary-clins.json"),
                                    "<p>2月15日 人工骨頭置換術施行。</p>", longText));
  const auto& course = *sheetOf(d).discharge->courseAndTreatment;
  EXPECT_EQ(course.size(), 1999u + std::string("…").size());
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Truncated, "/LiaisonSheet/discharge/courseAndTreatment",
                      "cut from 3023 to 2000 characters (from Bundle.entry[0].resource.section[0]"
                      ".section[1].section[1].text.div)"))
      << d.losses.text();
}

TEST(FhirJpDecode, AtMostTenDiagnosesAreKept) {
  std::string bundle = fixture("fhir_jp/discharge-summary-clins.json");
  std::string more;
  for (int i = 0; i < 10; ++i) {
    more += ",\n    {\"fullUrl\": \"urn:uuid:00000000-0000-4000-8000-0000000001" +
            std::to_string(10 + i) +
            "\", \"resource\": {\"resourceType\": \"Condition\", \"code\": {\"text\": \"追加病名" +
            std::to_string(i) + "\"}}}";
  }
  bundle.insert(bundle.rfind("\n  ]\n}"), more);
  const Decoded d = decode(bundle);
  const auto& s = sheetOf(d);
  ASSERT_EQ(s.diagnoses.size(), 10u);
  EXPECT_EQ(s.diagnoses[3].name, "追加病名0");
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "Bundle.entry[21].resource", "at most 10"));
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "Bundle.entry[19].resource", "at most 10"));
}

mapping::LiaisonSheet admissionSheet() {
  return mapping::parseLiaisonSheet(fixture("canonical/admission-sheet.xml"));
}

TEST(FhirJpEncode, WritesADeterministicClinsBundle) {
  const Encoded a = FhirJpAdapter().encode(admissionSheet());
  const Encoded b = FhirJpAdapter().encode(admissionSheet());
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.suggestedName, "fhir-jp-0190e8a2-7c1d-7b3e-9f20-4a6d2c1b8e02.json");
  EXPECT_THAT(a.bytes, StartsWith("{\n  \"resourceType\": \"Bundle\",\n"));
  EXPECT_THAT(a.bytes,
              HasSubstr("\"value\": \"1270700001^2024^0190e8a2-7c1d-7b3e-9f20-4a6d2c1b8e02\""));
  EXPECT_THAT(a.bytes, HasSubstr("http://jpfhir.jp/fhir/clins/CodeSystem/document-section"));
  EXPECT_THAT(a.bytes, HasSubstr("\"valueCode\": \"SYL\""));
  EXPECT_THAT(a.bytes, HasSubstr("ADL：移動 見守り、移乗 自立"));
  EXPECT_THAT(a.bytes, Not(HasSubstr("eDischargeSummary")));
  EXPECT_THAT(a.bytes, Not(HasSubstr("eReferral/CodeSystem")));
  EXPECT_TRUE(
      hasLoss(a.losses, Loss::Kind::Approximated, "/LiaisonSheet/adl", "rendered as narrative"));
  EXPECT_TRUE(hasLoss(a.losses, Loss::Kind::Approximated, "/LiaisonSheet/insurance", "220"));
  EXPECT_TRUE(hasLoss(a.losses, Loss::Kind::Dropped, "/LiaisonSheet/patient/municipalityCode"));
}

TEST(FhirJpEncode, RefusesWhatHospitalsDoNotReceive) {
  const auto discharge = mapping::parseLiaisonSheet(fixture("canonical/discharge-sheet.xml"));
  EXPECT_THROW(FhirJpAdapter().encode(discharge), AdapterError);
  const auto update = mapping::parseCanonical(fixture("canonical/case-update.xml"));
  EXPECT_THROW(FhirJpAdapter().encode(update), AdapterError);
}

TEST(FhirJpRoundTrip, AdmissionSheetSurvivesEncodeThenDecode) {
  const mapping::LiaisonSheet in = admissionSheet();
  const Decoded d = decode(FhirJpAdapter().encode(in).bytes);
  const auto& out = sheetOf(d);
  // The decoder always gives a discharge sheet: compare what a hospital's reply can carry.
  EXPECT_EQ(out.kind, mapping::SheetKind::Discharge);
  EXPECT_EQ(out.patient.nameKanji, in.patient.nameKanji);
  EXPECT_EQ(out.patient.nameKana, in.patient.nameKana);
  EXPECT_EQ(out.patient.sex, in.patient.sex);
  EXPECT_EQ(out.patient.birthDate, in.patient.birthDate);
  EXPECT_EQ(out.patient.postalCode, in.patient.postalCode);
  EXPECT_EQ(out.patient.address, in.patient.address);
  EXPECT_FALSE(out.patient.municipalityCode);  // dropped by the encoder, with a loss
  EXPECT_EQ(out.dates.recordedOn, in.dates.recordedOn);
  EXPECT_EQ(out.dates.admittedOn, in.dates.admittedOn);
  EXPECT_EQ(out.dates.providedOn, in.dates.providedOn);
  ASSERT_TRUE(out.contacts);
  EXPECT_EQ(out.contacts->careManager->name, in.contacts->careManager->name);
  EXPECT_EQ(out.contacts->careManager->office, in.contacts->careManager->office);
  EXPECT_EQ(out.contacts->careManager->officeNumber, in.contacts->careManager->officeNumber);
  EXPECT_EQ(out.contacts->careManager->phone, in.contacts->careManager->phone);
  EXPECT_EQ(out.contacts->attendingDoctor->name, in.contacts->attendingDoctor->name);
  EXPECT_EQ(out.contacts->attendingDoctor->institution, in.contacts->attendingDoctor->institution);
  EXPECT_EQ(out.contacts->attendingDoctor->institutionCode,
            in.contacts->attendingDoctor->institutionCode);
  EXPECT_EQ(out.contacts->hospital->institution, in.contacts->hospital->institution);
  EXPECT_EQ(out.contacts->hospital->institutionCode, in.contacts->hospital->institutionCode);
  EXPECT_EQ(out.contacts->hospital->ward, in.contacts->hospital->ward);
  ASSERT_EQ(out.diagnoses.size(), 1u);
  EXPECT_EQ(out.diagnoses[0].name, in.diagnoses[0].name);
  EXPECT_EQ(out.diagnoses[0].icd10, in.diagnoses[0].icd10);
  EXPECT_EQ(out.diagnoses[0].onsetDate, in.diagnoses[0].onsetDate);
  ASSERT_TRUE(out.medication);
  EXPECT_EQ(out.medication->drugs[0].name, in.medication->drugs[0].name);
  EXPECT_EQ(out.medication->drugs[0].dosage, in.medication->drugs[0].dosage);
  EXPECT_EQ(out.family->keyPerson->name, in.family->keyPerson->name);
  EXPECT_EQ(out.family->keyPerson->relationship, in.family->keyPerson->relationship);
  // Items rendered as narrative come back inside 備考 (notes) or are dropped with their section.
  ASSERT_TRUE(out.notes);
  EXPECT_THAT(*out.notes, HasSubstr("被保険者番号：0000654321"));
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped,
                      "Bundle.entry[0].resource.section[2].section[3]", "(code 610)"));
  // Encoding the same sheet twice gives the same Bundle identifier, hence the same sheet id.
  EXPECT_EQ(sheetOf(decode(FhirJpAdapter().encode(in).bytes)).sheetId, out.sheetId);
}

}  // namespace
}  // namespace tsunagi::adapters
