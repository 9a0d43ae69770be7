#pragma once
// One front door for every listener of a node (peer, local, console, MLLP).
//
// A single event-loop thread accepts connections, enforces the connection caps, runs the TLS
// handshake without blocking, and reads each request until it is complete; only then is the
// connection handed to a worker thread, which answers it and gives the connection back to the
// loop (keep-alive) or closes it. A client that connects and says nothing, sends its headers one
// byte at a time, or never finishes its handshake therefore holds a file descriptor and a few
// bytes of memory, never a worker: the workers serve complete requests only. Every phase has a
// deadline (handshake, request head, body, keep-alive idle) and every connection closed by a
// limit is counted per reason and logged (rate-limited, with the client's address).
//
// The protocol on top (HTTP/1.1 in http_server.*, MLLP in channels/mllp.*) is a Session: it
// consumes bytes in the loop and says when a request is complete, then serves it in a worker.

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/crypto/keys.hpp"

namespace tsunagi::net {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

/// What a listener tolerates. Defaults suit the peer and console listeners; the node
/// configuration may change each (docs/operations.md "Listener limits").
struct ListenerLimits {
  Millis handshake{5000};  ///< TLS handshake, from accept
  Millis head{5000};       ///< a request's head (HTTP) or an MLLP frame, from its first byte
  Millis body{30000};      ///< the body, from the end of the head
  Millis idle{30000};      ///< keep-alive: waiting for the next request
  Millis write{10000};     ///< writing one answer
  std::size_t maxConnections = 512;           ///< in total
  std::size_t maxConnectionsPerAddress = 32;  ///< from one client address
  int workers = 8;                            ///< threads serving complete requests
};

/// Why the listener closed a connection (the metric's `reason` label).
namespace closed {
inline constexpr const char* kPerAddressLimit = "per-address-limit";
inline constexpr const char* kConnectionLimit = "connection-limit";
inline constexpr const char* kHandshakeTimeout = "handshake-timeout";
inline constexpr const char* kHandshakeFailed = "handshake-failed";
inline constexpr const char* kHeadTimeout = "head-timeout";
inline constexpr const char* kBodyTimeout = "body-timeout";
inline constexpr const char* kIdleTimeout = "idle-timeout";
inline constexpr const char* kWriteTimeout = "write-timeout";
inline constexpr const char* kProtocolError = "protocol-error";
}  // namespace closed

/// Connections closed by a limit, and refused TLS handshakes, per reason; thread-safe.
class ListenerStats {
 public:
  void closed(const std::string& reason);
  void handshakeFailed(const std::string& reason);
  std::map<std::string, long long> closedByReason() const;
  std::map<std::string, long long> handshakeFailuresByReason() const;
  long long closedCount(const std::string& reason) const;
  /// Connections open right now.
  long long open() const;
  void opened(int delta);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, long long> closed_;
  std::map<std::string, long long> handshakes_;
  long long open_ = 0;
};

/// The connection as a session sees it in a worker.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Writes all of `bytes` within the write deadline; false if the client is gone or too slow.
  virtual bool write(std::string_view bytes) = 0;
  virtual const std::string& clientAddress() const = 0;
  /// The client's certificate (TLS with client certificates), or nullopt.
  virtual std::optional<crypto::Certificate> peerCertificate() const = 0;
};

/// The phase a session is in, which picks the deadline the loop applies.
enum class Phase {
  Idle,  ///< between requests (nothing of the next one received)
  Head,  ///< a request has begun (or a new HTTP connection waits for its first)
  Body,  ///< the head is complete, the body is not
};

class Session {
 public:
  virtual ~Session() = default;
  /// In the loop: `buffer` holds what has arrived and not been consumed. True when a request (or
  /// an error answer) is ready to be served by a worker.
  virtual bool ready(std::string& buffer) = 0;
  virtual Phase phase() const = 0;
  /// In a worker: answers what is ready (consuming it from `buffer`). False: close the connection.
  virtual bool serve(std::string& buffer, Connection& connection) = 0;
};

struct ListenerOptions {
  std::string name;  ///< "peer", "local", "console", "mllp:NAME" — in logs and metrics
  std::string host = "127.0.0.1";
  unsigned short port = 0;  ///< 0: any free port
  int backlog = 128;
  ListenerLimits limits;
  /// TLS server context (null: plain TCP). The listener makes one SSL per connection from it.
  SSL_CTX* tls = nullptr;
  /// Made once per connection, in the loop thread.
  std::function<std::unique_ptr<Session>()> sessions;
  /// Called for each refused TLS handshake with its reason (for the node's handshake counters).
  std::function<void(const std::string& reason)> onHandshakeFailure;
};

class Listener {
 public:
  /// Binds at once (SO_REUSEADDR, never SO_REUSEPORT); throws std::runtime_error naming the
  /// address. start() begins accepting.
  explicit Listener(ListenerOptions options);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void start();
  /// Stops accepting, closes waiting connections, lets requests in service finish. Idempotent.
  void stop();
  unsigned short port() const;
  const std::string& name() const;
  const ListenerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsunagi::net
