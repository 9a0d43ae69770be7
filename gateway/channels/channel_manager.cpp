#include "gateway/channels/channel_manager.hpp"

#include "gateway/exchange/problem.hpp"

namespace tsunagi::channels {

ChannelManager::ChannelManager(const std::vector<ChannelOptions>& channels,
                               const adapters::AdapterRegistry& registry,
                               exchange::Submitter& submitter, store::ConnectionPool& pool,
                               std::function<void()> submitted,
                               const ConnectorRegistry& connectors) {
  std::vector<OutboundChannel> outbound;
  for (const auto& options : channels) {
    auto adapter = registry.create(options.adapter);
    if (options.direction == Direction::Outbound) {
      outbound.push_back(OutboundChannel{options, std::move(adapter), nullptr});
      continue;
    }
    const ConnectorKind& kind = connectors.get(options.connector.kind());
    if (!kind.inbound) {
      throw std::runtime_error("channel " + options.name + ": connector " + kind.name +
                               " has no inbound side");
    }
    Inbound& in = inbound_[options.name];
    in.channel =
        std::make_unique<InboundChannel>(options, std::move(adapter), submitter, pool, submitted);
    in.connector = kind.inbound(*in.channel, pool);
  }
  if (!outbound.empty()) {
    sink_ = std::make_shared<ChannelSink>(std::move(outbound), pool, connectors);
  }
}

ChannelManager::~ChannelManager() { stop(); }

void ChannelManager::start() {
  for (auto& [name, in] : inbound_) in.connector->start();
}

void ChannelManager::stop() {
  for (auto it = inbound_.rbegin(); it != inbound_.rend(); ++it) it->second.connector->stop();
}

LocalEndpoint* ChannelManager::endpoint(const std::string& name) const {
  const auto it = inbound_.find(name);
  return it == inbound_.end() ? nullptr : it->second.connector->localEndpoint();
}

std::optional<std::size_t> ChannelManager::httpLimit(const std::string& name) const {
  const LocalEndpoint* e = endpoint(name);
  if (!e) return std::nullopt;
  return e->bodyLimit();
}

std::vector<std::string> ChannelManager::httpMediaTypes(const std::string& name) const {
  const LocalEndpoint* e = endpoint(name);
  return e ? e->mediaTypes() : std::vector<std::string>{};
}

net::HttpResponse ChannelManager::post(const std::string& name, const std::string& body,
                                       const std::string& contentType) {
  LocalEndpoint* e = endpoint(name);
  if (!e) return exchange::problems::notFound("no inbound HTTP channel " + name).reply();
  return e->post(body, contentType);
}

std::vector<std::pair<std::string, const net::ListenerStats*>> ChannelManager::listenerStats()
    const {
  std::vector<std::pair<std::string, const net::ListenerStats*>> out;
  for (const auto& [name, in] : inbound_) {
    if (const net::ListenerStats* stats = in.connector->listenerStats()) {
      out.emplace_back(in.channel->options().connector.kind() + ":" + name, stats);
    }
  }
  return out;
}

unsigned short ChannelManager::listenerPort(const std::string& name) const {
  const auto it = inbound_.find(name);
  return it == inbound_.end() ? 0 : it->second.connector->port();
}

InboundChannel* ChannelManager::inbound(const std::string& name) {
  const auto it = inbound_.find(name);
  return it == inbound_.end() ? nullptr : it->second.channel.get();
}

}  // namespace tsunagi::channels
