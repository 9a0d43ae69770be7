#pragma once
// The inbox's own queue toward the local side: messages committed by the Receiver are handed to a
// LocalSink with the same guarantees as the outbox (claimed with SKIP LOCKED and a lease, retried
// with backoff, dead-lettered after too many attempts, every step in the exchange log). The
// adapters plug their connectors in as sinks; the default writes canonical XML to a folder.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/exchange/delivery.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::exchange {

/// A local hand-over that failed. Permanent failures are dead-lettered at once.
class LocalDeliveryError : public std::runtime_error {
 public:
  LocalDeliveryError(const std::string& message, bool permanent)
      : std::runtime_error(message), permanent_(permanent) {}
  bool permanent() const { return permanent_; }

 private:
  bool permanent_;
};

/// How the hand-over of one message of a batch went: where it went, or why not.
struct LocalOutcome {
  std::string where;
  std::optional<LocalDeliveryError> error;
};

class LocalSink {
 public:
  virtual ~LocalSink() = default;
  /// Hands one received message to the local tool; returns where it went (for the log).
  /// Must be idempotent: after a crash the same message may be handed over again.
  virtual std::string deliver(const store::ClaimedInbound& message) = 0;
  /// Hands over the messages of one claim, one outcome each, in order (a sink that writes several
  /// documents per request batches them here). The default delivers them one by one.
  virtual std::vector<LocalOutcome> deliverAll(const std::vector<store::ClaimedInbound>& messages);
  /// How many messages a claim should take for this sink (0: the retry policy's batch).
  virtual int batchSize() const { return 0; }
};

/// Writes each received document (the canonical XML inside the envelope) to
/// DIR/<sender>_<messageId>.xml, atomically (temporary file, fsync, rename).
class DirectorySink : public LocalSink {
 public:
  explicit DirectorySink(std::filesystem::path directory);
  std::string deliver(const store::ClaimedInbound& message) override;

 private:
  std::filesystem::path directory_;
};

class LocalDelivery {
 public:
  LocalDelivery(store::ConnectionPool& pool, std::shared_ptr<LocalSink> sink, RetryPolicy policy);
  ~LocalDelivery();
  LocalDelivery(const LocalDelivery&) = delete;
  LocalDelivery& operator=(const LocalDelivery&) = delete;

  void start();
  void wake();
  void stop();

 private:
  void run();

  store::ConnectionPool& pool_;
  std::shared_ptr<LocalSink> sink_;
  RetryPolicy policy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  long long generation_ = 0;
  std::thread thread_;
};

}  // namespace tsunagi::exchange
