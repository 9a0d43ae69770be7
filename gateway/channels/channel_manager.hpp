#pragma once
// A node's channels, wired: each inbound channel is an InboundChannel and the connector its kind
// makes (a folder watcher, an MLLP listener, an endpoint on the local listener, a kintone poller)
// feeding it; the outbound channels form the LocalSink the inbox is delivered to (ChannelSink).
// Every connector comes from the ConnectorRegistry (connector_registry.hpp): nothing here names
// a kind.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/registry.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/channels/connector.hpp"
#include "gateway/channels/connector_registry.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/outbound.hpp"
#include "gateway/net/http_message.hpp"

namespace tsunagi::channels {

class ChannelManager {
 public:
  /// Creates every channel's adapter (AdapterRegistry::create: throws AdapterConfigError) and
  /// connector (its kind in `connectors`: binds the listeners' ports, creates the folders).
  /// Nothing is read before start().
  ChannelManager(const std::vector<ChannelOptions>& channels,
                 const adapters::AdapterRegistry& registry, exchange::Submitter& submitter,
                 store::ConnectionPool& pool, std::function<void()> submitted = {},
                 const ConnectorRegistry& connectors = *builtinConnectors());
  ~ChannelManager();
  ChannelManager(const ChannelManager&) = delete;
  ChannelManager& operator=(const ChannelManager&) = delete;

  /// Starts every inbound connector.
  void start();
  /// Stops them (inputs in hand are finished and answered first).
  void stop();

  /// The sink for LocalDelivery, or null when no outbound channel is configured.
  std::shared_ptr<exchange::LocalSink> sink() const { return sink_; }

  /// The body limit of the inbound channel `name` served by the local listener, or nullopt when
  /// there is no such channel.
  std::optional<std::size_t> httpLimit(const std::string& name) const;
  /// The content types POST /local/v1/channels/NAME takes (its adapter's formats).
  std::vector<std::string> httpMediaTypes(const std::string& name) const;
  /// POST /local/v1/channels/NAME, answered by the channel's endpoint (http/http_endpoint.hpp);
  /// 404 problem when there is no such channel.
  net::HttpResponse post(const std::string& name, const std::string& body,
                         const std::string& contentType);

  /// The counters of each connector with a listener of its own, labelled "KIND:NAME"
  /// ("mllp:hospital-adt").
  std::vector<std::pair<std::string, const net::ListenerStats*>> listenerStats() const;
  /// The bound port of inbound channel `name`'s own listener (0 when none).
  unsigned short listenerPort(const std::string& name) const;
  /// The inbound channel `name` (tests).
  InboundChannel* inbound(const std::string& name);

 private:
  struct Inbound {
    std::unique_ptr<InboundChannel> channel;
    std::unique_ptr<InboundConnector> connector;  ///< destroyed first: it refers to the channel
  };
  LocalEndpoint* endpoint(const std::string& name) const;

  std::map<std::string, Inbound> inbound_;
  std::shared_ptr<ChannelSink> sink_;
};

}  // namespace tsunagi::channels
