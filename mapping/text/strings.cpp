#include "mapping/text/strings.hpp"

#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::text {

std::string_view trimAscii(std::string_view text, std::string_view characters) {
  const auto first = text.find_first_not_of(characters);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(characters) - first + 1);
}

std::string trimmed(std::string_view t) {
  static constexpr std::string_view kIdeographicSpace = "\u3000";
  for (;;) {
    if (!t.empty() &&
        (t.front() == ' ' || t.front() == '\t' || t.front() == '\n' || t.front() == '\r')) {
      t.remove_prefix(1);
    } else if (t.substr(0, 3) == kIdeographicSpace) {
      t.remove_prefix(3);
    } else if (!t.empty() &&
               (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
      t.remove_suffix(1);
    } else if (t.size() >= 3 && t.substr(t.size() - 3) == kIdeographicSpace) {
      t.remove_suffix(3);
    } else {
      return std::string(t);
    }
  }
}

std::string cutToCharacters(std::string_view text, std::size_t limit) {
  if (characterCount(text) <= limit) return std::string(text);
  std::string out;
  std::size_t chars = 0;
  for (char c : text) {
    if (!isContinuationByte(c) && chars++ == limit - 1) break;
    out += c;
  }
  return out + "…";
}

std::string quoteForMessage(std::string_view value, std::size_t maxCharacters) {
  std::string out = "'";
  std::size_t chars = 0;
  for (char c : value) {
    if (!isContinuationByte(c) && chars++ == maxCharacters) {
      out += "…";
      break;
    }
    out += c;
  }
  return out + "'";
}

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string withThousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace tsunagi::mapping::text
