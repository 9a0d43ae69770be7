#include "adapters/ssmix2/hl7_message.hpp"

#include <cstdio>

#include "mapping/text/encoding.hpp"
#include "mapping/text/strings.hpp"

namespace tsunagi::adapters::ssmix2 {

namespace {

constexpr char kMllpStart = '\x0B';
constexpr char kMllpEnd = '\x1C';
constexpr char kEscapeByte = '\x1B';  // ISO-2022-JP charset switches

[[noreturn]] void fail(int line, std::string path, std::string message) {
  throw AdapterError(line, std::move(path), std::move(message));
}

std::string hexByte(unsigned char b) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", b);
  return buffer;
}

bool isPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

/// The first bytes of an input that is not HL7, shown safely.
std::string preview(std::string_view bytes) {
  bytes = bytes.substr(0, 8);
  if (isPrintableAscii(bytes)) return "'" + std::string(bytes) + "'";
  std::string out = "bytes";
  for (char c : bytes) out += " " + hexByte(static_cast<unsigned char>(c)).substr(2);
  return out;
}

bool isDelimiter(char c) {
  return c > 0x20 && c < 0x7F && !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') &&
         !(c >= 'a' && c <= 'z');
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == separator) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

/// True when the byte at i ends a line: LF, or CR not followed by LF (CRLF counts once).
bool endsLine(std::string_view s, std::size_t i) {
  return s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'));
}

/// The segment id a line starts with ("PID"), or "" when it does not start with one.
std::string segmentIdAt(std::string_view line) {
  if (line.size() < 3 || line[0] < 'A' || line[0] > 'Z') return {};
  for (char c : line.substr(1, 2)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return {};
  }
  return std::string(line.substr(0, 3));
}

/// Line (1-based) and segment id of the byte at `offset` of `body`.
std::pair<int, std::string> positionOf(std::string_view body, std::size_t offset) {
  int line = 1;
  std::size_t lineStart = 0;
  for (std::size_t i = 0; i < offset && i < body.size(); ++i) {
    if (endsLine(body, i)) {
      ++line;
      lineStart = i + 1;
    }
  }
  return {line, segmentIdAt(body.substr(lineStart))};
}

/// Removes the MLLP frame; returns the offset of the message in `input` and its length.
std::pair<std::size_t, std::size_t> unframe(std::string_view input) {
  std::size_t begin = 0;
  std::size_t end = input.size();
  const bool framed = input.front() == kMllpStart;
  if (framed) begin = 1;
  if (end - begin >= 2 && input[end - 2] == kMllpEnd && input[end - 1] == '\r') {
    end -= 2;
  } else if (end > begin && input[end - 1] == kMllpEnd) {
    end -= 1;
  } else if (framed) {
    fail(0, "",
         "MLLP frame not closed: the input starts with the start byte 0x0B but does not end "
         "with 0x1C 0x0D, so the message may be cut short; send the complete frame");
  }
  return {begin, end - begin};
}

void checkHeader(std::string_view body, Delimiters& d) {
  if (!body.starts_with("MSH")) {
    const bool batch = body.starts_with("FHS") || body.starts_with("BHS");
    fail(0, "",
         "not an HL7 v2 message: it must begin with an MSH segment, but begins with " +
             preview(body) +
             (batch ? "; batch files (FHS/BHS) are not read: send one message per input" : ""));
  }
  if (body.size() < 4 || body[3] == '\r' || body[3] == '\n') {
    fail(1, "MSH", "the MSH segment is truncated: it ends before the field separator (MSH-1)");
  }
  d.field = body[3];
  if (!isDelimiter(d.field)) {
    fail(1, "MSH-1",
         "field separator " + hexByte(static_cast<unsigned char>(d.field)) +
             " is not a punctuation character (normally '|')");
  }
  std::size_t end = body.find_first_of(std::string{d.field, '\r', '\n'}, 4);
  std::string_view encoding = body.substr(4, end == std::string_view::npos ? end : end - 4);
  bool ok = encoding.size() == 4 || encoding.size() == 5;  // 2.7 adds a truncation character
  for (std::size_t i = 0; ok && i < encoding.size(); ++i) {
    ok = isDelimiter(encoding[i]) && encoding[i] != d.field && encoding.find(encoding[i]) == i;
  }
  if (!ok) {
    fail(1, "MSH-2",
         "encoding characters " + quoted(encoding) +
             " must be four different punctuation characters other than the field "
             "separator: component, repetition, escape, subcomponent (normally '^~\\&')");
  }
  d.component = encoding[0];
  d.repetition = encoding[1];
  d.escape = encoding[2];
  d.subcomponent = encoding[3];
}

/// MSH-18 and MSH-20 read from the raw MSH segment: the charset must be known before decoding.
void checkCharacterSet(std::string_view body, const Delimiters& d) {
  const std::string_view segment = body.substr(0, body.find_first_of("\r\n"));
  const std::vector<std::string_view> raw = split(segment, d.field);  // raw[k] is MSH-(k+1)
  if (raw.size() < 12) {
    fail(1, "MSH",
         "the MSH segment is truncated: it ends after MSH-" + std::to_string(raw.size()) +
             "; MSH-9 (message type), MSH-10 (message control id), MSH-11 (processing "
             "id) and MSH-12 (version) are required");
  }
  auto field = [&](std::size_t n) { return n - 1 < raw.size() ? raw[n - 1] : std::string_view(); };
  const std::string expected =
      "SS-MIX2 messages are ISO-2022-JP and declare '~ISO IR87' in MSH-18 and 'ISO 2022-1994' in "
      "MSH-20";
  bool jis = false;
  for (std::string_view charset : split(field(18), d.repetition)) {
    if (charset == "ISO IR87") {
      jis = true;
    } else if (!charset.empty() && charset != "ISO IR6") {  // ISO IR6 (ASCII) is part of it
      fail(1, "MSH-18", "character set " + quoted(charset) + " is not supported: " + expected);
    }
  }
  if (!jis) fail(1, "MSH-18", "no character set is declared: " + expected);
  const std::string_view handling = field(20);
  if (!handling.empty() && handling != "ISO 2022-1994" && handling != "ISO2022-1994") {
    fail(1, "MSH-20",
         "character set handling " + quoted(handling) +
             " is not supported: expected 'ISO 2022-1994' (also written "
             "'ISO2022-1994')");
  }
}

/// Why byte b cannot be in HL7 text, or "" when it can.
std::string byteProblem(unsigned char b) {
  if (b == 0) return "NUL byte (0x00): HL7 text never contains one";
  if (b == 0x0B || b == 0x1C) {
    return "MLLP framing byte " + hexByte(b) +
           " inside the message: an input carries exactly one message";
  }
  if ((b < 0x20 && b != '\r' && b != '\n' && b != '\t' && b != kEscapeByte) || b == 0x7F) {
    return "control character " + hexByte(b) + " is not allowed in HL7 text";
  }
  if (b >= 0x80) {
    return "8-bit byte " + hexByte(b) +
           ": ISO-2022-JP (declared in MSH-18) is a 7-bit encoding; the message looks like "
           "Shift_JIS or UTF-8 text";
  }
  return {};
}

/// Bytes no HL7 text may hold, and a line that ends in kanji mode (RFC 1468 returns to ASCII
/// before every line end; glibc would read the next segment id as kanji), reported before
/// decoding with their offset in the input.
void checkBytes(std::string_view body, std::size_t base) {
  bool kanjiMode = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string problem = byteProblem(static_cast<unsigned char>(body[i]));
    if (body[i] == kEscapeByte) {
      const std::string_view designation = body.substr(i + 1, 2);
      if (designation == "(B" || designation == "(J") kanjiMode = false;
      if (designation == "$B" || designation == "$@") kanjiMode = true;
    } else if ((body[i] == '\r' || body[i] == '\n') && kanjiMode) {
      problem =
          "the line ends in JIS X 0208 (kanji) mode: ISO-2022-JP returns to ASCII with "
          "ESC ( B before every segment separator";
    }
    if (problem.empty()) continue;
    auto [line, id] = positionOf(body, i);
    fail(line, id, "byte offset " + std::to_string(base + i) + ": " + problem);
  }
}

