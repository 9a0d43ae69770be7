#pragma once
// The test harness's PostgreSQL. Each test gets a database of its own, on
//   - the server named by TSUNAGI_TEST_PG (a libpq conninfo of a role that may CREATE DATABASE), or
//   - the cluster a ctest run shares between its test processes (tests/support/test_run.hpp), or
//   - a private cluster of this process, started on first use and torn down at exit.
// The clusters the harness starts are throw-away: they run without fsync (startTestCluster).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace tsunagi::store {
class EmbeddedPostgres;
}

namespace tsunagi::testing {

/// What a new test database holds.
enum class Schema {
  Empty,     ///< nothing: for tests of the migrations themselves and of the database layer
  Migrated,  ///< the node schema (store::migrate), copied from a template database
};

class TestPostgres {
 public:
  static TestPostgres& instance();
  /// Creates a fresh database and returns its name. Schema::Migrated copies a template database
  /// that the first such call on a server migrates (once per server, schema and month; concurrent
  /// processes wait for each other).
  std::string createDatabase(Schema schema);
  /// Keeps the database's audit chain for privacy_scan, then drops it.
  void dropDatabase(const std::string& name);
  /// libpq connection string for `database`.
  std::string conninfo(const std::string& database) const;
  /// After the last test: keeps the audit chains of the databases this process left and, for a
  /// private cluster, stops it (keeping its server log) and removes its directory.
  void shutdown();
  /// The private cluster's base directory, empty when it is shared or external.
  std::string clusterDirectory() const;

 private:
  TestPostgres();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A database that exists for the lifetime of this object: the node schema unless
/// Schema::Empty is asked for.
class TestDatabase {
 public:
  explicit TestDatabase(Schema schema = Schema::Migrated)
      : name_(TestPostgres::instance().createDatabase(schema)) {}
  ~TestDatabase() { TestPostgres::instance().dropDatabase(name_); }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& name() const { return name_; }
  std::string conninfo() const { return TestPostgres::instance().conninfo(name_); }

 private:
  std::string name_;
};

/// Starts a throw-away PostgreSQL 15 cluster below `rootDir` (created, traversable by the account
/// that runs it when we are root) with the harness's settings: no fsync, no synchronous commit,
/// no full-page writes, a small WAL — a crash may lose it, and nothing in it outlives the run.
std::unique_ptr<store::EmbeddedPostgres> startTestCluster(const std::filesystem::path& rootDir);

/// Keeps the audit chain (test_logs.hpp) of every database on the server `adminConninfo` reaches
/// whose name starts with `prefix`, then drops them when `drop`; never throws.
void keepAuditChainsOfDatabases(const std::string& adminConninfo,
                                const std::function<std::string(const std::string&)>& conninfoOf,
                                const std::string& prefix, bool drop) noexcept;

/// A temporary directory (PARENT/tsunagi-test-PID-LABEL-XXXXXX, PARENT /tmp unless given)
/// removed (recursively) with this object; traversable by the account that runs the embedded
/// PostgreSQL when the tests run as root. Directories of earlier processes that are gone are
/// removed by removeStaleTempDirs().
class TempDir {
 public:
  explicit TempDir(const std::string& label = "tmp", const std::filesystem::path& parent = {});
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Where the harness puts its clusters: /dev/shm when it is a tmpfs with 2 GiB free (a database
/// is made there in about 15 ms instead of hundreds on a much-used ext4 /tmp), else /tmp.
std::filesystem::path clusterParentDirectory();

/// Removes the TempDirs whose process is gone (a crashed or killed earlier run), in /tmp and in
/// clusterParentDirectory().
void removeStaleTempDirs();
void removeStaleTempDirsIn(const std::filesystem::path& parent);

}  // namespace tsunagi::testing
