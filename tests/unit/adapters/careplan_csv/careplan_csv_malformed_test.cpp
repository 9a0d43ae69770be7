// Refusals of the careplan_csv adapter, as an operator reads them: each names the file or the
// line and the field, and why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "careplan_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using testing::cp932File;
using ::testing::HasSubstr;
using testing::hosokuRecord;
using testing::kHosokuName;
using testing::kPlan1Name;
using testing::kPlan2Name;
using testing::plan1Record;
using testing::plan2Record;
using testing::refusal;
using testing::standardSet;
using ::testing::StartsWith;

std::string nameRefusal(const std::string& name) {
  try {
    careplan_csv::parseFileName(name);
  } catch (const AdapterError& e) {
    return e.what();
  }
  return "parsed";
}

TEST(CareplanCsvMalformed, TheBaseSetDecodes) { EXPECT_EQ(refusal(standardSet()), "decoded"); }

// ---- file names ----

TEST(CareplanCsvMalformed, FileNameParts) {
  const auto n = careplan_csv::parseFileName(std::string("in/") + kHosokuName);
  EXPECT_EQ(n.type, careplan_csv::FileType::Hosoku);
  EXPECT_EQ(n.providedMonth, "000000");
  EXPECT_EQ(n.senderOffice, "1234567890");
  EXPECT_EQ(n.receiverService, "11");
  EXPECT_EQ(n.timestamp, "20240701120000");
  EXPECT_EQ(careplan_csv::formatFileName(n), kHosokuName);
}

TEST(CareplanCsvMalformed, FileNameUnsupportedPrefix) {
  EXPECT_EQ(nameRefusal("UPPLAN_202407_1234567890_43_0300000005_11_20240701120000.CSV"),
            "file name prefix: 'UPPLAN_202407_1234567890_43_0300000005_11_20240701120000.CSV': "
            "UPPLAN (第6表 サービス利用票（予定）) is not supported by this adapter: careplan_csv "
            "reads UPHOSOKU, UP1KYO, UP2KYO and UP3KYO");
}

TEST(CareplanCsvMalformed, FileNameUnknownPrefix) {
  EXPECT_THAT(nameRefusal("CAREPLAN_1234567890_43_0300000005_11_20240701120000.CSV"),
              HasSubstr("file name prefix: 'CAREPLAN_"));
}

TEST(CareplanCsvMalformed, FileNameExtension) {
  EXPECT_THAT(nameRefusal("UP1KYO_1234567890_43_0300000005_11_20240701120000.txt"),
              StartsWith("file name extension: "));
}

TEST(CareplanCsvMalformed, FileNameMissingProvidedMonth) {
  EXPECT_THAT(nameRefusal("UPHOSOKU_1234567890_43_0300000005_11_20240701120000.CSV"),
              HasSubstr("has 6 parts separated by '_', UPHOSOKU file names have 7"));
}

TEST(CareplanCsvMalformed, FileNameShortOfficeNumber) {
  EXPECT_EQ(nameRefusal("UP1KYO_123456789_43_0300000005_11_20240701120000.CSV"),
            "file name 送信元事業所番号: 'UP1KYO_123456789_43_0300000005_11_20240701120000.CSV': "
            "'123456789' must be a 10-digit 事業所番号");
}

TEST(CareplanCsvMalformed, FileNameBadServiceType) {
  EXPECT_THAT(nameRefusal("UP1KYO_1234567890_43_0300000005_1a_20240701120000.CSV"),
              HasSubstr("file name 送信先サービス種類: "));
}

TEST(CareplanCsvMalformed, FileNameImpossibleTimestamp) {
  EXPECT_THAT(nameRefusal("UP1KYO_1234567890_43_0300000005_11_20240231120000.CSV"),
              HasSubstr("file name timestamp: "));
  EXPECT_THAT(nameRefusal("UP1KYO_1234567890_43_0300000005_11_20240701250000.CSV"),
              HasSubstr("'20240701250000' must be a real date and time YYYYMMDDHHMMSS"));
}

