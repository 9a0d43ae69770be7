#include "adapters/liaison_xml/liaison_xml_adapter.hpp"

#include <stdexcept>
#include <type_traits>

namespace tsunagi::adapters {

namespace {

std::string documentId(const mapping::CanonicalDocument& document) {
  return std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, mapping::LiaisonSheet>) return d.sheetId;
        if constexpr (std::is_same_v<T, mapping::CaseUpdate>) return d.updateId;
        if constexpr (std::is_same_v<T, mapping::CaseMembership>) return d.eventId;
      },
      document);
}

}  // namespace

std::vector<std::string> LiaisonXmlAdapter::documentTypes() const {
  return {"LiaisonSheet", "CaseUpdate", "CaseMembership"};
}

Decoded LiaisonXmlAdapter::decode(const LocalInput& input) const {
  Decoded decoded;
  try {
    decoded.documents.push_back(mapping::parseCanonical(input.bytes));
  } catch (const mapping::DocumentError& e) {
    throw AdapterError(e.issues());
  }
  return decoded;
}

Encoded LiaisonXmlAdapter::encodeDocument(const mapping::CanonicalDocument& document,
                                          const EncodeOptions&) const {
  Encoded encoded;
  const std::string root = mapping::documentTypeName(document);
  try {
    encoded.bytes = mapping::serialize(document);
  } catch (const std::invalid_argument& e) {
    throw AdapterError(0, "/" + root, e.what());
  }
  encoded.suggestedName = root + "-" + documentId(document) + ".xml";
  return encoded;
}

void registerLiaisonXml(AdapterRegistry& registry) {
  registry.add("liaison_xml", [] { return std::make_unique<LiaisonXmlAdapter>(); });
}

}  // namespace tsunagi::adapters
