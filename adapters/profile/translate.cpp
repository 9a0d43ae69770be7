#include "adapters/profile/translate.hpp"

#include <charconv>
#include <optional>
#include <stdexcept>

#include "mapping/codes.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/wareki.hpp"
#include "mapping/text/width.hpp"
#include "mapping/time.hpp"

namespace tsunagi::adapters::profile {

namespace {

using mapping::profile::FieldKind;
using mapping::text::quoteForMessage;
using mapping::text::trimmed;

// One value translated, or why not.
struct Result {
  bool ok = true;
  std::string text;  // the canonical literal, or why not
};
Result ok(std::string v) { return Result{true, std::move(v)}; }
Result fail(std::string why) { return Result{false, std::move(why)}; }

// Tool values are compared after width folding and trimming: ＡＤＬ１ and 要介護１ match.
std::string folded(std::string_view s) { return mapping::text::foldForComparison(s); }

std::string listOf(const FieldMapping& field) {
  std::string out;
  std::size_t n = 0;
  for (const auto& v : field.values) {
    if (v.approximates) continue;
    if (++n > 8) {
      out += ", …";
      break;
    }
    out += (out.empty() ? "" : ", ") + v.tool;
  }
  return out;
}

Result codeFor(const FieldMapping& field, const std::string& value) {
  const std::string key = folded(value);
  for (const auto& v : field.values) {
    if (!v.approximates && v.toolKey == key) return ok(v.canonical);
  }
  const auto& table = mapping::CodeTables::shipped().table(field.info.codeTable);
  if (field.acceptLabels) {
    for (const auto& e : table.entries()) {
      if (e.ja == key || e.code == key) return ok(e.code);
    }
  }
  std::string why = quoteForMessage(value) + " is not a value of " + table.nameJa() +
                    " (code table " + table.id() + ")";
  if (!field.values.empty()) why += "; the profile maps " + listOf(field);
  if (field.acceptLabels)
    why += (field.values.empty() ? "; " : " and ") +
           std::string("accepts the table's labels and codes");
  return fail(why);
}

Result booleanFor(const FieldMapping& field, const std::string& value) {
  const std::string key = folded(value);
  for (const auto& v : field.values) {
    if (!v.approximates && v.toolKey == key) return ok(v.canonical);
  }
  if (field.values.empty() || field.acceptLabels) {
    for (const char* yes : {"true", "1", "あり", "有", "はい", "○"}) {
      if (key == yes) return ok("true");
    }
    for (const char* no : {"false", "0", "なし", "無", "いいえ", "×"}) {
      if (key == no) return ok("false");
    }
  }
  std::string why = quoteForMessage(value) + " is not yes or no";
  if (!field.values.empty()) why += "; the profile maps " + listOf(field);
  return fail(why);
}

int twoDigits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') {
    throw std::invalid_argument("not an instant");
  }
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Seconds since the epoch of an ISO instant with an offset.
long long epochOf(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    throw std::invalid_argument("'" + std::string(s) +
                                "' is not an instant (2024-03-01T09:30:00+09:00)");
  }
  const int year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const mapping::Date date{year, twoDigits(s, 5), twoDigits(s, 8)};
  if (!date.isValid())
    throw std::invalid_argument("'" + std::string(s) + "' has an impossible date");
  const int hh = twoDigits(s, 11), mm = twoDigits(s, 14), ss = twoDigits(s, 17);
  std::size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
  }
  long long offset = 0;
  if (at < s.size() && s[at] == 'Z' && at + 1 == s.size()) {
    offset = 0;
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    offset = (twoDigits(s, at + 1) * 60 + twoDigits(s, at + 4)) * 60;
    if (s[at] == '-') offset = -offset;
  } else {
    throw std::invalid_argument("'" + std::string(s) + "' has no time zone (Z or +09:00)");
  }
  if (hh > 23 || mm > 59 || ss > 60)
    throw std::invalid_argument("'" + std::string(s) + "' has an impossible time");
  return mapping::unixSecondsOfUtc(date, hh, mm, ss) - offset;
}