std::vector<Segment> splitSegments(std::string_view text, const Delimiters& d) {
  std::vector<Segment> segments;
  int line = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && !endsLine(text, i)) continue;
    std::string_view content = text.substr(start, i - start);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);  // CRLF
    if (!content.empty()) {
      const std::string id = segmentIdAt(content);
      if (id.empty()) {
        const std::string_view opening = content.substr(0, 3);
        fail(line, "",
             "the line does not start with a segment id (three upper-case letters or "
             "digits, e.g. PID): " +
                 (isPrintableAscii(opening) ? "'" + std::string(opening) + "'"
                                            : std::string("a non-ASCII character")) +
                 "; a CR or LF inside a field splits its segment");
      }
      if (content.size() > 3 && content[3] != d.field) {
        fail(line, id,
             "the segment id is followed by " + quoted(content.substr(3, 1)) +
                 " instead of the field separator '" + d.field + "' declared in MSH-1");
      }
      if (id == "MSH" && !segments.empty()) {
        fail(line, "MSH", "a second MSH segment: an input carries exactly one message");
      }
      Segment segment{id, line, {}};
      for (std::string_view f : split(content, d.field)) segment.fields.emplace_back(f);
      if (id == "MSH") segment.fields.insert(segment.fields.begin() + 1, std::string(1, d.field));
      segments.push_back(std::move(segment));
    }
    ++line;
    start = i + 1;
  }
  return segments;
}

}  // namespace

