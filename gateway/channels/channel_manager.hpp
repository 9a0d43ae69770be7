#pragma once
// A node's channels, wired: inbound channels (folder watchers, MLLP listeners, HTTP endpoints on
// the local listener, kintone pollers) feed the Submitter; outbound channels form the LocalSink the
// inbox is delivered to.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/registry.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/channels/directory_connector.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/kintone_connector.hpp"
#include "gateway/channels/mllp.hpp"
#include "gateway/channels/outbound.hpp"
#include "gateway/net/http_message.hpp"

namespace tsunagi::channels {

class ChannelManager {
 public:
  /// Creates every channel's adapter (AdapterRegistry::create: throws AdapterConfigError), binds
  /// the MLLP ports and creates the folders. Nothing is read before start().
  ChannelManager(const std::vector<ChannelOptions>& channels,
                 const adapters::AdapterRegistry& registry, exchange::Submitter& submitter,
                 store::ConnectionPool& pool, std::function<void()> submitted = {});
  ~ChannelManager();
  ChannelManager(const ChannelManager&) = delete;
  ChannelManager& operator=(const ChannelManager&) = delete;

  void start();
  /// Stops the watchers and listeners (inputs in hand are finished and answered first).
  void stop();

  /// The sink for LocalDelivery, or null when no outbound channel is configured.
  std::shared_ptr<exchange::LocalSink> sink() const { return sink_; }

  /// The body limit of inbound HTTP channel `name`, or nullopt when there is no such channel.
  std::optional<std::size_t> httpLimit(const std::string& name) const;
  /// The content types POST /local/v1/channels/NAME takes (its adapter's formats).
  std::vector<std::string> httpMediaTypes(const std::string& name) const;
  /// Each MLLP channel's listener counters, by channel name.
  std::vector<std::pair<std::string, const net::ListenerStats*>> mllpListenerStats() const;
  /// POST /local/v1/channels/NAME: 202 with the messages once committed; 422 problem for input
  /// that cannot be sent; 503 for storage trouble.
  net::HttpResponse post(const std::string& name, const std::string& body,
                         const std::string& contentType);

  /// The bound port of MLLP channel `name` (0 when none).
  unsigned short mllpPort(const std::string& name) const;
  /// The inbound channel `name` (tests).
  InboundChannel* inbound(const std::string& name);

 private:
  std::map<std::string, std::unique_ptr<InboundChannel>> inbound_;
  std::map<std::string, std::size_t> httpLimits_;
  std::map<std::string, std::vector<std::string>> httpMediaTypes_;
  std::vector<std::unique_ptr<DirectoryWatcher>> watchers_;
  std::map<std::string, std::unique_ptr<MllpListener>> listeners_;
  std::vector<std::unique_ptr<KintonePoller>> pollers_;
  std::shared_ptr<ChannelSink> sink_;
};

}  // namespace tsunagi::channels
