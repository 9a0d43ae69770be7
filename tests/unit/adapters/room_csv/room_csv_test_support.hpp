#pragma once
// Shared by the room_csv tests: the shipped Kashiwa profile's adapter, fixtures, CP932 helpers.

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "adapters/registry.hpp"
#include "mapping/text/encoding.hpp"

namespace tsunagi::adapters::room_csv_test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TSUNAGI_SOURCE_DIR) + "/tests/fixtures/room_csv/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The fixture as UTF-8 text (the fixtures are CP932).
inline std::string fixtureText(const std::string& name) {
  return mapping::text::decode(fixture(name), mapping::text::Charset::Cp932);
}

/// UTF-8 text as the CP932 bytes a care-room export writes.
inline std::string cp932(const std::string& utf8) {
  return mapping::text::encode(utf8, mapping::text::Charset::Cp932,
                               mapping::text::OnUnmappable::Fail)
      .bytes;
}

/// room_csv:kashiwa-room, built through the registry as the node builds it.
inline const Adapter& kashiwa() {
  static const std::unique_ptr<Adapter> adapter = [] {
    AdapterRegistry registry;
    registerBuiltinAdapters(registry);
    return registry.create("room_csv:kashiwa-room");
  }();
  return *adapter;
}

inline Decoded decode(const std::string& bytes) {
  return kashiwa().decode(LocalInput{bytes, "export.csv", {}});
}

}  // namespace tsunagi::adapters::room_csv_test
