#pragma once
// One tsunagi node: its database (configured or the embedded default), schema migrations, and its
// loopback HTTP listener. The exchange, channels and console attach here as they land.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tsunagi {

struct NodeOptions {
  std::string code;                    ///< 6-digit 全国地方公共団体コード
  std::string name;                    ///< e.g. "柏市"
  std::filesystem::path dataDir;       ///< node's data directory (embedded cluster lives below)
  std::optional<std::string> conninfo; ///< absent: the embedded PostgreSQL under dataDir
  std::string listenHost = "127.0.0.1";
  unsigned short listenPort = 0;       ///< 0: any free port
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

  unsigned short port() const;
  std::string healthUrl() const;
  /// Where the database is: "embedded PostgreSQL (socket …)" or the configured host.
  std::string databaseDescription() const;
  const std::string& conninfo() const;
  const NodeOptions& options() const { return options_; }

 private:
  struct Impl;
  NodeOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsunagi
