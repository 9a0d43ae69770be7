// privacy_scan: no test patient's name, kana, birth date or insurance number is in anything the
// test programs wrote to <build dir>/test-logs/ — their application logs, the logs of the
// `tsunagi` processes and PostgreSQL servers they ran, and the audit chain of every database
// (tests/support/test_logs.hpp). CTest runs it after integration_tests and e2e_tests (a fixture
// cleanup test, tests/CMakeLists.txt). The first tests show the scan finds what it looks for.
// Also here: no private key is committed to the source tree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include "mapping/text/encoding.hpp"
#include "tests/privacy/personal_data_scan.hpp"

namespace tsunagi::privacy {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::IsEmpty;

fs::path patientsFile() {
  return fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/privacy/patients.txt";
}

fs::path testLogDirectory() {
  const char* env = std::getenv("TSUNAGI_TEST_LOG_DIR");
  return env && *env ? fs::path(env) : fs::path(TSUNAGI_TEST_LOG_DIR);
}

PersonalDataScanner sample() {
  return PersonalDataScanner({{Kind::Name, "流山 花子", "sample"},
                              {Kind::Name, "ナガレヤマ ハナコ", "sample"},
                              {Kind::Birth, "1939-06-21", "sample"},
                              {Kind::Insured, "0000123456", "sample"},
                              {Kind::PatientId, "A-0987", "sample"}});
}

std::vector<std::size_t> linesOf(const std::vector<Hit>& hits) {
  std::vector<std::size_t> out;
  for (const auto& h : hits) out.push_back(h.line);
  return out;
}

TEST(PrivacyScan, LooksForABirthDateInEveryWayItIsWritten) {
  const auto forms = birthDateForms("1939-06-21");
  for (const char* f : {"1939-06-21", "1939/6/21", "19390621", "1939年6月21日", "昭和14年6月21日",
                        "昭和14年06月21日", "昭14年6月21日", "S14.6.21", "S14.06.21", "S14/06/21",
                        "S14-6-21", "S140621", "3140621"}) {
    EXPECT_THAT(forms, Contains(f));
  }
  // The change-over day is 大正15年 and 昭和元年; the first year of an era is 元年 or 1年.
  const auto changeOver = birthDateForms("1926-12-25");
  for (const char* f : {"大正15年12月25日", "昭和元年12月25日", "昭和1年12月25日", "T15.12.25",
                        "S1.12.25", "S011225", "3011225", "2151225"}) {
    EXPECT_THAT(changeOver, Contains(f));
  }
  EXPECT_THROW(birthDateForms("1939-02-30"), std::runtime_error);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

TEST(PrivacyScan, FindsANameHoweverItIsSpelledOrEncoded) {
  const std::string cityInCp932("\x97\xac\x8e\x52", 4);                           // 流山
  const std::string nameInCp932("\x97\xac\x8e\x52\x81\x40\x89\xd4\x8e\x71", 10);  // 流山　花子
  const std::string text = joined({
      "2024-03-08 10:00:00.000 info nothing here",   // 1
      "sheet from 流山　花子 refused",               // 2 ideographic space
      "kana ながれやま はなこ",                      // 3 hiragana
      "kana ﾅｶﾞﾚﾔﾏ ﾊﾅｺ",                             // 4 half-width
      R"({"msg":"name \u6d41\u5c71\u82b1\u5b50"})",  // 5 JSON escapes
      "city " + mapping::text::decode(cityInCp932, mapping::text::Charset::Cp932),  // 6 no hit
      "raw " + nameInCp932,                                                         // 7 CP932 bytes
      "NAGAREYAMAHANAKO",  // 8 romaji: not sought
  });
  const auto hits = sample().scanText(text, "app.log");
  EXPECT_EQ(linesOf(hits), (std::vector<std::size_t>{2, 3, 4, 5, 7}));
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].file, "app.log");
  EXPECT_EQ(hits[0].value, "流山 花子");
}

TEST(PrivacyScan, FindsDatesAndNumbersOnlyWhereTheyStandAlone) {
  const std::string text = joined({
      "birth S14.06.21 in the sheet",                    // 1
      R"({"insuredNumber":"0000123456"})",               // 2
      "１９３９年６月２１日",                            // 3 full-width digits
      "s140621 lower case",                              // 4
      "digest 9f0000123456ab and 100001234567",          // 5 inside longer runs: no hit
      "at 2019-06-21T10:00:00Z id 19390621x",            // 6 not the date, or glued: no hit
      "insurer 122200 municipality 122203 node 122173",  // 7 insurer numbers: no hit
      "patient A-0987 admitted",                         // 8
      "ts 1939-06-21T09:00:00",                          // 9 the date in a timestamp
  });
  EXPECT_EQ(linesOf(sample().scanText(text, "audit.txt")),
            (std::vector<std::size_t>{1, 2, 3, 4, 8, 9}));
}

