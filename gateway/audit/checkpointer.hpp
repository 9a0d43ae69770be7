#pragma once
// The node's audit housekeeping thread: at each interval it makes the coming months' partitions
// and signs a checkpoint of the chain head; stop() signs a last one (shutdown).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "gateway/audit/audit_archive.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::audit {

class Checkpointer {
 public:
  /// Without a signer (a node with no exchange has no node key) only partitions are kept.
  Checkpointer(store::ConnectionPool& pool, std::optional<NodeSigner> signer,
               std::chrono::seconds interval);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  void start();
  /// Stops the thread, then signs the final checkpoint. Safe to call twice.
  void stop();
  /// One round now (partitions, checkpoint); false when the database could not be reached.
  bool runOnce();

 private:
  void run();

  store::ConnectionPool& pool_;
  std::optional<NodeSigner> signer_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tsunagi::audit
