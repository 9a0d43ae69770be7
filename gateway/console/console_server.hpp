#pragma once
// The console's own HTTPS listener (separate from the loopback local listener and the mutual-TLS
// peer listener): server certificate only, TLS 1.2 or later, for browsers.

#include <filesystem>
#include <memory>
#include <string>

#include "gateway/console/console_app.hpp"
#include "gateway/net/listener.hpp"

namespace tsunagi::console {

struct ConsoleListenerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  ///< 0: any free port
  std::filesystem::path certificateFile;
  std::filesystem::path keyFile;
  /// Deadlines, connection caps and workers (docs/operations.md "Listener limits").
  net::ListenerLimits limits;
};

class ConsoleServer {
 public:
  ConsoleServer(ConsoleListenerOptions listener, ConsoleContext context, ConsoleSettings settings);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  /// Binds and starts serving; throws with the file or address at fault.
  void start();
  void stop();
  unsigned short port() const;
  std::string url() const;
  /// Connections closed by the listener's limits and refused handshakes (null before start).
  const net::ListenerStats* listenerStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsunagi::console
