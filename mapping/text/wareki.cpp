#include "mapping/text/wareki.hpp"

#include <array>
#include <cstdio>

#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::mapping::text {

namespace {

constexpr std::array<EraInfo, 5> kEras = {{
    {Era::Meiji, "明治", 'M', 1, {1868, 1, 25}, Date{1912, 7, 29}, Date{1912, 7, 30}},
    {Era::Taisho, "大正", 'T', 2, {1912, 7, 30}, Date{1926, 12, 24}, Date{1926, 12, 25}},
    {Era::Showa, "昭和", 'S', 3, {1926, 12, 25}, Date{1989, 1, 7}, Date{1989, 1, 7}},
    {Era::Heisei, "平成", 'H', 4, {1989, 1, 8}, Date{2019, 4, 30}, Date{2019, 4, 30}},
    {Era::Reiwa, "令和", 'R', 5, {2019, 5, 1}, std::nullopt, std::nullopt},
}};

// How an era is spelled in text, in kEras order: the two kanji, and the squared sign (㍾ …).
struct EraSpelling {
  char32_t first;
  char32_t second;
  char32_t squared;
};
constexpr std::array<EraSpelling, 5> kSpellings = {{
    {U'明', U'治', 0x337E},
    {U'大', U'正', 0x337D},
    {U'昭', U'和', 0x337C},
    {U'平', U'成', 0x337B},
    {U'令', U'和', 0x32FF},
}};

constexpr std::string_view kExpectedForms =
    "expected a date such as 2024-03-01, 2024/3/1, 20240301, 2024年3月1日, 令和6年3月1日, "
    "R6.3.1 or 5060301";

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  return "\"" + std::string(cutAtCharacter(text, kMax)) + (text.size() > kMax ? "…\"" : "\"");
}

[[noreturn]] void reject(std::string_view input, std::string_view why) {
  throw DateError("cannot read " + quoted(input) + " as a date: " + std::string(why));
}

std::string kanjiForm(const EraInfo& era, int year, int month, int day) {
  return std::string(era.name) + (year == 1 ? std::string("元") : std::to_string(year)) + "年" +
         std::to_string(month) + "月" + std::to_string(day) + "日";
}

bool isDigit(char32_t c) { return c >= U'0' && c <= U'9'; }

class Scanner {
 public:
  explicit Scanner(std::u32string_view text) : text_(text) {}

  void skipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == U' ' || text_[pos_] == U'\t')) ++pos_;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char32_t peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : 0;
  }
  void advance(std::size_t n = 1) { pos_ += n; }
  bool consume(char32_t c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  /// The run of ASCII digits here; `count` receives its length (0: none). Values are capped so
  /// that a long run cannot overflow; callers reject long runs by `count`.
  int number(std::size_t& count) {
    int value = 0;
    count = 0;
    while (pos_ < text_.size() && text_[pos_] >= U'0' && text_[pos_] <= U'9') {
      if (count < 9) value = value * 10 + static_cast<int>(text_[pos_] - U'0');
      ++pos_;
      ++count;
    }
    return value;
  }

 private:
  std::u32string_view text_;
  std::size_t pos_ = 0;
};

// Width-normalised code points, trimmed. Invalid UTF-8 becomes a DateError.
std::u32string prepare(std::string_view text) {
  std::u32string out;
  try {
    // U+3000 is a space once the width is normalised.
    out = decodeUtf8(trimAscii(normalizeWidth(text), " \t"));
  } catch (const TextError& e) {
    throw DateError(std::string("cannot read a date: ") + e.what());
  }
  return out;
}

