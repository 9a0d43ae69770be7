#include "mapping/text/encoding.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "mapping/text/width.hpp"

namespace tsunagi::mapping::text {

namespace {

// The substitution table. Keep docs/japanese-text.md in step with it.
constexpr auto kRules = std::to_array<SubstitutionRule>({
    // Unicode has two code points for several JIS characters, and CP932 (Microsoft's table) and
    // JIS X 0208 (ISO-2022-JP) chose differently: write the one the target has.
    {0x301C, "～", "WAVE DASH: CP932 has only FULLWIDTH TILDE (0x8160)"},
    {0xFF5E, "〜", "FULLWIDTH TILDE: JIS X 0208 has only WAVE DASH (0x2141)"},
    {0x2212, "－", "MINUS SIGN: CP932 has only FULLWIDTH HYPHEN-MINUS (0x817C)"},
    {0xFF0D, "−", "FULLWIDTH HYPHEN-MINUS: JIS X 0208 has only MINUS SIGN (0x215D)"},
    {0x2016, "∥", "DOUBLE VERTICAL LINE: CP932 has only PARALLEL TO (0x8161)"},
    {0x2225, "‖", "PARALLEL TO: JIS X 0208 has only DOUBLE VERTICAL LINE (0x2142)"},
    {0x00A2, "￠", "CENT SIGN: CP932 has only the full-width form (0x8191)"},
    {0xFFE0, "¢", "FULLWIDTH CENT SIGN: JIS X 0208 maps to U+00A2"},
    {0x00A3, "￡", "POUND SIGN: CP932 has only the full-width form (0x8192)"},
    {0xFFE1, "£", "FULLWIDTH POUND SIGN: JIS X 0208 maps to U+00A3"},
    {0x00AC, "￢", "NOT SIGN: CP932 has only the full-width form (0x81CA)"},
    {0xFFE2, "¬", "FULLWIDTH NOT SIGN: JIS X 0208 maps to U+00AC"},
    {0x2014, "―", "EM DASH: both have only HORIZONTAL BAR (CP932 0x815C, JIS 0x213D)"},
    {0x00A6, "￤", "BROKEN BAR: CP932 has only the full-width form (0xFA55)"},
    // ¥ and ‾ are written full-width, never as 0x5C / 0x7E: every UTF-8 reader decodes those
    // bytes as '\' and '~', which are also HL7's escape and repetition characters.
    {0x00A5, "￥", "YEN SIGN: 0x5C would read back as '\\' (and is HL7's escape character)"},
    {0x203E, "￣", "OVERLINE: 0x7E would read back as '~' (HL7's repetition separator)"},
    // NEC special characters (CP932 row 13) and IBM extensions: not in JIS X 0208.
    {0x2460, "(1)", "circled digit"},
    {0x2461, "(2)", "circled digit"},
    {0x2462, "(3)", "circled digit"},
    {0x2463, "(4)", "circled digit"},
    {0x2464, "(5)", "circled digit"},
    {0x2465, "(6)", "circled digit"},
    {0x2466, "(7)", "circled digit"},
    {0x2467, "(8)", "circled digit"},
    {0x2468, "(9)", "circled digit"},
    {0x2469, "(10)", "circled digit"},
    {0x246A, "(11)", "circled digit"},
    {0x246B, "(12)", "circled digit"},
    {0x246C, "(13)", "circled digit"},
    {0x246D, "(14)", "circled digit"},
    {0x246E, "(15)", "circled digit"},
    {0x246F, "(16)", "circled digit"},
    {0x2470, "(17)", "circled digit"},
    {0x2471, "(18)", "circled digit"},
    {0x2472, "(19)", "circled digit"},
    {0x2473, "(20)", "circled digit"},
    {0x2160, "I", "Roman numeral"},
    {0x2161, "II", "Roman numeral"},
    {0x2162, "III", "Roman numeral"},
    {0x2163, "IV", "Roman numeral"},
    {0x2164, "V", "Roman numeral"},
    {0x2165, "VI", "Roman numeral"},
    {0x2166, "VII", "Roman numeral"},
    {0x2167, "VIII", "Roman numeral"},
    {0x2168, "IX", "Roman numeral"},
    {0x2169, "X", "Roman numeral"},
    {0x2170, "i", "small Roman numeral"},
    {0x2171, "ii", "small Roman numeral"},
    {0x2172, "iii", "small Roman numeral"},
    {0x2173, "iv", "small Roman numeral"},
    {0x2174, "v", "small Roman numeral"},
    {0x2175, "vi", "small Roman numeral"},
    {0x2176, "vii", "small Roman numeral"},
    {0x2177, "viii", "small Roman numeral"},
    {0x2178, "ix", "small Roman numeral"},
    {0x2179, "x", "small Roman numeral"},
    {0x3231, "(株)", "parenthesised ideograph (company names)"},
    {0x3232, "(有)", "parenthesised ideograph (company names)"},
    {0x3239, "(代)", "parenthesised ideograph (representative number)"},
    {0x32A4, "(上)", "circled ideograph"},
    {0x32A5, "(中)", "circled ideograph"},
    {0x32A6, "(下)", "circled ideograph"},
    {0x32A7, "(左)", "circled ideograph"},
    {0x32A8, "(右)", "circled ideograph"},
    {0x337E, "明治", "squared era name"},
    {0x337D, "大正", "squared era name"},
    {0x337C, "昭和", "squared era name"},
    {0x337B, "平成", "squared era name"},
    {0x32FF, "令和", "squared era name (Unicode 12.1; in neither charset)"},
    {0x2116, "No.", "NUMERO SIGN"},
    {0x2121, "TEL", "TELEPHONE SIGN"},
    {0x33CD, "K.K.", "SQUARE KK"},
    {0x3349, "ミリ", "squared katakana unit"},
    {0x3314, "キロ", "squared katakana unit"},
    {0x3322, "センチ", "squared katakana unit"},
    {0x334D, "メートル", "squared katakana unit"},
    {0x3318, "グラム", "squared katakana unit"},
    {0x3327, "トン", "squared katakana unit"},
    {0x3303, "アール", "squared katakana unit"},
    {0x3336, "ヘクタール", "squared katakana unit"},
    {0x3351, "リットル", "squared katakana unit"},
    {0x3357, "ワット", "squared katakana unit"},
    {0x330D, "カロリー", "squared katakana unit"},
    {0x3326, "ドル", "squared katakana unit"},
    {0x3323, "セント", "squared katakana unit"},
    {0x332B, "パーセント", "squared katakana unit"},
    {0x334A, "ミリバール", "squared katakana unit"},
    {0x333B, "ページ", "squared katakana unit"},
    // Units matter in prescriptions: write them out rather than lose them.
    {0x339C, "mm", "squared Latin unit"},
    {0x339D, "cm", "squared Latin unit"},
    {0x339E, "km", "squared Latin unit"},
    {0x338E, "mg", "squared Latin unit (doses)"},
    {0x338F, "kg", "squared Latin unit"},
    {0x33C4, "cc", "squared Latin unit (doses)"},
    {0x33A1, "m2", "squared Latin unit"},
    {0x301D, "“", "REVERSED DOUBLE PRIME QUOTATION MARK"},
    {0x301F, "”", "LOW DOUBLE PRIME QUOTATION MARK"},
    {0x2211, "Σ", "N-ARY SUMMATION (NEC row 13) → Greek capital sigma"},
    // 異体字 in names (IBM extensions or beyond JIS X 0208): the common form. Each one changes
    // how a person's name is written, so it is always reported for a human to confirm.
    {0x9AD9, "高", "はしごだか (IBM extension) → 高"},
    {0xFA11, "崎", "たつさき (IBM extension) → 崎"},
    {0x5FB7, "徳", "德 (IBM extension) → 徳"},
    {0x7028, "瀬", "瀨 (IBM extension) → 瀬"},
    {0x6801, "柳", "栁 (IBM extension) → 柳"},
    {0x6FF5, "濱", "濵 (IBM extension) → 濱"},
    {0x663B, "昂", "昻 (IBM extension) → 昂"},
    {0x20BB7, "吉", "つちよし (JIS X 0213, in neither charset) → 吉"},
    // Kana outside JIS X 0208.
    {0x3094, "ヴ", "hiragana VU"},
    {0x3095, "ヵ", "small hiragana KA"},
    {0x3096, "ヶ", "small hiragana KE"},
    {0x30F7, "ヴァ", "katakana VA"},
    {0x30F8, "ヴィ", "katakana VI"},
    {0x30F9, "ヴェ", "katakana VE"},
    {0x30FA, "ヴォ", "katakana VO"},
    // Punctuation pasted from web pages and word processors.
    {0x00A0, " ", "NO-BREAK SPACE"},
    {0x2013, "-", "EN DASH"},
    {0x2022, "・", "BULLET"},
    {0x00B7, "・", "MIDDLE DOT (Western keyboards, in names: ジョン·スミス)"},
    {0x00A9, "(C)", "COPYRIGHT SIGN"},
    {0x00AE, "(R)", "REGISTERED SIGN"},
    {0x2122, "TM", "TRADE MARK SIGN"},
    {0x00B5, "μ", "MICRO SIGN → Greek small mu (μg, μL)"},
});

const SubstitutionRule* findRule(char32_t c) {
  for (const SubstitutionRule& rule : kRules) {
    if (rule.from == c) return &rule;
  }
  return nullptr;
}

std::string hexBytes(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%s0x%02X", i == 0 ? "" : " ",
                  static_cast<unsigned>(static_cast<unsigned char>(bytes[i])));
    out += buf;
  }
  return out;
}

