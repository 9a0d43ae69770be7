// careplan_csv: decoding a set into the admission sheet, the losses it records, encoding back and
// the round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/registry.hpp"
#include "careplan_test_support.hpp"
#include "mapping/model/canonical.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters {
namespace {

using ::testing::Contains;
using testing::cp932File;
using ::testing::HasSubstr;
using testing::kHosokuName;
using testing::kPlan1Name;
using testing::kPlan2Name;
using testing::kPlan3Name;
using testing::plan2Record;
using testing::plan3Record;
using testing::standardSet;

const mapping::LiaisonSheet& onlySheet(const Decoded& d) {
  EXPECT_EQ(d.documents.size(), 1u);
  return std::get<mapping::LiaisonSheet>(d.documents.at(0));
}

bool hasLoss(const LossReport& r, Loss::Kind kind, const std::string& path,
             const std::string& detailPart = "") {
  for (const Loss& l : r.entries()) {
    if (l.kind == kind && l.path == path && l.detail.find(detailPart) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(CareplanCsv, IsRegisteredAndEncodes) {
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  auto adapter = registry.create("careplan_csv");
  EXPECT_EQ(adapter->name(), "careplan_csv");
  EXPECT_TRUE(adapter->canEncode());
}

TEST(CareplanCsvDecode, TheStandardSetGivesOneValidAdmissionSheet) {
  const Decoded d = CareplanCsvAdapter().decode(standardSet());
  const auto& s = onlySheet(d);
  EXPECT_EQ(s.kind, mapping::SheetKind::Admission);
  EXPECT_TRUE(mapping::validate(s).empty());
  EXPECT_EQ(s.sheetId.rfind("careplan-", 0), 0u);
  EXPECT_EQ(s.dates.recordedOn, (mapping::Date{2024, 7, 1}));
  ASSERT_TRUE(s.dates.providedOn);
  EXPECT_EQ(*s.dates.providedOn, (mapping::Date{2024, 7, 2}));
  EXPECT_EQ(s.patient.nameKanji, "柏木　髙子");
  EXPECT_EQ(s.patient.nameKana, "カシワギ タカコ");  // half-width folded to full-width
  EXPECT_EQ(s.patient.sex, "2");
  EXPECT_EQ(s.patient.birthDate, (mapping::Date{1939, 6, 21}));
  EXPECT_EQ(s.patient.postalCode, "277-0005");
  EXPECT_EQ(s.patient.address, "千葉県柏市柏１－２－３ メゾン柏～①号室");
  EXPECT_EQ(s.patient.phone, "04-7150-0000");
  ASSERT_TRUE(s.insurance);
  EXPECT_EQ(s.insurance->insurerNumber, "122077");
  EXPECT_EQ(s.insurance->insuredNumber, "0001234567");
  EXPECT_EQ(s.insurance->careLevel, "22");
  EXPECT_EQ(s.insurance->certificationStatus, "2");
  ASSERT_TRUE(s.insurance->certificationPeriod);
  EXPECT_EQ(s.insurance->certificationPeriod->from, (mapping::Date{2024, 5, 1}));
  EXPECT_EQ(s.insurance->certificationPeriod->to, (mapping::Date{2026, 4, 30}));
  ASSERT_TRUE(s.contacts && s.contacts->careManager);
  EXPECT_EQ(s.contacts->careManager->name, "佐藤　花子");
  EXPECT_EQ(s.contacts->careManager->office, "㈱つなぎ 居宅介護支援事業所");
  EXPECT_EQ(s.contacts->careManager->officeNumber, "1234567890");
  ASSERT_TRUE(s.notes);
  EXPECT_EQ(
      *s.notes,
      "【課題分析の結果】\n本人：自宅で「できることは自分で」続けたい。\r\n家族：転倒が心配。\n"
      "【介護認定審査会の意見及びサービスの種類の指定】\n特になし\n"
      "【総合的な援助の方針】\n転倒を防ぎ、住み慣れた自宅での生活を続けられるよう支援します。\n"
      "【生活援助中心型の算定理由】1 一人暮らし");
  ASSERT_TRUE(s.family);
  EXPECT_EQ(s.family->livesAlone, true);
}

TEST(CareplanCsvDecode, ItemsWithoutAPlaceAreDroppedOneByOne) {
  const Decoded d = CareplanCsvAdapter().decode(standardSet());
  const LossReport& l = d.losses;
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UPHOSOKU/13", "認定日 (line 1)"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UPHOSOKU/19", "区分支給限度基準額"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UPHOSOKU/20", "１サービス種類コード"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UP1KYO/15", "初回居宅サービス計画作成日"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UP1KYO/16", "計画書区分"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UP1KYO/18", "認定日"));
  EXPECT_TRUE(hasLoss(l, Loss::Kind::Dropped, "/UP1KYO/10", "介護支援事業者郵便番号"));
  // Empty fields are not losses.
  EXPECT_FALSE(hasLoss(l, Loss::Kind::Dropped, "/UPHOSOKU/21"));
}

TEST(CareplanCsvDecode, TablesTwoAndThreeFeedServicesAndAreOtherwiseDropped) {
  LocalInput in = standardSet();
  in.extraFiles.push_back(LocalFile{
      kPlan2Name,
      cp932File({plan2Record(), plan2Record({{6, "2"}, {7, "入浴が困難"}}),
                 plan2Record({{16, "通所介護"}, {18, "デイサービス柏"}, {19, "週1回"}})})});
  in.extraFiles.push_back(LocalFile{kPlan3Name, cp932File({plan3Record()})});
  const Decoded d = CareplanCsvAdapter().decode(in);
  const auto& s = onlySheet(d);
  ASSERT_EQ(s.servicesBeforeAdmission.size(), 2u);  // the repeated 訪問介護 once
  EXPECT_EQ(s.servicesBeforeAdmission[0].name, "訪問介護");
  EXPECT_EQ(s.servicesBeforeAdmission[0].provider, "柏ヘルパーステーション");
  EXPECT_EQ(s.servicesBeforeAdmission[0].frequency, "週2回");
  EXPECT_EQ(s.servicesBeforeAdmission[1].name, "通所介護");
  EXPECT_TRUE(
      hasLoss(d.losses, Loss::Kind::Dropped, "/UP2KYO", "line 1: 課題・長期目標・短期目標"));
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "/UP2KYO", "line 2: 課題"));
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "/UP3KYO", "line 1: 週間サービス計画表"));
}

