// The kintone adapter with the shipped Nagareyama profile: REST record shapes → LiaisonSheet and
// CaseUpdate, the write shape back, round trips, approximations and the loss note.

#include "adapters/kintone/kintone_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "kintone_test_support.hpp"
#include "mapping/profile/profile.hpp"

namespace tsunagi::adapters {
namespace {

using kintone_test::decode;
using kintone_test::fixture;
using kintone_test::nagareyama;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

mapping::LiaisonSheet sheetFromFixture() {
  Decoded d = decode(fixture("nagareyama-sheet-record.json"));
  EXPECT_EQ(d.documents.size(), 1u);
  return std::get<mapping::LiaisonSheet>(d.documents.at(0));
}

TEST(Kintone, DecodesARecordJsonIntoAnAdmissionSheet) {
  const mapping::LiaisonSheet s = sheetFromFixture();
  EXPECT_EQ(s.kind, mapping::SheetKind::Admission);
  EXPECT_EQ(s.sheetId, "nagareyama-kt31-1207");
  EXPECT_EQ(s.dates.recordedOn, (mapping::Date{2024, 3, 4}));
  EXPECT_EQ(s.patient.nameKanji, "髙橋 よし子");
  EXPECT_EQ(s.patient.sex, "2");  // 女性, mapped by the profile
  EXPECT_EQ(s.patient.birthDate, (mapping::Date{1940, 3, 2}));
  ASSERT_TRUE(s.insurance);
  EXPECT_EQ(s.insurance->insurerNumber, "122200");   // blank in the app: the profile's default
  EXPECT_EQ(s.insurance->careLevel, "22");           // 要介護２ (full-width digit)
  EXPECT_EQ(s.insurance->certificationStatus, "2");  // 認定済: the table's label
  ASSERT_TRUE(s.independence);
  EXPECT_EQ(s.independence->disability, "22");
  EXPECT_EQ(s.independence->dementia, "04");  // Ⅱb
  ASSERT_TRUE(s.adl);
  EXPECT_EQ(s.adl->mobility, "3");
  EXPECT_EQ(s.adl->eating, "1");
  EXPECT_EQ(s.adl->bathing, "4");
  EXPECT_FALSE(s.adl->urination);  // DROP_DOWN null
  EXPECT_EQ(s.adl->mobilityAid, "2");
  ASSERT_TRUE(s.nutrition);
  EXPECT_EQ(s.nutrition->thickenedFluids, false);
  ASSERT_TRUE(s.family);
  EXPECT_EQ(s.family->livesAlone, true);  // CHECK_BOX ["独居"]
  EXPECT_EQ(s.family->keyPerson->relationship, "長男");
  ASSERT_TRUE(s.admission);
  EXPECT_THAT(s.admission->enclosedCarePlanTables, ElementsAre("1", "2"));
  EXPECT_EQ(s.admission->lifeHistory, "流山で50年、青果店を営んでいた。\n夫は2019年に他界。");
  ASSERT_TRUE(s.medication);
  ASSERT_EQ(s.medication->drugs.size(), 2u);  // SUBTABLE rows
  EXPECT_EQ(s.medication->drugs[1].name, "酸化マグネシウム錠330mg");
  EXPECT_EQ(s.medication->drugs[1].dosage, "1日3回 毎食後");
  ASSERT_EQ(s.diagnoses.size(), 1u);
  EXPECT_EQ(s.diagnoses[0].onsetDate, (mapping::Date{2024, 3, 1}));
  EXPECT_FALSE(s.wishes->family);  // "" is blank
  EXPECT_EQ(s.contacts->careManager->officeNumber, "1272000123");
}

TEST(Kintone, DecodesARecordsListIntoOneUpdatePerRecord) {
  Decoded d = decode(fixture("nagareyama-updates-records.json"));
  ASSERT_EQ(d.documents.size(), 2u);
  const auto& first = std::get<mapping::CaseUpdate>(d.documents[0]);
  EXPECT_EQ(first.updateId, "nagareyama-kt32-5501");
  EXPECT_EQ(first.caseId, "case-2024-0042");
  EXPECT_EQ(first.postedAt, "2024-03-05T00:30:00Z");
  EXPECT_EQ(first.author.profession, "04");  // 看護師: the table's label
  ASSERT_TRUE(first.vitals);
  EXPECT_EQ(first.vitals->systolic, 132);
  EXPECT_FALSE(first.vitals->spo2);  // NUMBER ""
  EXPECT_EQ(first.vitals->temperature, "36.6");
  EXPECT_EQ(first.medicationStatus, "2");
  EXPECT_EQ(first.adlChange->change, "2");
  EXPECT_FALSE(first.author.organisationCode);
  const auto& second = std::get<mapping::CaseUpdate>(d.documents[1]);
  EXPECT_EQ(second.author.profession, "06");  // ケアマネジャー: mapped by the profile
  EXPECT_FALSE(second.vitals);
  EXPECT_FALSE(second.adlChange);
}

TEST(Kintone, TheAppInMetadataChoosesTheMapping) {
  // A CaseUpdate record declared as app 31 (the sheet app) is read as a sheet and refused.
  try {
    decode(R"({"record":{"$id":{"type":"__ID__","value":"9"}}})", {{"app", "31"}});
    FAIL() << "accepted";
  } catch (const AdapterError& e) {
    EXPECT_THAT(e.what(), HasSubstr("field 記入日: is missing but required"));
  }
}

TEST(Kintone, EncodesTheWriteShapeWithoutTypes) {
  Encoded e = nagareyama().encode(sheetFromFixture());
  EXPECT_THAT(e.bytes, HasSubstr("\"app\": 31,\n  \"id\": \"1207\",\n  \"record\": {"))
      << "a record of the app is written in the update shape (PUT) with its record id";
  EXPECT_THAT(e.bytes, HasSubstr("\"氏名\": {\n      \"value\": \"髙橋 よし子\"\n    }"));
  EXPECT_THAT(e.bytes, HasSubstr("\"要介護度\": {\n      \"value\": \"要介護２\"\n    }"));
  EXPECT_THAT(e.bytes, HasSubstr("\"生年月日\": {\n      \"value\": \"1940-03-02\"\n    }"));
  EXPECT_THAT(e.bytes, Not(HasSubstr("\"type\"")));
  EXPECT_THAT(e.bytes, Not(HasSubstr("\"$id\"")))
      << "the record id is kintone's to give; it is written only as the update's id";
  EXPECT_THAT(e.bytes, Not(HasSubstr("連携ID"))) << "a record of the app has no origin id";
  EXPECT_EQ(e.suggestedName, "kintone-app31-nagareyama-kt31-1207.json");
}

TEST(Kintone, SheetRoundTripsThroughTheUpdateShape) {
  const mapping::LiaisonSheet original = sheetFromFixture();
  Encoded e = nagareyama().encode(original);
  EXPECT_TRUE(e.losses.empty()) << e.losses.text();
  Decoded back = decode(e.bytes);
  ASSERT_EQ(back.documents.size(), 1u);
  EXPECT_EQ(mapping::serialize(back.documents[0]), mapping::serialize(original));
}

TEST(Kintone, UpdateRoundTripsThroughTheUpdateShape) {
  Decoded d = decode(fixture("nagareyama-updates-records.json"));
  for (const auto& doc : d.documents) {
    Encoded e = nagareyama().encode(doc);
    EXPECT_TRUE(e.losses.empty()) << e.losses.text();
    const std::string id = std::get<mapping::CaseUpdate>(doc).updateId.substr(16);
    EXPECT_THAT(e.bytes, HasSubstr("\"app\": 32,\n  \"id\": \"" + id + "\""));
    Decoded back = decode(e.bytes);
    EXPECT_EQ(mapping::serialize(back.documents.at(0)), mapping::serialize(doc));
  }
}

TEST(Kintone, DecodesTheUpdateShapeWithItsIdAsTheRecordId) {
  const std::string record =
      R"("record":{"ケースID":{"value":"case-1"},"投稿日時":{"value":"2024-03-05T00:30:00Z"},)"
      R"("投稿者":{"value":"佐々木 真理"},"職種":{"value":"看護師"},"所属":{"value":"訪看"},)"
      R"("本文":{"value":"訪問しました。"}}})";
  Decoded d = decode(R"({"app":32,"id":"77",)" + record);
  EXPECT_EQ(std::get<mapping::CaseUpdate>(d.documents.at(0)).updateId, "nagareyama-kt32-77");
  Decoded numeric = decode(R"({"app":32,"id":77,)" + record);
  EXPECT_EQ(std::get<mapping::CaseUpdate>(numeric.documents.at(0)).updateId, "nagareyama-kt32-77");
  EXPECT_THAT([&] { decode(R"({"app":32,"id":"7a",)" + record); },
              ThrowsMessage<AdapterError>(HasSubstr("id: '7a' is not a kintone record id")));
  EXPECT_THAT(
      [&] { decode(R"({"app":32,"id":"77","record":{"$id":{"value":"78"},)" + record.substr(10)); },
      ThrowsMessage<AdapterError>(
          HasSubstr("record.$id: the record's $id '78' differs from id 77")));
}

mapping::LiaisonSheet sheetFromElsewhere() {
  mapping::LiaisonSheet s = sheetFromFixture();
  s.sheetId = "fhirjp-3f2b9c1e-0d4a-4e7b-9a51-2c8e6f10b7d4";
  return s;
}

TEST(Kintone, ASheetFromElsewhereIsAddedWithItsIdInTheOriginIdField) {
  const mapping::LiaisonSheet s = sheetFromElsewhere();
  Encoded e = nagareyama().encode(s);
  EXPECT_TRUE(e.losses.empty()) << e.losses.text();
  EXPECT_THAT(e.bytes, HasSubstr("\"app\": 31,\n  \"record\": {"))
      << "the add shape (POST): kintone gives the new record its id";
  EXPECT_THAT(e.bytes, Not(HasSubstr("\"id\"")));
  EXPECT_THAT(e.bytes, HasSubstr("\"連携ID\": {\n      \"value\": \"" + s.sheetId + "\""));
  Decoded back = decode(e.bytes);
  EXPECT_EQ(mapping::serialize(back.documents.at(0)), mapping::serialize(s));
}

TEST(Kintone, ARecordWithAnOriginIdHasThatDocumentId) {
  // The record kintone made when the gateway added the sheet: its own $id, and 連携ID.
  std::string json = fixture("nagareyama-sheet-record.json");
  json.insert(json.find("\"記入日\""),
              R"("連携ID": {"type": "SINGLE_LINE_TEXT", "value": "kashiwa-room-S-0042"}, )");
  Decoded d = decode(json);
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(d.documents.at(0)).sheetId, "kashiwa-room-S-0042");
}

TEST(Kintone, WithoutAnOriginIdFieldTheIdOfASheetFromElsewhereIsDeclaredDropped) {
  std::ifstream in(mapping::profile::locateProfile("nagareyama-kintone"), std::ios::binary);
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at; (at = xml.find("    <originId source=\"連携ID\"/>\n")) != std::string::npos;)
    xml.erase(at, std::string("    <originId source=\"連携ID\"/>\n").size());
  const KintoneAdapter adapter(std::make_shared<const mapping::profile::Profile>(
      mapping::profile::parseProfile(xml, "no-origin.xml")));

