#include "adapters/adapter.hpp"

namespace tsunagi::adapters {

AdapterError::AdapterError(std::vector<mapping::Issue> issues)
    : std::runtime_error(mapping::summarise(issues, "input cannot be translated")),
      issues_(std::move(issues)) {}

Encoded Adapter::encodeDocument(const mapping::CanonicalDocument&, const EncodeOptions&) const {
  throw AdapterError(0, "", "adapter " + name() + " does not encode");
}

}  // namespace tsunagi::adapters