// One iconv conversion descriptor. Opened per call: descriptors carry shift state and are not
// safe to share between threads.
class Iconv {
 public:
  Iconv(const char* to, const char* from) : cd_(iconv_open(to, from)) {
    if (cd_ == invalid()) {
      throw std::runtime_error(std::string("iconv cannot convert ") + from + " to " + to + ": " +
                               std::strerror(errno));
    }
  }
  ~Iconv() { iconv_close(cd_); }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;

  struct Outcome {
    std::string out;
    int error = 0;             // 0, EILSEQ or EINVAL
    std::size_t consumed = 0;  // input bytes converted before the error
  };

  // Converts all of `in` from the initial shift state, including the final return to it.
  Outcome run(std::string_view in) {
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    Outcome result;
    // iconv's interface is not const-correct; it never writes through the input pointer.
    char* inPtr = const_cast<char*>(in.data());
    std::size_t inLeft = in.size();
    std::string& out = result.out;
    out.resize(in.size() * 3 + 16);
    std::size_t used = 0;
    bool flushing = false;
    for (;;) {
      char* outPtr = out.data() + used;
      std::size_t outLeft = out.size() - used;
      const std::size_t rc = flushing ? iconv(cd_, nullptr, nullptr, &outPtr, &outLeft)
                                      : iconv(cd_, &inPtr, &inLeft, &outPtr, &outLeft);
      const int error = rc == static_cast<std::size_t>(-1) ? errno : 0;
      used = out.size() - outLeft;
      if (error == E2BIG) {
        out.resize(out.size() * 2);
        continue;
      }
      if (error != 0) {
        result.error = error;
        break;
      }
      if (flushing) break;
      flushing = true;
    }
    out.resize(used);
    result.consumed = in.size() - inLeft;
    return result;
  }

