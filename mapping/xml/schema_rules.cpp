#include "mapping/xml/schema_rules.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlregexp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "mapping/date.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::mapping::xml {

namespace {

constexpr const char* kXsdNamespace = "http://www.w3.org/2001/XMLSchema";

bool isXsd(const xmlNode* node, const char* localName) {
  return node->type == XML_ELEMENT_NODE && node->ns &&
         std::strcmp(reinterpret_cast<const char*>(node->ns->href), kXsdNamespace) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(node->name), localName) == 0;
}

std::vector<const xmlNode*> elementChildren(const xmlNode* node) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool digitsAt(std::string_view s, std::size_t at, std::size_t count, int& out) {
  if (at + count > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// YYYY-MM-DDTHH:MM:SS(.fraction)?(Z|±HH:MM), a real date and time; stricter than xs:dateTime.
bool plainDateTime(std::string_view s) {
  if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  if (!Date::parseIso(s.substr(0, 10))) return false;
  int hh = 0, mm = 0, ss = 0;
  if (!digitsAt(s, 11, 2, hh) || !digitsAt(s, 14, 2, mm) || !digitsAt(s, 17, 2, ss)) return false;
  if (hh > 23 || mm > 59 || ss > 59) return false;
  std::size_t at = 19;
  if (s[at] == '.') {
    const std::size_t start = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    if (at == start) return false;
  }
  if (at + 1 == s.size() && s[at] == 'Z') return true;
  int zh = 0, zm = 0;
  return at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':' &&
         digitsAt(s, at + 1, 2, zh) && digitsAt(s, at + 4, 2, zm) && zh <= 13 && zm <= 59;
}

// -?digits(.digits)? as a number; nullopt for anything else.
std::optional<long double> plainNumber(std::string_view s, bool fraction) {
  std::size_t at = s.size() > 0 && s[0] == '-' ? 1 : 0;
  const std::size_t start = at;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
  if (at == start || at - start > 15) return std::nullopt;
  if (at < s.size() && fraction && s[at] == '.') {
    const std::size_t point = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    if (at == point || at - point > 15) return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  return std::strtold(std::string(s).c_str(), nullptr);
}

}  // namespace

bool isXmlText(std::string_view text) {
  // RFC 3629 UTF-8 (no overlong forms, surrogates or values above U+10FFFF) and XML 1.0's Char,
  // decoded here rather than through text::decodeUtf8At: a malformed byte only means "no", and
  // this runs over every character of every document an adapter builds.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  auto continuation = [&](std::size_t at) { return at < n && (p[at] & 0xC0) == 0x80; };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') return false;
      ++i;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if (!continuation(i + 1)) return false;
      i += 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if (!continuation(i + 1) || !continuation(i + 2)) return false;
      const char32_t cp = (char32_t{b} & 0x0F) << 12 | (char32_t{p[i + 1]} & 0x3F) << 6 |
                          (char32_t{p[i + 2]} & 0x3F);
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
        return false;
      }
      i += 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return false;
      const char32_t cp = (char32_t{b} & 0x07) << 18 | (char32_t{p[i + 1]} & 0x3F) << 12 |
                          (char32_t{p[i + 2]} & 0x3F) << 6 | (char32_t{p[i + 3]} & 0x3F);
      if (cp < 0x10000 || cp > 0x10FFFF) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

namespace {

// One character of a pattern, for the shortcut: a plain ASCII character or a single-character
// escape. Anything else (a multi-character escape such as \d, a non-ASCII character) is nullopt.
std::optional<char> patternChar(std::string_view p, std::size_t& i) {
  if (i >= p.size()) return std::nullopt;
  const char c = p[i++];
  if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  if (c != '\\') return c;
  if (i >= p.size()) return std::nullopt;
  const char e = p[i++];
  switch (e) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '\\': case '|': case '.': case '?': case '*': case '+': case '(': case ')': case '{':
    case '}': case '-': case '[': case ']': case '^':
      return e;
    default:
      return std::nullopt;
  }
}

std::optional<int> patternNumber(std::string_view p, std::size_t& i) {
  const std::size_t start = i;
  int n = 0;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9' && i - start < 6) n = n * 10 + (p[i++] - '0');
  if (i == start) return std::nullopt;
  return n;
}

}  // namespace

Pattern::Pattern(const std::string& xsdRegex) {
  xmlRegexpPtr re = xmlRegexpCompile(reinterpret_cast<const xmlChar*>(xsdRegex.c_str()));
  if (!re) throw std::runtime_error("does not compile: " + xsdRegex);
  regexp_.reset(re, xmlRegFreeRegexp);
  atoms_ = shortcut(xsdRegex);
}

// Atoms (a class or a character) each with an optional count, nothing else; empty when the
// pattern has any other shape.
std::vector<Pattern::Atom> Pattern::shortcut(std::string_view p) {
  std::vector<Atom> atoms;
  std::size_t i = 0;
  while (i < p.size()) {
    Atom a;
    if (p[i] == '[') {
      ++i;
      if (i < p.size() && p[i] == '^') {
        a.negated = true;
        ++i;
      }
      bool any = false;
      while (i < p.size() && p[i] != ']') {
        if (p[i] == '[') return {};  // class subtraction
        const auto from = patternChar(p, i);
        if (!from) return {};
        char to = *from;
        if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
          ++i;
          const auto end = patternChar(p, i);
          if (!end || *end < *from) return {};
          to = *end;
        }
        for (int ch = *from; ch <= to; ++ch) a.ascii[ch] = true;
        any = true;
      }
      if (i >= p.size() || !any) return {};
      ++i;  // ']'
    } else if (std::strchr(".|()*+?{}^$]", p[i])) {
      return {};
    } else {
      const auto ch = patternChar(p, i);
      if (!ch) return {};
      a.ascii[static_cast<unsigned char>(*ch)] = true;
    }
    if (i < p.size() && p[i] == '{') {
      ++i;
      const auto low = patternNumber(p, i);
      if (!low) return {};
      a.min = a.max = *low;
      if (i < p.size() && p[i] == ',') {
        ++i;
        if (i < p.size() && p[i] == '}') {
          a.max = -1;
        } else {
          const auto high = patternNumber(p, i);
          if (!high || *high < *low) return {};
          a.max = *high;
        }
      }
      if (i >= p.size() || p[i] != '}') return {};
      ++i;
    } else if (i < p.size() && (p[i] == '+' || p[i] == '*' || p[i] == '?')) {
      a.min = p[i] == '+' ? 1 : 0;
      a.max = p[i] == '?' ? 1 : -1;
      ++i;
    }
    atoms.push_back(a);
  }
  return atoms;
}

