#include "adapters/fhir_jp/narrative.hpp"

#include <array>
#include <cctype>

#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters::fhir_jp {

namespace {

namespace text = mapping::text;

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool isBlockElement(std::string_view name) {
  static constexpr std::array<std::string_view, 22> kBlocks = {
      "p",  "div", "br", "li", "tr", "h1", "h2",  "h3",    "h4",         "h5",    "h6",
      "ul", "ol",  "dl", "dt", "dd", "hr", "pre", "table", "blockquote", "thead", "tbody"};
  for (auto b : kBlocks) {
    if (b == name) return true;
  }
  return false;
}

// Position just after the '>' closing the tag that starts at `pos` ('<'), honouring quoted
// attribute values; npos when the tag never closes.
std::size_t tagEnd(std::string_view s, std::size_t pos) {
  char quote = 0;
  for (std::size_t i = pos + 1; i < s.size(); ++i) {
    if (quote) {
      if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

std::string lowerName(std::string_view tag) {
  std::size_t i = 1;
  if (i < tag.size() && tag[i] == '/') ++i;
  std::string name;
  while (i < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[i])) || tag[i] == ':')) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(tag[i])));
    ++i;
  }
  if (auto colon = name.rfind(':'); colon != std::string::npos) name = name.substr(colon + 1);
  return name;
}

// Decodes the entity at `pos` ('&'); returns the characters consumed (0 = not an entity).
std::size_t decodeEntity(std::string_view s, std::size_t pos, std::string& out) {
  const std::size_t semi = s.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 12) return 0;
  const std::string_view name = s.substr(pos + 1, semi - pos - 1);
  static constexpr std::array<std::pair<std::string_view, char32_t>, 6> kNamed = {
      {{"lt", U'<'}, {"gt", U'>'}, {"amp", U'&'}, {"quot", U'"'}, {"apos", U'\''}, {"nbsp", U' '}}};
  for (const auto& [n, cp] : kNamed) {
    if (name == n) {
      text::appendUtf8(out, cp);
      return semi - pos + 1;
    }
  }
  if (name.size() < 2 || name[0] != '#') return 0;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view number = name.substr(hex ? 2 : 1);
  if (number.empty() || number.size() > 8) return 0;
  std::uint32_t value = 0;
  for (char c : number) {
    int digit = -1;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (hex && c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    if (digit < 0) return 0;
    value = value * (hex ? 16u : 10u) + static_cast<std::uint32_t>(digit);
  }
  // Control characters, surrogates and out-of-range values cannot be carried: a space instead.
  const bool carriable =
      (value >= 0x20 && value != 0x7F && (value < 0xD800 || value > 0xDFFF) && value <= 0x10FFFF) ||
      value == '\n' || value == '\t';
  text::appendUtf8(out, carriable ? static_cast<char32_t>(value) : U' ');
  return semi - pos + 1;
}

// Collapses XHTML whitespace, trims each line and removes empty lines.
std::string tidyLines(std::string_view raw) {
  std::string out;
  std::string line;
  auto flush = [&] {
    std::string t = text::trimmed(line);
    if (!t.empty()) {
      if (!out.empty()) out += '\n';
      out += t;
    }
    line.clear();
  };
  bool space = false;
  for (char c : raw) {
    if (c == '\n') {
      flush();
      space = false;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
      space = true;
    } else {
      if (space && !line.empty()) line += ' ';
      space = false;
      line += c;
    }
  }
  flush();
  return out;
}

}  // namespace

std::string xhtmlToText(std::string_view s) {
  std::string raw;  // LF marks a block boundary; source line breaks are plain whitespace
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '<') {
      if (s.substr(i, 4) == "<!--") {
        const std::size_t end = s.find("-->", i + 4);
        i = end == std::string_view::npos ? s.size() : end + 3;
        continue;
      }
      if (s.substr(i, 9) == "<![CDATA[") {
        const std::size_t end = s.find("]]>", i + 9);
        const std::size_t stop = end == std::string_view::npos ? s.size() : end;
        for (std::size_t k = i + 9; k < stop; ++k)
          raw += (s[k] == '\n' || s[k] == '\r') ? ' ' : s[k];
        i = end == std::string_view::npos ? s.size() : end + 3;
        continue;
      }
      const char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (isAsciiLetter(next) || next == '/' || next == '!' || next == '?') {
        const std::size_t end = tagEnd(s, i);
        if (end == std::string_view::npos) break;  // markup cut off: the rest is not text
        const std::string_view tag = s.substr(i, end - i);
        const std::string name = lowerName(tag);
        const bool closing = next == '/';
        const bool selfClosing = tag.size() >= 2 && tag[tag.size() - 2] == '/';
        i = end;
        if (!closing && !selfClosing && (name == "script" || name == "style")) {
          const std::string closeTag = "</" + name;
          std::size_t k = i;
          while (k < s.size()) {
            const std::size_t lt = s.find("</", k);
            if (lt == std::string_view::npos) {
              k = s.size();
              break;
            }
            if (lowerName(s.substr(lt, closeTag.size() + 1)) == name) {
              const std::size_t e = tagEnd(s, lt);
              k = e == std::string_view::npos ? s.size() : e;
              break;
            }
            k = lt + 2;
          }
          i = k;
          continue;
        }
        if (isBlockElement(name))
          raw += '\n';
        else if (name == "td" || name == "th")
          raw += ' ';
        continue;
      }
      raw += '<';
      ++i;
      continue;
    }
    if (c == '&') {
      const std::size_t used = decodeEntity(s, i, raw);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    raw += (c == '\n' || c == '\r') ? ' ' : c;
    ++i;
  }
  return tidyLines(raw);
}

std::string textToXhtml(std::string_view t) {
  std::string out = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
  std::string line;
  for (char c : t) {
    if (c == '\n') {
      out += text::escapeHtml(line) + "<br/>";
      line.clear();
    } else if (c != '\r') {
      line += c;
    }
  }
  return out + text::escapeHtml(line) + "</div>";
}

}  // namespace tsunagi::adapters::fhir_jp
