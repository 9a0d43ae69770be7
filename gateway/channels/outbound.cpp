#include "gateway/channels/outbound.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <tuple>

#include "adapters/kintone/kintone_rest.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/kintone_connector.hpp"
#include "gateway/common/atomic_file.hpp"
#include "gateway/exchange/envelope.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::channels {

namespace fs = std::filesystem;

bool OutboundChannel::takes(const std::string& documentType) const {
  const auto& list =
      options.documentTypes.empty() ? adapter->documentTypes() : options.documentTypes;
  return std::find(list.begin(), list.end(), documentType) != list.end();
}

std::string outboundFileName(const store::ClaimedInbound& message,
                             const std::string& suggestedName) {
  std::string extension = fs::path(suggestedName).extension().string();
  const bool plain = !extension.empty() && extension.size() <= 10 &&
                     std::all_of(extension.begin() + 1, extension.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c));
                     });
  return message.sender + "_" + message.messageId + (plain ? extension : std::string(".dat"));
}

namespace {

std::string contentTypeFor(const std::string& suggestedName) {
  const std::string ext = fs::path(suggestedName).extension().string();
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".xml") return "application/xml";
  if (ext == ".csv") return "text/csv";
  if (ext == ".hl7") return "x-application/hl7-v2+er7";
  return "application/octet-stream";
}

}  // namespace

