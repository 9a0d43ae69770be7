// The room_csv adapter with the shipped Kashiwa profile: CP932 / UTF-8 BOM exports → sheets and
// timeline posts, 和暦 dates, round trips, CP932 substitutions and the loss note.

#include "adapters/room_csv/room_csv_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "room_csv_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using room_csv_test::cp932;
using room_csv_test::decode;
using room_csv_test::fixture;
using room_csv_test::fixtureText;
using room_csv_test::kashiwa;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(RoomCsv, DecodesACp932ExportIntoOneSheetPerRow) {
  Decoded d = decode(fixture("kashiwa-sheets.csv"));
  ASSERT_EQ(d.documents.size(), 2u);
  const auto& s = std::get<mapping::LiaisonSheet>(d.documents[0]);
  EXPECT_EQ(s.kind, mapping::SheetKind::Admission);
  EXPECT_EQ(s.sheetId, "kashiwa-room-20240311-0007");
  EXPECT_EQ(s.dates.recordedOn, (mapping::Date{2024, 3, 11}));  // 令和6年3月11日
  EXPECT_EQ(s.patient.nameKanji, "柏木 ハナ");
  EXPECT_EQ(s.patient.sex, "2");
  EXPECT_EQ(s.patient.birthDate, (mapping::Date{1940, 3, 2}));  // 昭和15年3月2日
  EXPECT_EQ(s.patient.address, "千葉県柏市柏４丁目８－１ 柏ハイツ２０３");
  EXPECT_EQ(s.insurance->insurerNumber, "122176");  // blank: the profile's default
  EXPECT_EQ(s.insurance->careLevel, "21");          // 要介護１
  EXPECT_EQ(s.insurance->certificationPeriod->to, (mapping::Date{2025, 3, 31}));
  EXPECT_EQ(s.independence->dementia, "03");  // Ⅱa (NEC row-13 character in CP932)
  EXPECT_EQ(s.adl->mobility, "2");            // 見守り: this tool has all four levels
  EXPECT_EQ(s.pressureUlcer->present, false);
  EXPECT_EQ(s.medication->status, "2");
  ASSERT_EQ(s.diagnoses.size(), 2u);
  EXPECT_EQ(s.diagnoses[1].name, "2型糖尿病");
  EXPECT_THAT(s.admission->enclosedCarePlanTables, ElementsAre("1", "2"));  // 第1表・第2表
  EXPECT_EQ(s.notes, "塩分制限 6g/日。\n玄関に段差（約20cm）あり、手すり設置済み。");

  const auto& t = std::get<mapping::LiaisonSheet>(d.documents[1]);
  EXPECT_EQ(t.patient.birthDate, (mapping::Date{1926, 12, 25}));  // 大正15年12月25日
  EXPECT_EQ(t.insurance->insuredNumber, "H123456789");            // 生活保護
  EXPECT_EQ(t.pressureUlcer->present, true);
  EXPECT_TRUE(t.diagnoses.empty());
  EXPECT_EQ(t.notes, "=床ずれ部位は写真参照");  // read as text, never evaluated
}

TEST(RoomCsv, DecodesTheTimelineExportInJapanTime) {
  Decoded d = decode(fixture("kashiwa-timeline.csv"));
  ASSERT_EQ(d.documents.size(), 2u);
  const auto& u = std::get<mapping::CaseUpdate>(d.documents[0]);
  EXPECT_EQ(u.updateId, "kashiwa-post-88120");
  EXPECT_EQ(u.caseId, "room-kashiwa-0193");
  EXPECT_EQ(u.postedAt, "2024-03-13T10:42:00+09:00");
  EXPECT_EQ(u.author.profession, "04");  // 訪問看護師
  EXPECT_EQ(u.vitals->measuredAt, "2024-03-13T10:30:00+09:00");
  EXPECT_EQ(u.vitals->spo2, 96);
  EXPECT_EQ(u.medicationStatus, "1");
  const auto& v = std::get<mapping::CaseUpdate>(d.documents[1]);
  EXPECT_EQ(v.author.profession, "06");
  EXPECT_FALSE(v.vitals);
  EXPECT_EQ(
      v.text,
      "デイサービスの利用を週2回から週3回に変更予定です。\n来週のサービス担当者会議で確認します。");
}

