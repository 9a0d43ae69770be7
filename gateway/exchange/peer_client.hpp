#pragma once
// Sending to one peer: a pooled keep-alive HTTPS connection pinned to the peer's manifest key,
// a fresh RFC 9421 signature per attempt, and a verified receipt.

#include <Poco/Net/Context.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/crypto/keys.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/federation/manifest_store.hpp"

namespace Poco::Net {
class HTTPSClientSession;
}

namespace tsunagi::exchange {

struct SendOutcome {
  enum class Kind { Delivered, Retry, Permanent };
  Kind kind = Kind::Retry;
  std::string reason;      ///< why not delivered (status, problem type, error): logged and audited
  std::string receipt;     ///< the receiver's signed receipt (Delivered)
  std::string chainHead;   ///< the receiver's audit-chain head from the receipt
  std::string receivedAt;
  bool connectionFailed = false;  ///< the peer could not be reached at all
  /// What the peer answered (its problem document): may quote the document, so it is kept with
  /// the message (outbox.last_error) and never logged.
  std::string peerDetail{};
};

class PeerClient {
 public:
  PeerClient(std::string selfCode, std::string peerCode, const federation::ManifestStore& manifests,
             const TlsFiles& tls, crypto::Key nodeKey, HandshakeStats& stats,
             std::chrono::seconds timeout = std::chrono::seconds(15));
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  /// POSTs one envelope. Never throws for network or peer trouble: that is an outcome.
  SendOutcome send(const std::string& messageId, const std::string& envelope);
  const std::string& peer() const { return peer_; }

 private:
  std::string self_;
  std::string peer_;
  const federation::ManifestStore& manifests_;
  crypto::Key nodeKey_;
  Poco::Net::Context::Ptr context_;
  std::chrono::seconds timeout_;
  std::mutex mutex_;
  std::unique_ptr<Poco::Net::HTTPSClientSession> session_;
  std::string sessionEndpoint_;
};

}  // namespace tsunagi::exchange
