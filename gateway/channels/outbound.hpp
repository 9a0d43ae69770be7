#pragma once
// Received documents → the local tools: a LocalSink that encodes each document with every
// outbound channel that takes its type (EncodeOptions.upstream = the losses it arrived with;
// appendLossNote per channel) and hands the bytes to the channel's connector — a folder (atomic
// write, a file name fixed by the message so a redelivery replaces rather than duplicates), a
// webhook (POST; 2xx delivered, 408/429/5xx and connection failures retried by LocalDelivery's
// policy, other 4xx dead-lettered) or a kintone app (records.json, up to 100 records a request).

#include <Poco/Net/Context.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/exchange/local_delivery.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::channels {

struct OutboundChannel {
  ChannelOptions options;
  std::unique_ptr<adapters::Adapter> adapter;

  /// The document types it takes: its configured list, else its adapter's.
  bool takes(const std::string& documentType) const;
};

/// What a webhook answered.
struct WebhookReply {
  int status = 0;     ///< 0: no HTTP answer (connection refused, timeout)
  std::string error;  ///< why there was no answer
};

/// POSTs `body` to `url` (http or https), with `headers`. An https URL goes over `tls`, the
/// channel's client context (exchange::makeTlsClientContext, made once with the channel): no
/// context is made here. Never throws.
WebhookReply postWebhook(const std::string& url, const std::string& body,
                         const std::string& contentType,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::chrono::seconds timeout, const Poco::Net::Context::Ptr& tls);

class KintoneClient;
struct KintoneWrite;

class ChannelSink : public exchange::LocalSink {
 public:
  /// `pool` records each encoding's losses with the inbox row. Each https webhook and kintone
  /// channel gets its TLS client context here, once. Throws std::runtime_error when a channel's
  /// trust anchor cannot be loaded.
  ChannelSink(std::vector<OutboundChannel> channels, store::ConnectionPool& pool);
  ~ChannelSink() override;

  /// The TLS client context of an https webhook channel (every POST of the channel uses it), or
  /// null.
  Poco::Net::Context::Ptr webhookTls(const std::string& channel) const;

  /// Every channel taking the document gets it. A channel whose adapter refuses the document is
  /// recorded (encode-refused) and skipped; when every channel refuses, or none takes the type,
  /// the failure is permanent. A connector failure is transient (the channels that succeeded
  /// are written again on the retry: same file, same Idempotency-Key).
  std::string deliver(const store::ClaimedInbound& message) override;
  /// deliver() for each message, except that a kintone channel's records are sent together:
  /// grouped by app and shape (add → POST, update → PUT /k/v1/records.json), at most 100 per
  /// request. A request that fails fails each of its messages (2xx delivered; no answer, 401,
  /// 403, 408, 429 and 5xx transient; other 4xx: a batch of several is sent again one record per
  /// request, so that only the record kintone refuses is dead-lettered).
  std::vector<exchange::LocalOutcome> deliverAll(
      const std::vector<store::ClaimedInbound>& messages) override;
  /// 100 with a kintone channel (one full write per claim), else the policy's.
  int batchSize() const override;

 private:
  struct Progress;
  struct PendingWrite;
  void handle(const store::ClaimedInbound& message, Progress& progress,
              std::vector<PendingWrite>& kintone);
  void sendKintone(const std::vector<store::ClaimedInbound>& messages,
                   std::vector<PendingWrite>& pending, std::vector<Progress>& progress);
  void delivered(const OutboundChannel& channel, const store::ClaimedInbound& message,
                 const adapters::Encoded& encoded, const std::string& where, Progress& progress);
  std::string write(const OutboundChannel& channel, const store::ClaimedInbound& message,
                    const std::string& documentType, const adapters::Encoded& encoded);

  std::vector<OutboundChannel> channels_;
  std::map<std::string, std::unique_ptr<KintoneClient>> kintone_;
  std::map<std::string, Poco::Net::Context::Ptr> webhookTls_;
  store::ConnectionPool& pool_;
};

/// The outbound file name for a message: SENDER_MESSAGEID plus the extension of the adapter's
/// suggested name (".dat" without one); fixed, so a redelivery replaces the same file.
std::string outboundFileName(const store::ClaimedInbound& message,
                             const std::string& suggestedName);

}  // namespace tsunagi::channels
