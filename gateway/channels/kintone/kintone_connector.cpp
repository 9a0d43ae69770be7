#include "gateway/channels/kintone/kintone_connector.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <tuple>

#include "gateway/channels/kintone/kintone_poller.hpp"
#include "gateway/channels/kintone/kintone_rest.hpp"

namespace tsunagi::channels {

namespace {

// <kintone>: HTTPS only (the API token travels in a header), the token in a file of its own that
// only the node's user may read, and an app to poll for inbound channels.
ConnectorOptions readKintone(ConnectorElement& e) {
  const ChannelOptions& c = e.channel();
  KintoneOptions k;
  k.baseUrl = e.attribute("baseUrl").value_or("");
  while (!k.baseUrl.empty() && k.baseUrl.back() == '/') k.baseUrl.pop_back();
  try {
    const Poco::URI uri(k.baseUrl);
    if (uri.getScheme() != "https") {
      e.fail("baseUrl",
             "kintone is reached over https:// only (the API token must not travel "
             "in clear), not '" +
                 uri.getScheme() + "'");
    } else if (uri.getHost().empty()) {
      e.fail("baseUrl", "no host: expected https://SUBDOMAIN.cybozu.com");
    } else if (!uri.getRawQuery().empty() || !uri.getFragment().empty() ||
               !uri.getUserInfo().empty()) {
      e.fail("baseUrl",
             "the base URL takes no query, fragment or user (the token goes in "
             "tokenFile): expected https://SUBDOMAIN.cybozu.com");
    }
  } catch (const Poco::Exception& x) {
    e.fail("baseUrl", "not a URL: " + x.message());
  }
  k.app = e.attribute("app").value_or("");
  k.condition = e.attribute("query").value_or("");
  k.poll = std::chrono::seconds(e.integer("pollSeconds", 60));
  k.timeout = std::chrono::seconds(e.integer("timeoutSeconds", 30));
  if (c.adapter.rfind("kintone:", 0) != 0) {
    e.fail("",
           "the kintone connector carries kintone records: the channel's adapter must be "
           "kintone:PROFILE, not " +
               c.adapter);
  }
  if (e.inbound()) {
    if (k.app.empty()) e.fail("app", "an inbound kintone channel needs the app it polls");
    if (!k.app.empty() && !e.claim("kintone:" + k.baseUrl + " " + k.app)) {
      e.fail("app", "app " + k.app + " of " + k.baseUrl + " is polled by another channel");
    }
  } else {
    if (!k.app.empty()) {
      e.fail("app",
             "an outbound kintone channel writes each document to the app its profile "
             "mapping names; app is for inbound channels");
    }
    if (!k.condition.empty()) e.fail("query", "query is for inbound channels (what to take)");
  }
  k.tokenFile = e.path("tokenFile");
  try {
    readApiToken(k.tokenFile);
  } catch (const std::exception& x) {
    e.fail("tokenFile", x.what());
  }
  if (e.attribute("caCertificate")) k.caCertificate = e.certificateFile("caCertificate");
  return k;
}

}  // namespace

KintoneWriter::KintoneWriter(const ChannelOptions& channel)
    : channel_(channel.name),
      adapter_(channel.adapter),
      client_(channel.connector.as<KintoneOptions>()) {}

int KintoneWriter::batchSize() const { return static_cast<int>(kintone::kMaxRecordsPerWrite); }

std::vector<exchange::LocalOutcome> KintoneWriter::deliver(
    const std::vector<OutboundDocument>& documents) {
  std::vector<exchange::LocalOutcome> out(documents.size());
  // One request per (app, shape) group and 100 records: the order within a group is the round's.
  std::vector<KintoneWrite> writes(documents.size());
  std::map<std::tuple<std::string, bool>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    try {
      writes[i] = kintoneWriteOf(documents[i].encoded.bytes);
    } catch (const std::exception& e) {
      out[i].error = exchange::LocalDeliveryError("channel " + channel_ + ": adapter " + adapter_ +
                                                      " does not write kintone records: " +
                                                      e.what(),
                                                  true);
      continue;
    }
    groups[{writes[i].app, writes[i].id.has_value()}].push_back(i);
  }
  for (const auto& [key, items] : groups) {
    const auto& [app, update] = key;
    const std::string method = update ? "PUT" : "POST";
    const std::string where = "kintone app " + app + " (" + method + ")";
    // Sends items[begin, end) in one request; a refusal of several is retried one by one.
    std::function<void(std::size_t, std::size_t)> send = [&](std::size_t begin, std::size_t end) {
      std::vector<const KintoneWrite*> batch;
      for (std::size_t i = begin; i < end; ++i) batch.push_back(&writes[items[i]]);
      const KintoneReply reply = client_.writeRecords(method, kintoneBatchBody(batch));
      if (reply.status >= 200 && reply.status < 300) {
        for (std::size_t i = begin; i < end; ++i) out[items[i]].where = where;
        return;
      }
      const bool transient = reply.status == 0 || reply.status == 401 || reply.status == 403 ||
                             reply.status == 408 || reply.status == 429 || reply.status >= 500;
      if (!transient && end - begin > 1) {
        spdlog::warn("channel {}: {} refused a batch of {} records ({}); sending them one by one",
                     channel_, where, end - begin, kintoneErrorSummary(reply.status, reply.body));
        for (std::size_t i = begin; i < end; ++i) send(i, i + 1);
        return;
      }
      const std::string why =
          "channel " + channel_ + ": " + where + " " +
          (reply.status == 0 ? "unreachable: " + reply.error
                             : "answered " + kintoneErrorSummary(reply.status, reply.body));
      spdlog::warn("{} ({} records)", why, end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        out[items[i]].error = exchange::LocalDeliveryError(why, !transient);
      }
    };
    for (const auto& [begin, end] : kintone::writeBatches(items.size())) send(begin, end);
  }
  return out;
}

void registerKintoneConnector(ConnectorRegistry& registry) {
  registry.add(ConnectorKind{
      .name = std::string(KintoneOptions::kKind),
      .read = readKintone,
      .inbound = [](InputHandler& channel,
                    store::ConnectionPool& pool) -> std::unique_ptr<InboundConnector> {
        return std::make_unique<KintonePoller>(
            channel, channel.options().connector.as<KintoneOptions>(), pool);
      },
      .outbound = [](const ChannelOptions& channel) -> std::unique_ptr<OutboundConnector> {
        return std::make_unique<KintoneWriter>(channel);
      },
  });
}

}  // namespace tsunagi::channels
