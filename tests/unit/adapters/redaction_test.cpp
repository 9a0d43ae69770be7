// What each adapter's refusal gives the application log and the audit chain: mapping::redacted()
// of its issues names the line, the column or member path and a code, never a value of the input;
// the full rendering (describe(), for NAME.error.txt, the NAK, the problem document) still quotes
// what was wrong. One case per kind of error: a room CSV without its header line, a cell value
// the profile refuses, CSV and JSON syntax, a kintone field, an HL7 field, a FHIR member.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/fhir_jp/fhir_jp_adapter.hpp"
#include "mapping/json/reader.hpp"
#include "kintone/kintone_test_support.hpp"
#include "room_csv/room_csv_test_support.hpp"
#include "ssmix2/ssmix2_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// The refusal of `decode()`, or an empty error when it was accepted.
template <class Decode>
AdapterError refusalOf(Decode decode) {
  try {
    decode();
  } catch (const AdapterError& e) {
    return e;
  } catch (const mapping::json::JsonError& e) {  // the JSON reader's own refusals
    return AdapterError(e.issues());
  }
  ADD_FAILURE() << "accepted";
  return AdapterError(std::vector<mapping::Issue>{});
}

/// Every value in `values` is absent from the log form and (when `quoted`) present in the full one.
void expectRedacted(const AdapterError& e, const std::vector<std::string>& values,
                    const std::string& where, bool quoted = true) {
  const std::string log = mapping::redacted(e.issues());
  const std::string full = mapping::describe(e.issues());
  EXPECT_THAT(log, HasSubstr(where)) << full;
  for (const auto& value : values) {
    EXPECT_THAT(log, Not(HasSubstr(value))) << full;
    if (quoted) {
      EXPECT_THAT(full, HasSubstr(value)) << log;
    }
  }
}

// A Kashiwa room export whose header line is missing: its first line is a patient's record.
constexpr const char* kRecordAsHeader =
    "20240311-0007,柏木 ハナ,カシワギ ハナ,女,昭和12年3月4日,122176,0002345678\r\n";

TEST(Redaction, ARoomCsvWithoutItsHeaderIsLocatedByColumnNumbers) {
  const AdapterError e =
      refusalOf([] { room_csv_test::decode(room_csv_test::cp932(kRecordAsHeader)); });
  expectRedacted(e, {"柏木 ハナ", "カシワギ", "昭和12年3月4日", "122176", "0002345678"},
                 "line 1 column 2 [unknown-column]; line 1 column 3 [unknown-column]");
  // The profile's own column names are no values: the missing ones are named.
  EXPECT_THAT(mapping::redacted(e.issues()), HasSubstr("[missing-column]"));
}

TEST(Redaction, ACellTheProfileRefusesNamesItsColumnNotItsValue) {
  std::string text = room_csv_test::fixtureText("kashiwa-sheets.csv");
  text.replace(text.find("昭和15年3月2日"), std::string("昭和15年3月2日").size(),
               "昭和12年13月4日");
  const AdapterError e = refusalOf([&] { room_csv_test::decode(room_csv_test::cp932(text)); });
  expectRedacted(e, {"昭和12年13月4日", "柏木"}, "line 2 生年月日 [invalid-value]", false);
  EXPECT_THAT(mapping::describe(e.issues()), HasSubstr("昭和12年13月4日"));
}

TEST(Redaction, CsvSyntaxIsLocatedByLineAndColumn) {
  std::string text = room_csv_test::fixtureText("kashiwa-sheets.csv");
  text.replace(text.find("柏木 ハナ"), std::string("柏木 ハナ").size(), "\"柏木 ハナ");
  const AdapterError e = refusalOf([&] { room_csv_test::decode(room_csv_test::cp932(text)); });
  expectRedacted(e, {"柏木"}, "[csv]", false);
}

TEST(Redaction, AKintoneFieldNamesItsFieldCodeNotItsValue) {
  std::string json = kintone_test::fixture("nagareyama-sheet-record.json");
  json.replace(json.find("1940-03-02"), 10, "昭和15年13月2日");
  const AdapterError e = refusalOf([&] { kintone_test::decode(json); });
  expectRedacted(e, {"昭和15年13月2日", "髙橋"}, "record.生年月日 [invalid-value]", false);
  EXPECT_THAT(mapping::describe(e.issues()), HasSubstr("昭和15年13月2日"));
}

TEST(Redaction, JsonSyntaxIsLocatedByLineColumnAndByte) {
  const AdapterError e = refusalOf([] { mapping::json::parseJson(R"({"氏名": 柏木})"); });
  EXPECT_EQ(mapping::redacted(e.issues()), "line 1 column 8 byte 11 [json-syntax]");
  EXPECT_THAT(mapping::describe(e.issues()), HasSubstr("found U+67CF at line 1, column 8"));
}

TEST(Redaction, AnHl7FieldNamesTheSegmentFieldNotItsValue) {
  using namespace testing;
  const AdapterError e = refusalOf([] { decodeHl7(hl7({kMsh, pid({{7, "19371340"}}), pv1()})); });
  expectRedacted(e, {"19371340", "柏木", "カシワギ"}, "line 2 PID-7", false);
  EXPECT_THAT(mapping::describe(e.issues()), HasSubstr("19371340"));
}

TEST(Redaction, AFhirMemberNamesItsPathNotItsValue) {
  std::ifstream in(
      std::string(TSUNAGI_SOURCE_DIR) + "/tests/fixtures/fhir_jp/minimal-discharge-summary.json",
      std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string json = ss.str();
  json.replace(json.find("\"gender\": \"male\""), 16, "\"gender\": \"松戸 次郎\"");
  const AdapterError e = refusalOf([&] {
    FhirJpAdapter().decode(LocalInput{json, "bundle.json", {}});
  });
  expectRedacted(e, {"松戸 次郎"}, ".gender");
}

}  // namespace
}  // namespace tsunagi::adapters
