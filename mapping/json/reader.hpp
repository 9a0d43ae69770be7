#pragma once
// The one JSON reader of tsunagi, for untrusted JSON (a hospital's FHIR Bundle, a kintone record or
// page, a local consent, a peer's problem document, a console API body, an audit archive line).
//
// parseJson() is tsunagi's own strict RFC 8259 parser (docs/performance.md, "Profile-driven
// adapters", says why it replaced Poco::JSON: Poco took ~100 µs per 4.3 KB kintone record). It
// reads the bytes once (recursing one level per nested object or array, never past the depth
// limit) and refuses:
//   - input over the size limit, empty input, a top level that is not an object;
//   - NUL bytes and invalid UTF-8 anywhere (strict: no overlong forms, no encoded surrogates);
//   - nesting deeper than the limit (before descending further);
//   - truncated text, unescaped control characters in strings, bad or incomplete escapes, lone
//     UTF-16 surrogates in \u escapes, malformed numbers, trailing commas, text after the object;
//   - a member name that appears twice in one object (RFC 8259 leaves the meaning open; the
//     formats tsunagi reads never repeat a name, so a repeat is refused rather than guessed).
// Each refusal is a JsonError with the line, and "line L, column C (byte offset B)" in the
// message (columns count characters).
//
// After parsing, every access goes through JsonView, which knows its JSON path
// (`Bundle.entry[3].resource.name[0].family`) and turns a missing or wrongly typed value into a
// JsonError naming that path. Adapters hand it on as an AdapterError (adapters/adapter.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/xml/issue.hpp"

namespace tsunagi::mapping::json {

/// A refusal of the reader: one issue with the line, column and byte offset (syntax) or the
/// member path (a missing or wrongly typed value). What the issue's message says may quote the
/// input; log mapping::redacted(issues()).
class JsonError : public DocumentError {
 public:
  explicit JsonError(Issue issue) : DocumentError({std::move(issue)}) {}
  JsonError(std::string path, std::string message)
      : JsonError(Issue{0, std::move(path), std::move(message)}) {}
};

/// Limits applied while parsing, and what strings may hold.
struct JsonLimits {
  std::size_t maxBytes = 16u * 1024u * 1024u;  ///< 16 MiB: a large discharge summary is < 1 MiB
  std::size_t maxDepth = 64;  ///< FHIR documents need about 15 levels, kintone records 6
  /// Whether asString() gives strings holding (escaped) control characters other than TAB, LF and
  /// CR. Off for documents (the canonical XML cannot carry them); on where the reader only hands
  /// a value on (a console login, an audit archive's own lines).
  bool controlCharacters = false;
};

namespace detail {
struct JsonTree;
}

class JsonView;

/// A parsed JSON text. It owns its values; views into it keep it alive. Cheap to copy.
class JsonDocument {
 public:
  /// The top-level object, named `path` in messages ("" or "Bundle").
  JsonView root(std::string path) const;

 private:
  friend JsonDocument parseJson(std::string_view bytes, const JsonLimits& limits);
  friend class JsonView;
  explicit JsonDocument(std::shared_ptr<const detail::JsonTree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const detail::JsonTree> tree_;
};

/// Parses `bytes` as one JSON object (a UTF-8 byte order mark before it is skipped). Throws
/// JsonError (line and reason) for anything listed at the top of this header.
JsonDocument parseJson(std::string_view bytes, const JsonLimits& limits = {});

/// One JSON value and its path. Cheap to copy (it shares the document); the path is spelled out
/// only when asked for (messages), from the document's parent links.
class JsonView {
 public:
  /// A null value with an empty path (a placeholder until a real view is assigned).
  JsonView() = default;
  /// The top-level object of `document`, named `path`.
  JsonView(const JsonDocument& document, std::string path);

  /// "records[3].氏名.value", "Bundle.entry[0].resource": the root's name, then each member
  /// name and array index down to this value.
  std::string path() const;
  bool isObject() const;
  bool isArray() const;
  bool isString() const;
  bool isNumber() const;
  /// "an object", "an array", "a string", "a number", "true or false", "null".
  std::string kind() const;

  /// The string value. Throws JsonError at path() when this is not a string, or when it holds
  /// a control character other than TAB, LF and CR (the canonical XML cannot carry them) and the
  /// document was not parsed with JsonLimits::controlCharacters.
  std::string asString() const;
  /// A number written as an integer (no fraction, no exponent) that fits 64 bits. Throws
  /// JsonError at path() for anything else.
  long long asInteger() const;
  /// A string as asString(), a number in its JSON spelling exactly as written ("1.50" stays
  /// "1.50"). Throws JsonError for other kinds.
  std::string asScalarText() const;
  /// An object, array or number exactly as it stands in the parsed bytes (a kintone page's record
  /// handed on without writing it again). Throws JsonError at path() for other kinds.
  std::string_view sourceText() const;

  // Members of an object. Each throws JsonError at path() when this is not an object, and at
  // the member's path when the member has the wrong type. Absent members (and JSON null, which
  // FHIR does not allow but some exporters write) are nullopt / empty.
  std::optional<JsonView> member(std::string_view key) const;
  /// True when this object has `key` with a value other than null (no copy is made).
  bool has(std::string_view key) const;
  std::optional<JsonView> object(std::string_view key) const;
  std::vector<JsonView> array(std::string_view key) const;
  std::optional<std::string> string(std::string_view key) const;
  /// The member as asInteger(); nullopt when absent or null.
  std::optional<long long> integer(std::string_view key) const;
  /// Like string(), but absence is a JsonError: "<path>.<key>: is required (<why>)".
  std::string requiredString(std::string_view key, const std::string& why) const;

  /// The member names of this object, sorted (byte order). Throws JsonError at path() when not
  /// an object.
  std::vector<std::string> keys() const;
  /// The elements of this array, each with its path ("records[3]"). Throws JsonError at
  /// path() when this is not an array.
  std::vector<JsonView> elements() const;

  /// The path of a member of this object, e.g. "Bundle.entry[0]" + "resource".
  std::string memberPath(std::string_view key) const;

 private:
  JsonView(std::shared_ptr<const detail::JsonTree> tree, std::uint32_t node, std::string root)
      : tree_(std::move(tree)), node_(node), root_(std::move(root)) {}
  void requireObject() const;
  /// The index of the member's value node, or nullopt when the object has no such member.
  std::optional<std::uint32_t> find(std::string_view key) const;

  std::shared_ptr<const detail::JsonTree> tree_;  ///< null for a default-constructed view
  std::uint32_t node_ = 0;
  std::string root_;  ///< the name of the top-level object in paths ("" or "Bundle")
};

}  // namespace tsunagi::mapping::json