WebhookReply postWebhook(const std::string& url, const std::string& body,
                         const std::string& contentType,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::chrono::seconds timeout, const Poco::Net::Context::Ptr& tls) {
  WebhookReply reply;
  try {
    const Poco::URI uri(url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      if (!tls) {
        reply.error = "no TLS client context for an https webhook";
        return reply;
      }
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(timeout.count(), 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    for (const auto& [name, value] : headers) request.set(name, value);
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    Poco::NullOutputStream discard;
    Poco::StreamCopier::copyStream(in, discard);
    reply.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
  }
  return reply;
}

ChannelSink::ChannelSink(std::vector<OutboundChannel> channels, store::ConnectionPool& pool)
    : channels_(std::move(channels)), pool_(pool) {
  for (const auto& channel : channels_) {
    if (const auto* dir = std::get_if<DirectoryOptions>(&channel.options.connector)) {
      createFolders(dir->outbox, folderMode(dir->fileMode));
    } else if (const auto* k = std::get_if<KintoneOptions>(&channel.options.connector)) {
      kintone_[channel.options.name] = std::make_unique<KintoneClient>(*k);
    } else if (const auto* http = std::get_if<HttpOptions>(&channel.options.connector)) {
      const Poco::URI uri(http->webhook);
      if (uri.getScheme() != "https") continue;
      exchange::ClientTlsOptions tls;
      tls.host = uri.getHost();
      if (!http->caCertificate.empty()) tls.caFiles.push_back(http->caCertificate);
      try {
        webhookTls_[channel.options.name] = exchange::makeTlsClientContext(tls);
      } catch (const crypto::CryptoError& e) {
        throw std::runtime_error("channel " + channel.options.name + ": webhook TLS: " + e.what());
      }
    }
  }
}

ChannelSink::~ChannelSink() = default;

Poco::Net::Context::Ptr ChannelSink::webhookTls(const std::string& channel) const {
  const auto it = webhookTls_.find(channel);
  return it == webhookTls_.end() ? nullptr : it->second;
}

int ChannelSink::batchSize() const {
  return kintone_.empty() ? 0 : static_cast<int>(adapters::kintone::kMaxRecordsPerWrite);
}

std::string ChannelSink::write(const OutboundChannel& channel, const store::ClaimedInbound& message,
                               const std::string& documentType, const adapters::Encoded& encoded) {
  const std::string name = outboundFileName(message, encoded.suggestedName);
  if (const auto* dir = std::get_if<DirectoryOptions>(&channel.options.connector);
      dir && !encoded.extraFiles.empty()) {
    // A document of several files (a ケアプラン連携 set: UPHOSOKU + UP1KYO) keeps the names the
    // tool's format prescribes, in one folder per message that appears whole: written hidden,
    // then renamed. A folder already there is this message delivered before (idempotent).
    const fs::path target = dir->outbox / (message.sender + "_" + message.messageId);
    if (fs::exists(target)) return target.string();
    const fs::path temp = dir->outbox / ("." + target.filename().string() + ".part");
    try {
      fs::remove_all(temp);
      createFolders(temp, folderMode(dir->fileMode));
      writeFileAtomically(temp / encoded.suggestedName, encoded.bytes, dir->fileMode,
                          Umask::Ignored);
      for (const adapters::LocalFile& f : encoded.extraFiles) {
        writeFileAtomically(temp / f.name, f.bytes, dir->fileMode, Umask::Ignored);
      }
      fs::rename(temp, target);
    } catch (const std::exception& e) {
      throw exchange::LocalDeliveryError("channel " + channel.options.name + ": " + e.what(),
                                         false);
    }
    return target.string();
  }
  if (const auto* dir = std::get_if<DirectoryOptions>(&channel.options.connector)) {
    const fs::path target = dir->outbox / name;
    try {
      writeFileAtomically(target, encoded.bytes, dir->fileMode, Umask::Ignored);
    } catch (const FileWriteError& e) {
      throw exchange::LocalDeliveryError("channel " + channel.options.name + ": " + e.what(),
                                         false);
    }
    return target.string();
  }
  const auto& http = std::get<HttpOptions>(channel.options.connector);
  if (!encoded.extraFiles.empty()) {
    throw exchange::LocalDeliveryError(
        "channel " + channel.options.name + ": " + channel.options.adapter + " writes " +
            std::to_string(1 + encoded.extraFiles.size()) +
            " files per document; a webhook takes one body: use a directory channel",
        true);
  }
  const WebhookReply reply = postWebhook(
      http.webhook, encoded.bytes, contentTypeFor(encoded.suggestedName),
      {{"Idempotency-Key", message.sender + "_" + message.messageId + "_" + channel.options.name},
       {"X-Tsunagi-Sender", message.sender},
       {"X-Tsunagi-Message-Id", message.messageId},
       {"X-Tsunagi-Document-Type", documentType},
       {"X-Tsunagi-File-Name", name}},
      http.timeout, webhookTls(channel.options.name));
  if (reply.status >= 200 && reply.status < 300) return http.webhook;
  const std::string where = "channel " + channel.options.name + ": webhook " + http.webhook;
  if (reply.status == 0)
    throw exchange::LocalDeliveryError(where + " unreachable: " + reply.error, false);
  const bool transient = reply.status == 408 || reply.status == 429 || reply.status >= 500;
  throw exchange::LocalDeliveryError(where + " answered " + std::to_string(reply.status),
                                     !transient);
}

// What became of one message across its channels.
struct ChannelSink::Progress {
  std::string delivered, refused;
  std::optional<exchange::LocalDeliveryError> transient, fatal;
  int taking = 0;
};

// A kintone channel's record, written once the whole claim is encoded.
struct ChannelSink::PendingWrite {
  std::size_t message;
  const OutboundChannel* channel;
  adapters::Encoded encoded;
  KintoneWrite write;
};

void ChannelSink::delivered(const OutboundChannel& channel, const store::ClaimedInbound& message,
                            const adapters::Encoded& encoded, const std::string& where,
                            Progress& progress) {
  auto conn = pool_.lease();
  store::recordLocalLosses(*conn, message, channel.options.name, encoded.losses.json(),
                           encoded.losses.entries().size(), encoded.losses.kinds());
  progress.delivered +=
      (progress.delivered.empty() ? "" : "; ") + channel.options.name + ": " + where;
}

void ChannelSink::handle(const store::ClaimedInbound& message, Progress& progress,
                         std::vector<PendingWrite>& kintone) {
  exchange::Envelope envelope;
  try {
    envelope = exchange::parseEnvelope(message.envelope);
  } catch (const mapping::DocumentError& e) {
    progress.fatal = exchange::LocalDeliveryError(
        "stored envelope no longer parses at " + mapping::redacted(e.issues()), true);
    return;
  }
  for (const auto& channel : channels_) {
    if (!channel.takes(envelope.documentType)) continue;
    ++progress.taking;
    adapters::EncodeOptions options;
    options.upstream = envelope.losses;
    options.appendLossNote = channel.options.appendLossNote;
    adapters::Encoded encoded;
    try {
      encoded = channel.adapter->encode(envelope.document, options);
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
            conn, store::Event{"encode-refused", "local", message.sender, message.messageId,
                               store::jsonObject({{"channel", channel.options.name},
                                                  {"adapter", channel.options.adapter},
                                                  {"where", where}})});
      });
      continue;
    }
    try {
      if (std::holds_alternative<KintoneOptions>(channel.options.connector)) {
        KintoneWrite record;
        try {
          record = kintoneWriteOf(encoded.bytes);
        } catch (const std::exception& e) {
          throw exchange::LocalDeliveryError("channel " + channel.options.name + ": adapter " +
                                                 channel.options.adapter +
                                                 " does not write kintone records: " + e.what(),
                                             true);
        }
        kintone.push_back(PendingWrite{0, &channel, std::move(encoded), std::move(record)});
        continue;
      }
      const std::string where = write(channel, message, envelope.documentType, encoded);
      delivered(channel, message, encoded, where, progress);
    } catch (const exchange::LocalDeliveryError& e) {
      if (e.permanent()) {
        progress.refused += (progress.refused.empty() ? "" : "; ") + std::string(e.what());
        store::withTransaction(pool_, [&](store::PgConnection& conn) {
          store::appendEvent(
              conn, store::Event{"channel-refused", "local", message.sender, message.messageId,
                                 store::jsonObject(
                                     {{"channel", channel.options.name}, {"reason", e.what()}})});
        });
      } else {
        progress.transient = e;
      }
    }
  }
}

