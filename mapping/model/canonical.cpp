#include "mapping/model/canonical.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <cstring>

#include "mapping/model/binding.hpp"
#include "mapping/model/rules.hpp"
#include "mapping/xml/schema.hpp"
#include "mapping/xml/schema_rules.hpp"

namespace tsunagi::mapping {

namespace {

struct RootInfo {
  const char* element;
  const char* schemaFile;
};

constexpr RootInfo kRoots[] = {
    {"LiaisonSheet", "liaison-sheet-1.xsd"},
    {"CaseUpdate", "case-update-1.xsd"},
    {"CaseMembership", "case-membership-1.xsd"},
};

const char* schemaFileOf(const LiaisonSheet&) { return kRoots[0].schemaFile; }
const char* schemaFileOf(const CaseUpdate&) { return kRoots[1].schemaFile; }
const char* schemaFileOf(const CaseMembership&) { return kRoots[2].schemaFile; }

// Walks a model as the Writer would write it, checking each element against the schema rules.
// Fails (ok = false) at the first thing the rules do not surely accept.
struct RuleTally {
  bool ok = true;
  std::size_t elements = 1;  // the root
  std::size_t textBytes = 0;
};

class RuleCheck {
 public:
  RuleCheck(const xml::ComplexRule& type, RuleTally& tally, int depth)
      : sequence_(type.sequence), tally_(tally), depth_(depth) {}

  void text(const char* n, const std::string& v) { leaf(n, v); }
  void text(const char* n, const std::optional<std::string>& v) {
    if (v) leaf(n, *v);
  }
  void code(const char* n, const std::string& v, const char*) { leaf(n, v); }
  void code(const char* n, const std::optional<std::string>& v, const char*) {
    if (v) leaf(n, *v);
  }
  void date(const char* n, const Date& v) { leaf(n, v.iso()); }
  void date(const char* n, const std::optional<Date>& v) {
    if (v) leaf(n, v->iso());
  }
  void boolean(const char* n, bool v) { leaf(n, v ? "true" : "false"); }
  void boolean(const char* n, const std::optional<bool>& v) {
    if (v) boolean(n, *v);
  }
  void integer(const char* n, int v) { leaf(n, std::to_string(v)); }
  void integer(const char* n, const std::optional<int>& v) {
    if (v) integer(n, *v);
  }
  void texts(const char* n, const std::vector<std::string>& values) {
    const xml::ElementRule* e = take(n, values.size());
    if (!e) return;
    for (const auto& v : values) value(*e, v);
  }
  template <class T>
  void child(const char* n, const T& x) {
    if (const xml::ElementRule* e = take(n, 1)) group(*e, x);
  }
  template <class T>
  void child(const char* n, const std::optional<T>& x) {
    if (x) child(n, *x);
  }
  template <class T>
  void child(const char* n, const std::vector<T>& xs) {
    const xml::ElementRule* e = take(n, xs.size());
    if (!e) return;
    for (const auto& x : xs) group(*e, x);
  }

  /// Every element of the sequence not written must be optional.
  void finish() {
    for (; next_ < sequence_.size(); ++next_) {
      if (sequence_[next_].minOccurs > 0) tally_.ok = false;
    }
  }

 private:
  // The rule for `count` (> 0) elements named `n`, written after the ones before; nullptr (and
  // not ok) when the sequence has no such element at this place or the count is out of range.
  const xml::ElementRule* take(const char* n, std::size_t count) {
    if (count == 0 || !tally_.ok) return nullptr;
    while (next_ < sequence_.size() && std::strcmp(sequence_[next_].name.c_str(), n) != 0) {
      if (sequence_[next_].minOccurs > 0) return failed();
      ++next_;
    }
    if (next_ == sequence_.size()) return failed();
    const xml::ElementRule& e = sequence_[next_++];
    if (count < static_cast<std::size_t>(e.minOccurs) ||
        (e.maxOccurs >= 0 && count > static_cast<std::size_t>(e.maxOccurs))) {
      return failed();
    }
    tally_.elements += count;
    return &e;
  }

  void leaf(const char* n, const std::string& v) {
    if (const xml::ElementRule* e = take(n, 1)) value(*e, v);
  }

  void value(const xml::ElementRule& e, const std::string& v) {
    tally_.textBytes += v.size();
    if (!e.simple || !e.simple->accepts(v)) tally_.ok = false;
  }

  template <class T>
  void group(const xml::ElementRule& e, const T& x) {
    if (!e.complex || depth_ + 1 > xml::ParseLimits{}.maxDepth) {
      tally_.ok = false;
      return;
    }
    RuleCheck sub(*e.complex, tally_, depth_ + 1);
    describe(sub, const_cast<T&>(x));  // read only, as the Writer
    sub.finish();
  }

