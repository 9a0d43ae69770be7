#include "adapters/json/json_view.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "adapters/adapter.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters::json {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

int lineAt(std::string_view bytes, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') ++line;
  }
  return line;
}

// One linear pass over the bytes: nesting depth outside strings, and whether the text ends
// inside a string or with brackets still open (the usual sign of a truncated upload). Poco's
// parser recurses per level, so depth is refused here before any recursion happens.
void scanStructure(std::string_view bytes, std::size_t maxDepth) {
  std::size_t depth = 0;
  bool inString = false;
  bool escaped = false;
  int line = 1;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\n') ++line;
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > maxDepth) {
        throw AdapterError(line, "",
                           "JSON is nested more than " + std::to_string(maxDepth) +
                               " levels deep (byte offset " + std::to_string(i) + ")");
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  if (inString) {
    throw AdapterError(line, "",
                       "the JSON ends inside a string: the document is truncated or a quote is "
                       "missing");
  }
  if (depth > 0) {
    throw AdapterError(line, "",
                       "the JSON ends with " + std::to_string(depth) +
                           " object(s) or array(s) still open: the document is truncated");
  }
}

bool isObjectVar(const Poco::Dynamic::Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArrayVar(const Poco::Dynamic::Var& v) { return v.type() == typeid(Array::Ptr); }

}  // namespace

Poco::Dynamic::Var parseJson(std::string_view bytes, const JsonLimits& limits) {
  if (bytes.size() > limits.maxBytes) {
    throw AdapterError(0, "",
                       "the document is " + withThousands(bytes.size()) + " bytes; at most " +
                           withThousands(limits.maxBytes) + " bytes are accepted");
  }
  // A UTF-8 byte order mark is not JSON, but some Windows exporters write one.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw AdapterError(0, "", "the document is empty; expected a JSON object");
  }
  if (const auto nul = bytes.find('\0'); nul != std::string_view::npos) {
    throw AdapterError(
        lineAt(bytes, nul), "",
        "NUL byte at byte offset " + std::to_string(nul) + "; JSON text cannot contain one");
  }
  try {
    mapping::text::validateUtf8(bytes);
  } catch (const mapping::text::TextError& e) {
    throw AdapterError(lineAt(bytes, e.byteOffset()), "",
                       std::string("the document is not valid UTF-8 (JSON must be): ") + e.what());
  }
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (bytes[first] != '{') {
    throw AdapterError(lineAt(bytes, first), "",
                       "the document is not a JSON object; it must start with '{'");
  }
  scanStructure(bytes, limits.maxDepth);
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(limits.maxDepth + 1);
    Poco::Dynamic::Var root = parser.parse(std::string(bytes));
    if (!isObjectVar(root)) throw AdapterError(0, "", "the document is not a JSON object");
    return root;
  } catch (const Poco::Exception& e) {
    throw AdapterError(0, "", "the document is not valid JSON: " + e.message());
  }
}

JsonView::JsonView(Poco::Dynamic::Var value, std::string path)
    : value_(std::move(value)), path_(std::move(path)) {}

bool JsonView::isObject() const { return isObjectVar(value_); }
bool JsonView::isArray() const { return isArrayVar(value_); }
bool JsonView::isString() const { return value_.type() == typeid(std::string); }

std::string JsonView::kind() const {
  if (isObject()) return "an object";
  if (isArray()) return "an array";
  if (value_.isEmpty()) return "null";
  if (value_.isString()) return "a string";  // std::string or another string-like type
  if (value_.isBoolean()) return "true or false";
  if (value_.isNumeric()) return "a number";
  return "a value of unknown type";
}

void JsonView::requireObject() const {
  if (!isObject()) throw AdapterError(0, path_, "expected an object, found " + kind());
}

std::string JsonView::asString() const {
  if (!isString()) throw AdapterError(0, path_, "expected a string, found " + kind());
  std::string text = value_.extract<std::string>();
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      throw AdapterError(0, path_,
                         "contains the control character " +
                             mapping::text::codePointLabel(static_cast<char32_t>(c)) +
                             ", which the liaison sheet cannot carry");
    }
  }
  return text;
}

std::optional<JsonView> JsonView::member(const std::string& key) const {
  requireObject();
  const Object::Ptr& object = value_.extract<Object::Ptr>();
  if (!object->has(key)) return std::nullopt;
  Poco::Dynamic::Var value = object->get(key);
  if (value.isEmpty()) return std::nullopt;
  return JsonView(std::move(value), memberPath(key));
}

bool JsonView::has(const std::string& key) const {
  requireObject();
  const Object::Ptr& object = value_.extract<Object::Ptr>();
  return object->has(key) && !object->isNull(key);
}

std::optional<JsonView> JsonView::object(const std::string& key) const {
  auto m = member(key);
  if (m && !m->isObject()) {
    throw AdapterError(0, m->path(), "expected an object, found " + m->kind());
  }
  return m;
}

std::vector<JsonView> JsonView::array(const std::string& key) const {
  auto m = member(key);
  if (!m) return {};
  return m->elements();
}

std::vector<JsonView> JsonView::elements() const {
  if (!isArray()) throw AdapterError(0, path_, "expected an array, found " + kind());
  const Array::Ptr& items = value_.extract<Array::Ptr>();
  std::vector<JsonView> out;
  out.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    out.emplace_back(items->get(static_cast<unsigned int>(i)),
                     path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::vector<std::string> JsonView::keys() const {
  requireObject();
  std::vector<std::string> out;
  value_.extract<Object::Ptr>()->getNames(out);
  return out;
}

bool JsonView::isNumber() const {
  return !value_.isEmpty() && !isObject() && !isArray() && !value_.isString() &&
         !value_.isBoolean() && value_.isNumeric();
}

std::string JsonView::asScalarText() const {
  if (isNumber()) return value_.convert<std::string>();
  return asString();
}

std::optional<std::string> JsonView::string(const std::string& key) const {
  auto m = member(key);
  if (!m) return std::nullopt;
  return m->asString();
}

std::string JsonView::requiredString(const std::string& key, const std::string& why) const {
  auto s = string(key);
  if (!s) throw AdapterError(0, memberPath(key), "is required (" + why + ")");
  return *s;
}

}  // namespace tsunagi::adapters::json
