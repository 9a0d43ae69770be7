// validate() judges a valid in-memory document with the schema rules (mapping/xml/schema_rules)
// instead of libxml2's validator over the serialized text. Those rules may be stricter than the
// schema, never laxer: here every leaf of the fixtures is set to a list of awkward values and
// validate() must answer exactly as a receiver parsing the serialized bytes does.
#include "mapping/xml/schema_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libxml/xmlregexp.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "mapping/model/canonical.hpp"
#include "mapping/profile/field_path.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::mapping {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

// Values at and around every kind of facet the canonical schemas use.
std::vector<std::string> awkwardValues() {
  return {"",
          " ",
          "x",
          " x ",
          "1",
          "01",
          "0",
          "-1",
          "+1",
          "2147483648",
          "999",
          "40",
          "39",
          "300",
          "301",
          "0.5",
          "30.0",
          "29.9",
          "45.0",
          "45.1",
          "36.5",
          "3.65",
          "1e2",
          "true",
          "false",
          "TRUE",
          "2024-02-29",
          "2023-02-29",
          "0001-01-01",
          "0000-01-01",
          "9999-12-31",
          "10000-01-01",
          "2024-3-1",
          "2024-03-01T09:30:00+09:00",
          "2024-03-01T24:00:00Z",
          "2024-03-01T09:30:00+14:00",
          "2024-03-01T09:30:00.5Z",
          "2024-03-01T09:30:00",
          "2024-03-01 09:30",
          "ｱｲｳ",
          "アイウ",
          "あ\tい",
          "a\nb",
          "a\rb",
          "<&>\"'",
          repeat("あ", 64),
          repeat("あ", 65),
          repeat("x", 200),
          repeat("x", 201),
          repeat("字", 400),
          repeat("字", 401),
          repeat("x", 2000),
          repeat("x", 2001),
          repeat("x", 4001),
          "H123456789",
          "1234567890",
          "123456789",
          "123-4567",
          "1234567",
          "122173",
          "122176",
          "+81-3-1234-5678",
          "0471-11-1111",
          "\xEF\xBF\xBD",
          "\xF0\x9F\x98\x80",
          "a\xEF\xBF\xBE",
          "\xED\xA0\x80",
          "\xC3(",
          "21",
          "99",
          "06",
          "10",
          "0190e8a2-9000-7000-8000-000000000101",
          "-x",
          "admission",
          "text/plain",
          "application/pdf"};
}

TEST(SchemaRules, TheCanonicalSchemasAreReadAsRules) {
  // If a schema stopped fitting the rules, every document would silently go the slow way.
  for (const char* file : {"liaison-sheet-1.xsd", "case-update-1.xsd", "case-membership-1.xsd"}) {
    const auto rules = xml::shippedSchemaRules(file);
    ASSERT_NE(rules, nullptr) << file;
  }
  EXPECT_NE(xml::shippedSchemaRules("liaison-sheet-1.xsd")->root("LiaisonSheet"), nullptr);
}

TEST(SchemaRules, ASchemaOutsideTheSubsetIsRefusedAtLoad) {
  // exchange-1.xsd uses xs:any and xs:simpleContent, which the rules do not read: it must be
  // refused, not half-read.
  EXPECT_THROW(xml::SchemaRules::load(xml::dataDirectory() / "schema" / "exchange-1.xsd"),
               std::runtime_error);
}

TEST(SchemaRules, XmlTextExcludesWhatXmlCannotCarry) {
  EXPECT_TRUE(xml::isXmlText("柏の葉 \t\r\n😀"));
  EXPECT_FALSE(xml::isXmlText(std::string("a\0b", 3)));
  EXPECT_FALSE(xml::isXmlText("\x07"));
  EXPECT_FALSE(xml::isXmlText("\xEF\xBF\xBE"));                 // U+FFFE
  EXPECT_FALSE(xml::isXmlText("\xC3("));                        // not UTF-8
  EXPECT_FALSE(xml::isXmlText("\xC0\xAF"));                     // overlong '/'
  EXPECT_FALSE(xml::isXmlText("\xE0\x80\xAF"));                 // overlong '/'
  EXPECT_FALSE(xml::isXmlText("\xED\xA0\x80"));                 // a surrogate
  EXPECT_FALSE(xml::isXmlText("\xF4\x90\x80\x80"));             // above U+10FFFF
  EXPECT_FALSE(xml::isXmlText("\xE3\x81"));                     // cut short
  EXPECT_TRUE(xml::isXmlText("\xEF\xBF\xBD\xF4\x8F\xBF\xBF"));  // U+FFFD, U+10FFFF
}

// The patterns of the canonical schemas (and a few shapes the shortcut must leave alone).
const std::vector<std::string> kPatterns = {
    "[1-9][0-9]*", "[^\\t\\r\\n]+", "[0-9]{6}", "[0-9]", "0|[1-9][0-9]*",
    "[A-Za-z0-9][A-Za-z0-9._:\\-]{0,63}", "[A-Za-z0-9+/=]+", "[A-Z][0-9]{2}(\\.[0-9A-Z]{1,4})?",
    "[123]", "[1-9][0-9]{0,2}\\.[0-9]", "[0-9a-f]{64}",
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+\\-][0-9]{2}:[0-9]{2})",
    "[0-9]{4}-[0-9]{2}-[0-9]{2}", "[0-9]{3}-[0-9]{4}", "[0-9]{2}\\.[0-9]", "[0-9]{2}",
    "[0-9]{10}|H[0-9]{9}", "[0-9]{10}", "[0-9+][0-9\\-]{5,19}", "[0-9]*[0-9]", "a?a", "\\d+"};