void ChannelSink::sendKintone(const std::vector<store::ClaimedInbound>& messages,
                              std::vector<PendingWrite>& pending, std::vector<Progress>& progress) {
  // One request per (channel, app, shape) group and 100 records: the order within a group is
  // the claim's.
  std::map<std::tuple<std::string, std::string, bool>, std::vector<PendingWrite*>> groups;
  for (auto& p : pending) {
    groups[{p.channel->options.name, p.write.app, p.write.id.has_value()}].push_back(&p);
  }
  for (auto& [key, items] : groups) {
    const auto& [channelName, app, update] = key;
    const KintoneClient& client = *kintone_.at(channelName);
    const std::string method = update ? "PUT" : "POST";
    const std::string where = "kintone app " + app + " (" + method + ")";
    // Sends items[begin, end) in one request; a refusal of several is retried one by one.
    std::function<void(std::size_t, std::size_t)> send = [&](std::size_t begin, std::size_t end) {
      std::vector<const KintoneWrite*> writes;
      for (std::size_t i = begin; i < end; ++i) writes.push_back(&items[i]->write);
      const KintoneReply reply = client.writeRecords(method, kintoneBatchBody(writes));
      if (reply.status >= 200 && reply.status < 300) {
        for (std::size_t i = begin; i < end; ++i) {
          delivered(*items[i]->channel, messages[items[i]->message], items[i]->encoded, where,
                    progress[items[i]->message]);
        }
        return;
      }
      const bool transient = reply.status == 0 || reply.status == 401 || reply.status == 403 ||
                             reply.status == 408 || reply.status == 429 || reply.status >= 500;
      if (!transient && end - begin > 1) {
        spdlog::warn("channel {}: {} refused a batch of {} records ({}); sending them one by one",
                     channelName, where, end - begin,
                     kintoneErrorSummary(reply.status, reply.body));
        for (std::size_t i = begin; i < end; ++i) send(i, i + 1);
        return;
      }
      const std::string why =
          "channel " + channelName + ": " + where + " " +
          (reply.status == 0 ? "unreachable: " + reply.error
                             : "answered " + kintoneErrorSummary(reply.status, reply.body));
      spdlog::warn("{} ({} records)", why, end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        Progress& p = progress[items[i]->message];
        const store::ClaimedInbound& message = messages[items[i]->message];
        if (transient) {
          p.transient = exchange::LocalDeliveryError(why, false);
          continue;
        }
        p.refused += (p.refused.empty() ? "" : "; ") + why;
        store::withTransaction(pool_, [&](store::PgConnection& conn) {
          store::appendEvent(
              conn, store::Event{"channel-refused", "local", message.sender, message.messageId,
                                 store::jsonObject({{"channel", channelName}, {"reason", why}})});
        });
      }
    };
    for (const auto& [begin, end] : adapters::kintone::writeBatches(items.size())) send(begin, end);
  }
}

std::vector<exchange::LocalOutcome> ChannelSink::deliverAll(
    const std::vector<store::ClaimedInbound>& messages) {
  std::vector<Progress> progress(messages.size());
  std::vector<PendingWrite> pending;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::size_t first = pending.size();
    handle(messages[i], progress[i], pending);
    for (std::size_t j = first; j < pending.size(); ++j) pending[j].message = i;
  }
  if (!pending.empty()) sendKintone(messages, pending, progress);

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
