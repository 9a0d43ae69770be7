#include "gateway/channels/channel_manager.hpp"

#include "gateway/exchange/problem.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::channels {

namespace {

// The content types an adapter's format is sent with (docs/operations.md "Channels").
std::vector<std::string> mediaTypesOf(const std::string& adapter) {
  const std::string base = adapter.substr(0, adapter.find(':'));
  if (base == "fhir_jp") return {"application/fhir+json", "application/json"};
  if (base == "liaison_xml") return {"application/xml", "text/xml"};
  if (base == "ssmix2") return {"x-application/hl7-v2+er7", "application/hl7-v2", "text/plain"};
  if (base == "room_csv" || base == "careplan_csv") return {"text/csv"};
  if (base == "kintone") return {"application/json"};
  return {"application/octet-stream"};
}

}  // namespace

ChannelManager::ChannelManager(const std::vector<ChannelOptions>& channels,
                               const adapters::AdapterRegistry& registry,
                               exchange::Submitter& submitter, store::ConnectionPool& pool,
                               std::function<void()> submitted) {
  std::vector<OutboundChannel> outbound;
  for (const auto& options : channels) {
    auto adapter = registry.create(options.adapter);
    if (options.direction == Direction::Outbound) {
      outbound.push_back(OutboundChannel{options, std::move(adapter)});
      continue;
    }
    auto channel =
        std::make_unique<InboundChannel>(options, std::move(adapter), submitter, pool, submitted);
    if (const auto* dir = std::get_if<DirectoryOptions>(&options.connector)) {
      watchers_.push_back(std::make_unique<DirectoryWatcher>(*channel, *dir));
    } else if (const auto* http = std::get_if<HttpOptions>(&options.connector)) {
      httpLimits_[options.name] = http->maxBytes;
      httpMediaTypes_[options.name] = mediaTypesOf(options.adapter);
    } else if (const auto* mllp = std::get_if<MllpOptions>(&options.connector)) {
      listeners_[options.name] = std::make_unique<MllpListener>(*channel, *mllp);
    } else if (const auto* kintone = std::get_if<KintoneOptions>(&options.connector)) {
      pollers_.push_back(std::make_unique<KintonePoller>(*channel, *kintone, pool));
    }
    inbound_[options.name] = std::move(channel);
  }
  if (!outbound.empty()) sink_ = std::make_shared<ChannelSink>(std::move(outbound), pool);
}

ChannelManager::~ChannelManager() { stop(); }

void ChannelManager::start() {
  for (auto& watcher : watchers_) watcher->start();
  for (auto& [name, listener] : listeners_) listener->start();
  for (auto& poller : pollers_) poller->start();
}

void ChannelManager::stop() {
  for (auto& poller : pollers_) poller->stop();
  for (auto& [name, listener] : listeners_) listener->stop();
  for (auto& watcher : watchers_) watcher->stop();
}

std::optional<std::size_t> ChannelManager::httpLimit(const std::string& name) const {
  auto it = httpLimits_.find(name);
  if (it == httpLimits_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ChannelManager::httpMediaTypes(const std::string& name) const {
  auto it = httpMediaTypes_.find(name);
  return it == httpMediaTypes_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::pair<std::string, const net::ListenerStats*>> ChannelManager::mllpListenerStats()
    const {
  std::vector<std::pair<std::string, const net::ListenerStats*>> out;
  for (const auto& [name, listener] : listeners_) out.emplace_back(name, &listener->stats());
  return out;
}

net::HttpResponse ChannelManager::post(const std::string& name, const std::string& body,
                                       const std::string& contentType) {
  auto it = inbound_.find(name);
  if (it == inbound_.end() || !httpLimits_.count(name)) {
    return exchange::problems::notFound("no inbound HTTP channel " + name).reply();
  }
  InboundResult result = it->second->accept(
      adapters::LocalInput{body, "http:" + name, {{"contentType", contentType}}});
  switch (result.status) {
    case InboundResult::Status::Accepted: {
      std::string json = R"({"channel":")" + mapping::json::jsonEscape(name) + R"(","documents":)" +
                         std::to_string(result.documents) + R"(,"messages":[)";
      for (std::size_t i = 0; i < result.messages.size(); ++i) {
        if (i) json += ',';
        json += R"({"peer":")" + result.messages[i].peer + R"(","messageId":")" +
                result.messages[i].messageId + R"("})";
      }
      json += R"(],"losses":)" + result.losses.json() + "}";
      return {202, "application/json", json, {}, false};
    }
    case InboundResult::Status::Rejected: {
      return exchange::Problem{422, "urn:tsunagi:problem:" + result.code,
                               result.code == "input-invalid" ? "The input cannot be translated"
                                                              : "The document cannot be sent",
                               result.reason}
          .reply();
    }
    case InboundResult::Status::Unavailable: {
      return exchange::problems::storageUnavailable(result.reason).reply();
    }
  }
  return {500, "text/plain", "", {}, false};
}

unsigned short ChannelManager::mllpPort(const std::string& name) const {
  auto it = listeners_.find(name);
  return it == listeners_.end() ? 0 : it->second->port();
}

InboundChannel* ChannelManager::inbound(const std::string& name) {
  auto it = inbound_.find(name);
  return it == inbound_.end() ? nullptr : it->second.get();
}

}  // namespace tsunagi::channels