TEST(CareplanCsvMalformed, HosokuForServiceUseTables) {
  LocalInput in = standardSet();
  in.name = "UPHOSOKU_202407_1234567890_43_0300000005_11_20240701120000.CSV";
  EXPECT_THAT(refusal(in), HasSubstr("file name 提供年月: "));
  EXPECT_THAT(refusal(in), HasSubstr("belongs to 第6・7表"));
}

// ---- sets ----

TEST(CareplanCsvMalformed, SetWithoutPlan1) {
  LocalInput in = standardSet();
  in.extraFiles.clear();
  EXPECT_THAT(refusal(in), HasSubstr("the set 20240701120000 has no UP1KYO file"));
}

TEST(CareplanCsvMalformed, FilesOfTwoTimestampsInOneDecode) {
  LocalInput in = standardSet();
  in.extraFiles[0].name = "UP1KYO_1234567890_43_0300000005_11_20240701120001.CSV";
  EXPECT_THAT(refusal(in), HasSubstr("decode() takes one set"));
}

TEST(CareplanCsvMalformed, SetFromTwoSenders) {
  LocalInput in = standardSet();
  in.extraFiles[0].name = "UP1KYO_1234567891_43_0300000005_11_20240701120000.CSV";
  EXPECT_THAT(refusal(in), HasSubstr("names another sender or receiver"));
}

TEST(CareplanCsvMalformed, KeysDisagreeAcrossTheSet) {
  EXPECT_EQ(
      refusal(standardSet({}, {{14, "20240702"}})),
      "line 1: UPHOSOKU fields 2, 3 and 4: no UP1KYO record in the set has the same "
      "保険者番号 122077 / 被保険者番号 0001234567 / 計画作成（変更）日 20240701: the keys of the "
      "set's files must agree");
}

TEST(CareplanCsvMalformed, Plan2ForAnotherPerson) {
  LocalInput in = standardSet();
  in.extraFiles.push_back(LocalFile{kPlan2Name, cp932File({plan2Record({{3, "0000000001"}})})});
  EXPECT_THAT(refusal(in), StartsWith("line 1: UP2KYO fields 2, 3 and 5: no UP1KYO record"));
}

TEST(CareplanCsvMalformed, DuplicateRecord) {
  LocalInput in = standardSet();
  in.bytes = cp932File({hosokuRecord(), hosokuRecord()});
  EXPECT_THAT(refusal(in), StartsWith("line 2: UPHOSOKU: a second record for 保険者番号 122077"));
}

// ---- bytes and records ----

TEST(CareplanCsvMalformed, Utf8InsteadOfCp932) {
  LocalInput in = standardSet();
  in.bytes = testing::utf8File({hosokuRecord()});
  EXPECT_THAT(refusal(in), StartsWith("line 1: " + std::string(kHosokuName) + " byte offset "));
  EXPECT_THAT(refusal(in), HasSubstr("the file looks like UTF-8 without a byte order mark"));
}

TEST(CareplanCsvMalformed, Utf8Bom) {
  LocalInput in = standardSet();
  in.bytes = "\xEF\xBB\xBF" + in.bytes;
  EXPECT_THAT(refusal(in), HasSubstr("UTF-8 byte order mark: the file must be CP932"));
}

TEST(CareplanCsvMalformed, InvalidCp932Bytes) {
  LocalInput in = standardSet();
  std::string bytes = cp932File({plan1Record(), plan1Record({{3, "0000000002"}})});
  const std::size_t at = bytes.find("0000000002");
  bytes[at] = '\x81';  // a lead byte followed by a byte that cannot trail it
  bytes[at + 1] = ' ';
  in.extraFiles[0].bytes = bytes;
  // Line 3: the first record's 課題分析の結果 holds a line break.
  EXPECT_EQ(refusal(in), "line 3: " + std::string(kPlan1Name) + " byte offset " +
                             std::to_string(at) +
                             ": invalid CP932: lead byte 0x81 is followed by 0x20, which cannot "
                             "be a second byte");
}

