#include "gateway/exchange/peer_client.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/URI.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "adapters/adapter.hpp"
#include "mapping/json/reader.hpp"
#include "gateway/exchange/envelope.hpp"
#include "gateway/exchange/http_signature.hpp"
#include "gateway/net/http_message.hpp"
#include "mapping/text/strings.hpp"

namespace tsunagi::exchange {

namespace {
constexpr const char* kMessagesPath = "/exchange/v1/messages";
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

// "HTTP 422 urn:tsunagi:problem:document-invalid": the status and the problem type of a refusal,
// for the log and the audit chain. Not the detail: a validation message may quote the document.
std::string refusalReason(int status, const std::string& body) {
  std::string out = "HTTP " + std::to_string(status);
  try {
    const auto type = mapping::json::parseJson(body).root("").string("type");
    const auto urnCharacter = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '.';
    };
    if (type && type->size() <= 100 && std::all_of(type->begin(), type->end(), urnCharacter)) {
      out += " " + *type;
    }
  } catch (const mapping::json::JsonError&) {
    // Not a problem document (a proxy's page): the status says enough.
  }
  return out;
}
}  // namespace

PeerClient::PeerClient(std::string selfCode, std::string peerCode,
                       const federation::ManifestStore& manifests, const TlsFiles& tls,
                       crypto::Key nodeKey, HandshakeStats& stats, std::chrono::seconds timeout)
    : self_(std::move(selfCode)),
      peer_(std::move(peerCode)),
      manifests_(manifests),
      nodeKey_(std::move(nodeKey)),
      timeout_(timeout) {
  // Every handshake with this peer must present the key the manifest in force lists for it.
  const std::string expected = peer_;
  const federation::ManifestStore* store = &manifests_;
  context_ = makeClientContext(
      tls,
      [expected, store](const crypto::Certificate& leaf) -> std::optional<std::string> {
        if (leaf.commonName() != expected) {
          return "wrong-node: expected node " + expected + ", the server is " + leaf.commonName();
        }
        auto manifest = store->current();
        const federation::ManifestNode* node = manifest ? manifest->node(expected) : nullptr;
        if (!node || !node->hasPin(leaf.spkiPin())) {
          return "pin-mismatch: the key of node " + expected + " is not the manifest's";
        }
        return std::nullopt;
      },
      stats);
}

PeerClient::~PeerClient() = default;

SendOutcome PeerClient::send(const std::string& messageId, const std::string& envelope) {
  std::lock_guard lock(mutex_);
  auto manifest = manifests_.current();
  const federation::ManifestNode* node = manifest ? manifest->node(peer_) : nullptr;
  if (!node) {
    return {SendOutcome::Kind::Retry, "node " + peer_ + " is not in the manifest in force", {}, {}, {}, true};
  }
  SendOutcome outcome;
  try {
    Poco::URI endpoint(node->endpoint);
    if (!session_ || sessionEndpoint_ != node->endpoint) {
      session_ = std::make_unique<Poco::Net::HTTPSClientSession>(endpoint.getHost(),
                                                                 endpoint.getPort(), context_);
      session_->setKeepAlive(true);
      session_->setTimeout(Poco::Timespan(timeout_.count(), 0));
      sessionEndpoint_ = node->endpoint;
    }
    std::string base = node->endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    const std::string path = endpoint.getPath().empty() || endpoint.getPath() == "/"
                                 ? std::string(kMessagesPath)
                                 : endpoint.getPath() + kMessagesPath;
    const SignedFields fields{"POST", base + kMessagesPath, "application/xml",
                              contentDigest(envelope)};
    const auto created = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    const SignatureHeaders signature = signRequest(fields, nodeKey_, self_, created);

    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType(fields.contentType);
    request.setContentLength(static_cast<std::streamsize>(envelope.size()));
    request.set("Content-Digest", fields.contentDigest);
    request.set("Signature-Input", signature.signatureInput);
    request.set("Signature", signature.signature);
    request.setKeepAlive(true);
    session_->sendRequest(request) << envelope;

    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    auto answer = net::readBoundedBody(in, kMaxReplyBytes);
    if (!answer) {
      // The rest is unread: this connection cannot carry another request (the catch below drops
      // it), and the message is tried again later.
      throw std::runtime_error("the peer's answer is larger than " +
                               mapping::text::withThousands(kMaxReplyBytes) + " bytes");
    }
    const std::string body = std::move(*answer);
    const int status = response.getStatus();
    if (status == 200 || status == 202) {
      Poco::Net::X509Certificate server = session_->serverCertificate();
      X509* x = const_cast<X509*>(server.certificate());
      X509_up_ref(x);
      crypto::Certificate peerCert(x);
      Receipt receipt = verifyReceipt(body, peerCert.publicKey());
      if (receipt.messageId != messageId || receipt.sender != self_ || receipt.receiver != peer_ ||
          receipt.contentDigest != fields.contentDigest) {
        outcome.reason = "receipt does not match the message sent";
        return outcome;
      }
      outcome.kind = SendOutcome::Kind::Delivered;
      outcome.receipt = body;
      outcome.chainHead = receipt.chainHead;
      outcome.receivedAt = receipt.receivedAt;
      return outcome;
    }
    outcome.reason = refusalReason(status, body);
    outcome.peerDetail = body.substr(0, 400);
    const bool transient = status == 503 || status == 502 || status == 504 || status == 500 ||
                           status == 408 || status == 429;
    outcome.kind = transient ? SendOutcome::Kind::Retry : SendOutcome::Kind::Permanent;
    return outcome;
  } catch (const Poco::Exception& e) {
    session_.reset();  // a broken connection is never reused
    outcome.reason = "connection: " + e.displayText();
    outcome.connectionFailed = true;
  } catch (const std::exception& e) {
    session_.reset();
    outcome.reason = e.what();
  }
  return outcome;
}

}  // namespace tsunagi::exchange
