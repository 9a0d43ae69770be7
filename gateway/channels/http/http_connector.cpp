#include "gateway/channels/http/http_connector.hpp"

#include "gateway/channels/http/http_endpoint.hpp"
#include "gateway/channels/http/webhook.hpp"

namespace tsunagi::channels {

namespace {

// <http>: nothing for an inbound channel (the local listener serves it); an outbound channel's
// webhook, and for an https one an optional trust anchor.
ConnectorOptions readHttp(ConnectorElement& e) {
  HttpOptions h;
  h.webhook = e.attribute("webhook").value_or("");
  h.timeout = std::chrono::seconds(e.integer("timeoutSeconds", 30));
  h.maxBytes = static_cast<std::size_t>(e.integer("maxBytes", 16 * 1024 * 1024));
  if (e.inbound() && !h.webhook.empty()) {
    e.fail("webhook", "an inbound HTTP channel is POSTed to at /local/v1/channels/" +
                          e.channel().name + "; webhook is for outbound channels");
  }
  if (!e.inbound() && h.webhook.empty()) e.fail("webhook", "an outbound HTTP channel needs webhook");
  if (e.attribute("caCertificate")) {
    if (h.webhook.rfind("https://", 0) != 0) {
      h.caCertificate = e.readableFile("caCertificate");
      e.fail("caCertificate", "caCertificate is for an https:// webhook");
    } else {
      h.caCertificate = e.certificateFile("caCertificate");
    }
  }
  return h;
}

}  // namespace

void registerHttpConnector(ConnectorRegistry& registry) {
  registry.add(ConnectorKind{
      .name = std::string(HttpOptions::kKind),
      .read = readHttp,
      .inbound =
          [](InputHandler& channel, store::ConnectionPool&) -> std::unique_ptr<InboundConnector> {
        return std::make_unique<HttpEndpoint>(channel);
      },
      .outbound = [](const ChannelOptions& channel) -> std::unique_ptr<OutboundConnector> {
        return std::make_unique<WebhookSender>(channel);
      },
  });
}

}  // namespace tsunagi::channels
