#include "adapters/liaison_xml/liaison_xml_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tsunagi::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string canonicalFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Decoded decodeXml(const std::string& bytes) {
  return LiaisonXmlAdapter().decode(LocalInput{bytes, "sheet.xml", {}});
}

TEST(LiaisonXmlAdapter, DecodesEveryCanonicalDocumentTypeWithoutLoss) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"admission-sheet.xml", "LiaisonSheet"},
      {"discharge-sheet.xml", "LiaisonSheet"},
      {"case-update.xml", "CaseUpdate"},
      {"case-membership-open.xml", "CaseMembership"},
      {"case-membership-add.xml", "CaseMembership"},
      {"case-membership-close.xml", "CaseMembership"}};
  for (const auto& [file, type] : cases) {
    const Decoded decoded = decodeXml(canonicalFixture(file));
    ASSERT_EQ(decoded.documents.size(), 1u) << file;
    EXPECT_EQ(mapping::documentTypeName(decoded.documents[0]), type) << file;
    EXPECT_TRUE(decoded.losses.empty()) << file;
  }
}

TEST(LiaisonXmlAdapter, DecodedSheetCarriesTheDocumentsFields) {
  const Decoded decoded = decodeXml(canonicalFixture("discharge-sheet.xml"));
  const auto& sheet = std::get<mapping::LiaisonSheet>(decoded.documents.at(0));
  EXPECT_EQ(sheet.kind, mapping::SheetKind::Discharge);
  EXPECT_EQ(sheet.sheetId, "0190e8a2-7c1d-7b3e-9f20-4a6d2c1b8e01");
  EXPECT_EQ(sheet.patient.nameKana, "ナガレヤマ ハナコ");
  EXPECT_EQ(sheet.dates.admittedOn, (mapping::Date{2024, 2, 14}));
}

TEST(LiaisonXmlAdapter, EncodingGivesBackTheCanonicalBytes) {
  // The fixtures are in canonical byte form, so decode → encode is the identity.
  for (const char* file : {"admission-sheet.xml", "discharge-sheet.xml", "case-update.xml",
                           "case-membership-open.xml"}) {
    const std::string bytes = canonicalFixture(file);
    const Encoded encoded = LiaisonXmlAdapter().encode(decodeXml(bytes).documents.at(0));
    EXPECT_EQ(encoded.bytes, bytes) << file;
    EXPECT_TRUE(encoded.losses.empty()) << file;
  }
}

TEST(LiaisonXmlAdapter, SuggestsAFileNameFromTheRootAndTheDocumentId) {
  const Encoded encoded = LiaisonXmlAdapter().encode(
      decodeXml(canonicalFixture("discharge-sheet.xml")).documents.at(0));
  EXPECT_EQ(encoded.suggestedName, "LiaisonSheet-0190e8a2-7c1d-7b3e-9f20-4a6d2c1b8e01.xml");
}

TEST(LiaisonXmlAdapter, RefusalCarriesTheParsersIssuesUnchanged) {
  std::string bytes = canonicalFixture("discharge-sheet.xml");
  const std::string sex = "<sex>2</sex>";
  ASSERT_NE(bytes.find(sex), std::string::npos);
  bytes.replace(bytes.find(sex), sex.size(), "<sex>女</sex>");
  try {
    decodeXml(bytes);
    FAIL() << "decoded a sheet whose sex is a word";
  } catch (const AdapterError& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].path, "/LiaisonSheet/patient/sex");
    EXPECT_EQ(e.issues()[0].line, 13);  // as docs/liaison-sheet.md prints it
    EXPECT_THAT(e.issues()[0].message, HasSubstr("The value '女' is not accepted by the pattern"));
    EXPECT_THAT(e.what(), HasSubstr("/LiaisonSheet/patient/sex: [facet 'pattern']"));
  }
}

TEST(LiaisonXmlAdapter, RefusesWhatIsNotACanonicalDocument) {
  EXPECT_THROW(decodeXml(""), AdapterError);
  EXPECT_THAT([] { decodeXml("<!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>"); },
              ::testing::Throws<AdapterError>());
  EXPECT_THAT([] { decodeXml("<Other xmlns=\"urn:tsunagi:canonical:1\"/>"); },
              ::testing::Throws<AdapterError>());
}

TEST(LiaisonXmlAdapter, EncodingACharacterXmlCannotCarryIsAnAdapterError) {
  auto sheet = std::get<mapping::LiaisonSheet>(
      decodeXml(canonicalFixture("admission-sheet.xml")).documents.at(0));
  sheet.notes = std::string("bell \x07");
  try {
    LiaisonXmlAdapter().encode(sheet);
    FAIL() << "encoded a control character";
  } catch (const AdapterError& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].path, "/LiaisonSheet");
    EXPECT_THAT(e.issues()[0].message, HasSubstr("U+0007"));
  }
}

TEST(LiaisonXmlAdapter, IsRegisteredForAllThreeDocumentTypes) {
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  auto adapter = registry.create("liaison_xml");
  EXPECT_EQ(adapter->name(), "liaison_xml");
  EXPECT_THAT(adapter->documentTypes(),
              ElementsAre("LiaisonSheet", "CaseUpdate", "CaseMembership"));
  EXPECT_TRUE(adapter->canDecode());
  EXPECT_TRUE(adapter->canEncode());
}

}  // namespace
}  // namespace tsunagi::adapters