// The era at the scanner (two kanji, one kanji before a year, squared sign, or ASCII letter), or
// nullptr when the text does not start with one.
const EraInfo* scanEra(Scanner& s, std::string_view input) {
  const char32_t c = s.peek();
  for (std::size_t i = 0; i < kEras.size(); ++i) {
    if (c == kSpellings[i].squared) {
      s.advance();
      return &kEras[i];
    }
    if (c == kSpellings[i].first && s.peek(1) == kSpellings[i].second) {
      s.advance(2);
      return &kEras[i];
    }
  }
  // A one-character era (昭23年, R6.3.1) only counts before a year: "tomorrow" is not 大正.
  std::size_t afterEra = 1;
  while (s.peek(afterEra) == U' ') ++afterEra;
  const char32_t yearStart = s.peek(afterEra);
  if (!isDigit(yearStart) && yearStart != U'元') return nullptr;
  for (std::size_t i = 0; i < kEras.size(); ++i) {
    if (c == kSpellings[i].first) {
      s.advance();
      return &kEras[i];
    }
  }
  if ((c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z')) {
    const char upper = static_cast<char>(c >= U'a' ? c - 0x20 : c);
    for (const EraInfo& era : kEras) {
      if (era.letter == upper) {
        s.advance();
        return &era;
      }
    }
    reject(input, std::string("unknown era letter '") + static_cast<char>(c) +
                      "': expected M (明治), T (大正), S (昭和), H (平成) or R (令和)");
  }
  return nullptr;
}

struct MonthDay {
  int month;
  int day;
};

// After the year: 年 M 月 D 日, or <sep> M <sep> D with one separator kind (. / -).
MonthDay scanMonthDay(Scanner& s, std::string_view input) {
  std::size_t count = 0;
  s.skipSpaces();
  if (s.consume(U'年')) {
    s.skipSpaces();
    const int month = s.number(count);
    if (count == 0 || count > 2) reject(input, "expected a month of 1 or 2 digits after 年");
    s.skipSpaces();
    if (!s.consume(U'月')) reject(input, "expected 月 after the month");
    s.skipSpaces();
    const int day = s.number(count);
    if (count == 0 || count > 2) reject(input, "expected a day of 1 or 2 digits after 月");
    s.skipSpaces();
    if (!s.consume(U'日')) reject(input, "expected 日 after the day");
    return {month, day};
  }
  const char32_t sep = s.peek();
  if (sep != U'.' && sep != U'/' && sep != U'-') {
    reject(input, "expected 年 or a separator (. / -) after the year");
  }
  s.advance();
  s.skipSpaces();
  const int month = s.number(count);
  if (count == 0 || count > 2) reject(input, "expected a month of 1 or 2 digits");
  s.skipSpaces();
  if (!s.consume(sep)) {
    const char32_t other = s.peek();
    if (other == U'.' || other == U'/' || other == U'-') {
      reject(input, "mixed separators: write the date with one kind (. / or -)");
    }
    reject(input, "expected a separator between month and day");
  }
  s.skipSpaces();
  const int day = s.number(count);
  if (count == 0 || count > 2) reject(input, "expected a day of 1 or 2 digits");
  return {month, day};
}

void expectEnd(Scanner& s, std::string_view input) {
  s.skipSpaces();
  if (!s.atEnd()) reject(input, "unexpected text after the day");
}

std::string suggestion(const Date& date) {
  if (!eraOf(date)) return "";
  return "; did you mean " + toWareki(date) + "?";
}

Date resolveWareki(const EraInfo& era, int year, int month, int day, std::string_view input) {
  if (year < 1) reject(input, "era year 0 does not exist: the first year of an era is 元年 (1)");
  const std::string written = kanjiForm(era, year, month, day);
  if (era.era == Era::Meiji && year < 6) {
    throw DateError(written +
                    " is before 明治6年1月1日 (1873-01-01), when Japan adopted the Gregorian "
                    "calendar: earlier 明治 dates are lunisolar and cannot be converted to 西暦");
  }
  const Date date{era.first.year + year - 1, month, day};
  if (auto problem = date.problem()) throw DateError(written + " does not exist: " + *problem);
  if (date < era.first) {
    throw DateError(written + " is before the start of " + std::string(era.name) + " (" +
                    era.first.iso() + ")" + suggestion(date));
  }
  if (era.lastAccepted && date > *era.lastAccepted) {
    throw DateError(written + " is after the end of " + std::string(era.name) + " (" +
                    era.lastAccepted->iso() + ")" + suggestion(date));
  }
  return date;
}

// GYYMMDD (7 digits), the form of 介護給付費請求 files.
Date parseNumericWareki(std::u32string_view digits, std::string_view input) {
  const auto at = [&](std::size_t i) { return static_cast<int>(digits[i] - U'0'); };
  const int number = at(0);
  for (const EraInfo& era : kEras) {
    if (era.number == number) {
      return resolveWareki(era, at(1) * 10 + at(2), at(3) * 10 + at(4), at(5) * 10 + at(6), input);
    }
  }
  reject(input, "unknown era number " + std::to_string(number) +
                    " in the 7-digit form GYYMMDD: expected 1 (明治), 2 (大正), 3 (昭和), "
                    "4 (平成) or 5 (令和)");
}

Date checkedGregorian(int year, int month, int day, std::string_view input) {
  const Date date{year, month, day};
  if (auto problem = date.problem()) reject(input, "not a real date: " + *problem);
  return date;
}

bool allDigits(std::u32string_view text) {
  for (char32_t c : text) {
    if (!isDigit(c)) return false;
  }
  return !text.empty();
}

Date parseWarekiAfterEra(const EraInfo& era, Scanner& s, std::string_view input) {
  s.skipSpaces();
  int year = 0;
  if (s.consume(U'元')) {
    year = 1;
  } else {
    std::size_t count = 0;
    year = s.number(count);
    if (count == 0) reject(input, "expected the year of " + std::string(era.name) + " (or 元)");
    if (count > 2) reject(input, "an era year has at most 2 digits");
  }
  const MonthDay md = scanMonthDay(s, input);
  expectEnd(s, input);
  return resolveWareki(era, year, md.month, md.day, input);
}

}  // namespace

