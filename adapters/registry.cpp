#include "adapters/registry.hpp"

namespace tsunagi::adapters {

namespace {
bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}
}  // namespace

void AdapterRegistry::add(const std::string& name, Factory factory) {
  if (!validName(name)) {
    throw AdapterConfigError("adapter name '" + name + "' is invalid (use a-z, 0-9 and _)");
  }
  if (!factory) throw AdapterConfigError("adapter '" + name + "' has no factory");
  if (!factories_.emplace(name, std::move(factory)).second) {
    throw AdapterConfigError("adapter '" + name + "' is registered twice");
  }
}

std::unique_ptr<Adapter> AdapterRegistry::create(const std::string& name) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    throw AdapterConfigError("unknown adapter '" + name + "' (known: " +
                             (known.empty() ? "none" : known) + ")");
  }
  return it->second();
}

std::vector<std::string> AdapterRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

}  // namespace tsunagi::adapters
