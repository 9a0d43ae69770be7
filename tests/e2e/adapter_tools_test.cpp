// The vendor tooling as a vendor runs it: `tsunagi translate` and `tsunagi adapter check`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/e2e/cli_runner.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using testing::CommandRun;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::runTsunagi;

const fs::path kSource = TSUNAGI_SOURCE_DIR;
const fs::path kSamples = TSUNAGI_SAMPLES_DIR;

/// A samples directory for the kit: the given files, plus canonical documents to encode.
fs::path samplesDir(const testing::TempDir& dir, const std::vector<fs::path>& files,
                    const std::vector<fs::path>& canonical = {}) {
  const fs::path root = fs::path(dir.path()) / "samples";
  fs::create_directories(root / "canonical");
  for (const fs::path& f : files) fs::copy_file(f, root / f.filename());
  for (const fs::path& f : canonical) fs::copy_file(f, root / "canonical" / f.filename());
  return root;
}

std::vector<fs::path> filesOf(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == extension) out.push_back(e.path());
  }
  return out;
}

TEST(Translate, SsMix2DischargeEventToCanonicalXmlIsAPartialSheetThatValidates) {
  CommandRun r = runTsunagi({"translate", "--from", "ssmix2", "--to", "liaison_xml",
                             (kSamples / "ssmix2/ADT-22_A01_admission.hl7").string()});
  ASSERT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\""));
  EXPECT_THAT(r.err, HasSubstr("partial /LiaisonSheet"));
  EXPECT_THAT(r.out, Not(HasSubstr("losses (")));  // the loss report goes to stderr only

  testing::TempDir dir("translate");
  const fs::path xml = fs::path(dir.path()) / "sheet.xml";
  std::ofstream(xml, std::ios::binary) << r.out;
  CommandRun v = runTsunagi({"validate", xml.string()});
  EXPECT_EQ(v.status, 0) << v.output();
  EXPECT_THAT(v.out, HasSubstr("sheet.xml: OK"));
}

TEST(Translate, FhirJpBundleToCanonicalXmlValidatesAndReportsLosses) {
  CommandRun r =
      runTsunagi({"translate", "--from", "fhir_jp", "--to", "liaison_xml",
                  (kSamples / "fhir-jp/CLINS-Referral-Example-01.json").string()});
  ASSERT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.err, HasSubstr("losses (decode fhir_jp): "));
  testing::TempDir dir("translate");
  const fs::path xml = fs::path(dir.path()) / "sheet.xml";
  std::ofstream(xml, std::ios::binary) << r.out;
  EXPECT_EQ(runTsunagi({"validate", xml.string()}).status, 0);
}

