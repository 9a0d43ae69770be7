#pragma once
// The kintone connector kind (<kintone>): a kintone app (or a kintone-compatible server) through
// its REST API, HTTPS only, with the paging and batching rules of kintone_rest.hpp.
//   Inbound: KintonePoller (kintone_poller.hpp) takes the app's records in $id order.
//   Outbound: KintoneWriter — the kintone adapter encodes each document in the add shape
//   {"app","record"} or the update shape {"app","id","record"}; the writer groups a delivery
//   round's documents by app and shape and sends POST / PUT /k/v1/records.json with at most 100
//   records each. A request that fails fails each of its documents: 2xx delivered; no answer,
//   401, 403, 408, 429 and 5xx transient; other 4xx: a batch of several is sent again one record
//   per request, so that only the record kintone refuses is dead-lettered.

#include <string>
#include <vector>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/connector_registry.hpp"
#include "gateway/channels/kintone/kintone_client.hpp"
#include "gateway/channels/kintone/kintone_options.hpp"

namespace tsunagi::channels {

class KintoneWriter : public OutboundConnector {
 public:
  /// Makes the channel's KintoneClient (its TLS client context, once). Throws
  /// std::runtime_error when the trust anchor cannot be loaded.
  explicit KintoneWriter(const ChannelOptions& channel);

  std::vector<exchange::LocalOutcome> deliver(
      const std::vector<OutboundDocument>& documents) override;
  /// 100: one full write per claim.
  int batchSize() const override;

 private:
  std::string channel_;
  std::string adapter_;
  KintoneClient client_;
};

/// Registers "kintone".
void registerKintoneConnector(ConnectorRegistry& registry);

}  // namespace tsunagi::channels
