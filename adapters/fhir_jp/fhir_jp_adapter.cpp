#include "adapters/fhir_jp/fhir_jp_adapter.hpp"

#include "adapters/fhir_jp/decoder.hpp"
#include "adapters/fhir_jp/encoder.hpp"

namespace tsunagi::adapters {

Decoded FhirJpAdapter::decode(const LocalInput& input) const {
  return fhir_jp::decodeBundle(input.bytes);
}

Encoded FhirJpAdapter::encodeDocument(const mapping::CanonicalDocument& document,
                                      const EncodeOptions&) const {
  const auto* sheet = std::get_if<mapping::LiaisonSheet>(&document);
  if (!sheet) {
    throw AdapterError(
        0, "/" + mapping::documentTypeName(document),
        "fhir_jp encodes liaison sheets only, not a " + mapping::documentTypeName(document));
  }
  return fhir_jp::encodeSheet(*sheet);
}

void registerFhirJp(AdapterRegistry& registry) {
  registry.add("fhir_jp", [] { return std::make_unique<FhirJpAdapter>(); });
}

}  // namespace tsunagi::adapters
