#include "gateway/node/local_consent.hpp"

#include <optional>

#include "mapping/date.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::node {

namespace {

namespace json = mapping::json;

constexpr json::JsonLimits kLimits{64 * 1024, 8};
constexpr std::size_t kMaxObtainedBy = 200;  // characters (the column is text: the rule is ours)
const char* const kSeeDocs = "see docs/operations.md, Local consents";

using FieldError = std::optional<ConsentFieldError>;

// A string value as `field`. The reader refuses a control character it cannot carry by throwing
// JsonError; that refusal is this field's error like the others.
FieldError readString(const json::JsonView& value, const std::string& field, std::string& out) {
  if (!value.isString())
    return ConsentFieldError{field, "expected a string, found " + value.kind()};
  try {
    out = value.asString();
  } catch (const json::JsonError& e) {
    return ConsentFieldError{field, e.issues().front().message};
  }
  return std::nullopt;
}

// A member of the consent object (JSON null counts as absent).
FieldError readMember(const json::JsonView& root, const char* field, std::string& out) {
  const auto value = root.member(field);
  if (!value) return ConsentFieldError{field, std::string("is required (") + kSeeDocs + ")"};
  return readString(*value, field, out);
}

FieldError readOptionalMember(const json::JsonView& root, const char* field,
                              std::optional<std::string>& out) {
  const auto value = root.member(field);
  if (!value) return std::nullopt;
  out.emplace();
  return readString(*value, field, *out);
}

// The receiving municipalities: a non-empty list of valid codes.
FieldError readScope(const json::JsonView& root, std::vector<std::string>& out) {
  const auto scope = root.member("scope");
  if (!scope) return ConsentFieldError{"scope", "list the receiving municipalities"};
  if (!scope->isArray())
    return ConsentFieldError{"scope", "expected an array, found " + scope->kind()};
  const std::vector<json::JsonView> codes = scope->elements();
  if (codes.empty()) return ConsentFieldError{"scope", "list the receiving municipalities"};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const std::string field = "scope[" + std::to_string(i) + "]";
    std::string code;
    if (auto error = readString(codes[i], field, code)) return error;
    if (auto problem = mapping::checkMunicipalityCode(code)) {
      return ConsentFieldError{field, "'" + code + "' " + *problem};
    }
    out.push_back(std::move(code));
  }
  return std::nullopt;
}

// obtainedBy names a person or an office ("柏の葉総合病院 地域連携室"): one line of text.
std::optional<std::string> checkObtainedBy(const std::string& text) {
  if (text.empty()) return "is empty";
  const std::u32string characters = mapping::text::decodeUtf8(text);  // the reader checked it
  for (const char32_t c : characters) {
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return "contains a control character";  // C0, C1
  }
  if (characters.size() > kMaxObtainedBy) {
    return "longer than " + std::to_string(kMaxObtainedBy) + " characters";
  }
  return std::nullopt;
}

// The members' presence and types, in the documented order.
FieldError readMembers(const json::JsonView& root, store::Consent& c) {
  if (auto e = readMember(root, "reference", c.reference)) return e;
  if (auto e = readMember(root, "insurerNumber", c.insurerNumber)) return e;
  if (auto e = readMember(root, "insuredNumber", c.insuredNumber)) return e;
  if (auto e = readMember(root, "obtainedOn", c.obtainedOn)) return e;
  if (auto e = readMember(root, "obtainedBy", c.obtainedBy)) return e;
  if (auto e = readOptionalMember(root, "validUntil", c.validUntil)) return e;
  return readScope(root, c.scope);
}

// Each value's rules (the envelope's reference, the numbers' check digits, real dates).
FieldError checkValues(const store::Consent& c) {
  if (auto p = mapping::checkReference(c.reference)) return ConsentFieldError{"reference", *p};
  if (auto p = mapping::checkInsurerNumber(c.insurerNumber)) {
    return ConsentFieldError{"insurerNumber", *p};
  }
  if (auto p = mapping::checkInsuredNumber(c.insuredNumber)) {
    return ConsentFieldError{"insuredNumber", *p};
  }
  if (auto p = checkObtainedBy(c.obtainedBy)) return ConsentFieldError{"obtainedBy", *p};
  const auto obtainedOn = mapping::Date::parseIso(c.obtainedOn);
  if (!obtainedOn) return ConsentFieldError{"obtainedOn", "expected a date YYYY-MM-DD"};
  if (c.validUntil) {
    const auto validUntil = mapping::Date::parseIso(*c.validUntil);
    if (!validUntil) return ConsentFieldError{"validUntil", "expected a date YYYY-MM-DD"};
    if (*validUntil < *obtainedOn) return ConsentFieldError{"validUntil", "is before obtainedOn"};
  }
  return std::nullopt;
}

}  // namespace

std::variant<store::Consent, ConsentFieldError> readLocalConsent(std::string_view body) {
  // The reader refuses what is not one strict JSON object (syntax, duplicate member names, NUL,
  // invalid UTF-8, nesting) by throwing: the body as a whole is in error.
  std::optional<json::JsonDocument> document;
  try {
    document = json::parseJson(body, kLimits);
  } catch (const json::JsonError& e) {
    return ConsentFieldError{"body", e.issues().front().message};
  }
  store::Consent c;
  if (auto error = readMembers(document->root(""), c)) return *error;
  if (auto error = checkValues(c)) return *error;
  return c;
}

}  // namespace tsunagi::node