TEST(CareplanCsvMalformed, EmptyFile) {
  LocalInput in = standardSet();
  in.extraFiles[0].bytes.clear();
  EXPECT_EQ(refusal(in),
            std::string(kPlan1Name) + ": the file is empty: it must hold at least one record");
}

TEST(CareplanCsvMalformed, TruncatedInsideQuotedText) {
  LocalInput in = standardSet();
  std::string text = testing::utf8File({plan1Record({{24, "転倒を防ぎ、\r\n継続して,以上"}})});
  text.resize(text.find("継続"));  // the transfer stopped inside the quoted cell
  in.extraFiles[0].bytes =
      mapping::text::encode(text, mapping::text::Charset::Cp932, mapping::text::OnUnmappable::Fail)
          .bytes;
  // Line 2: 課題分析の結果 (field 22) holds a line break, so cell 24 opens on line 2.
  EXPECT_EQ(refusal(in), "line 2: " + std::string(kPlan1Name) +
                             " column 24: quoted cell not closed: the file ends inside the cell "
                             "opened at line 2");
}

TEST(CareplanCsvMalformed, TooFewFields) {
  LocalInput in = standardSet();
  auto record = plan1Record();
  record.pop_back();
  in.extraFiles[0].bytes = cp932File({record});
  EXPECT_EQ(refusal(in), "line 1: UP1KYO: the record has 27 fields, the layout of UP1KYO has 28");
}

TEST(CareplanCsvMalformed, TooManyFields) {
  LocalInput in = standardSet();
  auto record = hosokuRecord();
  record.push_back("x");
  in.bytes = cp932File({record});
  EXPECT_EQ(refusal(in),
            "line 1: UPHOSOKU: the record has 64 fields, the layout of UPHOSOKU has 63");
}

TEST(CareplanCsvMalformed, WrongVersion) {
  EXPECT_EQ(refusal(standardSet({}, {{1, "201905"}})),
            "line 1: UP1KYO field 1 CSVバージョン: version '201905' is not supported: expected "
            "202407 (v4.1) or 202208");
}

TEST(CareplanCsvMalformed, MixedVersionsInOneFile) {
  LocalInput in = standardSet();
  in.bytes = cp932File({hosokuRecord(), hosokuRecord({{1, "202208"}, {3, "0000000002"}})});
  EXPECT_THAT(refusal(in), StartsWith("line 2: UPHOSOKU field 1 CSVバージョン: version 202208 "
                                      "after 202407 in the same file"));
}

TEST(CareplanCsvMalformed, MissingRequiredName) {
  EXPECT_EQ(refusal(standardSet({{6, ""}})),
            "line 1: UPHOSOKU field 6 利用者氏名: is empty: a liaison sheet needs the 氏名");
}

TEST(CareplanCsvMalformed, MissingKana) {
  EXPECT_THAT(refusal(standardSet({{5, "　"}})),
              StartsWith("line 1: UPHOSOKU field 5 利用者氏名フリガナ: is empty"));
}

TEST(CareplanCsvMalformed, KanaWithKanji) {
  EXPECT_THAT(
      refusal(standardSet({{5, "カシワ木"}})),
      StartsWith("line 1: UPHOSOKU field 5 利用者氏名フリガナ: must be written in full-width "
                 "katakana"));
}

TEST(CareplanCsvMalformed, UnknownSex) {
  EXPECT_EQ(refusal(standardSet({{7, "9"}})),
            "line 1: UPHOSOKU field 7 利用者性別: '9' is not a 性別 code: expected 1 (男性) or 2 "
            "(女性)");
}

TEST(CareplanCsvMalformed, UnknownCareLevel) {
  EXPECT_THAT(refusal(standardSet({{18, "26"}})),
              StartsWith("line 1: UPHOSOKU field 18 要介護状態区分: unknown code '26' in code "
                         "table care-level"));
}