std::string quoted(std::string_view value) {
  constexpr std::size_t kShown = 40;
  if (!isPrintableAscii(value)) return "a value with non-ASCII characters";
  if (value.size() > kShown) return "'" + std::string(value.substr(0, kShown)) + "…'";
  return "'" + std::string(value) + "'";
}

std::string_view Segment::raw(std::size_t n) const {
  return n < fields.size() ? std::string_view(fields[n]) : std::string_view();
}

std::string Segment::name(std::size_t n) const { return id + "-" + std::to_string(n); }

Hl7Message Hl7Message::parse(std::string_view input) {
  if (input.empty()) fail(0, "", "the message is empty");
  const auto [begin, length] = unframe(input);
  if (length > kMaxBytes) {
    fail(0, "",
         "the message is " + mapping::text::withThousands(length) + " bytes; at most " + mapping::text::withThousands(kMaxBytes) +
             " bytes (1 MiB) are accepted for one ADT message");
  }
  const std::string_view body = input.substr(begin, length);
  if (body.empty()) fail(0, "", "the MLLP frame is empty: it holds no message");
  Hl7Message message;
  checkHeader(body, message.delimiters_);
  checkCharacterSet(body, message.delimiters_);
  checkBytes(body, begin);
  std::string text;
  try {
    text = mapping::text::decode(body, mapping::text::Charset::Iso2022Jp);
  } catch (const mapping::text::EncodingError& e) {
    auto [line, id] = positionOf(body, e.byteOffset());
    std::string why = e.what();
    if (auto colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    fail(line, id,
         "byte offset " + std::to_string(begin + e.byteOffset()) + ": invalid ISO-2022-JP: " + why);
  }
  message.segments_ = splitSegments(text, message.delimiters_);
  return message;
}

std::vector<const Segment*> Hl7Message::all(std::string_view id) const {
  std::vector<const Segment*> found;
  for (const Segment& s : segments_) {
    if (s.id == id) found.push_back(&s);
  }
  return found;
}

std::vector<std::string_view> Hl7Message::repetitions(const Segment& segment, std::size_t n) const {
  return split(segment.raw(n), delimiters_.repetition);
}

std::string_view Hl7Message::component(std::string_view value, std::size_t c) const {
  std::vector<std::string_view> components = split(value, delimiters_.component);
  return c >= 1 && c <= components.size() ? components[c - 1] : std::string_view();
}

std::string Hl7Message::text(const Segment& segment, std::size_t n, std::string_view value) const {
  const Delimiters& d = delimiters_;
  value = value.substr(0, value.find(d.subcomponent));
  if (value == "\"\"") return "";
  if (value.find('\t') != std::string_view::npos) {
    fail(segment.line, segment.name(n), "a TAB character in a field that is one line of text");
  }
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != d.escape) {
      out += value[i];
      continue;
    }
    const std::size_t close = value.find(d.escape, i + 1);
    const std::string_view sequence =
        close == std::string_view::npos ? value.substr(i + 1) : value.substr(i + 1, close - i - 1);
    if (close == std::string_view::npos || sequence.size() > 16 || !isPrintableAscii(sequence)) {
      fail(segment.line, segment.name(n),
           std::string("a '") + d.escape +
               "' that does not start an escape sequence (write a literal one as " + d.escape +
               "E" + d.escape + ")");
    }
    if (sequence == "F") {
      out += d.field;
    } else if (sequence == "S") {
      out += d.component;
    } else if (sequence == "T") {
      out += d.subcomponent;
    } else if (sequence == "R") {
      out += d.repetition;
    } else if (sequence == "E") {
      out += d.escape;
    } else if (sequence != "H" && sequence != "N") {  // highlighting on/off: no meaning here
      const std::string e(1, d.escape);
      fail(segment.line, segment.name(n),
           "unsupported escape sequence '" + e + std::string(sequence) + e + "' (read: " + e + "F" +
               e + " " + e + "S" + e + " " + e + "T" + e + " " + e + "R" + e + " " + e + "E" + e +
               " " + e + "H" + e + " " + e + "N" + e + ")");
    }
    i = close;
  }
  return out;
}

