#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"

namespace tsunagi::adapters {

/// A configuration mistake about adapters (duplicate or unknown name).
class AdapterConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Adapters by name. Filled explicitly by registerBuiltinAdapters(); refuses duplicate names.
class AdapterRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Adapter>()>;

  /// Throws AdapterConfigError if `name` is taken or not a valid adapter name.
  void add(const std::string& name, Factory factory);
  /// Throws AdapterConfigError naming the known adapters if `name` is unknown.
  std::unique_ptr<Adapter> create(const std::string& name) const;
  bool contains(const std::string& name) const { return factories_.count(name) > 0; }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory> factories_;
};

/// Registers every adapter shipped with tsunagi. Called from main and from tests.
void registerBuiltinAdapters(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
