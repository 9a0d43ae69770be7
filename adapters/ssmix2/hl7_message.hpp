#pragma once
// HL7 v2 syntax as SS-MIX2 hospitals send it: one message, optionally in an MLLP frame, in
// ISO-2022-JP (MSH-18 "~ISO IR87", MSH-20 "ISO 2022-1994"), segments separated by CR (CRLF and
// LF accepted), delimiters from MSH-1 and MSH-2, and the HL7 escape sequences. Nothing here knows
// about liaison sheets: Ssmix2Adapter reads the fields it needs through this class.
//
// Every refusal is an AdapterError whose issue names where: `line` is the line of the segment
// (as an editor shows the message, CRLF counting once), `path` the segment and field ("PID-7"),
// or nothing when the problem is in the bytes themselves (then the message gives the byte offset
// in the input as received, MLLP start byte included).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.hpp"
#include "mapping/date.hpp"

namespace tsunagi::adapters::ssmix2 {

/// MSH-1 and MSH-2: the field separator and the four encoding characters.
struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
};

/// One segment with its fields still escaped (decode them with Hl7Message::text()).
struct Segment {
  std::string id;                   ///< "PID"
  int line = 0;                     ///< 1-based line of the message the segment is on
  std::vector<std::string> fields;  ///< fields[n] is <id>-n; fields[0] is the id (MSH-1 is "|")

  /// Field n as written (escaped), or "" when the segment ends before it.
  std::string_view raw(std::size_t n) const;
  /// "PID-7": how errors and losses name field n.
  std::string name(std::size_t n) const;
};

/// A parsed message. Immutable; safe to share between threads once parsed.
class Hl7Message {
 public:
  /// ADT messages are a few kilobytes; anything larger than this is refused before parsing.
  static constexpr std::size_t kMaxBytes = 1024 * 1024;

  /// Strips an MLLP frame (0x0B … 0x1C 0x0D; a trailing 0x1C [0x0D] alone is also accepted, as in
  /// the files SS-MIX2 storage tools write), checks the bytes, the MSH header and the declared
  /// character set, decodes ISO-2022-JP strictly (mapping/text/encoding) and splits segments and
  /// fields. Throws AdapterError.
  static Hl7Message parse(std::string_view bytes);

  const Delimiters& delimiters() const { return delimiters_; }
  /// In message order; the first is MSH.
  const std::vector<Segment>& segments() const { return segments_; }
  const Segment& msh() const { return segments_.front(); }
  /// Every segment with this id, in order.
  std::vector<const Segment*> all(std::string_view id) const;

  /// The repetitions of field n, escaped. An empty field has one empty repetition.
  std::vector<std::string_view> repetitions(const Segment& segment, std::size_t n) const;
  /// Component c (1-based) of an escaped field or repetition, still escaped; "" when absent.
  std::string_view component(std::string_view value, std::size_t c) const;
  /// The text of an escaped one-line value (every field the adapter reads is one): its first
  /// subcomponent with \F\ \S\ \T\ \R\ \E\ replaced by the delimiters they stand for and the
  /// highlighting escapes \H\ \N\ removed. The HL7 null `""` reads as empty. Throws AdapterError
  /// naming `segment`-`n` for any other escape and for a TAB (never quoting the value).
  std::string text(const Segment& segment, std::size_t n, std::string_view value) const;
  /// Shorthand: text of component c (0: the whole first repetition) of field n.
  std::string value(const Segment& segment, std::size_t n, std::size_t c = 0) const;

 private:
  Hl7Message() = default;  // only parse() makes one, so there is always an MSH

  Delimiters delimiters_;
  std::vector<Segment> segments_;
};

/// A value quoted for an error message or loss: printable ASCII up to 40 characters ('A40'),
/// anything else described instead of shown, so a patient's name never ends up in a log.
std::string quoted(std::string_view value);

/// An HL7 DTM/TS value: YYYYMMDD[hhmm[ss[.s{1,4}]]][+/-hhmm] (only the first component of a TS
/// is read). A date needs at least the day: YYYY or YYYYMM alone cannot be written on the sheet.
/// Returns the calendar date as written (the sender's local date). Throws AdapterError at
/// `line`/`path`, e.g. "PID-7: '1950133' is not a date: expected YYYYMMDD, …".
mapping::Date parseHl7Date(std::string_view value, int line, const std::string& path);

}  // namespace tsunagi::adapters::ssmix2
