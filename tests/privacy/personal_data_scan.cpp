#include "tests/privacy/personal_data_scan.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "mapping/date.hpp"
#include "mapping/text/encoding.hpp"
#include "mapping/text/kana.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/wareki.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::privacy {

namespace fs = std::filesystem;
namespace text = mapping::text;

namespace {

bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool isAsciiAlnum(char c) {
  return isAsciiDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string trim(std::string_view s) { return std::string(mapping::text::trimAscii(s, " \t\r")); }

std::string upperAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool allAsciiAlnum(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isAsciiAlnum);
}

std::string two(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// Invalid bytes become U+FFFD, so a line with one stray byte is still read.
std::string sanitizeUtf8(std::string_view bytes) {
  if (text::isValidUtf8(bytes)) return std::string(bytes);
  std::string out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t start = at;
    try {
      text::appendUtf8(out, text::decodeUtf8At(bytes, at));
    } catch (const text::TextError&) {
      text::appendUtf8(out, U'\uFFFD');
      at = start + 1;
    }
  }
  return out;
}

int hexValue(char c) {
  if (isAsciiDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \uXXXX at `at` (the backslash), or -1.
long escapedUnit(std::string_view s, std::size_t at) {
  if (at + 6 > s.size() || s[at] != '\\' || s[at + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t i = at + 2; i < at + 6; ++i) {
    const int h = hexValue(s[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// JSON's \uXXXX escapes (surrogate pairs too) decoded; everything else kept as it is.
std::string decodeJsonEscapes(std::string_view s) {
  if (s.find("\\u") == std::string_view::npos) return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const long unit = escapedUnit(s, i);
    if (unit < 0) {
      out += s[i++];
      continue;
    }
    char32_t cp = static_cast<char32_t>(unit);
    std::size_t used = 6;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = escapedUnit(s, i + 6);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = static_cast<char32_t>(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        used = 12;
      } else {
        cp = U'\uFFFD';
      }
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      cp = U'\uFFFD';
    }
    text::appendUtf8(out, cp);
    i += used;
  }
  return out;
}

// The texts a raw line may stand for: itself (as UTF-8), and its CP932 or ISO-2022-JP reading
// when its bytes say it may be one.
std::vector<std::string> readings(std::string_view line) {
  std::vector<std::string> out{sanitizeUtf8(line)};
  if (!text::isValidUtf8(line)) {
    try {
      out.push_back(text::decode(line, text::Charset::Cp932));
    } catch (const std::exception&) {
      // not CP932 either: the sanitized reading above is what there is
    }
  }
  if (line.find('\x1b') != std::string_view::npos) {
    try {
      out.push_back(text::decode(line, text::Charset::Iso2022Jp));
    } catch (const std::exception&) {
      // not ISO-2022-JP: read as UTF-8 above
    }
  }
  return out;
}

// Letters and digits touching a date or number make it part of something longer (a hash, a
// longer number): not a hit.
bool standsAlone(std::string_view haystack, std::size_t at, const Needle& n) {
  auto blocks = [&](char edge, char neighbour) {
    if (!isAsciiAlnum(edge)) return false;
    if (n.compact || !isAsciiDigit(edge)) return isAsciiAlnum(neighbour);
    return isAsciiDigit(neighbour);
  };
  if (at > 0 && blocks(n.form.front(), haystack[at - 1])) return false;
  const std::size_t end = at + n.form.size();
  if (end < haystack.size() && blocks(n.form.back(), haystack[end])) return false;
  return true;
}

bool contains(std::string_view haystack, const Needle& n) {
  for (auto at = haystack.find(n.form); at != std::string_view::npos;
       at = haystack.find(n.form, at + 1)) {
    if (n.folded || standsAlone(haystack, at, n)) return true;
  }
  return false;
}

std::string excerptOf(std::string_view line) {
  std::string s = sanitizeUtf8(line.substr(0, 240));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

Kind kindNamed(const std::string& name, const fs::path& file, int line) {
  if (name == "name") return Kind::Name;
  if (name == "birth") return Kind::Birth;
  if (name == "insured") return Kind::Insured;
  if (name == "patient-id") return Kind::PatientId;
  throw std::runtime_error(file.string() + ":" + std::to_string(line) + ": unknown kind '" + name +
                           "' (name, birth, insured, patient-id)");
}

}  // namespace

std::vector<PersonalValue> readPersonalValues(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<PersonalValue> out;
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const auto bar1 = line.find('|');
    const auto bar2 = bar1 == std::string::npos ? bar1 : line.find('|', bar1 + 1);
    if (bar2 == std::string::npos) {
      throw std::runtime_error(file.string() + ":" + std::to_string(number) +
                               ": expected `kind | value | where it comes from`");
    }
    PersonalValue v{kindNamed(trim(line.substr(0, bar1)), file, number),
                    trim(line.substr(bar1 + 1, bar2 - bar1 - 1)), trim(line.substr(bar2 + 1))};
    if (v.value.empty() || v.source.empty()) {
      throw std::runtime_error(file.string() + ":" + std::to_string(number) +
                               ": the value and where it comes from are both needed");
    }
    if (v.kind == Kind::Birth) birthDateForms(v.value);  // checks the date now
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> birthDateForms(const std::string& iso) {
  const auto date = mapping::Date::parseIso(iso);
  if (!date) throw std::runtime_error("not a YYYY-MM-DD date: '" + iso + "'");
  const std::string y = std::to_string(date->year), m = std::to_string(date->month),
                    d = std::to_string(date->day), mm = two(date->month), dd = two(date->day);
  std::vector<std::string> forms = {y + "-" + mm + "-" + dd,         y + "/" + mm + "/" + dd,
                                    y + "." + mm + "." + dd,         y + mm + dd,
                                    y + "-" + m + "-" + d,           y + "/" + m + "/" + d,
                                    y + "." + m + "." + d,           y + "年" + m + "月" + d + "日",
                                    y + "年" + mm + "月" + dd + "日"};
  for (const auto& era : text::eras()) {
    const auto last = era.lastAccepted ? era.lastAccepted : era.last;
    if (*date < era.first || (last && *date > *last)) continue;
    const int year = date->year - era.first.year + 1;
    const std::string ey = std::to_string(year), eyy = two(year);
    const std::string name(era.name);
    // The era's first kanji alone (昭14年…): one UTF-8 character of 3 bytes.
    for (const std::string& e : {name, name.substr(0, 3)}) {
      for (const std::string& yearText : {ey, year == 1 ? std::string("元") : ey}) {
        forms.push_back(e + yearText + "年" + m + "月" + d + "日");
        forms.push_back(e + yearText + "年" + mm + "月" + dd + "日");
      }
    }
    const std::string letter(1, era.letter);
    for (const char* sep : {".", "/", "-"}) {
      forms.push_back(letter + ey + sep + m + sep + d);
      forms.push_back(letter + eyy + sep + mm + sep + dd);
    }
    forms.push_back(letter + eyy + mm + dd);                      // S140621
    forms.push_back(std::to_string(era.number) + eyy + mm + dd);  // 3140621 (GYYMMDD)
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

PersonalDataScanner::PersonalDataScanner(std::vector<PersonalValue> values)
    : values_(std::move(values)) {
  for (std::size_t i = 0; i < values_.size(); ++i) {
    const PersonalValue& v = values_[i];
    switch (v.kind) {
      case Kind::Name:
        needles_.push_back({i, text::foldForMatching(v.value), true, false});
        break;
      case Kind::Birth:
        for (auto& form : birthDateForms(v.value)) {
          const bool compact = allAsciiAlnum(form);
          needles_.push_back({i, std::move(form), false, compact});
        }
        break;
      case Kind::Insured:
      case Kind::PatientId: {
        std::string form = upperAscii(text::normalizeWidth(v.value));
        const bool compact = allAsciiAlnum(form);
        needles_.push_back({i, std::move(form), false, compact});
        break;
      }
    }
  }
}

void PersonalDataScanner::scanLine(std::string_view line, std::size_t number,
                                   const std::string& file, std::vector<Hit>& hits) const {
  std::set<std::size_t> found;  // values already reported for this line
  for (const std::string& reading : readings(line)) {
    const std::string decoded = decodeJsonEscapes(reading);
    const std::string plain = upperAscii(text::normalizeWidth(decoded));
    const std::string folded = text::foldForMatching(decoded);
    for (const Needle& n : needles_) {
      if (found.count(n.value) || !contains(n.folded ? folded : plain, n)) continue;
      found.insert(n.value);
      const PersonalValue& v = values_[n.value];
      hits.push_back({file, number, v.value, n.form, v.source, excerptOf(line)});
    }
  }
}

std::vector<Hit> PersonalDataScanner::scanText(std::string_view content,
                                               const std::string& file) const {
  std::vector<Hit> hits;
  std::size_t number = 0;
  for (std::size_t start = 0; start < content.size();) {
    const auto end = std::min(content.find('\n', start), content.size());
    std::string_view line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    scanLine(line, ++number, file, hits);
    start = end + 1;
  }
  return hits;
}

std::vector<Hit> PersonalDataScanner::scanFile(const fs::path& file,
                                               const std::string& name) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return scanText(content, name);
}

}  // namespace tsunagi::privacy
