#include "gateway/exchange/local_delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/common/atomic_file.hpp"
#include "gateway/exchange/envelope.hpp"

namespace tsunagi::exchange {


DirectorySink::DirectorySink(std::filesystem::path directory) : directory_(std::move(directory)) {
  std::filesystem::create_directories(directory_);
}

std::string DirectorySink::deliver(const store::ClaimedInbound& message) {
  Envelope envelope;
  try {
    envelope = parseEnvelope(message.envelope);
  } catch (const mapping::DocumentError& e) {
    // It was valid when received; a schema change since then is not retried.
    throw LocalDeliveryError("stored envelope no longer parses at " + mapping::redacted(e.issues()),
                             true);
  }
  const auto target = directory_ / (message.sender + "_" + message.messageId + ".xml");
  try {
    writeFileAtomically(target, mapping::serialize(envelope.document));
  } catch (const FileWriteError& e) {
    throw LocalDeliveryError(e.what(), false);
  }
  return target.string();
}

std::vector<LocalOutcome> LocalSink::deliverAll(
    const std::vector<store::ClaimedInbound>& messages) {
  std::vector<LocalOutcome> out;
  for (const auto& m : messages) {
    try {
      out.push_back(LocalOutcome{deliver(m), std::nullopt});
    } catch (const LocalDeliveryError& e) {
      out.push_back(LocalOutcome{"", e});
    }
  }
  return out;
}

LocalDelivery::LocalDelivery(store::ConnectionPool& pool, std::shared_ptr<LocalSink> sink,
                             RetryPolicy policy)
    : pool_(pool), sink_(std::move(sink)), policy_(policy) {}

LocalDelivery::~LocalDelivery() { stop(); }

void LocalDelivery::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void LocalDelivery::wake() {
  std::lock_guard lock(mutex_);
  ++generation_;
  wake_.notify_all();
}

void LocalDelivery::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void LocalDelivery::run() {
  for (;;) {
    long long seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = generation_;
    }
    std::vector<store::ClaimedInbound> claimed;
    try {
      auto conn = pool_.lease();
      claimed =
          store::claimInbound(*conn, std::max(policy_.batch, sink_->batchSize()), policy_.lease);
      const std::vector<LocalOutcome> outcomes =
          claimed.empty() ? std::vector<LocalOutcome>{} : sink_->deliverAll(claimed);
      for (std::size_t i = 0; i < claimed.size() && i < outcomes.size(); ++i) {
        const auto& m = claimed[i];
        if (!outcomes[i].error) {
          store::markInboundDelivered(*conn, m, outcomes[i].where);
          continue;
        }
        const LocalDeliveryError& e = *outcomes[i].error;
        spdlog::warn("local delivery of {} from {} failed: {}", m.messageId, m.sender, e.what());
        store::markInboundFailed(*conn, m, e.what(), e.permanent(), policy_.maxAttempts,
                                 policy_.delayAfter(m.attempts));
      }
    } catch (const std::exception& e) {
      spdlog::error("local delivery: {}", e.what());
    }
    if (!claimed.empty()) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, policy_.idlePoll, [&] { return stopping_ || generation_ != seen; });
  }
}

}  // namespace tsunagi::exchange
