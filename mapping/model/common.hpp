#pragma once
// Types shared by the canonical documents (schema: mapping/schema/common-1.xsd).
// Plain data: no behaviour beyond the field descriptions that parser, serializer and checks share.

#include <optional>
#include <string>
#include <vector>

#include "mapping/date.hpp"

namespace tsunagi::mapping {

/// The XML namespace of every canonical document, version 1.
inline constexpr const char* kCanonicalNamespace = "urn:tsunagi:canonical:1";

struct DateRange {
  Date from;
  Date to;
};

/// 添付: PDF, JPEG or PNG. The digest is always recorded; the content may travel inline.
struct Attachment {
  std::string fileName;
  std::string mediaType;  ///< application/pdf, image/jpeg or image/png
  int size = 0;           ///< bytes, at most 5 MiB
  std::string sha256;     ///< lower-case hex of the content's SHA-256
  std::optional<std::string> description;
  std::optional<std::string> content;  ///< base64, when the file travels with the document
};

// Field descriptions. A visitor V offers text/code/date/boolean/integer/texts/child calls; the
// same description drives parsing, serialization and code checks, so the three cannot disagree.
template <class V>
void describe(V& v, DateRange& x) {
  v.date("from", x.from);
  v.date("to", x.to);
}

template <class V>
void describe(V& v, Attachment& x) {
  v.text("fileName", x.fileName);
  v.text("mediaType", x.mediaType);
  v.integer("size", x.size);
  v.text("sha256", x.sha256);
  v.text("description", x.description);
  v.text("content", x.content);
}

}  // namespace tsunagi::mapping
