#include "mapping/xml/document.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <cstring>
#include <mutex>

#include "mapping/text/strings.hpp"

namespace tsunagi::mapping::xml {

void initialise() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

Document::~Document() {
  if (doc_) xmlFreeDoc(doc_);
}

_xmlNode* Document::root() const { return doc_ ? xmlDocGetRootElement(doc_) : nullptr; }

namespace {

// Collects the first error libxml2 raises for one parser context (later ones are usually echoes).
struct ErrorCollector {
  bool have = false;
  Issue first;
};

void onParserError(void* userData, xmlErrorPtr error) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(userData);
  auto* collector = static_cast<ErrorCollector*>(ctxt->_private);
  if (!collector || collector->have || !error) return;
  collector->have = true;
  collector->first.line = error->line;
  std::string message = libxmlMessage(error->message);
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  if (error->code == XML_ERR_INVALID_CHAR || error->code == XML_ERR_INVALID_ENCODING) {
    message = "not well-formed UTF-8 or an invalid character (" + message + ")";
  }
  collector->first.message = "not well-formed XML: " + message;
  collector->first.code = "xml-syntax";
  collector->first.column = error->int2;  // libxml2 keeps the column there
}

int lineAt(std::string_view bytes, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) line += bytes[i] == '\n';
  return line;
}

[[noreturn]] void refuse(int line, std::string message) {
  throw DocumentError({Issue{line, "", std::move(message)}});
}

void checkTree(const xmlNode* node, int depth, const ParseLimits& limits) {
  for (; node; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    if (depth > limits.maxDepth) {
      refuse(static_cast<int>(xmlGetLineNo(node)),
             "elements nested deeper than " + std::to_string(limits.maxDepth) + " levels");
    }
    int attributes = 0;
    for (const xmlAttr* a = node->properties; a; a = a->next) ++attributes;
    for (const xmlNs* ns = node->nsDef; ns; ns = ns->next) ++attributes;
    if (attributes > limits.maxAttributes) {
      throw DocumentError({Issue{static_cast<int>(xmlGetLineNo(node)), pathOf(node),
                                 std::to_string(attributes) + " attributes, more than the limit of " +
                                     std::to_string(limits.maxAttributes)}});
    }
    checkTree(node->children, depth + 1, limits);
  }
}

// One linear pass over the markup before libxml2 sees it: DTD declarations, element count,
// nesting depth and attributes per start tag. It only needs to be right for documents libxml2
// would accept; for anything else libxml2 reports the syntax error afterwards.
void prescan(std::string_view bytes, const ParseLimits& limits) {
  std::size_t elements = 0;
  int depth = 0;
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  auto startsWith = [&](std::size_t at, std::string_view s) {
    return bytes.substr(at, s.size()) == s;
  };
  auto skipPast = [&](std::size_t from, std::string_view end) {
    const auto at = bytes.find(end, from);
    return at == std::string_view::npos ? n : at + end.size();
  };
  while (i < n) {
    const auto lt = bytes.find('<', i);
    if (lt == std::string_view::npos) break;
    if (startsWith(lt, "<!--")) {
      i = skipPast(lt + 4, "-->");
    } else if (startsWith(lt, "<![CDATA[")) {
      const auto end = skipPast(lt + 9, "]]>");
      // Deliberately strict: a DOCTYPE is refused even inside character data.
      if (bytes.substr(lt, end - lt).find("<!DOCTYPE") != std::string_view::npos) {
        refuse(lineAt(bytes, lt), "DOCTYPE declarations are not allowed");
      }
      i = end;
    } else if (startsWith(lt, "<?")) {
      i = skipPast(lt + 2, "?>");
    } else if (startsWith(lt, "<!DOCTYPE")) {
      refuse(lineAt(bytes, lt), "DOCTYPE declarations are not allowed");
    } else if (startsWith(lt, "<!ENTITY")) {
      refuse(lineAt(bytes, lt), "ENTITY declarations are not allowed");
    } else if (startsWith(lt, "</")) {
      --depth;
      i = skipPast(lt + 2, ">");
    } else {
      // A start tag: count attributes (an '=' outside quoted values) up to its '>'.
      int attributes = 0;
      char quote = 0;
      std::size_t j = lt + 1;
      for (; j < n; ++j) {
        const char c = bytes[j];
        if (quote) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '=') {
          if (++attributes > limits.maxAttributes) {
            const auto nameEnd = bytes.find_first_of(" \t\r\n/>", lt + 1);
            refuse(lineAt(bytes, lt), "element <" + std::string(bytes.substr(lt + 1, nameEnd - lt - 1)) +
                                          "> has more than " +
                                          std::to_string(limits.maxAttributes) + " attributes");
          }
        } else if (c == '>') {
          break;
        }
      }
      if (++elements > limits.maxElements) {
        refuse(lineAt(bytes, lt), "more than " + std::to_string(limits.maxElements) + " elements");
      }
      const bool selfClosing = j < n && j > lt && bytes[j - 1] == '/';
      if (!selfClosing && ++depth > limits.maxDepth) {
        refuse(lineAt(bytes, lt), "elements nested deeper than " +
                                      std::to_string(limits.maxDepth) + " levels");
      }
      i = j + 1;
    }
  }
}

}  // namespace

