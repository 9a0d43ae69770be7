#include "mapping/codes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <set>
#include <stdexcept>
#include <utility>

#include "mapping/xml/issue.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::mapping {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// What the canonical model and the liaison-sheet schemas rely on, written out from the design
// (not read from the files): table id, Japanese name, and every code with its Japanese label.
struct ExpectedTable {
  std::string id;
  std::string nameJa;
  std::vector<std::pair<std::string, std::string>> codes;
};

const std::vector<ExpectedTable>& expectedTables() {
  static const std::vector<ExpectedTable> tables = {
      {"care-level",
       "要介護状態区分",
       {{"01", "非該当"},
        {"06", "事業対象者"},
        {"11", "経過的要介護"},
        {"12", "要支援1"},
        {"13", "要支援2"},
        {"21", "要介護1"},
        {"22", "要介護2"},
        {"23", "要介護3"},
        {"24", "要介護4"},
        {"25", "要介護5"}}},
      {"certification-status",
       "認定状況",
       {{"1", "申請中"}, {"2", "認定済"}, {"3", "区分変更申請中"}}},
      {"disability-independence",
       "障害高齢者の日常生活自立度",
       {{"01", "自立"},
        {"11", "J1"},
        {"12", "J2"},
        {"21", "A1"},
        {"22", "A2"},
        {"31", "B1"},
        {"32", "B2"},
        {"41", "C1"},
        {"42", "C2"}}},
      {"dementia-independence",
       "認知症高齢者の日常生活自立度",
       {{"01", "自立"},
        {"02", "Ⅰ"},
        {"03", "Ⅱa"},
        {"04", "Ⅱb"},
        {"05", "Ⅲa"},
        {"06", "Ⅲb"},
        {"07", "Ⅳ"},
        {"08", "M"}}},
      {"sex", "性別", {{"1", "男"}, {"2", "女"}}},
      {"adl-level", "ADL", {{"1", "自立"}, {"2", "見守り"}, {"3", "一部介助"}, {"4", "全介助"}}},
      {"profession",
       "職種",
       {{"01", "医師"},
        {"02", "歯科医師"},
        {"03", "薬剤師"},
        {"04", "看護師"},
        {"05", "保健師"},
        {"06", "ケアマネジャー（介護支援専門員）"},
        {"07", "介護職"},
        {"08", "リハビリ職（PT・OT・ST）"},
        {"09", "管理栄養士"},
        {"10", "MSW（医療ソーシャルワーカー）"},
        {"11", "行政"},
        {"99", "その他"}}},
      {"medical-procedure",
       "医療処置",
       {{"01", "点滴"},
        {"02", "酸素療法"},
        {"03", "喀痰吸引"},
        {"04", "気管切開"},
        {"05", "胃ろう"},
        {"06", "経鼻栄養"},
        {"07", "経腸栄養"},
        {"08", "褥瘡処置"},
        {"09", "尿道カテーテル"},
        {"10", "尿路ストーマ"},
        {"11", "消化管ストーマ"},
        {"12", "痛みコントロール"},
        {"13", "排便コントロール"},
        {"14", "自己注射"},
        {"99", "その他"}}},
      {"paralysis", "麻痺", {{"1", "なし"}, {"2", "軽度"}, {"3", "中度"}, {"4", "重度"}}},
      {"meal-form",
       "食事形態",
       {{"1", "普通"}, {"2", "きざみ"}, {"3", "嚥下障害食"}, {"4", "ミキサー"}}},
      {"intake-method", "摂取方法", {{"1", "経口"}, {"2", "経管栄養"}, {"3", "静脈栄養"}}},
      {"swallowing", "嚥下機能", {{"1", "むせない"}, {"2", "時々むせる"}, {"3", "常にむせる"}}},
      {"denture", "義歯", {{"1", "なし"}, {"2", "部分義歯"}, {"3", "総義歯"}}},
      {"oral-hygiene", "口腔清潔", {{"1", "良"}, {"2", "不良"}, {"3", "著しく不良"}}},
      {"portable-toilet", "ポータブルトイレ", {{"1", "なし"}, {"2", "夜間"}, {"3", "常時"}}},
      {"mobility-aid",
       "移動手段",
       {{"0", "なし"}, {"1", "杖"}, {"2", "歩行器"}, {"3", "車いす"}, {"9", "その他"}}},
      {"restriction", "食事制限", {{"1", "あり"}, {"2", "なし"}, {"9", "不明"}}},
      {"medication-manager",
       "服薬管理者",
       {{"1", "本人"},
        {"2", "家族"},
        {"3", "訪問看護師"},
        {"4", "薬剤師"},
        {"5", "介護職"},
        {"9", "その他"}}},
      {"medication-status",
       "服薬状況",
       {{"1", "処方どおり服薬"},
        {"2", "時々飲み忘れ"},
        {"3", "飲み忘れが多い"},
        {"4", "服薬拒否あり"},
        {"9", "不明"}}},
      {"burden-ratio", "利用者負担割合", {{"1", "1割"}, {"2", "2割"}, {"3", "3割"}}},
      {"medical-follow-up", "今後の医学管理", {{"1", "通院"}, {"2", "訪問診療"}, {"9", "その他"}}},
      {"adl-change", "ADLの変化", {{"1", "改善"}, {"2", "変化なし"}, {"3", "低下"}}},
      {"discharge-disposition",
       "退院時転帰",
       {{"1", "治癒・軽快"},
        {"3", "寛解"},
        {"4", "不変"},
        {"5", "増悪"},
        {"6", "死亡（傷病）"},
        {"7", "死亡（その他）"},
        {"9", "その他"}}},
  };
  return tables;
}

