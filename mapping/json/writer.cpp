#include "mapping/json/writer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace tsunagi::mapping::json {

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string jsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out.substr(1, out.size() - 2);
}

JsonValue JsonValue::boolean(bool value) {
  JsonValue v(Kind::Literal);
  v.text_ = value ? "true" : "false";
  return v;
}

JsonValue JsonValue::integer(long long value) {
  JsonValue v(Kind::Literal);
  v.text_ = std::to_string(value);
  return v;
}

JsonValue JsonValue::raw(std::string_view json) {
  JsonValue v(Kind::Literal);
  v.text_ = json;
  return v;
}

JsonValue JsonValue::number(double value) {
  if (!std::isfinite(value)) return null();
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  JsonValue v(Kind::Literal);
  v.text_.assign(buf, end);
  return v;
}

JsonValue JsonValue::null() {
  JsonValue v(Kind::Literal);
  v.text_ = "null";
  return v;
}

JsonValue& JsonValue::set(std::string key, JsonValue value) {
  if (kind_ != Kind::Object) throw std::logic_error("JsonValue::set on a non-object");
  keys_.push_back(std::move(key));
  items_.push_back(std::move(value));
  return *this;
}

JsonValue& JsonValue::push(JsonValue value) {
  if (kind_ != Kind::Array) throw std::logic_error("JsonValue::push on a non-array");
  items_.push_back(std::move(value));
  return *this;
}

std::string JsonValue::dump() const {
  std::string out;
  write(out, 0);
  out += '\n';
  return out;
}

std::string JsonValue::compact() const {
  std::string out;
  write(out, -1);
  return out;
}

void JsonValue::write(std::string& out, int indent) const {
  const bool pretty = indent >= 0;
  const std::string pad(pretty ? static_cast<std::size_t>(indent + 2) : 0, ' ');
  switch (kind_) {
    case Kind::String:
      appendJsonString(out, text_);
      return;
    case Kind::Literal:
      out += text_;
      return;
    case Kind::Array:
    case Kind::Object: {
      const bool isObject = kind_ == Kind::Object;
      if (items_.empty()) {
        out += isObject ? "{}" : "[]";
        return;
      }
      out += isObject ? '{' : '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (pretty) out += (i == 0 ? "\n" : ",\n") + pad;
        if (!pretty && i > 0) out += ',';
        if (isObject) {
          appendJsonString(out, keys_[i]);
          out += pretty ? ": " : ":";
        }
        items_[i].write(out, pretty ? indent + 2 : -1);
      }
      if (pretty) out += '\n' + std::string(static_cast<std::size_t>(indent), ' ');
      out += isObject ? '}' : ']';
      return;
    }
  }
}

}  // namespace tsunagi::mapping::json
