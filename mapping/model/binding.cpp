#include "mapping/model/binding.hpp"

#include <libxml/tree.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "mapping/text/strings.hpp"
#include "mapping/xml/document.hpp"

namespace tsunagi::mapping::binding {

namespace {

_xmlNode* nextElement(_xmlNode* node) {
  while (node && node->type != XML_ELEMENT_NODE) node = node->next;
  return node;
}

std::string contentOf(const xmlNode* node) {
  std::string text;
  for (const xmlNode* c = node->children; c; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
      text += reinterpret_cast<const char*>(c->content);
    }
  }
  return text;
}

std::string_view trim(std::string_view s) { return text::trimAscii(s); }

}  // namespace

Reader::Reader(_xmlNode* parent, std::vector<Issue>& issues)
    : parent_(parent), next_(nextElement(parent->children)), issues_(issues) {}

_xmlNode* Reader::take(const char* name) {
  if (next_ && std::strcmp(reinterpret_cast<const char*>(next_->name), name) == 0) {
    _xmlNode* found = next_;
    next_ = nextElement(next_->next);
    return found;
  }
  return nullptr;
}

void Reader::missing(const char* name) {
  issues_.push_back(Issue{static_cast<int>(xmlGetLineNo(parent_)),
                          xml::pathOf(parent_) + "/" + name, "required element is missing"});
}

void Reader::invalid(_xmlNode* node, const std::string& why) {
  issues_.push_back(Issue{static_cast<int>(xmlGetLineNo(node)), xml::pathOf(node), why});
}

std::optional<std::string> Reader::takeText(const char* name) {
  if (_xmlNode* node = take(name)) return contentOf(node);
  return std::nullopt;
}

void Reader::text(const char* name, std::string& out) {
  if (auto value = takeText(name)) {
    out = std::move(*value);
  } else {
    missing(name);
  }
}

void Reader::text(const char* name, std::optional<std::string>& out) { out = takeText(name); }

std::optional<Date> Reader::dateOf(_xmlNode* node) {
  const std::string text = contentOf(node);
  auto value = Date::parseIso(trim(text));
  if (!value) invalid(node, "'" + text + "' is not a calendar date (YYYY-MM-DD)");
  return value;
}

std::optional<bool> Reader::booleanOf(_xmlNode* node) {
  const std::string text = contentOf(node);
  const std::string_view t = trim(text);
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  invalid(node, "'" + text + "' is not true or false");
  return std::nullopt;
}

std::optional<int> Reader::integerOf(_xmlNode* node) {
  const std::string text = contentOf(node);
  const std::string_view t = trim(text);
  int value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) {
    invalid(node, "'" + text + "' is not an integer");
    return std::nullopt;
  }
  return value;
}

void Reader::date(const char* name, Date& out) {
  if (_xmlNode* node = take(name)) {
    if (auto v = dateOf(node)) out = *v;
  } else {
    missing(name);
  }
}

void Reader::date(const char* name, std::optional<Date>& out) {
  if (_xmlNode* node = take(name)) out = dateOf(node);
}

void Reader::boolean(const char* name, bool& out) {
  if (_xmlNode* node = take(name)) {
    if (auto v = booleanOf(node)) out = *v;
  } else {
    missing(name);
  }
}

void Reader::boolean(const char* name, std::optional<bool>& out) {
  if (_xmlNode* node = take(name)) out = booleanOf(node);
}

void Reader::integer(const char* name, int& out) {
  if (_xmlNode* node = take(name)) {
    if (auto v = integerOf(node)) out = *v;
  } else {
    missing(name);
  }
}

void Reader::integer(const char* name, std::optional<int>& out) {
  if (_xmlNode* node = take(name)) out = integerOf(node);
}

void Reader::texts(const char* name, std::vector<std::string>& out) {
  while (auto value = takeText(name)) out.push_back(std::move(*value));
}

void Reader::finish() {
  if (next_) invalid(next_, "unexpected element here");
}

void appendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would become LF when parsed again
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          throw std::invalid_argument("control character U+00" +
                                      std::string(1, "0123456789ABCDEF"[(c >> 4) & 0xF]) +
                                      std::string(1, "0123456789ABCDEF"[c & 0xF]) +
                                      " cannot be carried in XML");
        }
        out += c;
    }
  }
}

void Writer::indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }

void Writer::open(const char* name) {
  indent();
  out_ += '<';
  out_ += name;
  out_ += ">\n";
}

void Writer::close(const char* name) {
  indent();
  out_ += "</";
  out_ += name;
  out_ += ">\n";
}

void Writer::text(const char* name, const std::string& value) {
  indent();
  out_ += '<';
  out_ += name;
  out_ += '>';
  appendEscaped(out_, value);
  out_ += "</";
  out_ += name;
  out_ += ">\n";
}

}  // namespace tsunagi::mapping::binding
