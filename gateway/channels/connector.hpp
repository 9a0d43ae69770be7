#pragma once
// What a connector is. A channel is a connector (how bytes come and go) and an adapter (what they
// mean). Each connector kind lives in its own folder below gateway/channels/ — directory/, http/,
// mllp/, kintone/ — with its options, its factory (a ConnectorKind, registered by one line of
// registerConnectors()) and its tests; docs/architecture.md "Adding a connector" is the recipe.
//
// Inbound: an InboundConnector takes inputs (files, requests, frames, records) and hands each to
// its channel's InputHandler (InboundChannel: decode, submit, commit), answering the tool only
// from the InboundResult. Outbound: an OutboundConnector delivers the documents the channel's
// adapter has encoded — a delivery round's at once — with one outcome each (ChannelSink).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/exchange/local_delivery.hpp"
#include "gateway/net/http_message.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::channels {

/// An inbound channel the node's local listener serves: POST /local/v1/channels/NAME.
class LocalEndpoint {
 public:
  virtual ~LocalEndpoint() = default;
  /// The largest body a POST may carry (decided on the head: a larger one is refused unread).
  virtual std::size_t bodyLimit() const = 0;
  /// The content types a POST may carry (another is refused on the head with 415).
  virtual std::vector<std::string> mediaTypes() const = 0;
  /// Answers a complete POST.
  virtual net::HttpResponse post(const std::string& body, const std::string& contentType) = 0;
};

class InboundConnector {
 public:
  virtual ~InboundConnector() = default;
  /// Begins taking inputs (a polling thread, a listener): nothing is read before.
  virtual void start() {}
  /// Stops taking inputs; an input in hand is finished and answered first.
  virtual void stop() {}
  /// A connector with a listener of its own: its counters (the node's /metrics), else null.
  virtual const net::ListenerStats* listenerStats() const { return nullptr; }
  /// A connector with a listener of its own: its bound port, else 0.
  virtual unsigned short port() const { return 0; }
  /// A connector whose inputs arrive on the node's local listener, else null.
  virtual LocalEndpoint* localEndpoint() { return nullptr; }
};

/// One document for an outbound connector: the received message it belongs to, its type, and the
/// channel adapter's encoding of it.
struct OutboundDocument {
  const store::ClaimedInbound* message;
  std::string documentType;
  adapters::Encoded encoded;
};

class OutboundConnector {
 public:
  virtual ~OutboundConnector() = default;
  /// Delivers one round's `documents` (in the claim's order) and gives one outcome each, in the
  /// same order: where the document went, or a LocalDeliveryError — permanent (the tool refuses
  /// it: dead-lettered) or transient (the message is handed over again later, so a delivery must
  /// be idempotent: the same file name, Idempotency-Key, record). Never throws for a document.
  virtual std::vector<exchange::LocalOutcome> deliver(
      const std::vector<OutboundDocument>& documents) = 0;
  /// How many messages a round should claim for this connector (kintone: 100, one full write);
  /// 0: the retry policy's batch.
  virtual int batchSize() const { return 0; }
};

/// An outbound connector that delivers each document on its own (a folder, a webhook).
class EachDocumentConnector : public OutboundConnector {
 public:
  std::vector<exchange::LocalOutcome> deliver(
      const std::vector<OutboundDocument>& documents) final;

 protected:
  /// Delivers one document and returns where it went; throws exchange::LocalDeliveryError.
  virtual std::string deliverOne(const OutboundDocument& document) = 0;
};

/// The file name for a delivered message: SENDER_MESSAGEID plus the extension of the adapter's
/// suggested name (".dat" without one); fixed, so a redelivery replaces the same file.
std::string outboundFileName(const store::ClaimedInbound& message,
                             const std::string& suggestedName);

/// One connector element of a channel in the node configuration, as its kind reads it
/// (config/node_config.cpp implements it over the parsed file; the schema has already checked
/// which attributes there are and their types). Mistakes are reported, not thrown: the
/// configuration lists them all with their lines.
class ConnectorElement {
 public:
  virtual ~ConnectorElement() = default;
  /// The channel the element belongs to (name, direction, adapter, …; not its connector yet).
  virtual const ChannelOptions& channel() const = 0;
  virtual std::optional<std::string> attribute(const char* name) const = 0;
  /// A whole-number attribute from `min` to `max`, `fallback` when absent; one out of range is a
  /// mistake at the attribute.
  virtual long long number(const char* name, long long fallback, long long min,
                           long long max) const = 0;
  /// A path attribute, resolved against the configuration file's folder; empty when absent.
  virtual std::filesystem::path path(const char* name) const = 0;
  /// A file attribute the node must be able to read, resolved; a mistake when it is missing or
  /// unreadable.
  virtual std::filesystem::path readableFile(const char* name) = 0;
  /// A PEM certificate attribute: readableFile(), then a mistake when it holds no certificate.
  virtual std::filesystem::path certificateFile(const char* name) = 0;
  /// A mistake at the element (`attribute` empty) or at one of its attributes.
  virtual void fail(const std::string& attribute, const std::string& message) = 0;
  /// Claims `resource` for this channel ("inbox:/srv/in", "port:2575"): false when another
  /// channel of the node has claimed it before.
  virtual bool claim(const std::string& resource) = 0;
  /// The port of the node's local listener (a connector's own listener must not take it).
  virtual unsigned short localListenerPort() const = 0;

  bool inbound() const { return channel().direction == Direction::Inbound; }
  /// number() over the range of an int.
  int integer(const char* name, int fallback) const;
};

/// A connector kind, as its folder registers it (register<Kind>Connector).
struct ConnectorKind {
  /// Its element in <channel> (node-config-1.xsd), and ConnectorOptions::kind().
  std::string name;
  /// Reads the element into the kind's options; reports mistakes through the element.
  std::function<ConnectorOptions(ConnectorElement& element)> read;
  /// The inbound side, handing inputs to `channel` (its options() hold the connector's);
  /// empty when the kind has none.
  std::function<std::unique_ptr<InboundConnector>(InputHandler& channel,
                                                  store::ConnectionPool& pool)>
      inbound;
  /// The outbound side for `channel`; empty when the kind has none. May throw
  /// std::runtime_error (a trust anchor that cannot be loaded).
  std::function<std::unique_ptr<OutboundConnector>(const ChannelOptions& channel)> outbound;
};

}  // namespace tsunagi::channels
