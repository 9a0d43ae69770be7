#pragma once
// Received documents → the local tools: a LocalSink that encodes each document with every
// outbound channel that takes its type (EncodeOptions.upstream = the losses it arrived with;
// appendLossNote per channel) and hands a delivery round's encodings to each channel's
// OutboundConnector (connector.hpp: a folder, a webhook, a kintone app), which gives one outcome
// per document.

#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/channels/connector.hpp"
#include "gateway/channels/connector_registry.hpp"
#include "gateway/exchange/local_delivery.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::channels {

struct OutboundChannel {
  ChannelOptions options;
  std::unique_ptr<adapters::Adapter> adapter;
  /// Made by the ChannelSink from the connector registry when null.
  std::unique_ptr<OutboundConnector> connector;

  /// The document types it takes: its configured list, else its adapter's.
  bool takes(const std::string& documentType) const;
};

class ChannelSink : public exchange::LocalSink {
 public:
  /// `pool` records each encoding's losses with the inbox row. Each channel's connector is made
  /// here, once, by its kind in `connectors` (an https webhook or a kintone app gets its TLS
  /// client context then). Throws std::runtime_error when a channel's trust anchor cannot be
  /// loaded.
  ChannelSink(std::vector<OutboundChannel> channels, store::ConnectionPool& pool,
              const ConnectorRegistry& connectors = *builtinConnectors());
  ~ChannelSink() override;

  /// The connector of outbound channel `name`, or null.
  OutboundConnector* connector(const std::string& name) const;

  /// deliverAll() for one message.
  std::string deliver(const store::ClaimedInbound& message) override;
  /// Every channel taking a document gets it. A channel whose adapter refuses the document is
  /// recorded (encode-refused) and skipped; a connector's permanent refusal is recorded
  /// (channel-refused); when every channel refuses, or none takes the type, the failure is
  /// permanent. A transient failure of any channel fails the message transiently (the channels
  /// that succeeded are written again on the retry: same file, same Idempotency-Key).
  std::vector<exchange::LocalOutcome> deliverAll(
      const std::vector<store::ClaimedInbound>& messages) override;
  /// The largest batch its connectors ask for (100 with a kintone channel), else the policy's.
  int batchSize() const override;

 private:
  struct Progress;
  void encodeFor(const store::ClaimedInbound& message, std::size_t index, Progress& progress,
                 std::vector<std::vector<OutboundDocument>>& documents,
                 std::vector<std::vector<std::size_t>>& owners);
  void delivered(const OutboundChannel& channel, const OutboundDocument& document,
                 const std::string& where, Progress& progress);
  void refused(const OutboundChannel& channel, const store::ClaimedInbound& message,
               const exchange::LocalDeliveryError& error, Progress& progress);

  std::vector<OutboundChannel> channels_;
  store::ConnectionPool& pool_;
};

}  // namespace tsunagi::channels
