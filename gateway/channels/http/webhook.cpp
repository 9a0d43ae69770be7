#include "gateway/channels/http/webhook.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/URI.h>

#include <filesystem>
#include <memory>

#include "gateway/exchange/tls.hpp"
#include "gateway/net/http_message.hpp"

namespace tsunagi::channels {

namespace {

// What is read of a webhook's answer (its status is what counts).
constexpr std::size_t kMaxWebhookAnswerBytes = 64 * 1024;

std::string contentTypeFor(const std::string& suggestedName) {
  const std::string ext = std::filesystem::path(suggestedName).extension().string();
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".xml") return "application/xml";
  if (ext == ".csv") return "text/csv";
  if (ext == ".hl7") return "x-application/hl7-v2+er7";
  return "application/octet-stream";
}

}  // namespace

WebhookReply postWebhook(const std::string& url, const std::string& body,
                         const std::string& contentType,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::chrono::seconds timeout, const Poco::Net::Context::Ptr& tls) {
  WebhookReply reply;
  try {
    const Poco::URI uri(url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      if (!tls) {
        reply.error = "no TLS client context for an https webhook";
        return reply;
      }
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(timeout.count(), 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    for (const auto& [name, value] : headers) request.set(name, value);
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    // A larger answer is left unread: the session is this call's only.
    (void)net::readBoundedBody(in, kMaxWebhookAnswerBytes);
    reply.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
  }
  return reply;
}

WebhookSender::WebhookSender(const ChannelOptions& channel)
    : channel_(channel.name),
      adapter_(channel.adapter),
      options_(channel.connector.as<HttpOptions>()) {
  const Poco::URI uri(options_.webhook);
  if (uri.getScheme() != "https") return;
  exchange::ClientTlsOptions tls;
  tls.host = uri.getHost();
  if (!options_.caCertificate.empty()) tls.caFiles.push_back(options_.caCertificate);
  try {
    tls_ = exchange::makeTlsClientContext(tls);
  } catch (const crypto::CryptoError& e) {
    throw std::runtime_error("channel " + channel_ + ": webhook TLS: " + e.what());
  }
}

std::string WebhookSender::deliverOne(const OutboundDocument& document) {
  const store::ClaimedInbound& message = *document.message;
  const adapters::Encoded& encoded = document.encoded;
  if (!encoded.extraFiles.empty()) {
    throw exchange::LocalDeliveryError(
        "channel " + channel_ + ": " + adapter_ + " writes " +
            std::to_string(1 + encoded.extraFiles.size()) +
            " files per document; a webhook takes one body: use a directory channel",
        true);
  }
  const WebhookReply reply = postWebhook(
      options_.webhook, encoded.bytes, contentTypeFor(encoded.suggestedName),
      {{"Idempotency-Key", message.sender + "_" + message.messageId + "_" + channel_},
       {"X-Tsunagi-Sender", message.sender},
       {"X-Tsunagi-Message-Id", message.messageId},
       {"X-Tsunagi-Document-Type", document.documentType},
       {"X-Tsunagi-File-Name", outboundFileName(message, encoded.suggestedName)}},
      options_.timeout, tls_);
  if (reply.status >= 200 && reply.status < 300) return options_.webhook;
  const std::string where = "channel " + channel_ + ": webhook " + options_.webhook;
  if (reply.status == 0)
    throw exchange::LocalDeliveryError(where + " unreachable: " + reply.error, false);
  const bool transient = reply.status == 408 || reply.status == 429 || reply.status >= 500;
  throw exchange::LocalDeliveryError(where + " answered " + std::to_string(reply.status),
                                     !transient);
}

}  // namespace tsunagi::channels
