#include "mapping/model/canonical.hpp"

#include <libxml/tree.h>

#include <cstring>

#include "mapping/model/binding.hpp"
#include "mapping/model/rules.hpp"
#include "mapping/xml/schema.hpp"

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
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string out = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return out;
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
  std::string bytes;
  try {
    bytes = serialize(document);
  } catch (const std::invalid_argument& e) {
    return {Issue{0, "/" + documentTypeName(document), e.what()}};
  }
  // The common case, a valid document, takes the short way: the receiver's pre-parse checks, the
  // schema on the parser's event stream (no tree), then the code tables and rules on the model
  // itself. The model is what binding these bytes would give back: the Writer writes every
  // required element, integers and booleans in their one canonical form, and dates that the
  // schema's Date type (four-digit year, real day) accepts are exactly those Date::parseIso
  // reads. Anything refused on the way goes the long way for its diagnosis (lines and paths).
  const bool shortWay = std::visit(
      [&](const auto& typed) {
        try {
          xml::checkBeforeParsing(bytes);
        } catch (const DocumentError&) {
          return false;
        }
        return xml::shippedSchema(schemaFileOf(typed))->accepts(bytes);
      },
      document);
  if (shortWay) {
    return std::visit([](const auto& typed) { return checkRules(typed); }, document);
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
