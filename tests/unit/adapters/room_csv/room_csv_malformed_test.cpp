// Malformed room exports: each is refused as a whole with an AdapterError whose first issue names
// the line and the column (or the byte offset) and says why.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/room_csv/room_csv_adapter.hpp"
#include "room_csv_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using room_csv_test::cp932;
using room_csv_test::fixtureText;
using ::testing::HasSubstr;

// A fixture as UTF-8 text with `from` (first occurrence) replaced by `to`.
std::string fixtureWith(const std::string& name, std::string_view from, std::string_view to) {
  std::string base = fixtureText(name);
  const std::size_t at = base.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in " << name;
  if (at == std::string::npos) return base;
  return base.replace(at, from.size(), to);
}
std::string timelineWith(std::string_view from, std::string_view to) {
  return fixtureWith("kashiwa-timeline.csv", from, to);
}
std::string sheetsWith(std::string_view from, std::string_view to) {
  return fixtureWith("kashiwa-sheets.csv", from, to);
}

void expectRefused(const std::string& bytes, int line, const std::string& path,
                   const std::string& message) {
  try {
    room_csv_test::decode(bytes);
    ADD_FAILURE() << "accepted; expected a refusal at '" << path << "'";
  } catch (const AdapterError& e) {
    ASSERT_FALSE(e.issues().empty());
    const mapping::Issue& issue = e.issues().front();
    EXPECT_EQ(issue.line, line) << e.what();
    EXPECT_EQ(issue.path, path) << e.what();
    EXPECT_THAT(issue.message, HasSubstr(message)) << e.what();
  }
}

TEST(RoomCsvMalformed, EmptyFile) { expectRefused("", 1, "", "the file is empty"); }

TEST(RoomCsvMalformed, OnlyAByteOrderMark) {
  expectRefused("\xEF\xBB\xBF", 1, "", "the file is empty");
}

TEST(RoomCsvMalformed, HeaderButNoRecords) {
  const std::string text = fixtureText("kashiwa-timeline.csv");
  expectRefused(cp932(text.substr(0, text.find("\r\n") + 2)), 1, "", "a header but no records");
}

TEST(RoomCsvMalformed, UnknownColumn) {
  // The path is the position: header cells are the input's text, and paths are logged.
  expectRefused(cp932(timelineWith("服薬状況\r\n", "服薬状況,備考\r\n")), 1, "column 15",
                "column 15 '備考' is not a column of CaseUpdate in profile kashiwa-room");
}

TEST(RoomCsvMalformed, MissingRequiredColumn) {
  std::string text = timelineWith("投稿者,", "");
  expectRefused(cp932(text), 1, "投稿者",
                "required column '投稿者' (→ /CaseUpdate/author/name) is missing from the header");
}

TEST(RoomCsvMalformed, DuplicateColumn) {
  expectRefused(cp932(timelineWith("脈拍,SpO2", "脈拍,脈拍")), 1, "column 12",
                "column '脈拍' appears twice in the header (columns 11 and 12)");
}

TEST(RoomCsvMalformed, HeaderCellWithoutAName) {
  expectRefused(cp932(timelineWith(",本文,", ",,")), 1, "column 7", "has no name");
}

TEST(RoomCsvMalformed, RowWithTooFewCells) {
  expectRefused(cp932(timelineWith(",36.8,処方どおり服薬", ",36.8")), 2, "",
                "line 2 has 13 cells; the header has 14");
}

TEST(RoomCsvMalformed, TruncatedInsideAQuotedCell) {
  const std::string text = fixtureText("kashiwa-timeline.csv");
  expectRefused(cp932(text.substr(0, text.find("来週の"))), 3, "column 7",
                "quoted cell not closed");
}

TEST(RoomCsvMalformed, InvalidCp932Bytes) {
  std::string bytes = cp932(fixtureText("kashiwa-timeline.csv"));
  const std::size_t at = bytes.find("\r\n") + 2;
  bytes.insert(at, "\x81\x20");
  expectRefused(bytes, 2, "byte offset " + std::to_string(at),
                "lead byte 0x81 is followed by 0x20, which cannot be a second byte");
}

TEST(RoomCsvMalformed, Utf8WithoutAByteOrderMark) {
  expectRefused(fixtureText("kashiwa-timeline.csv"), 1, "byte offset 29",
                "the file looks like UTF-8 without a byte order mark; save it as CP932");
}

TEST(RoomCsvMalformed, Utf16ByteOrderMark) {
  expectRefused("\xFF\xFE" + std::string("I\0D\0", 4), 1, "byte offset 0",
                "UTF-16 byte order mark");
}

