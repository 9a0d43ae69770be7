// `tsunagi validate` as a vendor or a city's ICT staff runs it on files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/cli_runner.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical";

using testing::CommandRun;
using testing::runTsunagi;

TEST(ValidateCommand, PrintsOkForEveryValidFixtureAndExits0) {
  std::vector<std::string> args = {"validate"};
  for (const auto& entry : fs::directory_iterator(kFixtures)) args.push_back(entry.path().string());
  CommandRun r = runTsunagi(args);
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.output(), HasSubstr("discharge-sheet.xml: OK"));
  EXPECT_THAT(r.output(), HasSubstr("case-membership-open.xml: OK"));
}

TEST(ValidateCommand, InvalidFileGivesLineAndPathAndExits1) {
  testing::TempDir dir("validate-input");
  std::ifstream in(kFixtures / "discharge-sheet.xml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("<careLevel>23</careLevel>"), 25, "<careLevel>99</careLevel>");
  const fs::path bad = fs::path(dir.path()) / "bad.xml";
  std::ofstream(bad) << text;
  CommandRun r = runTsunagi({"validate", (kFixtures / "case-update.xml").string(), bad.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output(), HasSubstr("case-update.xml: OK"));
  EXPECT_THAT(r.output(), HasSubstr("bad.xml: /LiaisonSheet/insurance/careLevel: unknown code '99' "
                                    "in code table care-level"));
}

TEST(ValidateCommand, SchemaErrorsNameTheLine) {
  testing::TempDir dir("validate-input");
  const fs::path bad = fs::path(dir.path()) / "update.xml";
  std::ofstream(bad) << "<?xml version=\"1.0\"?>\n<CaseUpdate xmlns=\"urn:tsunagi:canonical:1\">\n"
                        "  <caseId>x</caseId>\n</CaseUpdate>\n";
  CommandRun r = runTsunagi({"validate", bad.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output(), HasSubstr("update.xml:3: /CaseUpdate/caseId:"));
}

TEST(ValidateCommand, ReadsStandardInputWithDash) {
  CommandRun r = runTsunagi({"validate", "-"}, (kFixtures / "case-update.xml").string());
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("-: OK"));
}

TEST(ValidateCommand, UnreadableFileExits2) {
  CommandRun r = runTsunagi({"validate", "/nonexistent/sheet.xml"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output(), HasSubstr("/nonexistent/sheet.xml: cannot read the file"));
}

TEST(ValidateCommand, NoFileIsBadUsage) {
  CommandRun r = runTsunagi({"validate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output(), HasSubstr("name at least one FILE"));
}

TEST(ValidateCommand, OversizedInputIsRefusedWithoutReadingItAll) {
  testing::TempDir dir("validate-input");
  const fs::path big = fs::path(dir.path()) / "big.xml";
  {
    std::ofstream out(big, std::ios::binary);
    std::string chunk(1 << 20, ' ');
    for (int i = 0; i < 100; ++i) out << chunk;  // 100 MB
  }
  CommandRun r = runTsunagi({"validate", big.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output(), HasSubstr("over the limit of 16777216 bytes"));
}

}  // namespace
}  // namespace tsunagi
