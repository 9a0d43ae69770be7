#include "mapping/text/utf8.hpp"

#include <cstdio>

namespace tsunagi::mapping::text {

namespace {

enum class Problem {
  None,
  StrayContinuation,
  OverlongLead,
  NeverUsed,
  Truncated,
  BadContinuation,
  Overlong,
  Surrogate,
  TooLarge
};

struct Decoded {
  Problem problem = Problem::None;
  char32_t codePoint = 0;
  std::size_t length = 0;  // bytes consumed, or the length the lead byte announced
  std::size_t seen = 0;    // for truncation: how many bytes of the sequence were present/valid
};

// Decodes without allocating or throwing, so isValidUtf8 can be noexcept and cheap.
Decoded decodeRaw(std::string_view utf8, std::size_t start) {
  Decoded d;
  const auto lead = static_cast<unsigned char>(utf8[start]);
  if (lead < 0x80) return {Problem::None, lead, 1, 1};
  char32_t smallest = 0;  // the least value this length may encode; below it is an overlong form
  if (lead >= 0xC2 && lead <= 0xDF) {
    d.length = 2, d.codePoint = lead & 0x1F, smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    d.length = 3, d.codePoint = lead & 0x0F, smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    d.length = 4, d.codePoint = lead & 0x07, smallest = 0x10000;
  } else if ((lead & 0xC0) == 0x80) {
    d.problem = Problem::StrayContinuation;
    return d;
  } else {
    d.problem = (lead == 0xC0 || lead == 0xC1) ? Problem::OverlongLead : Problem::NeverUsed;
    return d;
  }
  for (std::size_t i = 1; i < d.length; ++i) {
    d.seen = i;
    if (start + i >= utf8.size()) {
      d.problem = Problem::Truncated;
      return d;
    }
    const auto byte = static_cast<unsigned char>(utf8[start + i]);
    if ((byte & 0xC0) != 0x80) {
      d.problem = Problem::BadContinuation;
      return d;
    }
    d.codePoint = (d.codePoint << 6) | (byte & 0x3F);
  }
  if (d.codePoint < smallest) {
    d.problem = Problem::Overlong;
  } else if (d.codePoint >= 0xD800 && d.codePoint <= 0xDFFF) {
    d.problem = Problem::Surrogate;
  } else if (d.codePoint > 0x10FFFF) {
    d.problem = Problem::TooLarge;
  }
  return d;
}

std::string hexByte(unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(byte));
  return buf;
}

[[noreturn]] void fail(std::string_view utf8, std::size_t start, const Decoded& d) {
  const auto lead = static_cast<unsigned char>(utf8[start]);
  const std::string needs =
      "lead byte " + hexByte(lead) + " starts a " + std::to_string(d.length) + "-byte sequence";
  std::string why;
  switch (d.problem) {
    case Problem::StrayContinuation:
      why = "unexpected continuation byte " + hexByte(lead) + " (no lead byte before it)";
      break;
    case Problem::OverlongLead:
      why = "byte " + hexByte(lead) + " can only start an overlong (non-shortest) form";
      break;
    case Problem::NeverUsed:
      why = "byte " + hexByte(lead) + " never occurs in UTF-8";
      break;
    case Problem::Truncated:
      why = "truncated sequence: " + needs + " but the input ends after " + std::to_string(d.seen) +
            (d.seen == 1 ? " byte" : " bytes");
      break;
    case Problem::BadContinuation:
      why = "truncated sequence: " + needs + " but byte " + std::to_string(d.seen + 1) + " is " +
            hexByte(static_cast<unsigned char>(utf8[start + d.seen])) + ", not a continuation byte";
      break;
    case Problem::Overlong:
      why = "overlong " + std::to_string(d.length) + "-byte encoding of " +
            codePointLabel(d.codePoint);
      break;
    case Problem::Surrogate:
      why = "encodes the surrogate " + codePointLabel(d.codePoint) +
            " (surrogates are not characters)";
      break;
    case Problem::TooLarge:
      why = "encodes " + codePointLabel(d.codePoint) + ", beyond U+10FFFF";
      break;
    case Problem::None:
      break;
  }
  throw TextError("invalid UTF-8 at byte offset " + std::to_string(start) + ": " + why, start);
}

}  // namespace

TextError::TextError(const std::string& message, std::size_t byteOffset)
    : std::runtime_error(message), byteOffset_(byteOffset) {}

char32_t decodeUtf8At(std::string_view utf8, std::size_t& offset) {
  const Decoded d = decodeRaw(utf8, offset);
  if (d.problem != Problem::None) fail(utf8, offset, d);
  offset += d.length;
  return d.codePoint;
}

std::u32string decodeUtf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (std::size_t offset = 0; offset < utf8.size();) out.push_back(decodeUtf8At(utf8, offset));
  return out;
}

void appendUtf8(std::string& out, char32_t codePoint) {
  if ((codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > 0x10FFFF) {
    throw std::invalid_argument("cannot encode " + codePointLabel(codePoint) +
                                " in UTF-8: not a Unicode scalar value");
  }
  if (codePoint < 0x80) {
    out.push_back(static_cast<char>(codePoint));
  } else if (codePoint < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (codePoint >> 6)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else if (codePoint < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (codePoint >> 12)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (codePoint >> 18)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  }
}

std::string encodeUtf8(char32_t codePoint) {
  std::string out;
  appendUtf8(out, codePoint);
  return out;
}

std::string encodeUtf8(std::u32string_view codePoints) {
  std::string out;
  out.reserve(codePoints.size() * 3);
  for (char32_t c : codePoints) appendUtf8(out, c);
  return out;
}

void validateUtf8(std::string_view utf8) {
  for (std::size_t offset = 0; offset < utf8.size();) decodeUtf8At(utf8, offset);
}

std::size_t characterCount(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (char c : utf8) n += isContinuationByte(c) ? 0 : 1;
  return n;
}

std::string_view cutAtCharacter(std::string_view utf8, std::size_t maxBytes) noexcept {
  if (utf8.size() <= maxBytes) return utf8;
  std::size_t keep = maxBytes;
  while (keep > 0 && isContinuationByte(utf8[keep])) --keep;
  return utf8.substr(0, keep);
}

bool isValidUtf8(std::string_view utf8) noexcept {
  for (std::size_t offset = 0; offset < utf8.size();) {
    const Decoded d = decodeRaw(utf8, offset);
    if (d.problem != Problem::None) return false;
    offset += d.length;
  }
  return true;
}

std::string codePointLabel(char32_t codePoint) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(codePoint));
  return buf;
}

}  // namespace tsunagi::mapping::text