bool Pattern::matches(std::string_view value) const {
  if (!atoms_.empty()) {
    // Greedy: each atom takes as many characters as it may. Values here are valid UTF-8.
    std::size_t i = 0;
    bool whole = true;
    for (const Atom& a : atoms_) {
      int count = 0;
      while ((a.max < 0 || count < a.max) && i < value.size()) {
        const auto b = static_cast<unsigned char>(value[i]);
        const std::size_t length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        const bool listed = b < 0x80 && a.ascii[b];
        if (listed == a.negated) break;
        i += length;
        ++count;
      }
      if (count < a.min) {
        whole = false;
        break;
      }
    }
    if (whole && i == value.size()) return true;
  }
  const std::string text(value);
  return xmlRegexpExec(regexp_.get(), reinterpret_cast<const xmlChar*>(text.c_str())) == 1;
}

bool SimpleRule::accepts(std::string_view lexical) const {
  if (!isXmlText(lexical)) return false;
  std::optional<long double> number;
  if (base != Base::String) {
    // These types collapse white space before they read the value; a value that has any is
    // left to the validator.
    for (char c : lexical) {
      if (isSpace(c)) return false;
    }
  }
  switch (base) {
    case Base::String:
      break;
    case Base::Date:
      if (!Date::parseIso(lexical)) return false;
      break;
    case Base::DateTime:
      if (!plainDateTime(lexical)) return false;
      break;
    case Base::Int:
      number = plainNumber(lexical, false);
      if (!number || *number < -2147483648.0L || *number > 2147483647.0L) return false;
      break;
    case Base::Decimal:
      number = plainNumber(lexical, true);
      if (!number) return false;
      break;
    case Base::Boolean:
      if (lexical != "true" && lexical != "false" && lexical != "1" && lexical != "0") return false;
      break;
  }
  if (minLength || maxLength) {
    const std::size_t n = text::characterCount(lexical);
    if ((minLength && n < *minLength) || (maxLength && n > *maxLength)) return false;
  }
  // A bound met too closely to tell in long double is the validator's to judge.
  auto within = [&](const std::vector<std::string>& bounds, bool lower) {
    for (const auto& b : bounds) {
      const long double bound = std::strtold(b.c_str(), nullptr);
      const long double margin = 1e-9L * std::max(1.0L, std::fabs(bound));
      if (base == Base::Int ? (lower ? *number < bound : *number > bound)
                            : (lower ? *number < bound + margin : *number > bound - margin)) {
        return false;
      }
    }
    return true;
  };
  if (number && (!within(minInclusive, true) || !within(maxInclusive, false))) return false;
  for (const auto& step : enumerationSteps) {
    if (std::find(step.begin(), step.end(), lexical) == step.end()) return false;
  }
  for (const auto& step : patternSteps) {
    if (std::none_of(step.begin(), step.end(),
                     [&](const Pattern& p) { return p.matches(lexical); })) {
      return false;
    }
  }
  return true;
}

