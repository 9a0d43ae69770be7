#pragma once
// What the adapter benchmarks share: their inputs (test fixtures, shared samples), the built-in
// adapters, and the malloc setting the tsunagi executable makes at start.

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "adapters/registry.hpp"
#include "gateway/common/process_memory.hpp"

namespace tsunagi::bench {

/// Set before main(), as `tsunagi` does first thing (gateway/common/process_memory.hpp).
inline const bool kMemoryTuned = (keepFreedMemoryForReuse(), true);

inline std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// tests/fixtures/NAME
inline std::string fixture(const std::string& name) {
  return readFile(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures" / name);
}

/// tests/fixtures/samples/NAME (the public sample inputs)
inline std::string sample(const std::string& name) {
  return readFile(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/samples" / name);
}

/// A built-in adapter by its spec ("kintone:nagareyama-kintone"), made once per spec.
inline const adapters::Adapter& adapter(const std::string& spec) {
  static adapters::AdapterRegistry registry = [] {
    adapters::AdapterRegistry r;
    adapters::registerBuiltinAdapters(r);
    return r;
  }();
  static std::map<std::string, std::unique_ptr<adapters::Adapter>> made;
  auto& a = made[spec];
  if (!a) a = registry.create(spec);
  return *a;
}

}  // namespace tsunagi::bench