 private:
  static iconv_t invalid() { return reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)); }

  iconv_t cd_;
};

bool isHalfwidthKana(char32_t c) { return c >= 0xFF61 && c <= 0xFF9F; }
bool isPrivateUse(char32_t c) {
  return (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0x10FFFF);
}

// Decides, once per distinct character, whether `charset` can hold it exactly.
class MappabilityCheck {
 public:
  explicit MappabilityCheck(Charset charset)
      : charset_(charset),
        encoder_(charsetName(charset).data(), "UTF-8"),
        decoder_("UTF-8", charsetName(charset).data()) {}

  bool canWrite(char32_t c) {
    if (c < 0x80) {
      // ESC, SO and SI would be read back as charset switches.
      return charset_ != Charset::Iso2022Jp || (c != 0x1B && c != 0x0E && c != 0x0F);
    }
    if (isPrivateUse(c)) return false;
    if (auto it = cache_.find(c); it != cache_.end()) return it->second;
    const std::string utf8 = encodeUtf8(c);
    const Iconv::Outcome encoded = encoder_.run(utf8);
    bool ok = encoded.error == 0;
    // Only JIS X 0208 (ESC $ B) for non-ASCII: never ESC ( J (see encode()).
    if (ok && charset_ == Charset::Iso2022Jp) ok = encoded.out.starts_with("\x1b$B");
    if (ok) {
      const Iconv::Outcome decoded = decoder_.run(encoded.out);
      ok = decoded.error == 0 && decoded.out == utf8;
    }
    cache_.emplace(c, ok);
    return ok;
  }

