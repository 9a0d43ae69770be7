#include "gateway/exchange/delivery.hpp"

#include <spdlog/spdlog.h>

#include <limits>
#include <random>

#include "gateway/store/exchange_store.hpp"

namespace tsunagi::exchange {

std::chrono::milliseconds RetryPolicy::delayAfter(int attempts) const {
  const int exponent = std::clamp(attempts - 1, 0, 30);
  const double raw = static_cast<double>(baseDelay.count()) * static_cast<double>(1LL << std::min(exponent, 30));
  const double capped = std::min(raw, static_cast<double>(maxDelay.count()));
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(capped * jitter(random)));
}

DeliveryWorkers::DeliveryWorkers(std::string selfCode, store::ConnectionPool& pool,
                                 const federation::ManifestStore& manifests, TlsFiles tls,
                                 crypto::Key nodeKey, HandshakeStats& stats, RetryPolicy policy)
    : self_(std::move(selfCode)),
      pool_(pool),
      manifests_(manifests),
      tls_(std::move(tls)),
      nodeKey_(std::move(nodeKey)),
      stats_(stats),
      policy_(policy) {}

DeliveryWorkers::~DeliveryWorkers() { stop(); }

void DeliveryWorkers::startForManifest() {
  auto manifest = manifests_.current();
  if (!manifest) return;
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  for (const auto& node : manifest->nodes) {
    if (node.code == self_ || threads_.count(node.code)) continue;
    threads_.emplace(node.code, std::thread([this, code = node.code] { run(code); }));
  }
}

void DeliveryWorkers::wake() {
  std::lock_guard lock(mutex_);
  ++generation_;
  wake_.notify_all();
}

void DeliveryWorkers::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  for (auto& [peer, thread] : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void DeliveryWorkers::deliverOne(PeerClient& client, store::ClaimedMessage& m, bool& peerDown,
                                 std::chrono::milliseconds& downDelay) {
  auto conn = pool_.lease();
  if (peerDown) {
    store::release(*conn, m, downDelay);
    return;
  }
  if (m.consentReference) {
    if (auto withdrawn = store::consentWithdrawn(*conn, *m.consentReference)) {
      store::markFailed(*conn, m, withdrawn->message(), /*permanent=*/true, policy_.maxAttempts,
                        {});
      return;
    }
  }
  // Recorded before the attempt: a send the gateway dies in is still in the log.
  store::inTransaction(*conn, [&] {
    store::appendEvent(
        *conn, store::NewEvent{store::EventType::Sent, "outbound", m.peer, m.messageId,
                               store::jsonObject({{"attempt", std::to_string(m.attempts)}})});
  });
  const SendOutcome outcome = client.send(m.messageId, m.envelope);
  switch (outcome.kind) {
    case SendOutcome::Kind::Delivered:
      store::markDelivered(*conn, m, outcome.receipt, outcome.chainHead, outcome.receivedAt);
      return;
    case SendOutcome::Kind::Permanent:
      store::markFailed(*conn, m, outcome.reason, true, policy_.maxAttempts, {},
                        outcome.peerDetail);
      spdlog::warn("message {} to {} refused permanently: {}", m.messageId, m.peer,
                   outcome.reason.substr(0, 200));
      return;
    case SendOutcome::Kind::Retry: {
      const auto delay = policy_.delayAfter(m.attempts);
      // An unreachable peer (down for a weekend, say) never dead-letters its queue: the messages
      // wait, visible on /metrics. Only answers from the peer count towards maxAttempts.
      const int limit = outcome.connectionFailed ? std::numeric_limits<int>::max() : policy_.maxAttempts;
      store::markFailed(*conn, m, outcome.reason, false, limit, delay, outcome.peerDetail);
      if (outcome.connectionFailed) {
        peerDown = true;  // the rest of this batch waits with it, without using up attempts
        downDelay = delay;
        spdlog::info("peer {} unreachable; retrying in {} ms", m.peer, delay.count());
      }
      return;
    }
  }
}

void DeliveryWorkers::run(const std::string& peer) {
  std::unique_ptr<PeerClient> client;
  while (!stopping_) {
    long long seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    std::vector<store::ClaimedMessage> claimed;
    try {
      if (!client) {
        client = std::make_unique<PeerClient>(self_, peer, manifests_, tls_, nodeKey_, stats_);
      }
      auto conn = pool_.lease();
      claimed = store::claimDue(*conn, peer, policy_.batch, policy_.lease);
    } catch (const std::exception& e) {
      spdlog::error("delivery to {}: {}", peer, e.what());
    }
    bool peerDown = false;
    std::chrono::milliseconds downDelay{0};
    for (auto& m : claimed) {
      if (stopping_) break;  // unfinished claims come back when their lease runs out
      try {
        deliverOne(*client, m, peerDown, downDelay);
      } catch (const std::exception& e) {
        spdlog::error("delivery of {} to {}: {}", m.messageId, peer, e.what());
      }
    }
    if (!claimed.empty() && !peerDown) continue;  // more may be due
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, policy_.idlePoll, [&] { return stopping_ || generation_ != seen; });
  }
}

}  // namespace tsunagi::exchange
