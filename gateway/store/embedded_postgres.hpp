#pragma once
// The embedded default: a private PostgreSQL 15 cluster that a node (or the test harness) owns.
// Unix socket only (no TCP port), trust authentication on a socket directory only its owner can
// enter, stopped with a fast shutdown when this object goes away or its owner dies.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/common/subprocess.hpp"

namespace tsunagi::store {

struct EmbeddedPostgresOptions {
  /// Everything lives below this directory: data/ (PGDATA), run/ (socket), postgres.log.
  std::filesystem::path rootDir;
  std::filesystem::path binDir = "/usr/lib/postgresql/15/bin";
  /// Account that runs initdb and postgres when this process is root (initdb refuses root).
  /// Empty: "postgres" if that account exists, else "nobody". Ignored when not root.
  std::string runAsUser;
  /// Extra server settings passed as `-c key=value`.
  std::vector<std::pair<std::string, std::string>> settings;
  /// initdb without fsync of the new files (for throw-away test clusters only).
  bool fastInit = false;
  std::chrono::seconds startTimeout{60};
  std::chrono::seconds stopTimeout{30};
};

/// Error from the embedded cluster: the message names the directory and quotes the server log.
class EmbeddedPostgresError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EmbeddedPostgres {
 public:
  explicit EmbeddedPostgres(EmbeddedPostgresOptions options);
  ~EmbeddedPostgres();
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  /// initdb on first use, start the server, wait until it accepts connections.
  void start();
  /// Fast shutdown (SIGINT), escalating to immediate (SIGQUIT) and SIGKILL after stopTimeout.
  /// Safe to call twice.
  void stop();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// libpq connection string for `database` on this cluster.
  std::string conninfo(const std::string& database = "postgres") const;
  /// Creates `database` unless it exists. Names are restricted to [a-z0-9_].
  void ensureDatabase(const std::string& database) const;
  /// Drops `database` (terminating its connections) if it exists.
  void dropDatabase(const std::string& database) const;

  const std::filesystem::path& socketDir() const { return socketDir_; }
  const std::filesystem::path& dataDir() const { return dataDir_; }
  const std::filesystem::path& logFile() const { return logFile_; }

  /// Superuser role created by initdb.
  static constexpr const char* kSuperuser = "tsunagi";

 private:
  void prepareDirectories();
  void initdbIfNeeded();
  void waitUntilReady();
  SpawnOptions baseSpawn(std::vector<std::string> argv) const;

  EmbeddedPostgresOptions options_;
  std::optional<RunAs> runAs_;
  std::filesystem::path dataDir_;
  std::filesystem::path socketDir_;
  std::filesystem::path logFile_;
  bool ownsTempSocketDir_ = false;
  pid_t pid_ = -1;
};

/// The conninfo of `database` on the embedded cluster under `rootDir` when its server is running
/// (another process, e.g. the node, owns it): the socket directory comes from postmaster.pid.
std::optional<std::string> runningClusterConninfo(const std::filesystem::path& rootDir,
                                                  const std::string& database);

/// Checks that a database name is safe to splice into CREATE/DROP DATABASE.
bool isPlainDatabaseName(const std::string& name);

}  // namespace tsunagi::store
