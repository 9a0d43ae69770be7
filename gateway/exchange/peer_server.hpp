#pragma once
// The peer listener: HTTPS with required, pinned client certificates (tls.hpp), routing
// /exchange/v1/messages and /exchange/v1/health to the Receiver, on the node's front door
// (net/listener.hpp): handshake, head and body deadlines, connection caps per address and in
// total, and workers that only ever see complete requests. Bodies are bounded: a request without
// Content-Length gets 411, one over the limit 413 without its body being read.

#include <Poco/Net/Context.h>

#include <functional>
#include <memory>
#include <string>

#include "gateway/exchange/receiver.hpp"
#include "gateway/net/listener.hpp"

namespace tsunagi::exchange {

class PeerServer {
 public:
  /// Binds host:port (0 = any free port) at once; start() begins accepting. Refused handshakes
  /// are reported to `onHandshakeFailure` with their reason, requests refused before the
  /// Receiver saw them (malformed HTTP, over the limit) to `onRefused`.
  PeerServer(Receiver& receiver, Poco::Net::Context::Ptr context, const std::string& host,
             unsigned short port, std::size_t maxBodyBytes, net::ListenerLimits limits,
             std::function<void(const std::string&)> onHandshakeFailure,
             std::function<void(int status, const std::string& code, const std::string& client)>
                 onRefused = {});
  ~PeerServer();
  PeerServer(const PeerServer&) = delete;
  PeerServer& operator=(const PeerServer&) = delete;

  void start();
  /// Stops accepting and waits (bounded) for requests in flight.
  void stop();
  unsigned short port() const { return listener_->port(); }
  const net::ListenerStats& stats() const { return listener_->stats(); }

 private:
  Poco::Net::Context::Ptr context_;  ///< owns the SSL_CTX the listener uses
  std::unique_ptr<net::Listener> listener_;
};

}  // namespace tsunagi::exchange
