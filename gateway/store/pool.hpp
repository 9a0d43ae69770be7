#pragma once
// A fixed-size pool of PostgreSQL connections shared by the node's threads. A lease returns its
// connection when it goes out of scope; a connection that broke is replaced on the next lease.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, std::size_t size);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  /// Waits up to `timeout` for a free connection (connecting lazily); throws PgError (08xxx) when
  /// none is available or the server cannot be reached.
  Lease lease(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& conninfo() const { return conninfo_; }

 private:
  void giveBack(std::unique_ptr<PgConnection> conn);

  std::string conninfo_;
  std::size_t size_;
  std::size_t leased_ = 0;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
};

/// Runs `body(conn)` in a transaction, retrying (up to 3 times) on serialization failure, deadlock
/// or a lost connection; any other error propagates at once.
template <class Body>
auto withTransaction(ConnectionPool& pool, Body&& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto conn = pool.lease();
      return inTransaction(*conn, [&] { return body(*conn); });
    } catch (const PgError& e) {
      if (!e.retryable() || attempt >= 3) throw;
    }
  }
}

}  // namespace tsunagi::store