// gtest prints a parameter with this; the id is what a reader needs.
void PrintTo(const ExpectedTable& table, std::ostream* out) { *out << table.id; }

class ShippedCodeTable : public ::testing::TestWithParam<ExpectedTable> {};

TEST_P(ShippedCodeTable, HasExactlyTheListedCodesWithTheirJapaneseLabels) {
  const ExpectedTable& expected = GetParam();
  const CodeTable& table = CodeTables::shipped().table(expected.id);
  EXPECT_EQ(table.id(), expected.id);
  // Labels are streamed rather than compared with EXPECT_EQ, which would print UTF-8 as \x escapes.
  EXPECT_TRUE(table.nameJa() == expected.nameJa)
      << "table " << expected.id << " is named " << table.nameJa() << ", expected "
      << expected.nameJa;
  EXPECT_FALSE(table.nameEn().empty());
  std::vector<std::string> codes, expectedCodes;
  for (const CodeEntry& entry : table.entries()) codes.push_back(entry.code);
  for (const auto& [code, ja] : expected.codes) expectedCodes.push_back(code);
  ASSERT_EQ(codes, expectedCodes) << "codes of table " << expected.id << ", in file order";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_TRUE(table.entries()[i].ja == expected.codes[i].second)
        << expected.id << " code " << codes[i] << " is labelled " << table.entries()[i].ja
        << ", expected " << expected.codes[i].second;
  }
}

TEST_P(ShippedCodeTable, GivesEveryCodeAnEnglishLabelAndFindsItByValue) {
  const CodeTable& table = CodeTables::shipped().table(GetParam().id);
  for (const auto& [code, ja] : GetParam().codes) {
    const CodeEntry* entry = table.find(code);
    ASSERT_NE(entry, nullptr) << "code " << code;
    EXPECT_EQ(entry->code, code);
    EXPECT_TRUE(entry->ja == ja) << "code " << code << " is labelled " << entry->ja;
    EXPECT_FALSE(entry->en.empty()) << "code " << code;
    EXPECT_EQ(CodeTables::shipped().check(GetParam().id, code), std::nullopt);
  }
}