TEST(RoomCsvMalformed, UserDefinedCharacter) {
  std::string bytes = cp932(fixtureText("kashiwa-timeline.csv"));
  const std::size_t at = bytes.find(cp932("石井"));
  bytes.replace(at, 2, "\xF0\x40");  // 外字
  expectRefused(bytes, 2, "byte offset " + std::to_string(at), "user-defined character (外字");
}

TEST(RoomCsvMalformed, UnknownCareLevel) {
  expectRefused(
      cp932(sheetsWith("要介護１", "要介護６")), 2, "要介護度",
      "column 要介護度: '要介護６' is not a value of 要介護状態区分 (code table care-level); the "
      "profile maps 要支援１");
}

TEST(RoomCsvMalformed, UnknownAdlLevel) {
  expectRefused(cp932(sheetsWith(",見守り,", ",声かけ,")), 2, "移動",
                "'声かけ' is not a value of ADL (code table adl-level)");
}

TEST(RoomCsvMalformed, EraDateAfterTheEndOfItsEra) {
  expectRefused(cp932(sheetsWith("令和6年3月11日,令和6年3月9日", "平成31年5月1日,令和6年3月9日")),
                2, "記入日", "did you mean 令和元年5月1日?");
}

TEST(RoomCsvMalformed, ImpossibleBirthDate) {
  expectRefused(cp932(sheetsWith("昭和15年3月2日", "昭和15年2月30日")), 2, "生年月日",
                "column 生年月日:");
}

TEST(RoomCsvMalformed, UnknownSex) {
  expectRefused(cp932(sheetsWith(",女,", ",不明,")), 2, "性別", "'不明' is not a value of 性別");
}

TEST(RoomCsvMalformed, EmptyRequiredName) {
  expectRefused(cp932(sheetsWith("柏木 ハナ", "")), 2, "利用者名",
                "column 利用者名: is empty but required (→ /LiaisonSheet/patient/nameKanji)");
}

TEST(RoomCsvMalformed, HugeCell) {
  expectRefused(cp932(sheetsWith("できるだけ自宅で過ごしたい", std::string(70 * 1024, 'x'))), 2,
                "column 39", "cell too long");
}

TEST(RoomCsvMalformed, TooLongForTheSheet) {
  expectRefused(cp932(sheetsWith("できるだけ自宅で過ごしたい", std::string(2500, 'x'))), 2,
                "本人の意向", "column 本人の意向 (→ /LiaisonSheet/wishes/patient):");
}

TEST(RoomCsvMalformed, NulByte) {
  expectRefused(cp932(timelineWith("石井", std::string("石\0井", 7))), 2, "column 4", "NUL byte");
}

TEST(RoomCsvMalformed, BadJapanTime) {
  expectRefused(cp932(timelineWith("2024/03/13 10:42", "2024/13/13 10:42")), 2, "投稿日時",
                "'2024/13/13 10:42' is not a date and time in Japan");
}

TEST(RoomCsvMalformed, NumberWithText) {
  expectRefused(cp932(timelineWith(",80,", ",八十,")), 2, "脈拍", "'八十' is not a whole number");
}

TEST(RoomCsvMalformed, HiraganaFurigana) {
  expectRefused(cp932(sheetsWith("カシワギ ハナ", "かしわぎ はな")), 2, "フリガナ",
                "must be written in full-width katakana");
}

TEST(RoomCsvMalformed, DiastolicAboveSystolic) {
  expectRefused(cp932(timelineWith(",128,76,", ",76,128,")), 2, "血圧(下)",
                "diastolic 128 must be lower than systolic 76");
}

TEST(RoomCsvMalformed, MalformedInsuredNumber) {
  expectRefused(cp932(sheetsWith("0002345678", "2345678")), 2, "被保険者番号",
                "column 被保険者番号 (→ /LiaisonSheet/insurance/insuredNumber)");
}

TEST(RoomCsvMalformed, ASecondDiagnosisWithoutAFirst) {
  expectRefused(cp932(sheetsWith(",うっ血性心不全,2型糖尿病,", ",,2型糖尿病,")), 2, "病名1",
                "column 病名1 (→ /LiaisonSheet/diagnosis[1]/name):");
}

TEST(RoomCsvMalformed, OverTheSizeLimit) {
  expectRefused(std::string(RoomCsvAdapter::kMaxBytes + 1, 'a'), 0, "", "at most 16,777,216 bytes");
}

}  // namespace
}  // namespace tsunagi::adapters
