#pragma once
// The peer listener: HTTPS with required, pinned client certificates (tls.hpp), routing
// /exchange/v1/messages and /exchange/v1/health to the Receiver. Bodies are bounded: a request
// without Content-Length gets 411, one over the limit 413 without its body being read.

#include <Poco/Net/Context.h>
#include <Poco/ThreadPool.h>

#include <memory>
#include <string>

#include "gateway/exchange/receiver.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace tsunagi::exchange {

class PeerServer {
 public:
  /// Binds host:port (0 = any free port) at once; start() begins accepting.
  PeerServer(Receiver& receiver, Poco::Net::Context::Ptr context, const std::string& host,
             unsigned short port, std::size_t maxBodyBytes, int threads = 8);
  ~PeerServer();
  PeerServer(const PeerServer&) = delete;
  PeerServer& operator=(const PeerServer&) = delete;

  void start();
  /// Stops accepting and waits (bounded) for requests in flight.
  void stop();
  unsigned short port() const { return port_; }

 private:
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  unsigned short port_ = 0;
};

}  // namespace tsunagi::exchange