  Encoded e = adapter.encode(sheetFromElsewhere());
  EXPECT_THAT(e.bytes, Not(HasSubstr("\"id\"")));
  EXPECT_THAT(e.bytes, Not(HasSubstr("fhirjp-")));
  ASSERT_EQ(e.losses.entries().size(), 1u) << e.losses.text();
  const Loss& loss = e.losses.entries().front();
  EXPECT_EQ(loss.kind, Loss::Kind::Dropped);
  EXPECT_EQ(loss.path, "/LiaisonSheet/sheetId");
  EXPECT_THAT(loss.detail, HasSubstr("not a record of app 31"));
  EXPECT_THAT(loss.detail, HasSubstr("names no originId field"));
  // A record of the app itself still loses nothing.
  EXPECT_TRUE(adapter.encode(sheetFromFixture()).losses.empty());
}

TEST(Kintone, SupervisionIsWrittenAsPartialHelpAndReportedApproximated) {
  mapping::LiaisonSheet s = sheetFromFixture();
  s.adl->mobility = "2";  // 見守り: the app has no such level
  Encoded e = nagareyama().encode(s);
  EXPECT_THAT(e.bytes, HasSubstr("\"ADL移動\": {\n      \"value\": \"一部介助\""));
  ASSERT_FALSE(e.losses.empty());
  const Loss& loss = e.losses.entries().front();
  EXPECT_EQ(loss.kind, Loss::Kind::Approximated);
  EXPECT_EQ(loss.path, "/LiaisonSheet/adl/mobility");
  EXPECT_EQ(loss.detail, "見守り (2) written as 一部介助");
}

