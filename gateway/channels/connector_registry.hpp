#pragma once
// Connector kinds by name, filled explicitly by registerConnectors() (builtin.cpp) — no static
// registrars, as for the adapters (adapters/registry.hpp).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/channels/connector.hpp"

namespace tsunagi::channels {

class ConnectorRegistry {
 public:
  /// Throws std::invalid_argument for a kind without a name or read(), with neither side, or
  /// whose name is taken.
  void add(ConnectorKind kind);
  /// The kind `name`, or null.
  const ConnectorKind* find(const std::string& name) const;
  /// The kind `name`; throws std::invalid_argument naming the known ones.
  const ConnectorKind& get(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, ConnectorKind> kinds_;
};

/// Registers every connector kind shipped with tsunagi: one line per kind.
void registerConnectors(ConnectorRegistry& registry);

/// The shipped kinds, registered once: what the configuration reads and the node builds from.
std::shared_ptr<const ConnectorRegistry> builtinConnectors();

}  // namespace tsunagi::channels