INSTANTIATE_TEST_SUITE_P(Codes, ShippedCodeTable, ::testing::ValuesIn(expectedTables()),
                         [](const ::testing::TestParamInfo<ExpectedTable>& param) {
                           std::string name = param.param.id;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(CodeTables, ShipsExactlyTheTablesTheCanonicalModelUses) {
  std::set<std::string> expected;
  for (const ExpectedTable& table : expectedTables()) expected.insert(table.id);
  const std::vector<std::string> ids = CodeTables::shipped().ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST(CodeTables, NamesTheTableAndTheCodeWhenACodeIsUnknown) {
  EXPECT_EQ(CodeTables::shipped().check("care-level", "99"),
            "unknown code '99' in code table care-level (要介護状態区分)");
  EXPECT_EQ(CodeTables::shipped().check("sex", "3"), "unknown code '3' in code table sex (性別)");
}

TEST(CodeTables, MatchesCodesExactlySoOneIsNotZeroOne) {
  const CodeTables& tables = CodeTables::shipped();
  EXPECT_EQ(tables.check("care-level", "01"), std::nullopt);
  EXPECT_TRUE(tables.check("care-level", "1").has_value());
  EXPECT_TRUE(tables.check("care-level", " 01").has_value());
  EXPECT_TRUE(tables.check("care-level", "").has_value());
  EXPECT_EQ(tables.table("care-level").find("1"), nullptr);
}

TEST(CodeTables, ShortensAnOverlongUnknownCodeInTheMessage) {
  const std::string code(500, '9');
  const auto message = CodeTables::shipped().check("sex", code);
  ASSERT_TRUE(message.has_value());
  EXPECT_LT(message->size(), 100u);
  EXPECT_THAT(*message, AllOf(StartsWith("unknown code '9999"), HasSubstr("…' in code table sex")));
}

TEST(CodeTables, TreatsAnUnknownTableAsAProgrammingError) {
  try {
    CodeTables::shipped().table("care-levels");
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& error) {
    EXPECT_STREQ(error.what(), "unknown code table 'care-levels'");
  }
  EXPECT_THROW(CodeTables::shipped().check("no-such-table", "1"), std::out_of_range);
}

TEST(CodeTables, AcceptsTheLegacyCareLevelButFlagsItForCoordinators) {
  const CodeTables& tables = CodeTables::shipped();
  EXPECT_EQ(tables.check("care-level", "11"), std::nullopt);
  EXPECT_TRUE(tables.table("care-level").find("11")->legacy);
  EXPECT_EQ(tables.table("care-level").find("11")->ja, "経過的要介護");
  EXPECT_FALSE(tables.table("care-level").find("21")->legacy);
  // 経過的要介護 is the only legacy code shipped.
  int legacy = 0;
  for (const std::string& id : tables.ids()) {
    for (const CodeEntry& entry : tables.table(id).entries()) legacy += entry.legacy;
  }
  EXPECT_EQ(legacy, 1);
}

TEST(CodeTables, SaysWhichTablesAreInferred) {
  for (const char* id : {"medication-manager", "medication-status", "adl-change"}) {
    EXPECT_THAT(CodeTables::shipped().table(id).source(), HasSubstr("inferred")) << id;
  }
  EXPECT_THAT(CodeTables::shipped().table("care-level").source(), Not(HasSubstr("inferred")));
}

// Table files written at test time into <temp>/codes/, so issues name "codes/<file>".
class CodeTableFiles : public ::testing::Test {
 protected:
  CodeTableFiles() : directory_(std::filesystem::path(temp_.path()) / "codes") {
    std::filesystem::create_directory(directory_);
  }

  void write(const std::string& fileName, const std::string& text) {
    std::ofstream(directory_ / fileName, std::ios::binary) << text;
  }

  // Line 1 is the XML declaration, line 2 the root element, 3 the name, 4 the source; the codes
  // start on line 5.
  static std::string table(const std::string& id, const std::vector<std::string>& codes,
                           const std::string& ns = "urn:tsunagi:codes:1") {
    std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CodeTable xmlns=\"" + ns +
                       "\" id=\"" + id + "\" version=\"1\">\n  <name ja=\"性別\" en=\"Sex\"/>\n" +
                       "  <source>test</source>\n";
    for (const std::string& code : codes) text += "  " + code + "\n";
    return text + "</CodeTable>\n";
  }

  static std::string sexTable(const std::string& id = "sex") {
    return table(
        id, {R"(<code value="1" ja="男" en="Male"/>)", R"(<code value="2" ja="女" en="Female"/>)"});
  }

  // Every issue the loader reports, as an operator reads it ("line 6: codes/sex.xml: …").
  std::vector<std::string> refusal() const {
    try {
      CodeTables::loadFrom(directory_);
    } catch (const DocumentError& error) {
      std::vector<std::string> described;
      for (const Issue& issue : error.issues()) described.push_back(issue.describe());
      return described;
    }
    ADD_FAILURE() << "the tables in " << directory_ << " were accepted";
    return {};
  }

  testing::TempDir temp_{"codes"};
  std::filesystem::path directory_;
};

TEST_F(CodeTableFiles, LoadsAGoodTableAndIgnoresOtherFiles) {
  write("sex.xml", sexTable());
  write("mobility-aid.xml",
        table("mobility-aid", {R"(<code value="0" ja="なし" en="None" legacy="1"/>)"}));
  write("README.md", "not a table");
  const CodeTables tables = CodeTables::loadFrom(directory_);
  EXPECT_EQ(tables.ids(), (std::vector<std::string>{"mobility-aid", "sex"}));
  EXPECT_EQ(tables.table("sex").find("2")->en, "Female");
  EXPECT_EQ(tables.table("sex").source(), "test");
  EXPECT_TRUE(tables.table("mobility-aid").find("0")->legacy);
}

TEST_F(CodeTableFiles, RefusesADuplicateCodeNamingItsLine) {
  write("sex.xml", table("sex", {R"(<code value="1" ja="男" en="Male"/>)",
                                 R"(<code value="1" ja="女" en="Female"/>)"}));
  EXPECT_THAT(refusal(),
              ElementsAre(AllOf(StartsWith("line 6: codes/sex.xml: /CodeTable/code[2]: "),
                                HasSubstr("Duplicate key-sequence ['1']"))));
}

TEST_F(CodeTableFiles, RefusesACodeWithoutAJapaneseLabel) {
  write("sex.xml", table("sex", {R"(<code value="1" en="Male"/>)"}));
  EXPECT_THAT(refusal(), ElementsAre("line 5: codes/sex.xml: /CodeTable/code: "
                                     "The attribute 'ja' is required but missing."));
}

TEST_F(CodeTableFiles, RefusesATableInTheWrongNamespace) {
  write("sex.xml", table("sex", {R"(<code value="1" ja="男" en="Male"/>)"}, "urn:tsunagi:codes:2"));
  EXPECT_THAT(refusal(), ElementsAre("line 2: codes/sex.xml: the root element is <CodeTable> in "
                                     "namespace 'urn:tsunagi:codes:2'; a code table is "
                                     "<CodeTable xmlns=\"urn:tsunagi:codes:1\">"));
}

TEST_F(CodeTableFiles, RefusesAnIdThatDoesNotMatchTheFileName) {
  write("gender.xml", sexTable());
  EXPECT_THAT(refusal(), ElementsAre("line 2: codes/gender.xml: code table id 'sex' does not match "
                                     "the file name gender.xml (the file must be named sex.xml)"));
}

TEST_F(CodeTableFiles, RefusesADoctypeBeforeParsingIt) {
  write("sex.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE CodeTable [<!ENTITY x \"y\">]>\n" +
                       sexTable().substr(sexTable().find('\n') + 1));
  EXPECT_THAT(refusal(),
              ElementsAre("line 2: codes/sex.xml: DOCTYPE declarations are not allowed"));
}

TEST_F(CodeTableFiles, RefusesASecondFileWithTheSameId) {
  write("sex.xml", sexTable());
  write("sex-copy.xml", sexTable());
  EXPECT_THAT(refusal(), ElementsAre("line 2: codes/sex-copy.xml: code table id 'sex' is already "
                                     "used by codes/sex.xml (line 2)"));
}

TEST_F(CodeTableFiles, RefusesABlankLabelAndACodeWithSpaces) {
  write("sex.xml", table("sex", {R"(<code value="1 " ja=" " en="Male"/>)"}));
  const std::vector<std::string> issues = refusal();
  EXPECT_THAT(issues, Contains(AllOf(StartsWith("line 5: codes/sex.xml: /CodeTable/code: "),
                                     HasSubstr("The value '1 ' is not accepted"))));
  EXPECT_THAT(issues, Contains(AllOf(StartsWith("line 5: codes/sex.xml: /CodeTable/code: "),
                                     HasSubstr("The value ' ' is not accepted"))));
}

TEST_F(CodeTableFiles, ReportsEveryBrokenFileAtOnce) {
  write("sex.xml", table("sex", {R"(<code value="1" en="Male"/>)"}));
  write("paralysis.xml", "<CodeTable");
  write("denture.xml", sexTable("denture"));
  const std::vector<std::string> issues = refusal();
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_THAT(issues[0], StartsWith("line 1: codes/paralysis.xml: not well-formed XML"));
  EXPECT_THAT(issues[1], StartsWith("line 5: codes/sex.xml: "));
}

TEST_F(CodeTableFiles, RefusesADirectoryWithoutTables) {
  EXPECT_THAT(refusal(), ElementsAre(HasSubstr("no code tables (*.xml) in this directory")));
}

}  // namespace
}  // namespace tsunagi::mapping
