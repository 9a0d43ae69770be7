#include "gateway/channels/connector_registry.hpp"

#include <stdexcept>

namespace tsunagi::channels {

void ConnectorRegistry::add(ConnectorKind kind) {
  if (kind.name.empty() || !kind.read) {
    throw std::invalid_argument("a connector kind needs a name and a reader of its options");
  }
  if (!kind.inbound && !kind.outbound) {
    throw std::invalid_argument("connector " + kind.name + " has neither an inbound nor an outbound side");
  }
  const std::string name = kind.name;
  if (!kinds_.emplace(name, std::move(kind)).second) {
    throw std::invalid_argument("connector " + name + " is registered twice");
  }
}

const ConnectorKind* ConnectorRegistry::find(const std::string& name) const {
  const auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

const ConnectorKind& ConnectorRegistry::get(const std::string& name) const {
  if (const ConnectorKind* kind = find(name)) return *kind;
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("no connector " + (name.empty() ? std::string("(none)") : name) +
                              " (known: " + known + ")");
}

std::vector<std::string> ConnectorRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, kind] : kinds_) out.push_back(name);
  return out;
}

std::shared_ptr<const ConnectorRegistry> builtinConnectors() {
  static const std::shared_ptr<const ConnectorRegistry> registry = [] {
    auto r = std::make_shared<ConnectorRegistry>();
    registerConnectors(*r);
    return r;
  }();
  return registry;
}

}  // namespace tsunagi::channels
