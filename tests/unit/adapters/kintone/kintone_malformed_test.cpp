// Malformed and hostile kintone input: each is refused as a whole with an AdapterError whose first
// issue names the record's field (or the line, for byte-level problems) and says why.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/kintone/kintone_adapter.hpp"
#include "kintone_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using kintone_test::fixture;
using ::testing::HasSubstr;

// A fixture with `from` (exactly once) replaced by `to`.
std::string fixtureWith(const std::string& name, std::string_view from, std::string_view to) {
  std::string base = fixture(name);
  const std::size_t at = base.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in " << name;
  EXPECT_EQ(base.find(from, at + 1), std::string::npos) << "test bug: '" << from << "' twice";
  if (at == std::string::npos) return base;
  return base.replace(at, from.size(), to);
}
std::string sheetWith(std::string_view from, std::string_view to) {
  return fixtureWith("nagareyama-sheet-record.json", from, to);
}
std::string updatesWith(std::string_view from, std::string_view to) {
  return fixtureWith("nagareyama-updates-records.json", from, to);
}

void expectRefused(const std::string& bytes, const std::string& path, const std::string& message,
                   std::map<std::string, std::string> metadata = {}) {
  try {
    kintone_test::decode(bytes, std::move(metadata));
    ADD_FAILURE() << "accepted; expected a refusal at '" << path << "'";
  } catch (const AdapterError& e) {
    ASSERT_FALSE(e.issues().empty());
    EXPECT_EQ(e.issues().front().path, path) << e.what();
    EXPECT_THAT(e.issues().front().message, HasSubstr(message)) << e.what();
  }
}

TEST(KintoneMalformed, EmptyInput) { expectRefused("  \n", "", "the document is empty"); }

TEST(KintoneMalformed, TruncatedJson) {
  const std::string full = fixture("nagareyama-sheet-record.json");
  expectRefused(full.substr(0, full.size() / 2), "", "truncated");
}

TEST(KintoneMalformed, NotJsonAtAll) {
  expectRefused("record,氏名\n1,髙橋\n", "", "not a JSON object");
}

TEST(KintoneMalformed, BrokenJsonSyntax) {
  expectRefused(sheetWith(R"("$revision": {)", R"("$revision" {)"), "", "not valid JSON");
}

TEST(KintoneMalformed, Cp932BytesInsteadOfUtf8) {
  // 氏名 "髙橋" sent as CP932 by a misconfigured export: not UTF-8.
  expectRefused(sheetWith("髙橋 よし子", "\xFB\xFC\x8B\xB4"), "", "not valid UTF-8");
}

TEST(KintoneMalformed, NulByte) {
  expectRefused(sheetWith("青果店", std::string("青果\0店", 10)), "", "NUL byte");
}

TEST(KintoneMalformed, TopLevelArray) {
  expectRefused("[{\"record\":{}}]", "", "not a JSON object");
}

TEST(KintoneMalformed, NeitherRecordNorRecords) {
  expectRefused(R"({"app":31,"rows":[]})", "", "expected a kintone record");
}

TEST(KintoneMalformed, RecordsIsNotAnArray) {
  expectRefused(R"({"records":{"$id":{"value":"1"}}})", "records", "expected an array");
}

TEST(KintoneMalformed, RecordIsNotAnObject) {
  expectRefused(R"({"records":["1207"]})", "records[0]", "expected a record object");
}

TEST(KintoneMalformed, FieldIsNotATypeValueObject) {
  expectRefused(sheetWith(R"("氏名": {"type": "SINGLE_LINE_TEXT", "value": "髙橋 よし子"})",
                          R"("氏名": "髙橋 よし子")"),
                "record.氏名", "field 氏名: expected an object {\"type\", \"value\"}");
}

TEST(KintoneMalformed, FieldTypeDiffersFromTheProfile) {
  expectRefused(sheetWith(R"({"type": "DROP_DOWN", "value": "要介護２"})",
                          R"({"type": "CHECK_BOX", "value": ["要介護２"]})"),
                "record.要介護度.type",
                "field 要介護度 is CHECK_BOX in the record; the profile expects DROP_DOWN");
}

TEST(KintoneMalformed, DropDownWithAnArrayValue) {
  expectRefused(sheetWith(R"({"type": "DROP_DOWN", "value": "要介護２"})",
                          R"({"type": "DROP_DOWN", "value": ["要介護２"]})"),
                "record.要介護度.value",
                "field 要介護度 (DROP_DOWN): the value must be a string, found an array");
}

// kintone writes every scalar as a string; a JSON number is another shape, not text.
TEST(KintoneMalformed, SingleLineTextWithANumberValue) {
  expectRefused(sheetWith(R"("氏名": {"type": "SINGLE_LINE_TEXT", "value": "髙橋 よし子"})",
                          R"("氏名": {"type": "SINGLE_LINE_TEXT", "value": 12345})"),
                "record.氏名.value",
                "field 氏名 (SINGLE_LINE_TEXT): the value must be a string, found a number");
}

TEST(KintoneMalformed, NumberFieldWithANumberValue) {
  expectRefused(
      updatesWith(R"({"type": "NUMBER", "value": "132"})", R"({"type": "NUMBER", "value": 132})"),
      "records[0].収縮期血圧.value", "the value must be a string, found a number");
}