TEST(Kintone, FieldsTheProfileDoesNotMapAreDropped) {
  mapping::LiaisonSheet s = sheetFromFixture();
  s.nutrition->mealForm = "1";
  s.paralysis = "0";
  Encoded e = nagareyama().encode(s);
  std::vector<std::string> dropped;
  for (const Loss& l : e.losses.entries()) {
    if (l.kind == Loss::Kind::Dropped) dropped.push_back(l.path);
  }
  EXPECT_THAT(dropped, ElementsAre("/LiaisonSheet/nutrition/mealForm", "/LiaisonSheet/paralysis"));
}

TEST(Kintone, TextsLongerThanTheAppAllowsAreTruncated) {
  mapping::LiaisonSheet s = sheetFromFixture();
  s.admission->lifeHistory = std::string(300, 'a') + std::string(150, 'b');  // 450 > 400
  s.admission->lifeHistory->replace(0, 3, "流");
  Encoded e = nagareyama().encode(s);
  bool truncated = false;
  for (const Loss& l : e.losses.entries()) {
    if (l.kind == Loss::Kind::Truncated && l.path == "/LiaisonSheet/admission/lifeHistory") {
      truncated = true;
      EXPECT_THAT(l.detail, HasSubstr("to 400 characters"));
      EXPECT_THAT(l.detail, HasSubstr("生活歴"));
    }
  }
  EXPECT_TRUE(truncated) << e.losses.text();
}

