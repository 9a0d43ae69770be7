#pragma once
// One tsunagi node: its database (configured or the embedded default), schema migrations, and its
// loopback HTTP listener. The exchange, channels and console attach here as they land.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "gateway/exchange/exchange_service.hpp"

namespace tsunagi {

/// The node-to-node exchange part of a node (absent: the node runs without peers).
struct NodeExchangeOptions {
  exchange::TlsFiles tls;
  std::filesystem::path manifestFile;    ///< its signature is manifestFile + ".sig"
  std::filesystem::path manifestSigner;  ///< the coordinator's certificate
  std::string peerHost = "127.0.0.1";
  unsigned short peerPort = 0;
  exchange::RetryPolicy retry;
  std::chrono::seconds acceptPast{300};
  std::chrono::seconds acceptFuture{60};
  /// Where received documents are handed to the local side (empty: <dataDir>/inbox).
  std::filesystem::path inboxDirectory;
};

/// The coordinators' console: its own HTTPS listener (gateway/console/).
struct NodeConsoleOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;               ///< 0: any free port
  std::filesystem::path certificateFile; ///< server certificate (PEM) browsers are shown
  std::filesystem::path keyFile;
  std::chrono::minutes sessionIdle{30};  ///< a session unused this long ends
  std::chrono::hours sessionMax{12};     ///< and none lives longer
  int lockoutAttempts = 5;               ///< consecutive failed logins that lock an account
  std::chrono::minutes lockout{15};      ///< for this long
};

struct NodeOptions {
  std::string code;                    ///< 6-digit 全国地方公共団体コード
  std::string name;                    ///< e.g. "柏市"
  std::filesystem::path dataDir;       ///< node's data directory (embedded cluster lives below)
  std::optional<std::string> conninfo; ///< absent: the embedded PostgreSQL under dataDir
  std::size_t poolSize = 8;
  std::string listenHost = "127.0.0.1";  ///< the local listener (local tools, health)
  unsigned short listenPort = 0;         ///< 0: any free port
  std::optional<NodeExchangeOptions> exchange;
  std::optional<NodeConsoleOptions> console;
  std::string logFormat = "auto";
  std::string logLevel = "info";
};

class Node {
 public:
  explicit Node(NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Starts the database (embedded default when none is configured), migrates it, checks that it
  /// belongs to this node, and starts listening. Throws with an operator-readable message.
  void start();
  /// Stops listening, then stops the embedded database. Safe to call twice.
  void stop();

  /// SIGHUP: reloads the manifest (the last good one stays if the new one is refused) and the
  /// CRL. Returns a one-line summary for the log.
  std::string reload();
  /// Timer path: reloads the manifest if its files changed, and warns as its expiry nears.
  void checkManifest();

  unsigned short port() const;
  /// The peer listener's port (0 without exchange).
  unsigned short peerPort() const;
  /// The console's port (0 without console).
  unsigned short consolePort() const;
  /// The exchange, when configured (tests and the demo submit through it).
  exchange::ExchangeService* exchange();
  store::ConnectionPool* pool();
  std::string healthUrl() const;
  /// Where the database is: "embedded PostgreSQL (socket …)" or the configured host.
  std::string databaseDescription() const;
  const std::string& conninfo() const;
  const NodeOptions& options() const { return options_; }

 private:
  void startConsole();
  struct Impl;
  NodeOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsunagi
