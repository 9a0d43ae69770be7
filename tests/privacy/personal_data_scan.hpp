#pragma once
// Looks for the test patients' personal data in what the test programs wrote (application logs,
// the audit chains of their databases; tests/support/test_logs.hpp). A value is looked for in
// every way a log line could carry it:
//  - names (kanji and kana, given names): after JSON \uXXXX escapes are decoded and both sides are
//    folded with mapping::text::foldForMatching, so 流山　花子, 流山花子, ながれやま はなこ and
//    ﾅｶﾞﾚﾔﾏ ﾊﾅｺ are all found; a line that is not UTF-8 is also read as CP932, one with an
//    escape byte as ISO-2022-JP (an input's raw bytes);
//  - birth dates: 1939-06-21, 1939/6/21, 19390621, 1939年6月21日, 昭和14年6月21日, 昭14年6月21日,
//    S14.6.21, S14.06.21, S14/06/21, S140621 and 3140621 (GYYMMDD), after width normalisation and
//    with ASCII letters upper-cased; on an era's change-over day both eras' forms;
//  - 被保険者番号 and hospital patient ids: the exact string.
// Dates and numbers must not touch a digit (separated forms) or a letter or digit (compact forms)
// on either side, so a hash or a longer number that merely contains them is not a hit.
// 保険者番号 (insurer numbers) are NOT looked for: they are 6-digit codes of the insurer (a city),
// equal or close to the municipality and node codes that logs name on purpose.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::privacy {

enum class Kind { Name, Birth, Insured, PatientId };

/// One line of the list: what it is, the value, and where the tests use it.
struct PersonalValue {
  Kind kind = Kind::Name;
  std::string value;
  std::string source;
};

/// Reads the list (tests/fixtures/privacy/patients.txt): `kind | value | where it comes from`,
/// kind one of name, birth (YYYY-MM-DD), insured, patient-id; blank lines and `#` comments
/// skipped. Throws std::runtime_error naming file:line for anything else.
std::vector<PersonalValue> readPersonalValues(const std::filesystem::path& file);

/// One written form of a value.
struct Needle {
  std::size_t value = 0;  ///< index into the scanner's values
  std::string form;       ///< what is searched (folded for names)
  bool folded = false;    ///< searched in the folded line (names)
  bool compact = false;   ///< letters and digits only: no letter or digit may touch it
};

/// The forms a birth date is looked for in (see the header comment). Throws std::runtime_error
/// for a value that is not YYYY-MM-DD.
std::vector<std::string> birthDateForms(const std::string& iso);

struct Hit {
  std::string file;
  std::size_t line = 0;  ///< 1-based
  std::string value;     ///< the personal value found
  std::string form;      ///< the form it was written in
  std::string source;    ///< where the tests use the value
  std::string excerpt;   ///< the start of the line
};

class PersonalDataScanner {
 public:
  explicit PersonalDataScanner(std::vector<PersonalValue> values);

  /// Every (line, value) hit in `text`, reported as `file`.
  std::vector<Hit> scanText(std::string_view text, const std::string& file) const;
  /// The same for a file's bytes; `name` is how the file is reported.
  std::vector<Hit> scanFile(const std::filesystem::path& file, const std::string& name) const;

  const std::vector<PersonalValue>& values() const { return values_; }
  const std::vector<Needle>& needles() const { return needles_; }

 private:
  void scanLine(std::string_view line, std::size_t number, const std::string& file,
                std::vector<Hit>& hits) const;
  std::vector<PersonalValue> values_;
  std::vector<Needle> needles_;
};

}  // namespace tsunagi::privacy
