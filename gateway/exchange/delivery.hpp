#pragma once
// Delivery workers: one thread per peer, so a dead peer only ever delays its own queue. Each claims
// due outbox rows (SKIP LOCKED + lease, so several gateway processes share one database without
// sending a message twice at once), sends, and records the receipt or schedules a retry with
// capped exponential backoff and jitter; permanent refusals and exhausted attempts go to the
// dead-letter state.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/exchange/peer_client.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::exchange {

struct RetryPolicy {
  /// Attempts the peer answered (5xx, 408, 429, a bad receipt) before a message is dead-lettered.
  /// Connection failures do not count: a message waits for an unreachable peer.
  int maxAttempts = 12;
  std::chrono::milliseconds baseDelay{1000};
  std::chrono::milliseconds maxDelay{std::chrono::minutes(10)};
  std::chrono::seconds lease{120};  ///< a claim not finished by then is retried elsewhere
  int batch = 8;
  std::chrono::milliseconds idlePoll{500};

  /// Delay before attempt `attempts + 1`: base·2^(attempts−1) capped at maxDelay, then "equal
  /// jitter" (half fixed, half random) so that many senders do not retry in step.
  std::chrono::milliseconds delayAfter(int attempts) const;
};

class DeliveryWorkers {
 public:
  DeliveryWorkers(std::string selfCode, store::ConnectionPool& pool,
                  const federation::ManifestStore& manifests, TlsFiles tls, crypto::Key nodeKey,
                  HandshakeStats& stats, RetryPolicy policy);
  ~DeliveryWorkers();
  DeliveryWorkers(const DeliveryWorkers&) = delete;
  DeliveryWorkers& operator=(const DeliveryWorkers&) = delete;

  /// Starts a worker for every peer of the manifest in force that has none yet (call again after
  /// a manifest reload).
  void startForManifest();
  /// Wakes the workers (new messages were committed).
  void wake();
  /// Finishes the sends in flight and stops.
  void stop();

 private:
  void run(const std::string& peer);
  void deliverOne(PeerClient& client, store::ClaimedMessage& message, bool& peerDown,
                  std::chrono::milliseconds& downDelay);

  std::string self_;
  store::ConnectionPool& pool_;
  const federation::ManifestStore& manifests_;
  TlsFiles tls_;
  crypto::Key nodeKey_;
  HandshakeStats& stats_;
  RetryPolicy policy_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  long long generation_ = 0;
  std::map<std::string, std::thread> threads_;
};

}  // namespace tsunagi::exchange
