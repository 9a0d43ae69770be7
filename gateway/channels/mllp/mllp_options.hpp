#pragma once
// The MLLP connector's options (<mllp> in a channel of node-config-1.xsd).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace tsunagi::channels {

/// Inbound HL7 v2 over MLLP (0x0B … 0x1C 0x0D), one ACK per message.
struct MllpOptions {
  static constexpr std::string_view kKind = "mllp";

  std::string host = "127.0.0.1";
  unsigned short port = 0;  ///< 0: any free port (tests)
  std::size_t maxBytes = 1024 * 1024;
  std::chrono::seconds idleTimeout{300};  ///< a connection silent this long is closed
  /// A frame must be complete this long after its first byte (the front door's head deadline).
  std::chrono::seconds frameTimeout{30};
  std::size_t maxConnections = 64;           ///< in total
  std::size_t maxConnectionsPerAddress = 8;  ///< from one hospital system
  int workers = 4;                           ///< threads answering complete messages
};

}  // namespace tsunagi::channels
