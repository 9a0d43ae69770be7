#pragma once
// Defensive reading of untrusted JSON (a hospital's FHIR Bundle, a kintone record) with Poco::JSON.
// Shared by the fhir_jp and kintone adapters.
//
// Before Poco sees the bytes they are checked in one linear pass: size cap, NUL bytes, strict
// UTF-8, and nesting depth (Poco's parser recurses once per level; its own depth limit is kept as
// a second guard). After parsing, every access goes through JsonView, which knows its JSON path
// (`Bundle.entry[3].resource.name[0].family`) and turns a missing or wrongly typed value into an
// AdapterError naming that path, never a Poco exception or a crash.

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::adapters::json {

/// Limits applied before and during parsing.
struct JsonLimits {
  std::size_t maxBytes = 16u * 1024u * 1024u;  ///< 16 MiB: a large discharge summary is < 1 MiB
  std::size_t maxDepth = 64;  ///< FHIR documents need about 15 levels, kintone records 6
};

/// Parses `bytes` as one JSON object. Throws AdapterError (line and reason) for input over the
/// size limit, empty input, NUL bytes, invalid UTF-8, nesting deeper than the limit, truncated or
/// malformed JSON, or a top level that is not an object.
Poco::Dynamic::Var parseJson(std::string_view bytes, const JsonLimits& limits = {});

/// One JSON value and its path. Cheap to copy (Poco shares objects and arrays).
class JsonView {
 public:
  JsonView(Poco::Dynamic::Var value, std::string path);

  const std::string& path() const { return path_; }
  bool isObject() const;
  bool isArray() const;
  bool isString() const;
  /// "an object", "an array", "a string", "a number", "true or false", "null".
  std::string kind() const;

  /// The string value. Throws AdapterError at path() when this is not a string, or when it holds
  /// a control character other than TAB, LF and CR (the canonical XML cannot carry them).
  std::string asString() const;

  // Members of an object. Each throws AdapterError at path() when this is not an object, and at
  // the member's path when the member has the wrong type. Absent members (and JSON null, which
  // FHIR does not allow but some exporters write) are nullopt / empty.
  std::optional<JsonView> member(const std::string& key) const;
  /// True when this object has `key` with a value other than null (no copy is made).
  bool has(const std::string& key) const;
  std::optional<JsonView> object(const std::string& key) const;
  std::vector<JsonView> array(const std::string& key) const;
  std::optional<std::string> string(const std::string& key) const;
  /// Like string(), but absence is an AdapterError: "<path>.<key>: is required (<why>)".
  std::string requiredString(const std::string& key, const std::string& why) const;

  /// The member names of this object, sorted. Throws AdapterError at path() when not an object.
  std::vector<std::string> keys() const;
  /// The elements of this array, each with its path ("records[3]"). Throws AdapterError at
  /// path() when this is not an array.
  std::vector<JsonView> elements() const;
  bool isNumber() const;
  /// A string as is, a number in its JSON spelling. Throws AdapterError for other kinds.
  std::string asScalarText() const;

  /// The path of a member of this object, e.g. "Bundle.entry[0]" + "resource".
  std::string memberPath(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

 private:
  void requireObject() const;

  Poco::Dynamic::Var value_;
  std::string path_;
};

}  // namespace tsunagi::adapters::json
