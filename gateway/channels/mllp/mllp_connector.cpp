#include "gateway/channels/mllp/mllp_connector.hpp"

#include "gateway/channels/mllp/mllp.hpp"

namespace tsunagi::channels {

namespace {

// <mllp>: inbound only, on a port of its own (no other MLLP channel's, not the local listener's).
ConnectorOptions readMllp(ConnectorElement& e) {
  MllpOptions l;
  l.host = e.attribute("host").value_or("127.0.0.1");
  const int port = e.integer("port", 0);
  l.port = static_cast<unsigned short>(port);
  l.maxBytes = static_cast<std::size_t>(e.integer("maxBytes", 1024 * 1024));
  l.idleTimeout = std::chrono::seconds(e.integer("idleSeconds", 300));
  l.frameTimeout = std::chrono::seconds(e.integer("frameSeconds", 30));
  l.maxConnections = static_cast<std::size_t>(e.integer("maxConnections", 64));
  l.maxConnectionsPerAddress = static_cast<std::size_t>(e.integer("maxConnectionsPerAddress", 8));
  l.workers = e.integer("workers", 4);
  if (!e.inbound()) e.fail("", "MLLP channels are inbound only (hospitals send ADT to the node)");
  if (port != 0 && !e.claim("port:" + std::to_string(port))) {
    e.fail("port", "port " + std::to_string(port) + " is used by another MLLP channel");
  }
  if (port != 0 && port == e.localListenerPort()) e.fail("port", "port is the local listener's");
  return l;
}

}  // namespace

void registerMllpConnector(ConnectorRegistry& registry) {
  registry.add(ConnectorKind{
      .name = std::string(MllpOptions::kKind),
      .read = readMllp,
      .inbound =
          [](InputHandler& channel, store::ConnectionPool&) -> std::unique_ptr<InboundConnector> {
        return std::make_unique<MllpListener>(channel,
                                              channel.options().connector.as<MllpOptions>());
      },
      .outbound = {},
  });
}

}  // namespace tsunagi::channels