TEST(RoomCsv, AUtf8ByteOrderMarkMeansUtf8) {
  Decoded d = decode(fixture("kashiwa-timeline-utf8-bom.csv"));
  ASSERT_EQ(d.documents.size(), 2u);
  EXPECT_EQ(std::get<mapping::CaseUpdate>(d.documents[1]).author.name, "髙木 美和");
}

TEST(RoomCsv, EncodesACp932FileWithTheHeaderAndOneRow) {
  Decoded d = decode(fixture("kashiwa-sheets.csv"));
  Encoded e = kashiwa().encode(d.documents[0]);
  EXPECT_EQ(e.suggestedName, "kashiwa-renkei-kashiwa-room-20240311-0007.csv");
  const std::string text = mapping::text::decode(e.bytes, mapping::text::Charset::Cp932);
  EXPECT_THAT(text,
              StartsWith("連携シートID,記入日,入院日,情報提供日,利用者名,フリガナ,性別,生年月日,"));
  EXPECT_THAT(text,
              HasSubstr("\r\n20240311-0007,令和6年3月11日,令和6年3月9日,令和6年3月11日,柏木 ハナ,"
                        "カシワギ ハナ,女,昭和15年3月2日,"));
  EXPECT_THAT(text, HasSubstr(",第1表・第2表,"));
  EXPECT_THAT(text,
              HasSubstr(",\"塩分制限 6g/日。\n玄関に段差（約20cm）あり、手すり設置済み。\"\r\n"));
  EXPECT_TRUE(e.losses.empty()) << e.losses.text();
}

TEST(RoomCsv, SheetsRoundTrip) {
  Decoded d = decode(fixture("kashiwa-sheets.csv"));
  for (const auto& doc : d.documents) {
    Encoded e = kashiwa().encode(doc);
    Decoded back = decode(e.bytes);
    ASSERT_EQ(back.documents.size(), 1u);
    EXPECT_EQ(mapping::serialize(back.documents[0]), mapping::serialize(doc));
  }
}

TEST(RoomCsv, TimelineRoundTrips) {
  Decoded d = decode(fixture("kashiwa-timeline.csv"));
  for (const auto& doc : d.documents) {
    Encoded e = kashiwa().encode(doc);
    EXPECT_THAT(mapping::text::decode(e.bytes, mapping::text::Charset::Cp932),
                HasSubstr(",2024/03/13 "));
    EXPECT_EQ(mapping::serialize(decode(e.bytes).documents.at(0)), mapping::serialize(doc));
  }
}

TEST(RoomCsv, AFormulaLikeCellIsNeutralisedAndReadBack) {
  Decoded d = decode(fixture("kashiwa-sheets.csv"));
  Encoded e = kashiwa().encode(d.documents[1]);
  EXPECT_THAT(mapping::text::decode(e.bytes, mapping::text::Charset::Cp932),
              HasSubstr(",'=床ずれ部位は写真参照\r\n"));
  ASSERT_EQ(e.losses.entries().size(), 1u);
  EXPECT_EQ(e.losses.entries()[0].path, "/LiaisonSheet/notes");
  EXPECT_THAT(e.losses.entries()[0].detail,
              HasSubstr("so that spreadsheets do not run it as a formula"));
  EXPECT_EQ(std::get<mapping::LiaisonSheet>(decode(e.bytes).documents.at(0)).notes,
            "=床ずれ部位は写真参照");
}

