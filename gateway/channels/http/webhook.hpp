#pragma once
// The outbound side of the HTTP connector: each document POSTed to the channel's webhook, with
// an Idempotency-Key fixed by the message and channel. 2xx delivered; no answer, 408, 429 and 5xx
// retried by LocalDelivery's policy; other 4xx dead-lettered.

#include <Poco/Net/Context.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/http/http_options.hpp"

namespace tsunagi::channels {

/// What a webhook answered.
struct WebhookReply {
  int status = 0;     ///< 0: no HTTP answer (connection refused, timeout)
  std::string error;  ///< why there was no answer
};

/// POSTs `body` to `url` (http or https), with `headers`. An https URL goes over `tls`, the
/// channel's client context (exchange::makeTlsClientContext, made once with the channel): no
/// context is made here. Never throws.
WebhookReply postWebhook(const std::string& url, const std::string& body,
                         const std::string& contentType,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::chrono::seconds timeout, const Poco::Net::Context::Ptr& tls);

class WebhookSender : public EachDocumentConnector {
 public:
  /// An https webhook gets its TLS client context here, once (the channel's trust anchor or the
  /// system's, the host name checked). Throws std::runtime_error when the anchor cannot be loaded.
  explicit WebhookSender(const ChannelOptions& channel);

  /// The client context every POST of an https webhook uses, or null (http).
  const Poco::Net::Context::Ptr& tlsContext() const { return tls_; }

 protected:
  std::string deliverOne(const OutboundDocument& document) override;

 private:
  std::string channel_;
  std::string adapter_;
  HttpOptions options_;
  Poco::Net::Context::Ptr tls_;
};

}  // namespace tsunagi::channels
