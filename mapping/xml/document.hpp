#pragma once
// Hardened XML parsing for untrusted input (libxml2 2.9.14, see LIBRARY-NOTES.md):
// any DOCTYPE is refused before the parser sees it, no entity substitution, no network, no
// XInclude, caps on size, depth and attributes per element. Everything tsunagi parses from outside
// goes through parseUntrusted().

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/xml/issue.hpp"

struct _xmlDoc;
struct _xmlNode;

namespace tsunagi::mapping::xml {

struct ParseLimits {
  /// Documents are refused before parsing above this. 16 MiB holds a full sheet with a few inline
  /// attachments (each ≤ 5 MiB, base64 adds a third); larger files travel by reference.
  std::size_t maxBytes = 16 * 1024 * 1024;
  int maxDepth = 32;                       ///< element nesting
  int maxAttributes = 16;                  ///< per element (namespace declarations included)
  /// Elements in the whole document (a full discharge sheet has about 150). Checked by a linear
  /// pre-scan, because libxml2 2.9 spends quadratic time on attribute floods and ~34× the input
  /// in memory on element floods before any tree-level cap could act.
  std::size_t maxElements = 20000;
};

/// Calls xmlInitParser() once; safe from any thread (parseUntrusted calls it too).
void initialise();

/// An owned libxml2 document.
class Document {
 public:
  explicit Document(_xmlDoc* doc) : doc_(doc) {}
  ~Document();
  Document(Document&& other) noexcept : doc_(other.doc_) { other.doc_ = nullptr; }
  Document& operator=(Document&&) = delete;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  _xmlDoc* get() const { return doc_; }
  _xmlNode* root() const;

 private:
  _xmlDoc* doc_;
};

/// Parses bytes from outside. Throws DocumentError whose issue says what, where (line) and why.
Document parseUntrusted(std::string_view bytes, const ParseLimits& limits = {});

/// The unqualified attribute `name` of an element, or nullopt when it has none (or `node` is null).
std::optional<std::string> attribute(const _xmlNode* node, const char* name);

/// "/LiaisonSheet/patient/birthDate" (with [n] where a name repeats) for a node of a document.
std::string pathOf(const _xmlNode* node);

/// A libxml2 error message without the line break it ends with ("" for null).
std::string libxmlMessage(const char* message);

}  // namespace tsunagi::mapping::xml