TEST(KintoneMalformed, CheckBoxWithAStringValue) {
  expectRefused(sheetWith(R"({"type": "CHECK_BOX", "value": ["第1表", "第2表"]})",
                          R"({"type": "CHECK_BOX", "value": "第1表"})"),
                "record.同封書類.value", "the value must be an array of strings, found a string");
}

TEST(KintoneMalformed, NumberAsAnObject) {
  expectRefused(updatesWith(R"({"type": "NUMBER", "value": "132"})",
                            R"({"type": "NUMBER", "value": {"v": 132}})"),
                "records[0].収縮期血圧.value", "the value must be a string, found an object");
}

TEST(KintoneMalformed, MissingRequiredField) {
  expectRefused(sheetWith(R"("氏名": {"type": "SINGLE_LINE_TEXT", "value": "髙橋 よし子"},)", ""),
                "record.氏名",
                "field 氏名: is missing but required (→ /LiaisonSheet/patient/nameKanji)",
                {{"app", "31"}});
}

TEST(KintoneMalformed, EmptyRequiredField) {
  expectRefused(sheetWith(R"("value": "0001234567")", R"("value": "")"), "record.被保険者番号",
                "field 被保険者番号: is empty but required");
}

TEST(KintoneMalformed, UnknownCareLevel) {
  expectRefused(
      sheetWith("要介護２", "要介護６"), "record.要介護度",
      "field 要介護度: '要介護６' is not a value of 要介護状態区分 (code table care-level); the "
      "profile maps 要支援１, 要支援２, 要介護１");
}

TEST(KintoneMalformed, SupervisionIsNotAChoiceOfTheThreeLevelScale) {
  expectRefused(sheetWith(R"("value": "一部介助")", R"("value": "見守り")"), "record.ADL移動",
                "'見守り' is not a value of ADL");
}

TEST(KintoneMalformed, ImpossibleDate) {
  expectRefused(sheetWith(R"("value": "1940-03-02")", R"("value": "1940-02-30")"),
                "record.生年月日", "field 生年月日:");
}

TEST(KintoneMalformed, NumberFieldWithText) {
  expectRefused(updatesWith(R"("value": "132")", R"("value": "百三十二")"), "records[0].収縮期血圧",
                "'百三十二' is not a whole number");
}

TEST(KintoneMalformed, DateTimeWithoutTimeZone) {
  expectRefused(updatesWith(R"("value": "2024-03-05T00:30:00Z")", R"("value": "2024-03-05 09:30")"),
                "records[0].投稿日時", "is not an instant");
}

TEST(KintoneMalformed, HugeName) {
  expectRefused(sheetWith("髙橋 よし子", std::string(3000, 'X')), "record.氏名",
                "field 氏名 (→ /LiaisonSheet/patient/nameKanji):");
}

TEST(KintoneMalformed, HiraganaInTheKanaName) {
  expectRefused(sheetWith("タカハシ ヨシコ", "たかはし よしこ"), "record.氏名カナ",
                "must be written in full-width katakana");
}

TEST(KintoneMalformed, ControlCharacterInText) {
  expectRefused(sheetWith("4階東病棟", "4階\\u0007東病棟"), "record.入院先病棟.value",
                "control character U+0007");
}

TEST(KintoneMalformed, SubtableRowWithoutValue) {
  expectRefused(sheetWith(R"({"id": "48300", "value": {)", R"({"id": "48300", "cells": {)"),
                "record.病名.value[0].value", "a SUBTABLE row needs its \"value\" object");
}

TEST(KintoneMalformed, SubtableRowMissingItsRequiredCell) {
  expectRefused(
      sheetWith(R"("診断名": {"type": "SINGLE_LINE_TEXT", "value": "右大腿骨頸部骨折"},)", ""),
      "record.病名[0].診断名", "is missing but required (→ /LiaisonSheet/diagnosis[1]/name)");
}

TEST(KintoneMalformed, SubtableCellTooLongForTheSheet) {
  expectRefused(sheetWith("酸化マグネシウム錠330mg", std::string(300, 'x')),
                "record.服薬[1].薬剤名",
                "field 薬剤名 of 服薬 row 2 (→ /LiaisonSheet/medication/drug[2]/name):");
}

TEST(KintoneMalformed, NestingTooDeep) {
  expectRefused("{\"record\":" + std::string(40, '[') + std::string(40, ']') + "}", "",
                "nested more than 16 levels");
}

TEST(KintoneMalformed, TooManyRecords) {
  std::string many = R"({"records":[)";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + "{}";
  expectRefused(many + "]}", "records", "1001 records; at most 1000");
}

TEST(KintoneMalformed, OverTheSizeLimit) {
  expectRefused(std::string(KintoneAdapter::kMaxBytes + 1, ' '), "", "at most 16,777,216 bytes");
}

TEST(KintoneMalformed, RecordFitsNoMapping) {
  expectRefused(R"({"records":[{"$id":{"value":"1"},"氏名":{"value":"髙橋"}}]})", "records[0]",
                "the record fits no mapping of profile nagareyama-kintone");
}

TEST(KintoneMalformed, UnknownApp) {
  expectRefused(fixture("nagareyama-updates-records.json"), "app",
                "app 99 is not mapped by profile nagareyama-kintone", {{"app", "99"}});
}

}  // namespace
}  // namespace tsunagi::adapters
