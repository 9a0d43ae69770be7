#pragma once
// The one JSON writer of tsunagi: string escaping (JSON log lines, problem documents, exchange-log
// details, loss reports) and a small ordered JSON tree (the fhir_jp and kintone encoders, the
// console API). Members keep the order in which they are added (resourceType first, as FHIR
// examples do), so the same input always gives the same bytes.

#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::mapping::json {

/// `text` escaped for the inside of a JSON string (quotes not added): \" \\ \n \r \t and \u00XX
/// for other control characters; UTF-8 passes through unchanged.
std::string jsonEscape(std::string_view text);

/// Appends `text` as a complete JSON string, quotes included.
void appendJsonString(std::string& out, std::string_view text);

class JsonValue {
 public:
  static JsonValue object() { return JsonValue(Kind::Object); }
  static JsonValue array() { return JsonValue(Kind::Array); }
  JsonValue(std::string_view text) : kind_(Kind::String), text_(text) {}    // NOLINT: implicit
  JsonValue(const char* text) : kind_(Kind::String), text_(text) {}         // NOLINT: implicit
  JsonValue(const std::string& text) : kind_(Kind::String), text_(text) {}  // NOLINT: implicit
  static JsonValue boolean(bool value);
  static JsonValue integer(long long value);
  /// The shortest decimal that reads back as `value` (1.0 is written 1); null when not finite.
  static JsonValue number(double value);
  static JsonValue null();
  /// JSON text written as it is: a value the caller took from parsed JSON (JsonView::sourceText)
  /// or checked itself (a kintone record id: digits only). Nothing here checks it.
  static JsonValue raw(std::string_view json);

  /// Appends a member (objects only); returns *this for chaining.
  JsonValue& set(std::string key, JsonValue value);
  /// Appends an element (arrays only); returns *this for chaining.
  JsonValue& push(JsonValue value);
  bool empty() const { return items_.empty(); }

  /// Two-space indentation, LF line ends, a final LF; non-ASCII written as UTF-8.
  std::string dump() const;
  /// Without any white space between tokens: `{"a":1,"b":[true,null]}` (API answers, one-line
  /// records).
  std::string compact() const;

 private:
  enum class Kind { Object, Array, String, Literal };
  explicit JsonValue(Kind kind) : kind_(kind) {}
  /// indent < 0: compact.
  void write(std::string& out, int indent) const;

  Kind kind_;
  std::string text_;  // string value, or the literal (true, false, a number, raw JSON)
  std::vector<std::string> keys_;
  std::vector<JsonValue> items_;
};

}  // namespace tsunagi::mapping::json
