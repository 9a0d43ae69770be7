#include "gateway/channels/directory/directory_connector.hpp"

#include "gateway/channels/directory/directory_watcher.hpp"
#include "gateway/common/atomic_file.hpp"

namespace tsunagi::channels {

namespace fs = std::filesystem;

namespace {

// <directory>: an inbound channel's inbox (watched by no other channel) and its archive and error
// folders; an outbound channel's outbox.
ConnectorOptions readDirectory(ConnectorElement& e) {
  DirectoryOptions d;
  d.poll = std::chrono::milliseconds(e.integer("pollMs", 1000));
  d.settle = std::chrono::milliseconds(e.integer("settleMs", 2000));
  d.maxBytes = static_cast<std::size_t>(e.integer("maxBytes", 16 * 1024 * 1024));
  d.fileMode = e.attribute("fileMode").value_or("0600") == "0640" ? 0640 : 0600;
  d.inbox = e.path("inbox");
  d.archive = e.path("archive");
  d.error = e.path("error");
  d.outbox = e.path("outbox");
  if (e.inbound()) {
    if (d.inbox.empty()) e.fail("inbox", "an inbound directory channel needs inbox");
    if (!d.outbox.empty()) e.fail("outbox", "an inbound channel has no outbox (use inbox)");
    if (d.archive.empty()) d.archive = d.inbox / "archive";
    if (d.error.empty()) d.error = d.inbox / "error";
    if (!d.inbox.empty() && !e.claim("inbox:" + d.inbox.string())) {
      e.fail("inbox", "folder " + d.inbox.string() + " is watched by another channel");
    }
  } else {
    if (d.outbox.empty()) e.fail("outbox", "an outbound directory channel needs outbox");
    for (const char* key : {"inbox", "archive", "error"}) {
      if (e.attribute(key)) e.fail(key, "an outbound channel only writes (use outbox)");
    }
  }
  return d;
}

}  // namespace

DirectoryWriter::DirectoryWriter(const ChannelOptions& channel)
    : channel_(channel.name), options_(channel.connector.as<DirectoryOptions>()) {
  createFolders(options_.outbox, folderMode(options_.fileMode));
}

std::string DirectoryWriter::deliverOne(const OutboundDocument& document) {
  const store::ClaimedInbound& message = *document.message;
  const adapters::Encoded& encoded = document.encoded;
  if (!encoded.extraFiles.empty()) {
    // A document of several files (a ケアプラン連携 set: UPHOSOKU + UP1KYO) keeps the names the
    // tool's format prescribes, in one folder per message that appears whole: written hidden,
    // then renamed. A folder already there is this message delivered before (idempotent).
    const fs::path target = options_.outbox / (message.sender + "_" + message.messageId);
    if (fs::exists(target)) return target.string();
    const fs::path temp = options_.outbox / ("." + target.filename().string() + ".part");
    try {
      fs::remove_all(temp);
      createFolders(temp, folderMode(options_.fileMode));
      writeFileAtomically(temp / encoded.suggestedName, encoded.bytes, options_.fileMode,
                          Umask::Ignored);
      for (const adapters::LocalFile& f : encoded.extraFiles) {
        writeFileAtomically(temp / f.name, f.bytes, options_.fileMode, Umask::Ignored);
      }
      fs::rename(temp, target);
    } catch (const std::exception& e) {
      throw exchange::LocalDeliveryError("channel " + channel_ + ": " + e.what(), false);
    }
    return target.string();
  }
  const fs::path target = options_.outbox / outboundFileName(message, encoded.suggestedName);
  try {
    writeFileAtomically(target, encoded.bytes, options_.fileMode, Umask::Ignored);
  } catch (const FileWriteError& e) {
    throw exchange::LocalDeliveryError("channel " + channel_ + ": " + e.what(), false);
  }
  return target.string();
}

void registerDirectoryConnector(ConnectorRegistry& registry) {
  registry.add(ConnectorKind{
      .name = std::string(DirectoryOptions::kKind),
      .read = readDirectory,
      .inbound =
          [](InputHandler& channel, store::ConnectionPool&) -> std::unique_ptr<InboundConnector> {
        return std::make_unique<DirectoryWatcher>(
            channel, channel.options().connector.as<DirectoryOptions>());
      },
      .outbound = [](const ChannelOptions& channel) -> std::unique_ptr<OutboundConnector> {
        return std::make_unique<DirectoryWriter>(channel);
      },
  });
}

}  // namespace tsunagi::channels