std::span<const EraInfo> eras() { return kEras; }

const EraInfo& eraInfo(Era era) { return kEras[static_cast<std::size_t>(era)]; }

Date parseWareki(std::string_view text) {
  const std::u32string prepared = prepare(text);
  if (prepared.empty()) reject(text, "the text is empty");
  if (allDigits(prepared)) {
    if (prepared.size() != 7) reject(text, "a 和暦 date in digits has 7 digits (GYYMMDD)");
    return parseNumericWareki(prepared, text);
  }
  Scanner s(prepared);
  const EraInfo* era = scanEra(s, text);
  if (era == nullptr) {
    reject(text, "no era at the start: expected 明治, 大正, 昭和, 平成, 令和 or M, T, S, H, R");
  }
  return parseWarekiAfterEra(*era, s, text);
}

Date parseFlexibleDate(std::string_view text) {
  const std::u32string prepared = prepare(text);
  if (prepared.empty()) reject(text, "the text is empty");
  if (allDigits(prepared)) {
    if (prepared.size() == 7) return parseNumericWareki(prepared, text);
    if (prepared.size() != 8) {
      reject(text, "a date in digits only has 8 digits (YYYYMMDD) or 7 (GYYMMDD, 和暦)");
    }
    const auto at = [&](std::size_t i) { return static_cast<int>(prepared[i] - U'0'); };
    return checkedGregorian(at(0) * 1000 + at(1) * 100 + at(2) * 10 + at(3), at(4) * 10 + at(5),
                            at(6) * 10 + at(7), text);
  }
  Scanner s(prepared);
  if (const EraInfo* era = scanEra(s, text)) return parseWarekiAfterEra(*era, s, text);
  std::size_t count = 0;
  const int year = s.number(count);
  if (count != 4) reject(text, kExpectedForms);
  const MonthDay md = scanMonthDay(s, text);
  expectEnd(s, text);
  return checkedGregorian(year, md.month, md.day, text);
}

std::optional<Era> eraOf(const Date& date) {
  if (date < kFirstGregorianMeijiDate) return std::nullopt;
  for (auto it = kEras.rbegin(); it != kEras.rend(); ++it) {
    if (date >= it->first) return it->era;
  }
  return std::nullopt;
}

namespace {

struct WarekiParts {
  const EraInfo* era;
  int year;
};

WarekiParts warekiParts(const Date& date) {
  if (auto problem = date.problem()) {
    throw DateError("cannot write Date{" + std::to_string(date.year) + ", " +
                    std::to_string(date.month) + ", " + std::to_string(date.day) +
                    "} in 和暦: " + *problem);
  }
  const std::optional<Era> era = eraOf(date);
  if (!era) {
    throw DateError("cannot write " + date.iso() +
                    " in 和暦: dates before 1873-01-01 (明治6年1月1日) used the lunisolar "
                    "calendar, which this gateway does not convert");
  }
  const EraInfo& info = eraInfo(*era);
  return {&info, date.year - info.first.year + 1};
}

}  // namespace

std::string toWareki(const Date& date) {
  const WarekiParts parts = warekiParts(date);
  return kanjiForm(*parts.era, parts.year, date.month, date.day);
}

std::string toWarekiShort(const Date& date) {
  const WarekiParts parts = warekiParts(date);
  return std::string(1, parts.era->letter) + std::to_string(parts.year) + "." +
         std::to_string(date.month) + "." + std::to_string(date.day);
}

std::string toWarekiNumeric(const Date& date) {
  const WarekiParts parts = warekiParts(date);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d%02d%02d%02d", parts.era->number, parts.year, date.month,
                date.day);
  return buf;
}

}  // namespace tsunagi::mapping::text
