#pragma once
// The test harness's PostgreSQL: a private cluster per test process (started on first use, torn down
// at exit), or the existing server named by TSUNAGI_TEST_PG (a libpq conninfo of a role that may
// CREATE DATABASE). Each test gets a database of its own.

#include <memory>
#include <string>

namespace tsunagi::testing {

class TestPostgres {
 public:
  static TestPostgres& instance();
  /// Creates a fresh, empty database and returns its name.
  std::string createDatabase();
  void dropDatabase(const std::string& name);
  /// libpq connection string for `database`.
  std::string conninfo(const std::string& database) const;
  /// Stops the private cluster and removes its directory (no-op with TSUNAGI_TEST_PG).
  void shutdown();
  /// The private cluster's base directory, empty when an external server is used.
  std::string clusterDirectory() const;

 private:
  TestPostgres();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A database that exists for the lifetime of this object.
class TestDatabase {
 public:
  TestDatabase() : name_(TestPostgres::instance().createDatabase()) {}
  ~TestDatabase() { TestPostgres::instance().dropDatabase(name_); }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& name() const { return name_; }
  std::string conninfo() const { return TestPostgres::instance().conninfo(name_); }

 private:
  std::string name_;
};

/// A temporary directory (/tmp/tsunagi-test-PID-LABEL-XXXXXX) removed (recursively) with this object; traversable by the account that
/// runs the embedded PostgreSQL when the tests run as root.
class TempDir {
 public:
  explicit TempDir(const std::string& label = "tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tsunagi::testing