  bool canWrite(std::string_view utf8) {
    for (char32_t c : decodeUtf8(utf8)) {
      if (!canWrite(c)) return false;
    }
    return true;
  }

 private:
  Charset charset_;
  Iconv encoder_;
  Iconv decoder_;
  std::unordered_map<char32_t, bool> cache_;
};

struct InputChar {
  char32_t codePoint;
  std::size_t byteOffset;
  std::size_t byteLength;
};

std::vector<InputChar> splitUtf8(std::string_view utf8) {
  std::vector<InputChar> chars;
  chars.reserve(utf8.size());
  for (std::size_t offset = 0; offset < utf8.size();) {
    const std::size_t start = offset;
    const char32_t c = decodeUtf8At(utf8, offset);
    chars.push_back({c, start, offset - start});
  }
  return chars;
}

std::string unmappableMessage(Charset charset, const std::vector<Unmappable>& unmappable) {
  constexpr std::size_t kListed = 20;
  const std::string name(charsetName(charset));
  std::string message =
      "cannot encode the text as " + name + " without loss: " + std::to_string(unmappable.size()) +
      (unmappable.size() == 1 ? " character has" : " characters have") + " no " + name + " form: ";
  for (std::size_t i = 0; i < unmappable.size() && i < kListed; ++i) {
    if (i > 0) message += ", ";
    message += unmappable[i].describe();
  }
  if (unmappable.size() > kListed) {
    message += ", and " + std::to_string(unmappable.size() - kListed) + " more";
  }
  return message;
}

// ---- decoding ----

[[noreturn]] void decodeFailure(Charset charset, std::size_t offset, const std::string& why) {
  throw EncodingError("invalid " + std::string(charsetName(charset)) + " at byte offset " +
                          std::to_string(offset) + ": " + why,
                      offset);
}

bool isCp932Lead(unsigned char b) { return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC); }
bool isCp932Trail(unsigned char b) { return b >= 0x40 && b <= 0xFC && b != 0x7F; }

[[noreturn]] void explainCp932(std::string_view bytes, std::size_t offset, int error) {
  const auto lead = static_cast<unsigned char>(bytes[offset]);
  if (error == EINVAL) {
    decodeFailure(Charset::Cp932, offset,
                  "truncated character: lead byte " + hexBytes(bytes.substr(offset, 1)) +
                      " is the last byte of the input");
  }
  if (!isCp932Lead(lead)) {
    decodeFailure(Charset::Cp932, offset,
                  "byte " + hexBytes(bytes.substr(offset, 1)) + " is not used in CP932");
  }
  const auto trail = static_cast<unsigned char>(bytes[offset + 1]);
  if (!isCp932Trail(trail)) {
    decodeFailure(Charset::Cp932, offset,
                  "lead byte " + hexBytes(bytes.substr(offset, 1)) + " is followed by " +
                      hexBytes(bytes.substr(offset + 1, 1)) + ", which cannot be a second byte");
  }
  decodeFailure(Charset::Cp932, offset,
                hexBytes(bytes.substr(offset, 2)) + " is not assigned to any character");
}