TEST(RoomCsv, CharactersCp932CannotHoldAreSubstitutedAndReported) {
  Decoded d = decode(fixture("kashiwa-timeline.csv"));
  auto u = std::get<mapping::CaseUpdate>(d.documents[0]);
  u.author.name = "𠮷田 由美";                    // つちよし: not in CP932, written as 吉
  u.text = "10時〜11時に訪問します（通訳: 한）";  // WAVE DASH → ～; Hangul → 〓
  Encoded e = kashiwa().encode(u);
  std::vector<std::string> paths;
  for (const Loss& l : e.losses.entries()) {
    EXPECT_EQ(l.kind, Loss::Kind::Substituted);
    paths.push_back(l.path);
  }
  EXPECT_THAT(paths,
              ElementsAre("/CaseUpdate/author/name", "/CaseUpdate/text", "/CaseUpdate/text"));
  EXPECT_EQ(e.losses.entries()[0].detail, "𠮷 → 吉 (CP932 has no 𠮷; column 投稿者)");
  EXPECT_THAT(e.losses.entries()[1].detail, HasSubstr("〜 → ～"));
  EXPECT_THAT(e.losses.entries()[2].detail, HasSubstr("→ 〓 (not in CP932; column 本文)"));
  const std::string text = mapping::text::decode(e.bytes, mapping::text::Charset::Cp932);
  EXPECT_THAT(text, HasSubstr(",吉田 由美,"));
  EXPECT_THAT(text, HasSubstr(",10時～11時に訪問します（通訳: 〓）,"));
}

TEST(RoomCsv, TheLossNoteIsAppendedToTheTextColumn) {
  Decoded d = decode(fixture("kashiwa-timeline.csv"));
  EncodeOptions options;
  options.appendLossNote = true;
  options.upstream.add(Loss::Kind::Approximated, "/CaseUpdate/adlChange/change",
                       "低下 → 本文に記載");
  Encoded e = kashiwa().encode(d.documents[0], options);
  const std::string text = mapping::text::decode(e.bytes, mapping::text::Charset::Cp932);
  EXPECT_THAT(text, HasSubstr("声掛けをお願いします。\n【連携時の注意】変換で近似1件があります"));
  EXPECT_EQ(std::get<mapping::CaseUpdate>(decode(e.bytes).documents.at(0)).text,
            std::get<mapping::CaseUpdate>(d.documents[0]).text);
}

TEST(RoomCsv, AProfileCanAskForUtf8WithAByteOrderMarkAndLf) {
  const std::string path = ::testing::TempDir() + "/room-utf8.xml";
  std::string profile = R"(<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="urn:tsunagi:profile:1" name="mcs-export" adapter="room_csv" version="1">
  <csv encoding="UTF-8" bom="true" lineEnd="LF"/>
  <document type="CaseUpdate">
    <field source="ID" path="updateId" required="true"/>
    <field source="グループ" path="caseId" required="true"/>
    <field source="日時" path="postedAt" dateFormat="jst-datetime" required="true"/>
    <field source="名前" path="author/name" required="true"/>
    <field source="職種" path="author/profession" required="true"/>
    <field source="所属" path="author/organisation" required="true"/>
    <field source="メッセージ" path="text"/>
  </document>
</Profile>
)";
  std::ofstream(path) << profile;
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  auto adapter = registry.create("room_csv:" + path);
  Decoded d =
      adapter->decode(LocalInput{"\xEF\xBB\xBFID,グループ,日時,名前,職種,所属,メッセージ\nm-1,g-7,"
                                 "2024/3/13 9:05,𠮷田 花子,薬剤師,のぞみ薬局,残薬なし\n",
                                 "mcs.csv",
                                 {}});
  const auto& u = std::get<mapping::CaseUpdate>(d.documents.at(0));
  EXPECT_EQ(u.author.name, "𠮷田 花子");
  EXPECT_EQ(u.postedAt, "2024-03-13T09:05:00+09:00");
  Encoded e = adapter->encode(u);
  EXPECT_EQ(e.bytes,
            "\xEF\xBB\xBFID,グループ,日時,名前,職種,所属,メッセージ\nm-1,g-7,2024/03/13 09:05,𠮷田 "
            "花子,薬剤師,のぞみ薬局,残薬なし\n");
  EXPECT_TRUE(e.losses.empty());
}

}  // namespace
}  // namespace tsunagi::adapters