TEST(CareplanCsvDecode, SeveralPeopleInOneSet) {
  LocalInput in;
  in.name = kHosokuName;
  in.bytes =
      cp932File({testing::hosokuRecord(),
                 testing::hosokuRecord(
                     {{3, "0009999999"}, {6, "山田　太郎"}, {5, "ヤマダ タロウ"}, {7, "1"}})});
  in.extraFiles.push_back(LocalFile{
      kPlan1Name, cp932File({testing::plan1Record({{3, "0009999999"}}), testing::plan1Record()})});
  const Decoded d = CareplanCsvAdapter().decode(in);
  ASSERT_EQ(d.documents.size(), 2u);  // in UP1KYO order
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(d.documents[0]).patient.nameKanji, "山田　太郎");
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(d.documents[1]).patient.nameKanji, "柏木　髙子");
  EXPECT_NE(std::get<mapping::LiaisonSheet>(d.documents[0]).sheetId,
            std::get<mapping::LiaisonSheet>(d.documents[1]).sheetId);
}

TEST(CareplanCsvDecode, DecodeSetGroupsByTimestampInOrder) {
  const std::string later = "20240801090000";
  auto renamed = [&](std::string n) { return n.replace(n.find("20240701120000"), 14, later); };
  std::vector<LocalInput> files;
  files.push_back(LocalInput{cp932File({testing::hosokuRecord({{6, "後の人"}, {4, "20240801"}})}),
                             renamed(kHosokuName),
                             {}});
  files.push_back(LocalInput{cp932File({testing::plan1Record({{14, "20240801"}, {4, "20240801"}})}),
                             renamed(kPlan1Name),
                             {}});
  files.push_back(LocalInput{cp932File({testing::plan1Record()}), kPlan1Name, {}});
  files.push_back(LocalInput{cp932File({testing::hosokuRecord()}), kHosokuName, {}});
  const Decoded d = CareplanCsvAdapter().decodeSet(files);
  ASSERT_EQ(d.documents.size(), 2u);
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(d.documents[0]).patient.nameKanji, "柏木　髙子");
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(d.documents[1]).patient.nameKanji, "後の人");
}