  const xml::ElementRule* failed() {
    tally_.ok = false;
    return nullptr;
  }

  const std::vector<xml::ElementRule>& sequence_;
  std::size_t next_ = 0;
  RuleTally& tally_;
  int depth_;
};

[[noreturn]] void refuse(int line, std::string path, std::string message) {
  throw DocumentError({Issue{line, std::move(path), std::move(message)}});
}

const RootInfo& identifyRoot(const xmlNode* root) {
  const char* name = reinterpret_cast<const char*>(root->name);
  const char* ns = root->ns ? reinterpret_cast<const char*>(root->ns->href) : "";
  const int line = static_cast<int>(xmlGetLineNo(root));
  for (const RootInfo& info : kRoots) {
    if (std::strcmp(name, info.element) != 0) continue;
    if (std::strcmp(ns, kCanonicalNamespace) != 0) {
      refuse(line, std::string("/") + name,
             std::string("root element is in namespace '") + ns + "', expected '" +
                 kCanonicalNamespace + "'");
    }
    return info;
  }
  refuse(line, std::string("/") + name,
         std::string("not a canonical document: the root element must be LiaisonSheet, "
                     "CaseUpdate or CaseMembership in namespace ") +
             kCanonicalNamespace);
}

std::string attribute(const xmlNode* node, const char* name) {
  return xml::attribute(node, name).value_or("");
}

template <class T>
T bind(xmlNode* root, std::vector<Issue>& issues) {
  T value;
  binding::Reader reader(root, issues);
  describe(reader, value);
  reader.finish();
  return value;
}

void throwIfAny(std::vector<Issue> issues) {
  if (!issues.empty()) throw DocumentError(std::move(issues));
}

CanonicalDocument parseDocument(const xml::Document& doc) {
  xmlNode* root = doc.root();
  const RootInfo& info = identifyRoot(root);
  throwIfAny(xml::shippedSchema(info.schemaFile)->validate(doc));

  std::vector<Issue> issues;
  if (std::strcmp(info.element, "LiaisonSheet") == 0) {
    auto sheet = bind<LiaisonSheet>(root, issues);
    sheet.kind = attribute(root, "kind") == "admission" ? SheetKind::Admission : SheetKind::Discharge;
    throwIfAny(std::move(issues));
    throwIfAny(checkRules(sheet));
    return sheet;
  }
  if (std::strcmp(info.element, "CaseUpdate") == 0) {
    auto update = bind<CaseUpdate>(root, issues);
    throwIfAny(std::move(issues));
    throwIfAny(checkRules(update));
    return update;
  }
  auto membership = bind<CaseMembership>(root, issues);
  const std::string action = attribute(root, "action");
  membership.action = action == "open"    ? MembershipAction::Open
                      : action == "close" ? MembershipAction::Close
                      : action == "add-participant" ? MembershipAction::AddParticipant
                                                    : MembershipAction::RemoveParticipant;
  throwIfAny(std::move(issues));
  throwIfAny(checkRules(membership));
  return membership;
}

template <class T>
T parseAs(std::string_view bytes, const xml::ParseLimits& limits, const char* expected) {
  CanonicalDocument document = parseCanonical(bytes, limits);
  if (auto* typed = std::get_if<T>(&document)) return std::move(*typed);
  refuse(0, "/" + documentTypeName(document),
         "expected a " + std::string(expected) + ", got a " + documentTypeName(document));
}

const char* kindName(SheetKind kind) {
  return kind == SheetKind::Admission ? "admission" : "discharge";
}

const char* actionName(MembershipAction action) {
  switch (action) {
    case MembershipAction::Open: return "open";
    case MembershipAction::Close: return "close";
    case MembershipAction::AddParticipant: return "add-participant";
    case MembershipAction::RemoveParticipant: return "remove-participant";
  }
  return "open";
}

template <class T>
std::string serializeRoot(const char* element, const std::string& attributes, const T& value) {
  std::string out;
  out.reserve(4096);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out += element;
  out += " xmlns=\"";
  out += kCanonicalNamespace;
  out += '"';
  out += attributes;
  out += ">\n";
  binding::Writer writer(out);
  describe(writer, const_cast<T&>(value));
  out += "</";
  out += element;
  out += ">\n";
  return out;
}

// The root's attributes as serialize() writes them.
std::vector<std::pair<const char*, const char*>> rootAttributes(const LiaisonSheet& sheet) {
  return {{"kind", kindName(sheet.kind)}};
}
std::vector<std::pair<const char*, const char*>> rootAttributes(const CaseUpdate&) { return {}; }
std::vector<std::pair<const char*, const char*>> rootAttributes(const CaseMembership& membership) {
  return {{"action", actionName(membership.action)}};
}

const char* rootName(const LiaisonSheet&) { return kRoots[0].element; }
const char* rootName(const CaseUpdate&) { return kRoots[1].element; }
const char* rootName(const CaseMembership&) { return kRoots[2].element; }

// True when the schema surely accepts serialize(document) and a receiver's pre-parse limits
// (elements, depth, size) let it through.
template <class T>
bool satisfiesSchemaRules(const xml::SchemaRules& rules, const T& document) {
  const xml::ElementRule* root = rules.root(rootName(document));
  if (!root || !root->complex) return false;
  const auto attributes = rootAttributes(document);
  for (const auto& rule : root->complex->attributes) {
    const auto it = std::find_if(attributes.begin(), attributes.end(),
                                 [&](const auto& a) { return rule.name == a.first; });
    if (it == attributes.end() ? rule.required : !rule.type->accepts(it->second)) return false;
  }
  for (const auto& a : attributes) {
    if (std::none_of(root->complex->attributes.begin(), root->complex->attributes.end(),
                     [&](const auto& rule) { return rule.name == a.first; })) {
      return false;
    }
  }
  RuleTally tally;
  RuleCheck check(*root->complex, tally, 1);
  describe(check, const_cast<T&>(document));  // read only, as the Writer
  check.finish();
  const xml::ParseLimits limits;
  // Serialized, each element costs its two tags and indentation (well under 256 bytes with the
  // schema's names and depth) and escaping at most sextuples text ("&quot;").
  const std::size_t boundOfBytes = tally.elements * 256 + tally.textBytes * 6;
  return tally.ok && tally.elements <= limits.maxElements && boundOfBytes <= limits.maxBytes;
}

}  // namespace

std::string documentTypeName(const CanonicalDocument& document) {
  return kRoots[document.index()].element;
}

CanonicalDocument parseCanonical(std::string_view bytes, const xml::ParseLimits& limits) {
  return parseDocument(xml::parseUntrusted(bytes, limits));
}

LiaisonSheet parseLiaisonSheet(std::string_view bytes, const xml::ParseLimits& limits) {
  return parseAs<LiaisonSheet>(bytes, limits, "LiaisonSheet");
}

CaseUpdate parseCaseUpdate(std::string_view bytes, const xml::ParseLimits& limits) {
  return parseAs<CaseUpdate>(bytes, limits, "CaseUpdate");
}

CaseMembership parseCaseMembership(std::string_view bytes, const xml::ParseLimits& limits) {
  return parseAs<CaseMembership>(bytes, limits, "CaseMembership");
}

std::string serialize(const LiaisonSheet& sheet) {
  return serializeRoot("LiaisonSheet", std::string(" kind=\"") + kindName(sheet.kind) + "\"", sheet);
}

std::string serialize(const CaseUpdate& update) { return serializeRoot("CaseUpdate", "", update); }

std::string serialize(const CaseMembership& membership) {
  return serializeRoot("CaseMembership",
                       std::string(" action=\"") + actionName(membership.action) + "\"",
                       membership);
}

std::string serialize(const CanonicalDocument& document) {
  return std::visit([](const auto& d) { return serialize(d); }, document);
}

std::vector<Issue> validate(const CanonicalDocument& document) {
  // The common case, a valid document, is judged on the model itself: the schema's rules (what
  // the serializer would write, element by element), then the code tables and business rules.
  // The model is what a receiver binding those bytes gets back: the Writer writes every required
  // element, integers and booleans in their one canonical form, and the dates the rules accept
  // are exactly those Date::parseIso reads. Whatever the rules are not sure of takes the long
  // way, the receiver's own parse of the serialized bytes, which also gives lines and paths.
  const bool surelyValid = std::visit(
      [](const auto& typed) {
        const auto rules = xml::shippedSchemaRules(schemaFileOf(typed));
        return rules && satisfiesSchemaRules(*rules, typed);
      },
      document);
  if (surelyValid) {
    return std::visit([](const auto& typed) { return checkRules(typed); }, document);
  }
  std::string bytes;
  try {
    bytes = serialize(document);
  } catch (const std::invalid_argument& e) {
    return {Issue{0, "/" + documentTypeName(document), e.what()}};
  }
  return validateByParsing(bytes);
}

std::vector<Issue> validateByParsing(std::string_view bytes) {
  try {
    parseCanonical(bytes);  // the limits a receiver applies
  } catch (const DocumentError& e) {
    return e.issues();
  }
  return {};
}

}  // namespace tsunagi::mapping