// Reads the schema files into SchemaRules; any construct outside the subset is an error.
class SchemaRulesLoader {
 public:
  explicit SchemaRulesLoader(SchemaRules& rules) : rules_(rules) {}
  ~SchemaRulesLoader() {
    for (xmlDocPtr doc : docs_) xmlFreeDoc(doc);
  }
  SchemaRulesLoader(const SchemaRulesLoader&) = delete;
  SchemaRulesLoader& operator=(const SchemaRulesLoader&) = delete;

  void read(const std::filesystem::path& file) {
    file_ = file.filename().string();
    xmlDocPtr doc = xmlReadFile(file.c_str(), nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) unsupported("cannot be read");
    docs_.push_back(doc);
    const xmlNode* schema = xmlDocGetRootElement(doc);
    if (!schema || !isXsd(schema, "schema")) unsupported("is not an XML Schema");
    for (const xmlNode* c : elementChildren(schema)) {
      if (isXsd(c, "annotation")) continue;
      if (isXsd(c, "include")) {
        const auto location = attribute(c, "schemaLocation");
        if (!location) unsupported("has an include without schemaLocation");
        read(file.parent_path() / *location);
        file_ = file.filename().string();
      } else if (isXsd(c, "simpleType") || isXsd(c, "complexType")) {
        const auto name = attribute(c, "name");
        if (!name) unsupported("has a global type without a name");
        named_[*name] = c;
      } else if (isXsd(c, "element")) {
        globals_.push_back(c);
      } else {
        unsupported(std::string("uses xs:") + reinterpret_cast<const char*>(c->name));
      }
    }
  }

  void build() {
    for (const xmlNode* e : globals_) rules_.roots_.push_back(element(e));
  }

 private:
  [[noreturn]] void unsupported(const std::string& what) const {
    throw std::runtime_error("schema " + file_ + " " + what);
  }

  void onlyAttributes(const xmlNode* node, std::initializer_list<const char*> allowed) const {
    for (const xmlAttr* a = node->properties; a; a = a->next) {
      bool ok = false;
      for (const char* name : allowed)
        ok |= std::strcmp(reinterpret_cast<const char*>(a->name), name) == 0;
      if (!ok) {
        unsupported(std::string("uses the attribute ") + reinterpret_cast<const char*>(a->name) +
                    " on xs:" + reinterpret_cast<const char*>(node->name));
      }
    }
  }

