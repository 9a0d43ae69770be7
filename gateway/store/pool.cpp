#include "gateway/store/pool.hpp"

namespace tsunagi::store {

ConnectionPool::ConnectionPool(std::string conninfo, std::size_t size)
    : conninfo_(std::move(conninfo)), size_(size == 0 ? 1 : size) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->giveBack(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::lease(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!available_.wait_for(lock, timeout, [&] { return !idle_.empty() || leased_ < size_; })) {
    throw PgError("no database connection free within " + std::to_string(timeout.count()) + " ms",
                  "08004");
  }
  std::unique_ptr<PgConnection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  ++leased_;
  lock.unlock();
  try {
    if (!conn || !conn->healthy()) conn = std::make_unique<PgConnection>(conninfo_);
  } catch (...) {
    lock.lock();
    --leased_;
    available_.notify_one();
    throw;
  }
  return Lease(this, std::move(conn));
}

void ConnectionPool::giveBack(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mutex_);
  --leased_;
  // A connection left inside a failed transaction or broken is dropped, not reused.
  if (conn->healthy() && conn->idle()) idle_.push_back(std::move(conn));
  available_.notify_one();
}

}  // namespace tsunagi::store
