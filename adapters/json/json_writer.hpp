#pragma once
// A small ordered JSON tree for the encoders (fhir_jp, kintone). Members keep the order in which
// the encoder adds them (resourceType first, as FHIR examples do), so the same sheet always gives
// the same bytes.

#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::adapters::json {

class JsonValue {
 public:
  static JsonValue object() { return JsonValue(Kind::Object); }
  static JsonValue array() { return JsonValue(Kind::Array); }
  JsonValue(std::string_view text) : kind_(Kind::String), text_(text) {}    // NOLINT: implicit
  JsonValue(const char* text) : kind_(Kind::String), text_(text) {}         // NOLINT: implicit
  JsonValue(const std::string& text) : kind_(Kind::String), text_(text) {}  // NOLINT: implicit
  static JsonValue boolean(bool value);
  static JsonValue integer(long long value);

  /// Appends a member (objects only); returns *this for chaining.
  JsonValue& set(std::string key, JsonValue value);
  /// Appends an element (arrays only); returns *this for chaining.
  JsonValue& push(JsonValue value);
  bool empty() const { return items_.empty(); }

  /// Two-space indentation, LF line ends, a final LF; non-ASCII written as UTF-8.
  std::string dump() const;

 private:
  enum class Kind { Object, Array, String, Literal };
  explicit JsonValue(Kind kind) : kind_(kind) {}
  void write(std::string& out, int indent) const;

  Kind kind_;
  std::string text_;  // string value, or the literal (true, false, a number)
  std::vector<std::string> keys_;
  std::vector<JsonValue> items_;
};

}  // namespace tsunagi::adapters::json