TEST(Translate, CanonicalAdmissionSheetToFhirWritesTheBundleIntoOutDir) {
  testing::TempDir dir("translate-out");
  CommandRun r =
      runTsunagi({"translate", "--from", "liaison_xml", "--to", "fhir_jp", "--out", dir.path(),
                  (kSource / "tests/fixtures/canonical/admission-sheet.xml").string()});
  ASSERT_EQ(r.status, 0) << r.output();
  const fs::path written = r.out.substr(0, r.out.find('\n'));
  ASSERT_TRUE(fs::exists(written)) << r.out;
  std::ifstream in(written);
  const std::string bundle((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(bundle, ::testing::ContainsRegex("\"resourceType\": *\"Bundle\""));
  EXPECT_THAT(written.filename().string(), ::testing::EndsWith(".json"));
}

TEST(Translate, InvalidInputNamesLineAndExits1WithNothingOnStdout) {
  testing::TempDir dir("translate");
  const fs::path bad = fs::path(dir.path()) / "bad.json";
  std::ofstream(bad)
      << "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"document\",\n  \"entry\": [\n";
  CommandRun r =
      runTsunagi({"translate", "--from", "fhir_jp", "--to", "liaison_xml", bad.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_THAT(r.err, HasSubstr(bad.string() + ":"));
  EXPECT_THAT(r.err, HasSubstr("truncated"));
}

TEST(Translate, UnknownAdapterAndMissingArgumentsAreBadUsage) {
  CommandRun r = runTsunagi({"translate", "--from", "nosuch", "--to", "liaison_xml", "/dev/null"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown adapter 'nosuch' (known: "));
  EXPECT_EQ(runTsunagi({"translate", "--from", "ssmix2", "/dev/null"}).status, 2);
  CommandRun decodeOnly =
      runTsunagi({"translate", "--from", "liaison_xml", "--to", "ssmix2",
                  (kSource / "tests/fixtures/canonical/case-update.xml").string()});
  EXPECT_EQ(decodeOnly.status, 2);
  EXPECT_THAT(decodeOnly.err, HasSubstr("adapter ssmix2 does not encode"));
}

TEST(AdapterCheck, PassesForTheShippedSsMix2AdapterOnThePublishedSamples) {
  testing::TempDir dir("check");
  // The published samples, and the hand-written fixtures for the other events (A08, A11, A13).
  std::map<fs::path, fs::path> byName;
  for (const fs::path& f : filesOf(kSource / "tests/fixtures/ssmix2", ".hl7"))
    byName[f.filename()] = f;
  for (const fs::path& f : filesOf(kSamples / "ssmix2", ".hl7")) byName[f.filename()] = f;
  std::vector<fs::path> files;
  for (const auto& [name, path] : byName) files.push_back(path);
  CommandRun r = runTsunagi({"adapter", "check", "ssmix2", samplesDir(dir, files).string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("ssmix2: PASSED"));
  EXPECT_THAT(r.out, HasSubstr("PASS    refuse"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST(AdapterCheck, PassesForFhirJpWithTheSamplesAndAnAdmissionSheetToEncode) {
  testing::TempDir dir("check");
  std::vector<fs::path> files = filesOf(kSamples / "fhir-jp", ".json");
  for (const fs::path& f : filesOf(kSource / "tests/fixtures/fhir_jp", ".json")) files.push_back(f);
  CommandRun r =
      runTsunagi({"adapter", "check", "fhir_jp",
                  samplesDir(dir, files, {kSource / "tests/fixtures/canonical/admission-sheet.xml"})
                      .string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("PASS    strict-encoding  canonical/admission-sheet.xml"));
}

TEST(AdapterCheck, PassesForLiaisonXmlOnTheCanonicalFixtures) {
  testing::TempDir dir("check");
  CommandRun r =
      runTsunagi({"adapter", "check", "liaison_xml",
                  samplesDir(dir, filesOf(kSource / "tests/fixtures/canonical", ".xml")).string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("PASS    round-trip       discharge-sheet.xml"));
}

/// A ケアプラン連携 set (UPHOSOKU + UP1KYO) as a care-plan tool writes it, made by the adapter's
/// own encoder from the canonical admission fixture.
std::vector<std::string> writeCareplanSet(const fs::path& dir) {
  fs::create_directories(dir);
  CommandRun r = runTsunagi({"translate", "--from", "liaison_xml", "--to", "careplan_csv", "--out",
                             dir.string(),
                             (kSource / "tests/fixtures/canonical/admission-sheet.xml").string()});
  EXPECT_EQ(r.status, 0) << r.output();
  std::vector<std::string> files;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) files.push_back(line);
  return files;
}

TEST(Translate, ACareplanSetOfTwoFilesTranslatesBackToAValidAdmissionSheet) {
  testing::TempDir dir("careplan");
  const std::vector<std::string> files = writeCareplanSet(fs::path(dir.path()) / "set");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_THAT(fs::path(files[0]).filename().string(), ::testing::StartsWith("UPHOSOKU_"));
  EXPECT_THAT(fs::path(files[1]).filename().string(), ::testing::StartsWith("UP1KYO_"));
  CommandRun r = runTsunagi(
      {"translate", "--from", "careplan_csv", "--to", "liaison_xml", files[0], files[1]});
  ASSERT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("kind=\"admission\""));
  // Without --out, a two-file target is refused rather than printed half.
  CommandRun two =
      runTsunagi({"translate", "--from", "liaison_xml", "--to", "careplan_csv",
                  (kSource / "tests/fixtures/canonical/admission-sheet.xml").string()});
  EXPECT_EQ(two.status, 2);
  EXPECT_THAT(two.err, HasSubstr("writes 2 files per document: name a directory with --out DIR"));
  EXPECT_TRUE(two.out.empty());
}

TEST(AdapterCheck, PassesForCareplanCsvOnASetInASubdirectory) {
  testing::TempDir dir("check");
  const fs::path root =
      samplesDir(dir, {}, {kSource / "tests/fixtures/canonical/admission-sheet.xml"});
  writeCareplanSet(root / "set-1");
  CommandRun r = runTsunagi({"adapter", "check", "careplan_csv", root.string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("PASS    decode           set-1/"));
  EXPECT_THAT(r.out, HasSubstr("PASS    csv-neutralise"));
  EXPECT_THAT(r.out, HasSubstr("PASS    strict-encoding"));
}

TEST(AdapterCheck, FailsWhenASampleIsBrokenOrAMalformedSampleIsAccepted) {
  testing::TempDir dir("check");
  const fs::path root = samplesDir(dir, {kSource / "tests/fixtures/canonical/case-update.xml"});
  std::ofstream(root / "broken.xml") << "<CaseUpdate xmlns=\"urn:tsunagi:canonical:1\"/>\n";
  fs::create_directories(root / "malformed");
  fs::copy_file(kSource / "tests/fixtures/canonical/discharge-sheet.xml",
                root / "malformed" / "actually-valid.xml");
  CommandRun r = runTsunagi({"adapter", "check", "liaison_xml", root.string()});
  EXPECT_EQ(r.status, 1) << r.output();
  EXPECT_THAT(r.out, HasSubstr("FAIL    decode"));
  EXPECT_THAT(r.out, HasSubstr("broken.xml"));
  EXPECT_THAT(r.out, HasSubstr("FAIL    refuse           malformed/actually-valid.xml  accepted"));
  EXPECT_THAT(r.out, HasSubstr("liaison_xml: FAILED"));
}

TEST(AdapterCheck, PassesForKintoneWithTheNagareyamaProfile) {
  testing::TempDir dir("check");
  CommandRun r =
      runTsunagi({"adapter", "check", "kintone:nagareyama-kintone",
                  samplesDir(dir, filesOf(kSource / "tests/fixtures/kintone", ".json")).string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("PASS    round-trip       nagareyama-sheet-record.json"));
  EXPECT_THAT(r.out, HasSubstr("PASS    round-trip       nagareyama-updates-records.json"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST(AdapterCheck, PassesForRoomCsvWithTheKashiwaProfile) {
  testing::TempDir dir("check");
  CommandRun r =
      runTsunagi({"adapter", "check", "room_csv:kashiwa-room",
                  samplesDir(dir, filesOf(kSource / "tests/fixtures/room_csv", ".csv")).string()});
  EXPECT_EQ(r.status, 0) << r.output();
  EXPECT_THAT(r.out, HasSubstr("PASS    round-trip       kashiwa-sheets.csv"));
  EXPECT_THAT(r.out, HasSubstr("PASS    csv-neutralise"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

/// The shipped Kashiwa profile, copied to `dir` as `name` with `from` replaced by `to` (once);
/// returns the copy and the line the change is on.
std::pair<fs::path, int> kashiwaProfileWith(const testing::TempDir& dir, const std::string& name,
                                            const std::string& from, const std::string& to) {
  std::ifstream in(kSource / "mapping/profiles/kashiwa-room.xml", std::ios::binary);
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  xml.replace(at, from.size(), to);
  const fs::path file = fs::path(dir.path()) / name;
  std::ofstream(file, std::ios::binary) << xml;
  return {file, 1 + static_cast<int>(std::count(xml.begin(), xml.begin() + at, '\n'))};
}

TEST(AdapterCheck, FailsOnADeliberatelyBrokenProfile) {
  testing::TempDir dir("check");
  const fs::path samples = samplesDir(dir, filesOf(kSource / "tests/fixtures/room_csv", ".csv"));
  // A column mapped to a canonical field that does not exist: the profile does not load (2).
  const auto [broken, line] = kashiwaProfileWith(dir, "broken.xml", R"(path="patient/address")",
                                                 R"(path="patient/adress")");
  CommandRun r = runTsunagi({"adapter", "check", "room_csv:" + broken.string(), samples.string()});
  EXPECT_EQ(r.status, 2) << r.output();
  EXPECT_THAT(r.err, HasSubstr(broken.string() + ":" + std::to_string(line) + ": "));
  EXPECT_THAT(r.err, HasSubstr("/@path: 'patient/adress' is not a field of LiaisonSheet"));
  EXPECT_TRUE(r.out.empty()) << r.out;

  // A profile that loads but accepts no 性別 the room writes: every sheet fails to decode (1).
  const auto [wrong, unused] =
      kashiwaProfileWith(dir, "wrong.xml", R"(path="patient/sex" required="true")",
                         R"(path="patient/sex" required="true" labels="false")");
  CommandRun w = runTsunagi({"adapter", "check", "room_csv:" + wrong.string(), samples.string()});
  EXPECT_EQ(w.status, 1) << w.output();
  EXPECT_THAT(w.out, HasSubstr("FAIL    decode           kashiwa-sheets.csv"));
  EXPECT_THAT(w.out, HasSubstr("column 性別"));
  EXPECT_THAT(w.out, HasSubstr("PASS    decode           kashiwa-timeline.csv"));
  EXPECT_THAT(w.out, HasSubstr("room_csv:" + wrong.string() + ": FAILED"));
}

TEST(AdapterCheck, UnknownAdapterOrMissingDirectoryIsBadUsage) {
  EXPECT_EQ(runTsunagi({"adapter", "check", "nosuch", "/tmp"}).status, 2);
  CommandRun r = runTsunagi({"adapter", "check", "liaison_xml", "/nonexistent/samples"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/samples: not a readable directory"));
}

TEST(AdapterList, NamesEveryShippedAdapter) {
  CommandRun r = runTsunagi({"adapter", "list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("fhir_jp\n"));
  EXPECT_THAT(r.out, HasSubstr("liaison_xml\n"));
  EXPECT_THAT(r.out, HasSubstr("ssmix2\n"));
  EXPECT_THAT(r.out, HasSubstr("careplan_csv\n"));
  EXPECT_THAT(r.out, HasSubstr("kintone\n"));
  EXPECT_THAT(r.out, HasSubstr("room_csv\n"));
}

}  // namespace
}  // namespace tsunagi