TEST(CareplanCsvDecode, OlderVersionAccepted) {
  const Decoded d = CareplanCsvAdapter().decode(standardSet({{1, "202208"}}, {{1, "202208"}}));
  EXPECT_EQ(d.documents.size(), 1u);
}

TEST(CareplanCsvDecode, DifferingCareLevelKeepsUphosokusAndRecordsTheOther) {
  const Decoded d = CareplanCsvAdapter().decode(standardSet({}, {{21, "23"}}));
  EXPECT_EQ(onlySheet(d).insurance->careLevel, "22");
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "/UP1KYO/21", "'23' differs"));
}

TEST(CareplanCsvDecode, UnusablePhoneIsDroppedNotFatal) {
  const Decoded d = CareplanCsvAdapter().decode(standardSet({{12, "04(7150)0000"}}));
  EXPECT_FALSE(onlySheet(d).patient.phone);
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Dropped, "/UPHOSOKU/12", "利用者電話番号"));
}

TEST(CareplanCsvDecode, LongTextIsTruncatedWithALoss) {
  const std::string longPolicy(2100, 'a');
  const Decoded d = CareplanCsvAdapter().decode(standardSet({}, {{24, longPolicy}}));
  EXPECT_EQ(mapping::text::characterCount(*onlySheet(d).notes), 2000u);
  EXPECT_TRUE(hasLoss(d.losses, Loss::Kind::Truncated, "/LiaisonSheet/notes"));
}

// ---- encode ----

mapping::LiaisonSheet decodedStandardSheet() {
  return std::get<mapping::LiaisonSheet>(CareplanCsvAdapter().decode(standardSet()).documents[0]);
}

CareplanCsvAdapter fixedClock() {
  CareplanCsvAdapter::Options o;
  o.receiverOffice = "0300000005";
  o.receiverService = "11";
  o.timestamp = [] { return std::string("20240705093000"); };
  return CareplanCsvAdapter(o);
}

TEST(CareplanCsvEncode, TwoFilesWithTheirNamesVersionAndCrlf) {
  const Encoded e = fixedClock().encode(decodedStandardSheet());
  EXPECT_EQ(e.suggestedName, "UPHOSOKU_000000_1234567890_43_0300000005_11_20240705093000.CSV");
  ASSERT_EQ(e.extraFiles.size(), 1u);
  EXPECT_EQ(e.extraFiles[0].name, "UP1KYO_1234567890_43_0300000005_11_20240705093000.CSV");
  const std::string hosoku = mapping::text::decode(e.bytes, mapping::text::Charset::Cp932);
  EXPECT_EQ(
      hosoku.rfind("202407,122077,0001234567,20240701,カシワギ タカコ,柏木　髙子,2,19390621,", 0),
      0u);
  EXPECT_EQ(hosoku.substr(hosoku.size() - 2), "\r\n");
  EXPECT_EQ(csv::parse(hosoku).at(0).cells.size(), 63u);
  const std::string plan1 =
      mapping::text::decode(e.extraFiles[0].bytes, mapping::text::Charset::Cp932);
  const auto cells = csv::parse(plan1).at(0).cells;
  ASSERT_EQ(cells.size(), 28u);
  EXPECT_EQ(cells[12], "1234567890");
  EXPECT_EQ(cells[13], "20240701");
  EXPECT_EQ(cells[23], "転倒を防ぎ、住み慣れた自宅での生活を続けられるよう支援します。");
  EXPECT_EQ(cells[24], "1");
}

TEST(CareplanCsvEncode, RoundTripGivesTheSameSheet) {
  const mapping::LiaisonSheet original = decodedStandardSheet();
  const Encoded e = fixedClock().encode(original);
  LocalInput back{e.bytes, e.suggestedName, {}, e.extraFiles};
  const Decoded d = fixedClock().decode(back);
  EXPECT_EQ(mapping::serialize(onlySheet(d)), mapping::serialize(original));
}

