#pragma once
// A node's channels as its configuration lists them (node-config-1.xsd <channels>): each is a
// connector (how bytes come and go: a folder, HTTP, MLLP, a kintone app) and an adapter (what the
// bytes mean).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tsunagi::channels {

enum class Direction {
  Inbound,   ///< local tool → adapter.decode → Submitter → outbox
  Outbound,  ///< inbox → adapter.encode → local tool
};

/// A watched folder (inbound) or a folder files are written to (outbound).
struct DirectoryOptions {
  std::filesystem::path inbox;    ///< inbound: files to read
  std::filesystem::path archive;  ///< inbound: processed files (default inbox/archive)
  std::filesystem::path error;    ///< inbound: refused files + NAME.error.txt (default inbox/error)
  std::filesystem::path outbox;   ///< outbound: files written (temporary file, fsync, rename)
  std::chrono::milliseconds poll{1000};
  /// A file is read only once its size and modification time have not changed for this long
  /// (seen unchanged by two polls at least) and nobody holds a lock on it.
  std::chrono::milliseconds settle{2000};
  std::size_t maxBytes = 16 * 1024 * 1024;
  /// Permissions of the files the connector leaves at rest (inbound: archived and refused inputs
  /// and NAME.error.txt; outbound: the files written): 0600, or 0640 (fileMode="0640") when the
  /// local tools' group may read them. The folders it creates get 0700 or 0750 (folderMode).
  unsigned fileMode = 0600;
};

/// 0700 for fileMode 0600, 0750 for 0640: a folder the directory connector creates.
constexpr unsigned folderMode(unsigned fileMode) {
  return 0700 | ((fileMode & 0040) ? 0050u : 0u) | ((fileMode & 0004) ? 0005u : 0u);
}

/// Inbound: POST /local/v1/channels/NAME on the node's local listener. Outbound: a webhook.
struct HttpOptions {
  std::string webhook;  ///< outbound: http:// or https:// URL the encoded bytes are POSTed to
  /// Outbound https: PEM trust anchor for the webhook's certificate; empty: the system's CAs.
  std::filesystem::path caCertificate;
  std::chrono::seconds timeout{30};
  std::size_t maxBytes = 16 * 1024 * 1024;
};

/// Inbound HL7 v2 over MLLP (0x0B … 0x1C 0x0D), one ACK per message.
struct MllpOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  ///< 0: any free port (tests)
  std::size_t maxBytes = 1024 * 1024;
  std::chrono::seconds idleTimeout{300};  ///< a connection silent this long is closed
  /// A frame must be complete this long after its first byte (the front door's head deadline).
  std::chrono::seconds frameTimeout{30};
  std::size_t maxConnections = 64;            ///< in total
  std::size_t maxConnectionsPerAddress = 8;   ///< from one hospital system
  int workers = 4;                            ///< threads answering complete messages
};

/// A kintone app through its REST API (kintone_connector.hpp). Inbound: the app's records, polled
/// in $id order from a cursor kept in the node's database; outbound: each document written to the
/// app its profile mapping names, up to 100 records per request.
struct KintoneOptions {
  std::string baseUrl;  ///< https://SUBDOMAIN.cybozu.com (no trailing slash)
  std::string app;      ///< inbound: the app polled (digits); outbound: empty (the profile's)
  std::filesystem::path tokenFile;      ///< the API token(s): never in the configuration
  std::filesystem::path caCertificate;  ///< PEM trust anchor; empty: the system's CAs
  std::string condition;                ///< inbound: a kintone query condition and-ed in
  std::chrono::seconds poll{60};
  std::chrono::seconds timeout{30};
};

struct ChannelOptions {
  std::string name;  ///< [a-z0-9][a-z0-9_-]*, unique in the node
  Direction direction = Direction::Inbound;
  std::string adapter;  ///< "ADAPTER" or "ADAPTER:PROFILE", resolved by AdapterRegistry::create
  /// Outbound: the document types this channel takes (empty: every type its adapter lists).
  std::vector<std::string> documentTypes;
  /// Outbound: EncodeOptions::appendLossNote (lossNote="append").
  bool appendLossNote = false;
  /// Handed to the adapter as LocalInput::metadata (e.g. ssmix2's hospitalName).
  std::map<std::string, std::string> metadata;
  std::variant<DirectoryOptions, HttpOptions, MllpOptions, KintoneOptions> connector;
};

const char* toString(Direction direction);

}  // namespace tsunagi::channels