std::string decodeCp932(std::string_view bytes) {
  Iconv iconv("UTF-8", "CP932");
  Iconv::Outcome outcome = iconv.run(bytes);
  if (outcome.error != 0) explainCp932(bytes, outcome.consumed, outcome.error);
  // The bytes are well-formed now, so lead/trail pairs can be walked to find 外字.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (!isCp932Lead(b)) continue;
    if (b >= 0xF0 && b <= 0xF9) {
      decodeFailure(Charset::Cp932, i,
                    hexBytes(bytes.substr(i, 2)) +
                        " is a user-defined character (外字, 0xF040–0xF9FC): its meaning is "
                        "private to the system that wrote it; ask the sender to replace it");
    }
    ++i;
  }
  return std::move(outcome.out);
}

// Checks the ISO-2022-JP structure that glibc does not: only RFC 1468 escape sequences, 7-bit
// bytes, no SO/SI, and JIS X 0208 characters in whole pairs.
void checkIso2022JpStructure(std::string_view bytes) {
  constexpr Charset kCs = Charset::Iso2022Jp;
  bool twoByte = false;
  std::size_t pairStart = 0;  // offset of a pending first byte in two-byte mode, or npos
  bool pending = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (pending && (b < 0x21 || b > 0x7E)) {
      decodeFailure(kCs, pairStart,
                    "JIS X 0208 character cut in half: first byte " +
                        hexBytes(bytes.substr(pairStart, 1)) + " is followed by " +
                        hexBytes(bytes.substr(i, 1)));
    }
    if (b == 0x1B) {
      const std::string_view seq = bytes.substr(i, 3);
      if (seq == "\x1b(B" || seq == "\x1b(J") {
        twoByte = false;
      } else if (seq == "\x1b$B" || seq == "\x1b$@") {
        twoByte = true;
      } else if (seq.size() < 3 &&
                 std::string_view("\x1b(B\x1b(J\x1b$B\x1b$@").find(seq) != std::string_view::npos) {
        decodeFailure(kCs, i,
                      "truncated escape sequence " + hexBytes(seq) + " at the end of the input");
      } else {
        const std::string_view shown = bytes.substr(i, bytes.substr(i + 1, 1) == "$" ? 4 : 3);
        decodeFailure(kCs, i,
                      "escape sequence " + hexBytes(shown) +
                          " is not ISO-2022-JP (RFC 1468 allows ESC ( B, ESC ( J, ESC $ @ and "
                          "ESC $ B; ESC ( I half-width katakana and JIS X 0212/0213 are not)");
      }
      i += 2;
      continue;
    }
    if (b >= 0x80) {
      decodeFailure(kCs, i,
                    "8-bit byte " + hexBytes(bytes.substr(i, 1)) +
                        " (ISO-2022-JP is 7-bit; is the file CP932 or EUC-JP?)");
    }
    if (b == 0x0E || b == 0x0F) {
      decodeFailure(
          kCs, i,
          "shift byte " + hexBytes(bytes.substr(i, 1)) + " (SO/SI) is not used in ISO-2022-JP");
    }
    if (twoByte && b >= 0x21 && b <= 0x7E) {
      if (pending) {
        pending = false;
      } else {
        pending = true;
        pairStart = i;
      }
    }
  }
  if (pending) {
    decodeFailure(kCs, pairStart,
                  "JIS X 0208 character cut in half: first byte " +
                      hexBytes(bytes.substr(pairStart, 1)) + " is the last byte of the input");
  }
}

std::string decodeIso2022Jp(std::string_view bytes) {
  checkIso2022JpStructure(bytes);
  Iconv iconv("UTF-8", "ISO-2022-JP");
  Iconv::Outcome outcome = iconv.run(bytes);
  if (outcome.error != 0) {
    const std::size_t at = outcome.consumed;
    const std::string_view code = bytes.substr(at, 2);
    std::string why = "JIS X 0208 code " + hexBytes(code) + " is not assigned to any character";
    if (!code.empty() && code[0] == 0x2D) {
      why += " (row 13 holds the NEC special characters such as ①, which exist only in CP932)";
    }
    decodeFailure(Charset::Iso2022Jp, at, why);
  }
  return std::move(outcome.out);
}

}  // namespace

