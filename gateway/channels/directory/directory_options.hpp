#pragma once
// The directory connector's options (<directory> in a channel of node-config-1.xsd).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string_view>

namespace tsunagi::channels {

/// A watched folder (inbound) or a folder files are written to (outbound).
struct DirectoryOptions {
  static constexpr std::string_view kKind = "directory";

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

}  // namespace tsunagi::channels
