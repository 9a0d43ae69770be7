#pragma once
// The receiving side of POST /exchange/v1/messages: the checks in the protocol's order, the
// idempotent commit to the inbox, and the signed receipt. Transport-independent (the HTTPS
// handler in peer_server.cpp feeds it), so each rule is testable on its own.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/crypto/keys.hpp"
#include "gateway/exchange/problem.hpp"
#include "gateway/federation/manifest_store.hpp"
#include "gateway/net/http_message.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::exchange {

struct ReceiverSettings {
  std::string nodeCode;
  std::size_t maxBodyBytes = 16 * 1024 * 1024 + 64 * 1024;
  std::chrono::seconds acceptPast{300};   ///< signature `created` may be this old
  std::chrono::seconds acceptFuture{60};  ///< … or this far ahead (clock skew)
  std::chrono::seconds retryAfter{30};    ///< advertised with 503
};

struct IncomingRequest {
  std::string method;
  std::string path;  ///< request target as received, e.g. /exchange/v1/messages
  std::string contentType;
  std::string contentDigest;
  std::string signatureInput;
  std::string signature;
  std::string body;
  std::optional<crypto::Certificate> peer;  ///< the TLS client certificate (already pinned)
};

class Receiver {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  Receiver(ReceiverSettings settings, store::ConnectionPool& pool,
           const federation::ManifestStore& manifests, crypto::Key nodeKey, Clock clock = {});
  Receiver& operator=(Receiver&&) = delete;

  /// POST /exchange/v1/messages.
  net::HttpResponse receiveMessage(const IncomingRequest& request);
  /// GET /exchange/v1/health.
  net::HttpResponse health();

  std::size_t maxBodyBytes() const { return settings_.maxBodyBytes; }
  /// The target URI senders sign for this node: its manifest endpoint + path.
  std::string targetUri(const std::string& path) const;

 private:
  net::HttpResponse refuse(const Problem& problem, const std::optional<std::string>& peer,
                           const std::optional<std::string>& messageId,
                           const std::optional<std::string>& logDetail = {});

  ReceiverSettings settings_;
  store::ConnectionPool& pool_;
  const federation::ManifestStore& manifests_;
  crypto::Key nodeKey_;
  Clock clock_;
};

}  // namespace tsunagi::exchange