std::string Hl7Message::value(const Segment& segment, std::size_t n, std::size_t c) const {
  const std::string_view first = repetitions(segment, n).front();
  return text(segment, n, c == 0 ? first : component(first, c));
}

mapping::Date parseHl7Date(std::string_view value, int line, const std::string& path) {
  const std::string shown = quoted(value);
  auto bad = [&](const std::string& why) { fail(line, path, shown + " is not a date: " + why); };
  const std::string expected =
      "expected YYYYMMDD, optionally followed by the time (hhmm[ss[.ssss]]) and a +hhmm or -hhmm "
      "offset";
  std::size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits != 8 && digits != 10 && digits != 12 && digits != 14) bad(expected);
  auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (value[i] - '0');
    return v;
  };
  std::string_view rest = value.substr(digits);
  if (rest.starts_with('.')) {
    std::size_t fraction = 1;
    while (fraction < rest.size() && rest[fraction] >= '0' && rest[fraction] <= '9') ++fraction;
    if (digits != 14 || fraction < 2 || fraction > 5) bad(expected);
    rest.remove_prefix(fraction);
  }
  if (rest.starts_with('+') || rest.starts_with('-')) {
    bool ok = rest.size() == 5 && digits >= 12;
    for (std::size_t i = 1; ok && i < 5; ++i) ok = rest[i] >= '0' && rest[i] <= '9';
    if (!ok) bad(expected);
    const std::size_t at = value.size() - 4;
    if (number(at, 2) > 14 || number(at + 2, 2) > 59) bad("the offset is not a time zone");
    rest = {};
  }
  if (!rest.empty()) bad(expected);
  const mapping::Date date{number(0, 4), number(4, 2), number(6, 2)};
  if (auto problem = date.problem()) bad(*problem);
  auto badTime = [&](const char* part, int v) {
    fail(line, path, shown + " is not a valid date and time: " + part + " " + std::to_string(v));
  };
  if (digits >= 10 && number(8, 2) > 23) badTime("hour", number(8, 2));
  if (digits >= 12 && number(10, 2) > 59) badTime("minute", number(10, 2));
  if (digits >= 14 && number(12, 2) > 59) badTime("second", number(12, 2));
  return date;
}

}  // namespace tsunagi::adapters::ssmix2
