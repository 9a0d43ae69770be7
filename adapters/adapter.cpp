#include "adapters/adapter.hpp"

namespace tsunagi::adapters {

namespace {
std::string summarise(const std::vector<mapping::Issue>& issues) {
  if (issues.empty()) return "input cannot be translated";
  std::string out = issues.front().describe();
  if (issues.size() > 1) out += " (and " + std::to_string(issues.size() - 1) + " more)";
  return out;
}
}  // namespace

AdapterError::AdapterError(std::vector<mapping::Issue> issues)
    : std::runtime_error(summarise(issues)), issues_(std::move(issues)) {}

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