TEST(SchemaRules, PatternShortcutsAnswerAsLibxml2) {
  // Every string of up to three characters from an alphabet around the classes, and the awkward
  // values: the shortcut may only say yes where libxml2's regular expression says yes.
  const std::vector<std::string> alphabet = {"0", "1", "9", "a", "f", "H", "Z", "-", ".", "+",
                                             "/", "=", ":", "\t", "\n", "あ", " "};
  std::vector<std::string> values = awkwardValues();
  values.push_back("");
  for (const auto& a : alphabet) {
    values.push_back(a);
    for (const auto& b : alphabet) {
      values.push_back(a + b);
      for (const auto& c : alphabet) values.push_back(a + b + c);
    }
  }
  values.push_back(repeat("ab", 40));
  values.push_back(std::string(64, 'f'));
  values.push_back("I50.9");
  int shortcuts = 0;
  for (const auto& pattern : kPatterns) {
    const xml::Pattern p(pattern);
    shortcuts += p.hasShortcut();
    std::unique_ptr<xmlRegexp, void (*)(xmlRegexpPtr)> re(
        xmlRegexpCompile(reinterpret_cast<const xmlChar*>(pattern.c_str())), xmlRegFreeRegexp);
    ASSERT_NE(re, nullptr) << pattern;
    for (const auto& v : values) {
      if (!xml::isXmlText(v)) continue;
      const bool expected =
          xmlRegexpExec(re.get(), reinterpret_cast<const xmlChar*>(v.c_str())) == 1;
      EXPECT_EQ(p.matches(v), expected) << pattern << " / '" << v << "'";
    }
  }
  // The plain shapes take the shortcut; alternation, groups and \d do not.
  EXPECT_TRUE(xml::Pattern("[^\\t\\r\\n]+").hasShortcut());
  EXPECT_TRUE(xml::Pattern("[0-9]{6}").hasShortcut());
  EXPECT_TRUE(xml::Pattern("[A-Za-z0-9+/=]+").hasShortcut());
  EXPECT_FALSE(xml::Pattern("[0-9]{10}|H[0-9]{9}").hasShortcut());
  EXPECT_FALSE(xml::Pattern("\\d+").hasShortcut());
  EXPECT_GE(shortcuts, 15);
}

class EveryLeaf : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryLeaf, ValidateAnswersAsTheReceiverForAwkwardValues) {
  const CanonicalDocument original = parseCanonical(fixture(GetParam()));
  std::vector<std::string> paths;
  profile::forEachPresentField(original, [&](const std::string& p) { paths.push_back(p); });
  ASSERT_GT(paths.size(), 5u);
  int compared = 0, refused = 0;
  for (const auto& path : paths) {
    for (const auto& value : awkwardValues()) {
      CanonicalDocument document = original;
      try {
        profile::writeField(document, path, {value});
      } catch (const std::invalid_argument&) {
        continue;  // not a literal of this field's kind (a date field given "x")
      }
      std::string bytes;
      try {
        bytes = serialize(document);
      } catch (const std::invalid_argument&) {
        continue;
      }
      const std::vector<Issue> issues = validate(document);
      EXPECT_EQ(issues, validateByParsing(bytes)) << path << " = '" << value << "'";
      ++compared;
      refused += !issues.empty();
    }
  }
  // The list must exercise both answers on every fixture.
  EXPECT_GT(compared, 200);
  EXPECT_GT(refused, 50);
  EXPECT_LT(refused, compared);
}

INSTANTIATE_TEST_SUITE_P(Canonical, EveryLeaf,
                         ::testing::Values("discharge-sheet.xml", "admission-sheet.xml",
                                           "case-update.xml"));

TEST(EveryLeaf, RepeatedGroupsAtAndOverTheirLimits) {
  LiaisonSheet sheet = parseLiaisonSheet(fixture("discharge-sheet.xml"));
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{10}, std::size_t{11}}) {
    LiaisonSheet changed = sheet;
    changed.diagnoses.resize(n, sheet.diagnoses.at(0));
    EXPECT_EQ(validate(changed), validateByParsing(serialize(changed))) << n << " diagnoses";
  }
  LiaisonSheet noInsurance = sheet;
  noInsurance.insurance.reset();
  EXPECT_EQ(validate(noInsurance), validateByParsing(serialize(noInsurance)));
  LiaisonSheet noDischarge = sheet;
  noDischarge.discharge.reset();
  EXPECT_EQ(validate(noDischarge), validateByParsing(serialize(noDischarge)));
}

TEST(EveryLeaf, CaseMembershipVariants) {
  for (const char* name :
       {"case-membership-open.xml", "case-membership-add.xml", "case-membership-close.xml"}) {
    CaseMembership m = parseCaseMembership(fixture(name));
    EXPECT_THAT(validate(m), ::testing::IsEmpty()) << name;
    for (auto action : {MembershipAction::Open, MembershipAction::Close,
                        MembershipAction::AddParticipant, MembershipAction::RemoveParticipant}) {
      CaseMembership changed = m;
      changed.action = action;
      EXPECT_EQ(validate(changed), validateByParsing(serialize(changed))) << name;
    }
    CaseMembership noPatient = m;
    noPatient.patient.reset();
    EXPECT_EQ(validate(noPatient), validateByParsing(serialize(noPatient))) << name;
  }
}

}  // namespace
}  // namespace tsunagi::mapping