TEST(CareplanCsvEncode, CharactersOutsideCp932AreSubstitutedAndReported) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.patient.nameKanji = "𠮷田　髙子";  // 𠮷 U+20BB7 is not in CP932 (髙 is: IBM extension)
  s.contacts->careManager->office =
      "つなぎ〜居宅🙂";  // WAVE DASH → ～; the emoji has no form
  const Encoded e = fixedClock().encode(s);
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Substituted, "/LiaisonSheet/patient/nameKanji",
                      "𠮷 → 吉: not in CP932 (MS932) (UPHOSOKU field 6 利用者氏名)"));
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Substituted,
                      "/LiaisonSheet/contacts/careManager/office",
                      "〜 → ～: not in CP932 (MS932) (UP1KYO field 9 介護支援事業者名)"));
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Substituted,
                      "/LiaisonSheet/contacts/careManager/office", "🙂 (U+1F642) → 〓"));
  EXPECT_THAT(mapping::text::decode(e.bytes, mapping::text::Charset::Cp932),
              HasSubstr(",吉田　髙子,"));
  EXPECT_THAT(mapping::text::decode(e.extraFiles[0].bytes, mapping::text::Charset::Cp932),
              HasSubstr(",つなぎ～居宅〓,"));
}

TEST(CareplanCsvEncode, FixedLengthFieldsAreTruncatedWithALoss) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.patient.phone = "+81-4-7150-0000-123";  // 19 characters, the layout's 電話番号 has 15
  const Encoded e = fixedClock().encode(s);
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Truncated, "/LiaisonSheet/patient/phone",
                      "cut from 19 to 15 characters for UPHOSOKU field 12 利用者電話番号"));
}

TEST(CareplanCsvEncode, FormulaLikeCellsAreNeutralised) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.contacts->careManager->office = "=HYPERLINK(\"http://x\")";
  const Encoded e = fixedClock().encode(s);
  const std::string plan1 =
      mapping::text::decode(e.extraFiles[0].bytes, mapping::text::Charset::Cp932);
  EXPECT_EQ(csv::parse(plan1).at(0).cells[8], "'=HYPERLINK(\"http://x\")");
}

TEST(CareplanCsvEncode, LossNoteGoesToTheEndOfThePolicy) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.paralysis = "2";
  EncodeOptions options;
  options.appendLossNote = true;
  const Encoded e = fixedClock().encode(s, options);
  const auto cells =
      csv::parse(mapping::text::decode(e.extraFiles[0].bytes, mapping::text::Charset::Cp932))
          .at(0)
          .cells;
  EXPECT_THAT(cells[23], HasSubstr("支援します。\n【連携時の注意】変換で"));
  EXPECT_THAT(cells[23], HasSubstr("/LiaisonSheet/paralysis"));
}

TEST(CareplanCsvEncode, OtherSheetItemsAreDroppedLosses) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.diagnoses.push_back(mapping::Diagnosis{"脳梗塞", std::nullopt, std::nullopt});
  s.patient.municipalityCode = "122173";
  const Encoded e = fixedClock().encode(s);
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Dropped, "/LiaisonSheet/diagnosis", "診断名"));
  EXPECT_TRUE(hasLoss(e.losses, Loss::Kind::Dropped, "/LiaisonSheet/patient/municipalityCode"));
}

TEST(CareplanCsvEncode, RefusesWithoutInsuranceOrOffice) {
  mapping::LiaisonSheet s = decodedStandardSheet();
  s.contacts->careManager->officeNumber.reset();
  try {
    fixedClock().encode(s);
    FAIL() << "encoded";
  } catch (const AdapterError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("/LiaisonSheet/contacts/careManager/officeNumber: is required"));
  }
  s = decodedStandardSheet();
  s.insurance.reset();
  s.family.reset();
  try {
    fixedClock().encode(s);
    FAIL() << "encoded";
  } catch (const AdapterError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/LiaisonSheet/insurance: is required"));
  }
}

}  // namespace
}  // namespace tsunagi::adapters
