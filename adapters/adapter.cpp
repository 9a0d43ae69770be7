#include "adapters/adapter.hpp"

namespace tsunagi::adapters {

AdapterError::AdapterError(std::vector<mapping::Issue> issues)
    : std::runtime_error(mapping::summarise(issues, "input cannot be translated")),
      issues_(std::move(issues)) {}

std::string withThousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Encoded Adapter::encodeDocument(const mapping::CanonicalDocument&, const EncodeOptions&) const {
  throw AdapterError(0, "", "adapter " + name() + " does not encode");
}

}  // namespace tsunagi::adapters