TEST(Kintone, TheLossNoteGoesToTheNotesFieldAndIsNotReadBack) {
  mapping::LiaisonSheet s = sheetFromFixture();
  s.adl->eating = "2";
  EncodeOptions options;
  options.appendLossNote = true;
  options.upstream.add(Loss::Kind::Dropped, "/LiaisonSheet/discharge/prognosis",
                       "予後: 受信側に欄なし");
  Encoded e = nagareyama().encode(s, options);
  EXPECT_THAT(
      e.bytes,
      HasSubstr(
          "①夜間のトイレ誘導をお願いします\\n【連携時の注意】変換で欠落1件・近似1件があります"));
  Decoded back = decode(e.bytes);
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(back.documents.at(0)).notes, s.notes);
}

TEST(Kintone, AHospitalsDischargeSheetIsAddedToTheDischargeApp) {
  // A discharge sheet from a hospital elsewhere (no 介護保険 numbers, as FHIR and SS-MIX2 send
  // it) lands in app 33 退院時情報 with its own id in 連携ID, and reads back the same.
  mapping::LiaisonSheet s = sheetFromElsewhere();
  s.kind = mapping::SheetKind::Discharge;
  s.insurance.reset();
  s.patient.postalCode.reset();
  s.patient.phone.reset();
  s.admission.reset();
  s.wishes.reset();
  s.family.reset();
  s.independence.reset();
  s.nutrition.reset();
  s.medication.reset();
  s.adl = mapping::Adl{};
  s.adl->mobility = "3";
  s.contacts = mapping::Contacts{};
  s.contacts->hospital = mapping::Hospital{};
  s.contacts->hospital->institution = "柏の葉総合病院";
  s.contacts->hospital->ward = "4階東病棟";
  s.discharge = mapping::DischargeDetails{};
  s.discharge->causeDisease = "大腿骨頸部骨折";
  s.discharge->courseAndTreatment = "人工骨頭置換術。\n杖歩行自立。";
  Encoded e = nagareyama().encode(s);
  EXPECT_THAT(e.bytes, HasSubstr("\"app\": 33,\n  \"record\": {"));
  EXPECT_THAT(e.bytes, HasSubstr("\"入院中の経過\": {\n      \"value\": \"人工骨頭置換術。\\n杖歩行自立。\""));
  EXPECT_THAT(e.bytes, HasSubstr("\"連携ID\": {\n      \"value\": \"" + s.sheetId + "\""));
  Decoded back = decode(e.bytes);
  ASSERT_EQ(back.documents.size(), 1u);
  EXPECT_EQ(mapping::serialize(back.documents.at(0)), mapping::serialize(s));
}

TEST(Kintone, ACaseMembershipHasNoMappingInThisProfile) {
  mapping::CaseMembership m;
  m.eventId = "0190e8a2-9000-7000-8000-000000000001";
  m.caseId = "case-122203-2024-0001";
  try {
    nagareyama().encode(m);
    FAIL() << "encoded";
  } catch (const AdapterError& e) {
    EXPECT_THAT(e.what(), HasSubstr("profile nagareyama-kintone has no mapping for CaseMembership"));
  }
}

TEST(Kintone, ReportsTheDocumentTypesOfItsProfile) {
  EXPECT_THAT(nagareyama().documentTypes(), ElementsAre("LiaisonSheet", "CaseUpdate"));
  EXPECT_TRUE(nagareyama().canEncode());
  EXPECT_EQ(nagareyama().name(), "kintone");
}

}  // namespace
}  // namespace tsunagi::adapters