TEST(CareplanCsvMalformed, UnknownCertificationStatus) {
  EXPECT_THAT(refusal(standardSet({}, {{17, "7"}})),
              StartsWith("line 1: UP1KYO field 17 認定状況区分: unknown code '7'"));
}

TEST(CareplanCsvMalformed, ImpossibleBirthDate) {
  EXPECT_THAT(refusal(standardSet({{8, "19390230"}})),
              StartsWith("line 1: UPHOSOKU field 8 利用者生年月日: '19390230' is not a real date"));
}

TEST(CareplanCsvMalformed, WarekiOrSlashedDate) {
  // The layout writes 西暦 YYYYMMDD; a 和暦 date typed by hand is refused, not guessed.
  EXPECT_EQ(refusal(standardSet({{8, "S140621"}})),
            "line 1: UPHOSOKU field 8 利用者生年月日: 'S140621' is not a date: the layout writes "
            "YYYYMMDD (西暦)");
}

TEST(CareplanCsvMalformed, PeriodEndBeforeStart) {
  EXPECT_THAT(refusal(standardSet({}, {{20, "20240430"}})),
              StartsWith("line 1: UP1KYO field 20 認定有効期間終了日: the end of the 認定有効期間 "
                         "is before its start"));
}

TEST(CareplanCsvMalformed, CertifiedWithoutPeriod) {
  EXPECT_THAT(
      refusal(standardSet({}, {{19, ""}, {20, ""}})),
      StartsWith("line 1: UP1KYO field 19 認定有効期間開始日: is required when 認定状況 is 2"));
}

TEST(CareplanCsvMalformed, FieldLongerThanTheLayout) {
  EXPECT_EQ(refusal(standardSet({{12, "04-7150-0000-0000"}})),
            "line 1: UPHOSOKU field 12 利用者電話番号: 17 characters, the layout allows 15");
}

TEST(CareplanCsvMalformed, HugeFreeTextField) {
  EXPECT_THAT(refusal(standardSet({}, {{22, std::string(70'000, 'x')}})),
              HasSubstr("column 22: cell too long"));
}

TEST(CareplanCsvMalformed, BadInsuredNumber) {
  EXPECT_EQ(refusal(standardSet({{3, "12345X7890"}}, {{3, "12345X7890"}})),
            "line 1: UPHOSOKU field 3 被保険者番号: '12345X7890' must be 10 digits, or H and 9 "
            "digits");
}

TEST(CareplanCsvMalformed, BadPostalCode) {
  EXPECT_EQ(refusal(standardSet({{9, "2770-005"}})),
            "line 1: UPHOSOKU field 9 利用者郵便番号: '2770-005' is not a postal code: the layout "
            "writes XXX-XXXX");
}

TEST(CareplanCsvMalformed, BadOfficeCode) {
  EXPECT_THAT(refusal(standardSet({}, {{13, "12345678AB"}})),
              StartsWith("line 1: UP1KYO field 13 介護支援事業者コード: '12345678AB' must be 10 "
                         "digits"));
}

TEST(CareplanCsvMalformed, StrayQuote) {
  LocalInput in = standardSet();
  std::string text = testing::utf8File({plan1Record()});
  text.replace(text.find("特になし"), std::string("特になし").size(), "特に\"なし");
  in.extraFiles[0].bytes =
      mapping::text::encode(text, mapping::text::Charset::Cp932, mapping::text::OnUnmappable::Fail)
          .bytes;
  EXPECT_THAT(refusal(in), HasSubstr("column 23: quote (\") inside an unquoted cell"));
}

TEST(CareplanCsvMalformed, NoPersonNameInAnyMessage) {
  for (const auto& in : {standardSet({{7, "9"}}), standardSet({}, {{14, "20240702"}}),
                         standardSet({{5, "カシワ木"}})}) {
    EXPECT_THAT(refusal(in), ::testing::Not(HasSubstr("柏木")));
    EXPECT_THAT(refusal(in), ::testing::Not(HasSubstr("髙子")));
  }
}

}  // namespace
}  // namespace tsunagi::adapters