  ElementRule element(const xmlNode* node) {
    onlyAttributes(node, {"name", "type", "minOccurs", "maxOccurs"});
    ElementRule e;
    e.name = attribute(node, "name").value_or("");
    if (e.name.empty()) unsupported("has an element without a name");
    const std::string min = attribute(node, "minOccurs").value_or("1");
    const std::string max = attribute(node, "maxOccurs").value_or("1");
    e.minOccurs = std::stoi(min);
    e.maxOccurs = max == "unbounded" ? -1 : std::stoi(max);
    if (const auto type = attribute(node, "type")) {
      resolve(*type, e.simple, e.complex);
    }
    for (const xmlNode* c : elementChildren(node)) {
      if (isXsd(c, "annotation")) continue;
      if (isXsd(c, "simpleType") && !e.simple && !e.complex) {
        e.simple = simpleType(c);
      } else if (isXsd(c, "complexType") && !e.simple && !e.complex) {
        e.complex = complexType(c);
      } else {
        unsupported("element " + e.name + " has content the rules do not read");
      }
    }
    if (!e.simple && !e.complex) unsupported("element " + e.name + " has no type");
    return e;
  }

  void resolve(const std::string& qname, const SimpleRule*& simple, const ComplexRule*& complex) {
    if (qname.rfind("xs:", 0) == 0) {
      simple = builtin(qname.substr(3));
      return;
    }
    if (qname.find(':') != std::string::npos) unsupported("refers to the type " + qname);
    if (auto it = simpleDone_.find(qname); it != simpleDone_.end()) {
      simple = it->second;
      return;
    }
    if (auto it = complexDone_.find(qname); it != complexDone_.end()) {
      complex = it->second;
      return;
    }
    const auto it = named_.find(qname);
    if (it == named_.end()) unsupported("refers to the unknown type " + qname);
    if (isXsd(it->second, "simpleType")) {
      simple = simpleDone_[qname] = simpleType(it->second);
    } else {
      // Registered before it is read, so that a type may contain itself.
      auto owned = std::make_unique<ComplexRule>();
      complex = complexDone_[qname] = owned.get();
      rules_.complex_.push_back(std::move(owned));
      readComplex(it->second, const_cast<ComplexRule&>(*complex));
    }
  }

  const SimpleRule* builtin(const std::string& name) {
    SimpleRule::Base base = SimpleRule::Base::String;
    if (name == "string")
      base = SimpleRule::Base::String;
    else if (name == "date")
      base = SimpleRule::Base::Date;
    else if (name == "dateTime")
      base = SimpleRule::Base::DateTime;
    else if (name == "int")
      base = SimpleRule::Base::Int;
    else if (name == "decimal")
      base = SimpleRule::Base::Decimal;
    else if (name == "boolean")
      base = SimpleRule::Base::Boolean;
    else
      unsupported("uses the built-in type xs:" + name);
    auto rule = std::make_unique<SimpleRule>();
    rule->base = base;
    rules_.simple_.push_back(std::move(rule));
    return rules_.simple_.back().get();
  }

  const SimpleRule* simpleType(const xmlNode* node) {
    onlyAttributes(node, {"name"});
    const xmlNode* restriction = nullptr;
    for (const xmlNode* c : elementChildren(node)) {
      if (isXsd(c, "annotation")) continue;
      if (!isXsd(c, "restriction") || restriction)
        unsupported("has a simple type that is not one restriction");
      restriction = c;
    }
    if (!restriction) unsupported("has a simple type without a restriction");
    onlyAttributes(restriction, {"base"});
    const auto baseName = attribute(restriction, "base");
    if (!baseName) unsupported("has a restriction without a base");
    const SimpleRule* base = nullptr;
    const ComplexRule* notSimple = nullptr;
    resolve(*baseName, base, notSimple);
    if (!base) unsupported("restricts the complex type " + *baseName);
    auto rule = std::make_unique<SimpleRule>(*base);
    std::vector<Pattern> patterns;
    std::vector<std::string> enumeration;
    for (const xmlNode* f : elementChildren(restriction)) {
      if (isXsd(f, "annotation")) continue;
      onlyAttributes(f, {"value"});
      const std::string value = attribute(f, "value").value_or("");
      const bool numeric =
          rule->base == SimpleRule::Base::Int || rule->base == SimpleRule::Base::Decimal;
      if (isXsd(f, "pattern")) {
        try {
          patterns.emplace_back(value);
        } catch (const std::runtime_error& e) {
          unsupported(std::string("has a pattern that ") + e.what());
        }
      } else if (isXsd(f, "enumeration")) {
        enumeration.push_back(value);
      } else if (isXsd(f, "minLength") && rule->base == SimpleRule::Base::String) {
        rule->minLength = std::max<std::size_t>(rule->minLength.value_or(0), std::stoul(value));
      } else if (isXsd(f, "maxLength") && rule->base == SimpleRule::Base::String) {
        const std::size_t n = std::stoul(value);
        rule->maxLength = rule->maxLength ? std::min(*rule->maxLength, n) : n;
      } else if (isXsd(f, "minInclusive") && numeric && plainNumber(value, true)) {
        rule->minInclusive.push_back(value);
      } else if (isXsd(f, "maxInclusive") && numeric && plainNumber(value, true)) {
        rule->maxInclusive.push_back(value);
      } else {
        unsupported(std::string("uses the facet xs:") + reinterpret_cast<const char*>(f->name) +
                    " the rules do not read here");
      }
    }
    if (!patterns.empty()) rule->patternSteps.push_back(std::move(patterns));
    if (!enumeration.empty()) rule->enumerationSteps.push_back(std::move(enumeration));
    rules_.simple_.push_back(std::move(rule));
    return rules_.simple_.back().get();
  }

