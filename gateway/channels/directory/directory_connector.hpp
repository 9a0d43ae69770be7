#pragma once
// The directory connector kind (<directory>): inbound, a watched folder (directory_watcher.hpp);
// outbound, DirectoryWriter — each document written atomically into a folder, under a name fixed
// by its message (outboundFileName) so that a redelivery replaces rather than duplicates.

#include <string>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/connector_registry.hpp"
#include "gateway/channels/directory/directory_options.hpp"

namespace tsunagi::channels {

/// Writes each document to the channel's outbox: a file, or — a document of several files, e.g.
/// a ケアプラン連携 set — a folder SENDER_MESSAGEID/ that appears whole, with the names the format
/// prescribes. A failed write is transient.
class DirectoryWriter : public EachDocumentConnector {
 public:
  /// Creates the outbox (folderMode).
  explicit DirectoryWriter(const ChannelOptions& channel);

 protected:
  std::string deliverOne(const OutboundDocument& document) override;

 private:
  std::string channel_;
  DirectoryOptions options_;
};

/// Registers "directory".
void registerDirectoryConnector(ConnectorRegistry& registry);

}  // namespace tsunagi::channels
