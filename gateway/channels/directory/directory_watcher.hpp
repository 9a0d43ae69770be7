#pragma once
// The directory connector. Inbound: a watched folder; each file, once complete, goes through its
// channel and is moved to archive/ (committed) or to error/ with NAME.error.txt (refused); on
// storage trouble it stays and is tried again. Outbound: files written atomically.
//
// Polling, not inotify: the folders are often network shares (SMB/NFS mounts of the care
// offices' PCs) where inotify sees nothing, and a poll every second costs nothing at these
// volumes. Polling also gives the "still being written" rule a natural form: a file is taken only
// when two polls, `settle` apart at least, see the same size and modification time, and no
// process holds a lock on it (flock or fcntl, as Windows-side copy tools and Excel take).
// Hidden files (".x"), editor and download leftovers (~x, *.tmp, *.part, *.partial, *.crdownload,
// *.swp) are never read.
//
// A sub-folder of the inbox is one input: a set of files that make one document together (a
// ケアプランデータ連携 set: UPHOSOKU + UP1KYO). Its files (flat, no deeper folders) go to the
// adapter at once — the first by name as the input, the others as LocalInput::extraFiles — once
// the folder has settled like a file (same files, sizes and times for `settle`, none locked, no
// partial download inside); the folder then moves whole to archive/ or to error/ (with
// FOLDER.error.txt beside it). A tool that writes a set file by file should write the folder
// elsewhere on the same file system and rename it in.
//
// Only regular files are read. A symbolic link (to a file or a folder), a named pipe, a device, a
// socket, a folder inside a set, or a file with more than one hard link is moved aside unread to
// error/ with its reason code (symbolic-link, not-a-regular-file, hard-linked-file); no link is
// followed at any step (lstat, then open with O_NOFOLLOW | O_NONBLOCK, then fstat on the
// descriptor, which must be the file lstat saw). Files left at rest (archived, refused,
// NAME.error.txt) get DirectoryOptions::fileMode; folders the connector creates, folderMode.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/directory/directory_options.hpp"
#include "gateway/channels/inbound.hpp"

namespace tsunagi::channels {

/// True for names the inbound watcher never reads (hidden, temporary, partial downloads).
bool ignoredFileName(const std::string& name);

/// A file name as NAME.error.txt shows it: valid UTF-8 kept, a backslash doubled, control
/// characters (C0, DEL, C1), line separators, bidirectional controls and bytes that are not valid
/// UTF-8 written \xNN (one per byte), so that a name cannot forge lines or hide what it is.
std::string printableFileName(std::string_view name);

class DirectoryWatcher : public InboundConnector {
 public:
  /// Creates the inbox, archive and error folders.
  DirectoryWatcher(InputHandler& channel, DirectoryOptions options);
  ~DirectoryWatcher() override;
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

  void start() override;
  /// Finishes the file in hand, then stops.
  void stop() override;
  /// One poll (the thread calls this; tests call it directly). Returns the files handled.
  int pollOnce();

 private:
  struct Seen {
    std::uintmax_t size;
    std::int64_t mtime;  ///< nanoseconds, as lstat gives it (a link's own, never its target's)
    std::chrono::steady_clock::time_point since;
  };
  void handle(const std::string& name);
  void run();

  InputHandler& channel_;
  DirectoryOptions options_;
  std::map<std::string, Seen> seen_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

/// `directory`/NAME for a moved file: NAME itself, or NAME.1, NAME.2 … when that is taken (a
/// tool that sends the same file name every day must not overwrite yesterday's archive).
std::filesystem::path freeName(const std::filesystem::path& directory, const std::string& name);

}  // namespace tsunagi::channels