std::string_view charsetName(Charset charset) {
  return charset == Charset::Cp932 ? "CP932" : "ISO-2022-JP";
}

std::string Unmappable::describe() const {
  return codePointLabel(codePoint) + " " + character + " at character " +
         std::to_string(charIndex) + " (byte offset " + std::to_string(byteOffset) + ")";
}

EncodingError::EncodingError(const std::string& message, std::size_t byteOffset,
                             std::vector<Unmappable> unmappable)
    : TextError(message, byteOffset), unmappable_(std::move(unmappable)) {}

std::span<const SubstitutionRule> substitutionTable() { return kRules; }

EncodeResult encode(std::string_view utf8, Charset charset, OnUnmappable onUnmappable) {
  const std::vector<InputChar> chars = splitUtf8(utf8);
  const bool substitute = onUnmappable == OnUnmappable::Substitute;
  MappabilityCheck check(charset);
  EncodeResult result;
  std::string text;  // what will be converted: the input with substitutions applied
  text.reserve(utf8.size());
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const InputChar& c = chars[i];
    const std::string_view original = utf8.substr(c.byteOffset, c.byteLength);
    if (check.canWrite(c.codePoint)) {
      text += original;
      continue;
    }
    if (substitute && isHalfwidthKana(c.codePoint)) {
      // ｶﾞ is one substitution (ガ), not two.
      std::size_t length = c.byteLength;
      const bool mark = i + 1 < chars.size() &&
                        (chars[i + 1].codePoint == 0xFF9E || chars[i + 1].codePoint == 0xFF9F);
      if (mark) length += chars[i + 1].byteLength;
      const std::string_view from = utf8.substr(c.byteOffset, length);
      const std::string to = toFullwidthKatakana(from);
      if (check.canWrite(to)) {
        result.substitutions.push_back({std::string(from), to, i, c.byteOffset});
        text += to;
        if (mark) ++i;  // the mark is part of this substitution, combined or not (ｱﾞ → ア゛)
        continue;
      }
    }
    if (substitute) {
      const SubstitutionRule* rule = findRule(c.codePoint);
      if (rule != nullptr && check.canWrite(rule->to)) {
        result.substitutions.push_back(
            {std::string(original), std::string(rule->to), i, c.byteOffset});
        text += rule->to;
        continue;
      }
    }
    result.unmappable.push_back({c.codePoint, std::string(original), i, c.byteOffset});
    if (substitute) appendUtf8(text, kGetaMark);
  }
  if (!substitute && !result.unmappable.empty()) {
    const std::size_t first = result.unmappable.front().byteOffset;
    // The message first: argument evaluation order is unspecified and the list is moved.
    std::string message = unmappableMessage(charset, result.unmappable);
    throw EncodingError(message, first, std::move(result.unmappable));
  }

  Iconv encoder(charsetName(charset).data(), "UTF-8");
  Iconv::Outcome encoded = encoder.run(text);
  Iconv decoder("UTF-8", charsetName(charset).data());
  const Iconv::Outcome readBack = decoder.run(encoded.out);
  if (encoded.error != 0 || readBack.error != 0 || readBack.out != text) {
    // Every character was checked above; reaching this is a bug here, not bad input.
    throw std::logic_error("encode(" + std::string(charsetName(charset)) +
                           "): the checked text did not convert exactly");
  }
  result.bytes = std::move(encoded.out);
  return result;
}

std::string decode(std::string_view bytes, Charset charset) {
  return charset == Charset::Cp932 ? decodeCp932(bytes) : decodeIso2022Jp(bytes);
}

Bom detectBom(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return Bom::Utf8;
  if (bytes.starts_with("\xFF\xFE")) return Bom::Utf16Le;
  if (bytes.starts_with("\xFE\xFF")) return Bom::Utf16Be;
  return Bom::None;
}

std::string_view stripUtf8Bom(std::string_view bytes) {
  return detectBom(bytes) == Bom::Utf8 ? bytes.substr(3) : bytes;
}

}  // namespace tsunagi::mapping::text
