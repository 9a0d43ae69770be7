#pragma once
// The parts of a running node that its local API answers from (local_api.*, metrics.*). The node
// (node.cpp) owns them and sets each while it starts, before its local listener starts; none
// changes while the listener serves.

#include <memory>
#include <optional>

#include "gateway/channels/channel_manager.hpp"
#include "gateway/console/console_server.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/exchange/exchange_service.hpp"
#include "gateway/federation/manifest_store.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::node {

struct NodeParts {
  explicit NodeParts(const NodeOptions& o) : options(o) {}

  const NodeOptions& options;
  std::unique_ptr<store::ConnectionPool> pool;
  int schema = 0;  ///< the schema version the database was migrated to at start
  std::unique_ptr<federation::ManifestStore> manifests;  ///< with an exchange
  std::unique_ptr<exchange::ExchangeService> exchange;   ///< with an exchange
  std::unique_ptr<channels::ChannelManager> channels;    ///< with channels
  std::unique_ptr<console::ConsoleServer> console;       ///< with a console
  std::optional<crypto::Certificate> nodeCertificate;    ///< with an exchange
  std::unique_ptr<net::Listener> server;                 ///< the local listener
  unsigned short port = 0;                               ///< … and its bound port
};

}  // namespace tsunagi::node
