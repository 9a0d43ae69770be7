#pragma once
// One tsunagi node: starts and stops its parts and wires them — the database (configured or the
// embedded default) with its migrations and identity, the audit checkpointer and ATNA sink, the
// exchange, the channels, the local listener (its API: node/local_api.*) and the console.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "adapters/registry.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/exchange/exchange_service.hpp"
#include "gateway/net/listener.hpp"

namespace tsunagi {

/// A registry of the adapters shipped with tsunagi (registerBuiltinAdapters), made afresh at each
/// call (no registry lives in a static): the caller keeps it while it creates adapters.
std::shared_ptr<const adapters::AdapterRegistry> builtinAdapters();

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
  /// The peer listener's deadlines, connection caps and workers.
  net::ListenerLimits limits;
};

/// The optional ATNA sink: each audit event also as a DICOM PS3.15 A.5 audit message over syslog
/// (RFC 5424) on TLS (RFC 5425) to a collector, spooled on disk while it is down.
struct NodeAtnaOptions {
  std::string host;
  unsigned short port = 6514;
  std::filesystem::path caFile;           ///< trust anchor for the collector's certificate
  std::filesystem::path certificateFile;  ///< client certificate (default: the node's)
  std::filesystem::path keyFile;          ///< client key (default: the node's)
  std::filesystem::path spoolDirectory;   ///< default: <dataDir>/atna-spool
};

/// The audit log's checkpoints, retention and ATNA sink (docs/operations.md "Audit log").
struct NodeAuditOptions {
  std::chrono::seconds checkpointInterval{600};
  int retentionMonths = 60;  ///< archive files older than this are deleted by `audit archive`
  int onlineMonths = 12;     ///< `audit archive` archives closed months older than this
  std::filesystem::path archiveDirectory;  ///< empty: <dataDir>/audit-archive
  std::optional<NodeAtnaOptions> atna;
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
  int throttleFailures = 5;              ///< failed logins from one address before it waits
  std::chrono::seconds throttleWait{2};  ///< its first wait, doubled after each further failure
  std::chrono::seconds throttleMaxWait{900};  ///< the longest wait
  std::chrono::minutes throttleForget{60};    ///< a quiet address starts over after this
  net::ListenerLimits limits;                 ///< deadlines, connection caps, workers
};

/// The local listener (plain HTTP for the city's own tools).
struct NodeLocalOptions {
  net::ListenerLimits limits = [] {
    net::ListenerLimits l;
    l.workers = 16;
    return l;
  }();
  /// Further Host header values accepted besides the listener's own address:port (exact match).
  std::vector<std::string> allowedHosts;
  /// Origin header values accepted (none by default: a request with an Origin is refused).
  std::vector<std::string> allowedOrigins;
};

struct NodeOptions {
  std::string code;                    ///< 6-digit 全国地方公共団体コード
  std::string name;                    ///< e.g. "柏市"
  std::filesystem::path dataDir;       ///< node's data directory (embedded cluster lives below)
  std::optional<std::string> conninfo; ///< absent: the embedded PostgreSQL under dataDir
  std::size_t poolSize = 8;
  std::string listenHost = "127.0.0.1";  ///< the local listener (local tools, health)
  unsigned short listenPort = 0;         ///< 0: any free port
  NodeLocalOptions local;
  std::optional<NodeExchangeOptions> exchange;
  /// The local tools' channels (need `exchange`). With no outbound channel, received documents go
  /// to NodeExchangeOptions::inboxDirectory as canonical XML.
  std::vector<channels::ChannelOptions> channels;
  /// Where channel adapters come from (null: the built-in adapters).
  std::shared_ptr<const adapters::AdapterRegistry> adapters;
  NodeAuditOptions audit;
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
  /// The bound port of MLLP channel `name` (0 when there is none).
  unsigned short mllpPort(const std::string& name) const;
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