std::string pad(int n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                     '0') +
         s;
}

// An instant in UTC ("2024-03-01T00:30:00Z") or as a Japanese tool shows it ("2024/03/01 09:30").
std::string formatEpoch(long long t, bool jst) {
  if (jst) return mapping::japaneseMinutes(mapping::civilTime(t, mapping::Zone::Japan));
  return mapping::isoUtc(mapping::civilTime(t, mapping::Zone::Utc));
}

Result one(const FieldMapping& field, const std::string& raw) {
  switch (field.info.kind) {
    case FieldKind::Code:
      return codeFor(field, raw);
    case FieldKind::Boolean:
      return booleanFor(field, raw);
    case FieldKind::Date:
      try {
        return ok(mapping::text::parseFlexibleDate(trimmed(raw)).iso());
      } catch (const mapping::DateError& e) {
        return fail(e.what());
      }
    case FieldKind::Integer: {
      const std::string s = folded(raw);
      int n = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc() || ptr != s.data() + s.size()) {
        return fail(quoteForMessage(raw) + " is not a whole number");
      }
      return ok(std::to_string(n));
    }
    case FieldKind::Text:
    case FieldKind::Texts: {
      if (!field.values.empty() && field.info.kind == FieldKind::Texts) {
        const std::string key = folded(raw);
        for (const auto& v : field.values) {
          if (!v.approximates && v.toolKey == key) return ok(v.canonical);
        }
      }
      if (field.dateFormat == DateFormat::JstDateTime) {
        try {
          return ok(jstToInstant(raw));
        } catch (const std::invalid_argument& e) {
          return fail(e.what());
        }
      }
      if (field.dateFormat == DateFormat::UtcDateTime) {
        try {
          return ok(formatEpoch(epochOf(trimmed(raw)), false));
        } catch (const std::invalid_argument& e) {
          return fail(e.what());
        }
      }
      return ok(field.prefix + raw);
    }
  }
  return fail("unknown field kind");
}

}  // namespace

std::variant<std::vector<std::string>, std::string> toCanonical(
    const FieldMapping& field, const std::vector<std::string>& items) {
  // Free text keeps its spaces and line breaks; everything else is read trimmed.
  const bool keepSpaces =
      field.info.kind == FieldKind::Text && field.prefix.empty() && !field.dateFormat;
  std::vector<std::string> out;
  std::optional<std::string> why;
  auto take = [&](std::string_view part) {
    std::string t = trimmed(part);
    if (t.empty()) return;
    auto r = one(field, keepSpaces ? std::string(part) : std::move(t));
    if (!r.ok) {
      if (!why) why = std::move(r.text);
      return;
    }
    out.push_back(std::move(r.text));
  };
  for (const auto& item : items) {
    if (field.info.kind == FieldKind::Texts && !field.separator.empty()) {
      std::size_t start = 0;
      for (;;) {
        const auto at = item.find(field.separator, start);
        take(std::string_view(item).substr(
            start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) break;
        start = at + field.separator.size();
      }
    } else {
      take(item);
    }
    if (why) return *why;
  }
  if (out.size() > 1 && field.info.kind != FieldKind::Texts) {
    return std::string("holds ") + std::to_string(out.size()) + " values; " + field.path +
           " takes one";
  }
  return out;
}

ToolText toTool(const FieldMapping& field, const std::string& canonical) {
  ToolText out;
  switch (field.info.kind) {
    case FieldKind::Code:
    case FieldKind::Boolean:
    case FieldKind::Texts: {
      bool approximated = false;
      if (const auto* v = field.forEncode(canonical, approximated)) {
        out.text = v->tool;
        out.approximated = approximated;
        if (approximated) {
          std::string label = canonical;
          if (field.info.kind == FieldKind::Code) {
            const auto* e =
                mapping::CodeTables::shipped().table(field.info.codeTable).find(canonical);
            if (e) label = e->ja + " (" + canonical + ")";
          }
          out.detail = label + " written as " + v->tool;
        }
        return out;
      }
      if (field.info.kind == FieldKind::Boolean && field.values.empty()) {
        out.text = canonical == "true" ? "あり" : "なし";
        return out;
      }
      if (field.info.kind == FieldKind::Boolean) {
        out.unmapped = true;
        out.detail = canonical + ": the tool has no such value";
        return out;
      }
      if (field.info.kind == FieldKind::Texts) {
        out.text = canonical;
        return out;
      }
      const auto* e = mapping::CodeTables::shipped().table(field.info.codeTable).find(canonical);
      if (field.acceptLabels && e) {
        out.text = e->ja;
        return out;
      }
      out.unmapped = true;
      out.detail =
          (e ? e->ja + " (" + canonical + ")" : canonical) + ": the tool has no such value";
      return out;
    }
    case FieldKind::Date: {
      const auto date = mapping::Date::parseIso(canonical);
      out.text = date ? formatDate(*date, field.dateFormat.value_or(DateFormat::Iso)) : canonical;
      return out;
    }
    case FieldKind::Integer:
      out.text = canonical;
      return out;
    case FieldKind::Text:
      if (field.dateFormat == DateFormat::JstDateTime) {
        out.text = instantToJst(canonical);
      } else if (field.dateFormat == DateFormat::UtcDateTime) {
        out.text = instantToUtc(canonical);
      } else if (!field.prefix.empty() && canonical.rfind(field.prefix, 0) == 0) {
        out.text = canonical.substr(field.prefix.size());
      } else {
        out.text = canonical;
      }
      return out;
  }
  return out;
}

std::string instantToUtc(std::string_view instant) { return formatEpoch(epochOf(instant), false); }

std::string instantToJst(std::string_view instant) { return formatEpoch(epochOf(instant), true); }

std::string jstToInstant(std::string_view text) {
  const std::string s = folded(text);
  // YYYY[/-]M[/-]D H:MM[:SS]
  int parts[6] = {0, 0, 0, 0, 0, 0};
  int count = 0;
  std::size_t i = 0;
  const char seps[] = {'/', '/', ' ', ':', ':'};
  while (count < 6) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 4) break;
    parts[count++] = std::stoi(s.substr(start, i - start));
    if (i >= s.size()) break;
    const char sep = s[i];
    const char want = seps[count - 1];
    if (count > 5 || !(sep == want || (want == '/' && sep == '-') || (want == ' ' && sep == 'T'))) {
      count = -1;
      break;
    }
    ++i;
  }
  const mapping::Date date{parts[0], parts[1], parts[2]};
  if (count < 5 || i != s.size() || !date.isValid() || parts[3] > 23 || parts[4] > 59 ||
      parts[5] > 59) {
    throw std::invalid_argument(quoteForMessage(text) +
                                " is not a date and time in Japan (2024/03/01 09:30)");
  }
  return date.iso() + "T" + pad(parts[3], 2) + ":" + pad(parts[4], 2) + ":" + pad(parts[5], 2) +
         "+09:00";
}

std::string formatDate(const Date& date, DateFormat format) {
  switch (format) {
    case DateFormat::Slash:
      return pad(date.year, 4) + "/" + pad(date.month, 2) + "/" + pad(date.day, 2);
    case DateFormat::Compact:
      return pad(date.year, 4) + pad(date.month, 2) + pad(date.day, 2);
    case DateFormat::Kanji:
      return std::to_string(date.year) + "年" + std::to_string(date.month) + "月" +
             std::to_string(date.day) + "日";
    case DateFormat::Wareki:
      return mapping::text::toWareki(date);
    case DateFormat::WarekiShort:
      return mapping::text::toWarekiShort(date);
    case DateFormat::Iso:
    case DateFormat::JstDateTime:
    case DateFormat::UtcDateTime:
      break;
  }
  return date.iso();
}

}  // namespace tsunagi::adapters::profile