TEST(PrivacyScan, TheListOfTestPatientsIsReadable) {
  const auto values = readPersonalValues(patientsFile());
  std::map<Kind, int> kinds;
  for (const auto& v : values) ++kinds[v.kind];
  EXPECT_GE(kinds[Kind::Name], 20);
  EXPECT_GE(kinds[Kind::Birth], 8);
  EXPECT_GE(kinds[Kind::Insured], 6);
  PersonalDataScanner scanner(values);  // every value has its forms
  EXPECT_GT(scanner.needles().size(), values.size());
}

// What the suites wrote. A file that records a failure to read an audit chain is a failure too:
// what was not read was not checked.
TEST(PrivacyScan, NoTestPatientInAnyLogOrAuditChainTheSuitesWrote) {
  const fs::path root = testLogDirectory();
  ASSERT_TRUE(fs::is_directory(root))
      << root << " does not exist: run the test programs first (`ctest --preset dev` runs this "
      << "test after them; tests/support/test_logs.hpp)";
  const PersonalDataScanner scanner(readPersonalValues(patientsFile()));
  std::vector<Hit> hits;
  std::vector<std::string> unread;
  std::map<std::string, int> filesByFolder;
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), root).string();
    ++filesByFolder[fs::relative(entry.path(), root).parent_path().string()];
    bytes += entry.file_size();
    auto found = scanner.scanFile(entry.path(), name);
    hits.insert(hits.end(), found.begin(), found.end());
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("DUMP FAILED", 0) == 0) unread.push_back(name + ": " + line);
    }
  }
  ASSERT_FALSE(filesByFolder.empty()) << root << " is empty: nothing was scanned";
  std::ostringstream scanned;
  for (const auto& [folder, n] : filesByFolder) {
    scanned << "  " << (folder.empty() ? "." : folder) << ": " << n << " files\n";
  }
  std::cout << "privacy_scan: " << bytes << " bytes in " << root << "\n" << scanned.str();

  EXPECT_THAT(unread, IsEmpty());
  std::ostringstream report;
  std::map<std::string, int> perValue;
  for (const auto& h : hits) {
    ++perValue[h.value];
    if (report.tellp() < 20000) {
      report << h.file << ":" << h.line << ": " << h.value << " (as '" << h.form << "'; "
             << h.source << ")\n    " << h.excerpt << "\n";
    }
  }
  for (const auto& [value, n] : perValue) report << "  " << n << " lines name " << value << "\n";
  EXPECT_TRUE(hits.empty()) << hits.size() << " lines carry a test patient's personal data:\n"
                            << report.str();
}

// Keys are made by the certs/ scripts outside the tree (and by the tests in temporary folders):
// no private key is ever part of the sources. A PEM private-key block with a real body (the tests'
// deliberately broken ones have a few characters) anywhere in the tree is a failure.
TEST(SourceTree, HoldsNoPrivateKey) {
  const fs::path root(TSUNAGI_SOURCE_DIR);
  std::vector<std::string> found;
  int files = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() &&
        (name == ".git" || name == "node_modules" ||
         (it.depth() == 0 && (name == "build" || name == "tsunagi-demo" || name == ".cache")))) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->file_size() > 4 * 1024 * 1024) continue;
    ++files;
    std::ifstream in(it->path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (auto at = text.find("-----BEGIN "); at != std::string::npos;
         at = text.find("-----BEGIN ", at + 1)) {
      const auto header = text.find("PRIVATE KEY-----", at);
      if (header == std::string::npos || text.find('\n', at) < header) continue;
      const auto end = text.find("-----END", header);
      if (end == std::string::npos) break;
      const auto base64 = std::count_if(
          text.begin() + static_cast<std::ptrdiff_t>(header) + 16,
          text.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
          });
      if (base64 >= 64) found.push_back(fs::relative(it->path(), root).string());
    }
  }
  EXPECT_GT(files, 100) << "the source tree was not found at " << root;
  EXPECT_THAT(found, IsEmpty()) << "private keys in the source tree";
}

}  // namespace
}  // namespace tsunagi::privacy
