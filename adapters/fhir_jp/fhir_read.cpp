#include "adapters/fhir_jp/fhir_read.hpp"

#include "adapters/adapter.hpp"
#include "adapters/fhir_jp/vocabulary.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::adapters::fhir_jp {

using mapping::text::trimmed;

std::optional<std::string> conceptText(const JsonView& codeable) {
  if (auto t = codeable.string("text"); t && !trimmed(*t).empty()) return trimmed(*t);
  for (const JsonView& coding : codeable.array("coding")) {
    if (!coding.isObject()) {
      throw AdapterError(0, coding.path(), "expected a Coding object, found " + coding.kind());
    }
    if (auto d = coding.string("display"); d && !trimmed(*d).empty()) return trimmed(*d);
  }
  return std::nullopt;
}

std::optional<Coding> findCoding(const JsonView& codeable,
                                 std::initializer_list<std::string_view> systems,
                                 bool allowNoSystem) {
  for (const JsonView& coding : codeable.array("coding")) {
    if (!coding.isObject()) {
      throw AdapterError(0, coding.path(), "expected a Coding object, found " + coding.kind());
    }
    const auto system = coding.string("system");
    bool match = !system && allowNoSystem;
    for (auto s : systems) match = match || (system && *system == s);
    if (!match) continue;
    return Coding{system.value_or(""), trimmed(coding.string("code").value_or("")),
                  trimmed(coding.string("display").value_or("")), coding.path()};
  }
  return std::nullopt;
}

std::optional<std::string> nameRepresentation(const JsonView& humanName) {
  for (const JsonView& ext : humanName.array("extension")) {
    if (!ext.isObject()) {
      throw AdapterError(0, ext.path(), "expected an Extension object, found " + ext.kind());
    }
    if (ext.string("url") == std::string(kNameRepresentationUrl)) return ext.string("valueCode");
  }
  return std::nullopt;
}

std::string humanNameText(const JsonView& humanName) {
  if (!humanName.isObject()) {
    throw AdapterError(0, humanName.path(),
                       "expected a HumanName object, found " + humanName.kind());
  }
  if (auto t = humanName.string("text"); t && !trimmed(*t).empty()) return trimmed(*t);
  std::string out = trimmed(humanName.string("family").value_or(""));
  for (const JsonView& given : humanName.array("given")) {
    const std::string g = trimmed(given.asString());
    if (g.empty()) continue;
    out += out.empty() ? g : " " + g;
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> preferredName(const JsonView& resource) {
  std::optional<std::pair<std::string, std::string>> fallback;
  for (const JsonView& name : resource.array("name")) {
    const std::string text = humanNameText(name);
    if (text.empty()) continue;
    const auto rep = nameRepresentation(name);
    if (rep == "IDE") return std::make_pair(text, name.path());
    if (!fallback && rep != "ABC") fallback = std::make_pair(text, name.path());
  }
  return fallback;
}

std::optional<std::string> normalizePhone(std::string_view value) {
  std::string folded;
  try {
    folded = mapping::text::toHalfwidthAscii(value);
  } catch (const mapping::text::TextError&) {
    return std::nullopt;
  }
  std::string out;
  for (char c : folded) {
    if (c == ' ') continue;
    if (c == '(' || c == ')') c = '-';
    if (c == '-' && (out.empty() || out.back() == '-')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() < 6 || out.size() > 20) return std::nullopt;
  if (!((out[0] >= '0' && out[0] <= '9') || out[0] == '+')) return std::nullopt;
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (!((out[i] >= '0' && out[i] <= '9') || out[i] == '-')) return std::nullopt;
  }
  return out;
}

std::optional<std::string> firstPhone(const JsonView& resource) {
  for (const JsonView& telecom : resource.array("telecom")) {
    if (!telecom.isObject()) {
      throw AdapterError(0, telecom.path(),
                         "expected a ContactPoint object, found " + telecom.kind());
    }
    if (telecom.string("system") != std::string("phone")) continue;
    if (auto v = telecom.string("value")) {
      if (auto phone = normalizePhone(*v)) return phone;
    }
  }
  return std::nullopt;
}

std::optional<FhirDate> readFhirDate(const JsonView& owner, const std::string& key) {
  const auto text = owner.string(key);
  if (!text) return std::nullopt;
  auto date = parseFhirDate(*text);
  if (!date) throw AdapterError(0, owner.memberPath(key), fhirDateProblem(*text));
  return date;
}

bool isKatakanaName(std::string_view text) {
  std::u32string chars;
  try {
    chars = mapping::text::decodeUtf8(mapping::text::normalizeWidth(text));
  } catch (const mapping::text::TextError&) {
    return false;
  }
  bool kana = false;
  for (char32_t c : chars) {
    if (c >= U'\u30A1' && c <= U'\u30FA')
      kana = true;
    else if (c != U'\u30FC' && c != U'\u30FB' && c != U' ' && c != U'\u3000')
      return false;
  }
  return kana;
}

}  // namespace tsunagi::adapters::fhir_jp
