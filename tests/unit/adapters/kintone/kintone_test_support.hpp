#pragma once
// Shared by the kintone tests: the shipped Nagareyama profile's adapter and the fixtures.

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "adapters/registry.hpp"

namespace tsunagi::adapters::kintone_test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TSUNAGI_SOURCE_DIR) + "/tests/fixtures/kintone/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// kintone:nagareyama-kintone, built through the registry as the node builds it.
inline const Adapter& nagareyama() {
  static const std::unique_ptr<Adapter> adapter = [] {
    AdapterRegistry registry;
    registerBuiltinAdapters(registry);
    return registry.create("kintone:nagareyama-kintone");
  }();
  return *adapter;
}

inline Decoded decode(const std::string& bytes, std::map<std::string, std::string> metadata = {}) {
  return nagareyama().decode(LocalInput{bytes, "record.json", std::move(metadata)});
}

}  // namespace tsunagi::adapters::kintone_test
