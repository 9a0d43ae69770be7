#include "gateway/channels/outbound.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/exchange/envelope.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::channels {

bool OutboundChannel::takes(const std::string& documentType) const {
  const auto& list =
      options.documentTypes.empty() ? adapter->documentTypes() : options.documentTypes;
  return std::find(list.begin(), list.end(), documentType) != list.end();
}

ChannelSink::ChannelSink(std::vector<OutboundChannel> channels, store::ConnectionPool& pool,
                         const ConnectorRegistry& connectors)
    : channels_(std::move(channels)), pool_(pool) {
  for (auto& channel : channels_) {
    if (channel.connector) continue;
    const ConnectorKind& kind = connectors.get(channel.options.connector.kind());
    if (!kind.outbound) {
      throw std::runtime_error("channel " + channel.options.name + ": connector " + kind.name +
                               " has no outbound side");
    }
    channel.connector = kind.outbound(channel.options);
  }
}

ChannelSink::~ChannelSink() = default;

OutboundConnector* ChannelSink::connector(const std::string& name) const {
  for (const auto& channel : channels_) {
    if (channel.options.name == name) return channel.connector.get();
  }
  return nullptr;
}

int ChannelSink::batchSize() const {
  int size = 0;
  for (const auto& channel : channels_) size = std::max(size, channel.connector->batchSize());
  return size;
}

// What became of one message across its channels.
struct ChannelSink::Progress {
  std::string delivered, refused;
  std::optional<exchange::LocalDeliveryError> transient, fatal;
  int taking = 0;
};

void ChannelSink::delivered(const OutboundChannel& channel, const OutboundDocument& document,
                            const std::string& where, Progress& progress) {
  const adapters::Encoded& encoded = document.encoded;
  auto conn = pool_.lease();
  store::recordLocalLosses(*conn, *document.message, channel.options.name, encoded.losses.json(),
                           encoded.losses.entries().size(), encoded.losses.kinds());
  progress.delivered +=
      (progress.delivered.empty() ? "" : "; ") + channel.options.name + ": " + where;
}

void ChannelSink::refused(const OutboundChannel& channel, const store::ClaimedInbound& message,
                          const exchange::LocalDeliveryError& error, Progress& progress) {
  if (!error.permanent()) {
    progress.transient = error;
    return;
  }
  progress.refused += (progress.refused.empty() ? "" : "; ") + std::string(error.what());
  store::withTransaction(pool_, [&](store::PgConnection& conn) {
    store::appendEvent(conn, store::NewEvent{store::EventType::ChannelRefused, "local",
                                             message.sender, message.messageId,
                                             store::jsonObject({{"channel", channel.options.name},
                                                                {"reason", error.what()}})});
  });
}

// Encodes `message` for every channel that takes its type: documents[c] gets channel c's
// encoding, owners[c] the message's index.
void ChannelSink::encodeFor(const store::ClaimedInbound& message, std::size_t index,
                            Progress& progress,
                            std::vector<std::vector<OutboundDocument>>& documents,
                            std::vector<std::vector<std::size_t>>& owners) {
  exchange::Envelope envelope;
  try {
    envelope = exchange::parseEnvelope(message.envelope);
  } catch (const mapping::DocumentError& e) {
    progress.fatal = exchange::LocalDeliveryError(
        "stored envelope no longer parses at " + mapping::redacted(e.issues()), true);
    return;
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const OutboundChannel& channel = channels_[c];
    if (!channel.takes(envelope.documentType)) continue;
    ++progress.taking;
    adapters::EncodeOptions options;
    options.upstream = envelope.losses;
    options.appendLossNote = channel.options.appendLossNote;
    try {
      documents[c].push_back(OutboundDocument{
          &message, envelope.documentType, channel.adapter->encode(envelope.document, options)});
      owners[c].push_back(index);
    } catch (const adapters::AdapterError& e) {
      // The refusal becomes the message's dead-letter reason (logged, audited): no values.
      const std::string where = mapping::redacted(e.issues());
      progress.refused += (progress.refused.empty() ? "" : "; ") + channel.options.name +
                          ": adapter " + channel.options.adapter + " cannot encode it at " + where;
      spdlog::warn("channel {}: message {} from {} cannot be encoded by {} (at {})",
                   channel.options.name, message.messageId, message.sender, channel.options.adapter,
                   where);
      store::withTransaction(pool_, [&](store::PgConnection& conn) {
        store::appendEvent(
            conn, store::NewEvent{store::EventType::EncodeRefused, "local", message.sender,
                                  message.messageId,
                                  store::jsonObject({{"channel", channel.options.name},
                                                     {"adapter", channel.options.adapter},
                                                     {"where", where}})});
      });
    }
  }
}

std::vector<exchange::LocalOutcome> ChannelSink::deliverAll(
    const std::vector<store::ClaimedInbound>& messages) {
  std::vector<Progress> progress(messages.size());
  std::vector<std::vector<OutboundDocument>> documents(channels_.size());
  std::vector<std::vector<std::size_t>> owners(channels_.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    encodeFor(messages[i], i, progress[i], documents, owners);
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    if (documents[c].empty()) continue;
    const OutboundChannel& channel = channels_[c];
    const std::vector<exchange::LocalOutcome> outcomes = channel.connector->deliver(documents[c]);
    for (std::size_t j = 0; j < documents[c].size(); ++j) {
      Progress& p = progress[owners[c][j]];
      const exchange::LocalOutcome& outcome = outcomes.at(j);
      if (outcome.error) {
        refused(channel, messages[owners[c][j]], *outcome.error, p);
      } else {
        delivered(channel, documents[c][j], outcome.where, p);
      }
    }
  }

  std::vector<exchange::LocalOutcome> out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Progress& p = progress[i];
    exchange::LocalOutcome outcome;
    if (p.fatal) {
      outcome.error = p.fatal;
    } else if (p.transient) {
      outcome.error = p.transient;  // the whole message again later; the writes are idempotent
    } else if (p.taking == 0) {
      outcome.error = exchange::LocalDeliveryError(
          "no outbound channel takes " + messages[i].documentType, true);
    } else if (p.delivered.empty()) {
      outcome.error = exchange::LocalDeliveryError(p.refused, true);
    } else {
      outcome.where = p.delivered;
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

std::string ChannelSink::deliver(const store::ClaimedInbound& message) {
  auto outcome = deliverAll({message}).front();
  if (outcome.error) throw *outcome.error;
  return outcome.where;
}

}  // namespace tsunagi::channels