  const ComplexRule* complexType(const xmlNode* node) {
    auto owned = std::make_unique<ComplexRule>();
    ComplexRule* rule = owned.get();
    rules_.complex_.push_back(std::move(owned));
    readComplex(node, *rule);
    return rule;
  }

  void readComplex(const xmlNode* node, ComplexRule& rule) {
    onlyAttributes(node, {"name"});
    bool sequence = false;
    for (const xmlNode* c : elementChildren(node)) {
      if (isXsd(c, "annotation")) continue;
      if (isXsd(c, "sequence") && !sequence) {
        sequence = true;
        onlyAttributes(c, {});
        for (const xmlNode* e : elementChildren(c)) {
          if (isXsd(e, "annotation")) continue;
          if (!isXsd(e, "element")) unsupported("has a sequence holding more than elements");
          rule.sequence.push_back(element(e));
        }
      } else if (isXsd(c, "attribute")) {
        onlyAttributes(c, {"name", "use", "type"});
        AttributeRule a;
        a.name = attribute(c, "name").value_or("");
        a.required = attribute(c, "use").value_or("optional") == "required";
        const ComplexRule* notSimple = nullptr;
        if (const auto type = attribute(c, "type")) resolve(*type, a.type, notSimple);
        for (const xmlNode* t : elementChildren(c)) {
          if (isXsd(t, "annotation")) continue;
          if (!isXsd(t, "simpleType") || a.type)
            unsupported("has an attribute the rules do not read");
          a.type = simpleType(t);
        }
        if (a.name.empty() || !a.type) unsupported("has an attribute without a name or type");
        rule.attributes.push_back(std::move(a));
      } else {
        unsupported("has a complex type that is not one sequence and attributes");
      }
    }
  }

  SchemaRules& rules_;
  std::string file_;
  std::vector<xmlDocPtr> docs_;
  std::map<std::string, const xmlNode*> named_;
  std::vector<const xmlNode*> globals_;
  std::map<std::string, const SimpleRule*> simpleDone_;
  std::map<std::string, const ComplexRule*> complexDone_;
};

std::shared_ptr<const SchemaRules> SchemaRules::load(const std::filesystem::path& file) {
  initialise();
  auto rules = std::make_shared<SchemaRules>();
  SchemaRulesLoader loader(*rules);
  loader.read(file);
  loader.build();
  return rules;
}

const ElementRule* SchemaRules::root(std::string_view name) const {
  for (const auto& e : roots_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::shared_ptr<const SchemaRules> shippedSchemaRules(const std::string& fileName) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const SchemaRules>> cache;
  std::lock_guard lock(mutex);
  auto [it, inserted] = cache.try_emplace(fileName);
  if (inserted) {
    try {
      it->second = SchemaRules::load(dataDirectory() / "schema" / fileName);
    } catch (const std::exception&) {
      it->second = nullptr;  // outside the subset: the validator judges every document
    }
  }
  return it->second;
}

}  // namespace tsunagi::mapping::xml