Document parseUntrusted(std::string_view bytes, const ParseLimits& limits) {
  initialise();
  if (bytes.size() > limits.maxBytes) {
    refuse(0, "document is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                  std::to_string(limits.maxBytes) + " bytes");
  }
  if (bytes.empty()) refuse(0, "document is empty");
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - bytes.data());
    refuse(lineAt(bytes, offset), "NUL byte at offset " + std::to_string(offset));
  }
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) refuse(0, "document is empty");
  // A DTD is never needed by tsunagi's documents and is the door to entity attacks: refuse it
  // before the parser sees it, wherever it appears.
  if (auto at = bytes.find("<!DOCTYPE"); at != std::string_view::npos) {
    refuse(lineAt(bytes, at), "DOCTYPE declarations are not allowed");
  }
  if (auto at = bytes.find("<!ENTITY"); at != std::string_view::npos) {
    refuse(lineAt(bytes, at), "ENTITY declarations are not allowed");
  }
  prescan(bytes, limits);

  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) throw std::bad_alloc();
  ErrorCollector collector;
  ctxt->_private = &collector;
  ctxt->sax->serror = onParserError;
  // No NOENT (entity substitution), no DTDLOAD/DTDATTR, no HUGE, no XINCLUDE; no network ever.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes.data(), static_cast<int>(bytes.size()), nullptr,
                                    "UTF-8", options);
  const bool wellFormed = ctxt->wellFormed != 0;
  xmlFreeParserCtxt(ctxt);
  Document document(doc);
  if (!doc || !wellFormed) {
    if (!collector.have) collector.first.message = "not well-formed XML";
    throw DocumentError({collector.first});
  }
  if (doc->intSubset || doc->extSubset) refuse(0, "DOCTYPE declarations are not allowed");
  if (!document.root()) refuse(0, "document has no root element");
  checkTree(document.root(), 1, limits);
  return document;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  if (!node) return std::nullopt;
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!value) return std::nullopt;
  std::string out = reinterpret_cast<const char*>(value);
  xmlFree(value);
  return out;
}

std::string pathOf(const xmlNode* node) {
  std::string path;
  for (; node && node->type == XML_ELEMENT_NODE; node = node->parent) {
    std::string step = reinterpret_cast<const char*>(node->name);
    // Index among same-named siblings, only when the name repeats.
    int index = 0, count = 0;
    for (const xmlNode* s = node->parent ? node->parent->children : node; s; s = s->next) {
      if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, node->name)) {
        ++count;
        if (s == node) index = count;
      }
    }
    if (count > 1) step += "[" + std::to_string(index) + "]";
    path = "/" + step + path;
  }
  return path;
}

std::string libxmlMessage(const char* message) {
  return std::string(text::trimAscii(message ? message : ""));
}

}  // namespace tsunagi::mapping::xml
