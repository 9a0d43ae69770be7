// The two renderings of a problem found in a document: describe() for the one who sent it (it may
// quote the input), redacted() for the application log and the audit chain (code, position and
// path only). Each kind of DocumentError the mapping library raises is checked: not well-formed
// XML, the schema, the business rules.
#include "mapping/xml/issue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mapping/model/canonical.hpp"

namespace tsunagi::mapping {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string dischargeSheet() {
  std::ifstream in(
      std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical/discharge-sheet.xml",
      std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

DocumentError refusalOf(const std::string& xml) {
  try {
    parseCanonical(xml);
  } catch (const DocumentError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted";
  return DocumentError({Issue{0, "", "(accepted)"}});
}

TEST(IssueRedaction, KeepsCodePositionsAndPathButNeverTheMessage) {
  const Issue issue{.line = 3,
                    .path = "/LiaisonSheet/patient/birthDate",
                    .message = "'昭和12年3月4日' is not a date",
                    .code = "invalid-value",
                    .column = 7,
                    .offset = 120,
                    .length = 21};
  EXPECT_EQ(issue.redacted(),
            "line 3 column 7 byte 120+21 /LiaisonSheet/patient/birthDate "
            "[invalid-value]");
  EXPECT_EQ(issue.describe(),
            "line 3: /LiaisonSheet/patient/birthDate: '昭和12年3月4日' is not a date");
}

TEST(IssueRedaction, SaysInputWhenNothingLocatesTheProblem) {
  EXPECT_EQ((Issue{0, "", "the file is empty"}.redacted()), "(input)");
  EXPECT_EQ(redacted({}), "(input)");
}

TEST(IssueRedaction, ListsTheFirstTenAndCountsTheRest) {
  std::vector<Issue> issues;
  for (int i = 1; i <= 12; ++i) issues.push_back(Issue{i, "", "柏木 ハナ"});
  const std::string text = redacted(issues);
  EXPECT_THAT(text, HasSubstr("line 1; line 2; "));
  EXPECT_THAT(text, HasSubstr("line 10 (+2 more)"));
  EXPECT_THAT(text, Not(HasSubstr("line 11")));
  EXPECT_EQ(describe({issues[0], issues[1]}), "line 1: 柏木 ハナ\nline 2: 柏木 ハナ");
}

TEST(IssueRedaction, NotWellFormedXmlIsLocatedWithoutItsText) {
  const DocumentError e = refusalOf(replaced(dischargeSheet(), "<nameKanji>流山 花子</nameKanji>",
                                             "<nameKanji>流山 花子</nameKanj>"));
  ASSERT_EQ(e.issues().size(), 1u);
  const std::string log = redacted(e.issues());
  EXPECT_THAT(log, HasSubstr("line 11"));
  EXPECT_THAT(log, HasSubstr("[xml-syntax]"));
  EXPECT_THAT(log, Not(HasSubstr("nameKanj")));  // libxml2's message names the tags
  EXPECT_THAT(e.what(), HasSubstr("not well-formed XML"));
}

TEST(IssueRedaction, ASchemaRefusalKeepsThePathAndDropsTheValue) {
  const DocumentError e = refusalOf(replaced(dischargeSheet(), "<birthDate>1939-06-21</birthDate>",
                                             "<birthDate>昭和12年3月4日</birthDate>"));
  const std::string log = redacted(e.issues());
  EXPECT_THAT(log, HasSubstr("/LiaisonSheet/patient/birthDate [schema]"));
  EXPECT_THAT(log, Not(HasSubstr("昭和12年3月4日")));
  // The sender's own rendering says what was refused.
  EXPECT_THAT(describe(e.issues()), HasSubstr("昭和12年3月4日"));
}

TEST(IssueRedaction, ABusinessRuleRefusalKeepsThePathAndDropsTheDates) {
  const DocumentError e =
      refusalOf(replaced(dischargeSheet(), "<admittedOn>2024-02-14</admittedOn>",
                         "<admittedOn>1937-03-04</admittedOn>"));
  const std::string log = redacted(e.issues());
  EXPECT_THAT(log, HasSubstr("[rule]"));
  EXPECT_THAT(log, Not(HasSubstr("1937")));
  EXPECT_THAT(log, Not(HasSubstr("1939-06-21")));
  EXPECT_THAT(describe(e.issues()), HasSubstr("1937-03-04"));
}

}  // namespace
}  // namespace tsunagi::mapping
