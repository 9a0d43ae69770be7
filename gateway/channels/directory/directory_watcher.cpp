#include "gateway/channels/directory/directory_watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "gateway/common/atomic_file.hpp"
#include "mapping/digest.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/time.hpp"

namespace tsunagi::channels {

namespace fs = std::filesystem;

bool ignoredFileName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name[0] == '~') return true;
  for (const char* suffix : {".tmp", ".part", ".partial", ".crdownload", ".swp", ".error.txt"}) {
    const std::string s(suffix);
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return true;
  }
  return false;
}

fs::path freeName(const fs::path& directory, const std::string& name) {
  // lstat, not stat: a dangling link under the name is taken too (it is not replaced).
  auto taken = [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
  };
  fs::path target = directory / name;
  for (int n = 1; taken(target); ++n) {
    // NAME.n, the name cut (at a character boundary) where it would pass 255 bytes.
    const std::string suffix = "." + std::to_string(n);
    std::size_t keep = std::min(name.size(), std::size_t{255} - suffix.size());
    while (keep > 0 && keep < name.size() &&
           (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) {
      --keep;
    }
    target = directory / (name.substr(0, keep) + suffix);
  }
  return target;
}

std::string printableFileName(std::string_view name) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  auto escape = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto byte = static_cast<unsigned char>(name[i]);
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    }
  };
  for (std::size_t at = 0; at < name.size();) {
    const std::size_t start = at;
    char32_t c;
    try {
      c = mapping::text::decodeUtf8At(name, at);
    } catch (const mapping::text::TextError&) {
      escape(start, start + 1);  // not UTF-8: this byte, then the next ones are looked at anew
      at = start + 1;
      continue;
    }
    const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
    const bool bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
                      c == 0x200F || c == 0x061C || c == 0x2028 || c == 0x2029;
    if (control || bidi) {
      escape(start, at);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.append(name.substr(start, at - start));
    }
  }
  return out;
}

namespace {

// A file descriptor closed with its owner.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

// Opening never follows a link (ELOOP instead), never waits on a named pipe's writer and never
// makes a terminal the controlling one.
constexpr int kOpenForReading = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

std::int64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

bool sameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Someone still has the file locked (flock or POSIX record lock): it is being written. Only asked
// of what lstat saw as a regular file; a link swapped in meanwhile is not followed (and counts as
// "locked": the next polls see the change).
bool lockedByAnother(const fs::path& file) {
  const int fd = ::open(file.c_str(), kOpenForReading);
  if (fd < 0) return true;
  bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  if (!locked) {
    ::flock(fd, LOCK_UN);
    struct flock probe {};
    probe.l_type = F_RDLCK;
    probe.l_whence = SEEK_SET;
    locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  }
  ::close(fd);
  return locked;
}

// NAME.error.txt beside the refused NAME; for a name so long that it (or its temporary
// ".NAME.error.txt.part") would pass the file system's 255 bytes, the name cut at a character
// boundary, "~", and 8 hex digits of its SHA-256 (the file names the entry in full).
fs::path reasonFile(const fs::path& target) {
  constexpr std::size_t kNameMax = 255, kTemporary = 6, kSuffix = 10;  // "." ".part", ".error.txt"
  const std::string name = target.filename().string();
  if (name.size() + kSuffix + kTemporary <= kNameMax) return target.string() + ".error.txt";
  std::size_t keep = kNameMax - kTemporary - kSuffix - 9;
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return target.parent_path() /
         (name.substr(0, keep) + "~" + mapping::sha256Hex(name).substr(0, 8) + ".error.txt");
}

std::string now() {
  return mapping::readableTimestamp(
      mapping::civilTime(mapping::nowUnixSeconds(), mapping::Zone::Local));
}

// What an entry that is not a regular file is, for the tool's NAME.error.txt.
struct Unsafe {
  std::string code;    ///< symbolic-link, not-a-regular-file, hard-linked-file
  std::string reason;  ///< for NAME.error.txt: what it is and what to do (no content)
};

Unsafe unsafeEntry(const struct stat& st, const std::string& prefix) {
  if (S_ISLNK(st.st_mode)) {
    return {"symbolic-link", prefix +
                                 "シンボリックリンクです。リンク先は読みません / a symbolic link: "
                                 "links are never followed; put the file itself in the folder"};
  }
  const char* kind = S_ISFIFO(st.st_mode)                         ? "a named pipe (FIFO)"
                     : S_ISSOCK(st.st_mode)                       ? "a socket"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISDIR(st.st_mode) ? "a folder inside a set (sets are flat)"
                                           : "not a regular file";
  return {"not-a-regular-file",
          prefix + "通常のファイルではありません / " + kind + ": only regular files are read"};
}

Unsafe hardLinked(const struct stat& st, const std::string& prefix) {
  return {"hard-linked-file",
          prefix + "ハードリンクが " + std::to_string(st.st_nlink) + " 個あります / the file has " +
              std::to_string(st.st_nlink) +
              " hard links: only a file with one link is read; copy the file into the folder "
              "instead of linking it"};
}

}  // namespace

DirectoryWatcher::DirectoryWatcher(InputHandler& channel, DirectoryOptions options)
    : channel_(channel), options_(std::move(options)) {
  // Folders made here are the node's: 0700, or 0750 with a group fileMode. Existing ones keep
  // their mode (the inbox must be writable by the tool: that is the administrator's to set).
  const unsigned mode = folderMode(options_.fileMode);
  createFolders(options_.inbox, mode);
  createFolders(options_.archive, mode);
  createFolders(options_.error, mode);
}

DirectoryWatcher::~DirectoryWatcher() { stop(); }

void DirectoryWatcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void DirectoryWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void DirectoryWatcher::run() {
  for (;;) {
    try {
      pollOnce();
    } catch (const std::exception& e) {
      spdlog::error("channel {}: polling {} failed: {}", channel_.options().name,
                    options_.inbox.string(), e.what());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, options_.poll, [&] { return stopping_; })) return;
  }
}

namespace {

// What a set folder holds (sorted, ignored names left out): its regular files, their total size
// and latest modification time, as lstat sees them; a folder has settled when these stop changing.
// Entries that are not regular files (links, pipes, folders) count too: the set is refused whole
// once settled.
struct FolderState {
  std::vector<fs::path> files;
  std::uintmax_t size = 0;
  std::int64_t mtime = 0;
  std::size_t entries = 0;
};

std::optional<FolderState> folderState(const fs::path& folder) {
  FolderState state;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (ec) return std::nullopt;
    const std::string name = entry.path().filename().string();
    if (ignoredFileName(name)) {
      // A copy still in progress (a .part file) means the set is not complete.
      if (!name.empty() && name[0] != '.') return std::nullopt;
      continue;
    }
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0) return std::nullopt;
    state.size += static_cast<std::uintmax_t>(st.st_size);
    state.mtime = std::max(state.mtime, nanoseconds(st.st_mtim));
    ++state.entries;
    if (S_ISREG(st.st_mode)) state.files.push_back(entry.path());
  }
  if (ec || state.entries == 0) return std::nullopt;
  std::sort(state.files.begin(), state.files.end());
  // The folder's own time too: a file renamed in does not change the others'.
  struct stat self {};
  if (::lstat(folder.c_str(), &self) == 0) {
    state.mtime = std::max(state.mtime, nanoseconds(self.st_mtim));
  }
  state.size += state.entries;
  return state;
}

}  // namespace

int DirectoryWatcher::pollOnce() {
  const auto nowTick = std::chrono::steady_clock::now();
  std::map<std::string, Seen> current;
  std::vector<std::string> ready;
  auto sameFolder = [](const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
  };
  for (const auto& entry : fs::directory_iterator(options_.inbox)) {
    const std::string name = entry.path().filename().string();
    if (ignoredFileName(name)) continue;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0) continue;  // gone meanwhile
    std::uintmax_t size = static_cast<std::uintmax_t>(st.st_size);
    std::int64_t mtime = nanoseconds(st.st_mtim);
    std::vector<fs::path> lockable;
    if ((S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) &&
        (sameFolder(entry.path(), options_.archive) || sameFolder(entry.path(), options_.error))) {
      continue;  // the channel's own archive/ and error/ (or the administrator's link to them)
    }
    if (S_ISDIR(st.st_mode)) {
      // A sub-folder is one input: a set of files that belong together (a care-plan set).
      auto state = folderState(entry.path());
      if (!state) continue;
      size = state->size;
      mtime = state->mtime;
      lockable = std::move(state->files);
    } else if (S_ISREG(st.st_mode)) {
      lockable = {entry.path()};
    }
    // Anything else (a link, a pipe, a device) settles like a file and is then moved aside
    // unread; it is never opened here.
    auto it = seen_.find(name);
    Seen seen{size, mtime, nowTick};
    if (it != seen_.end() && it->second.size == size && it->second.mtime == mtime) {
      seen.since = it->second.since;
      // Unchanged since an earlier poll, for `settle` at least, and nobody holds it.
      if (nowTick - seen.since >= options_.settle &&
          std::none_of(lockable.begin(), lockable.end(), lockedByAnother)) {
        ready.push_back(name);
      }
    }
    current.emplace(name, seen);
  }
  seen_ = std::move(current);
  std::sort(ready.begin(), ready.end());
  int handled = 0;
  for (const auto& name : ready) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && thread_.joinable()) break;
    }
    handle(name);
    ++handled;
  }
  return handled;
}

namespace {

// An inbox entry taken for the channel: the bytes of its regular files, read from descriptors
// that were checked to be the files lstat saw; or the reason it is refused unread.
struct Taken {
  enum class Outcome {
    Read,        ///< input holds the bytes
    Refused,     ///< unsafe.code says why; nothing was read
    Changed,     ///< replaced or removed since it settled: the next polls look again
    Unreadable,  ///< cannot be opened (permissions?): tried again
  };
  Outcome outcome = Outcome::Read;
  Unsafe unsafe;
  std::uintmax_t size = 0;
  /// The descriptors of the regular, singly linked files taken, and of a set's folder: their
  /// mode is set (fileMode, folderMode) before they are moved to archive/ or error/.
  std::vector<Fd> files;
  Fd folder;
  int error = 0;  ///< Unreadable: errno
};

// Opens `name` in folder `dir` without following a link, and checks the descriptor: a regular
// file with one link, the very file `seen` (lstat) describes. Returns the open file, or sets the
// outcome of `taken`.
Fd openChecked(int dir, const std::string& name, const struct stat& seen, const std::string& prefix,
               Taken& taken) {
  if (!S_ISREG(seen.st_mode)) {
    taken.outcome = Taken::Outcome::Refused;
    taken.unsafe = unsafeEntry(seen, prefix);
    return {};
  }
  Fd fd(::openat(dir, name.c_str(), kOpenForReading));
  if (!fd) {
    if (errno == ELOOP) {  // a link was put in its place after lstat
      struct stat link {};
      link.st_mode = S_IFLNK;
      taken.outcome = Taken::Outcome::Refused;
      taken.unsafe = unsafeEntry(link, prefix);
    } else if (errno == ENOENT) {
      taken.outcome = Taken::Outcome::Changed;
    } else {
      taken.outcome = Taken::Outcome::Unreadable;
      taken.error = errno;
    }
    return {};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !sameFile(st, seen)) {
    taken.outcome = Taken::Outcome::Changed;
    return {};
  }
  if (!S_ISREG(st.st_mode)) {
    taken.outcome = Taken::Outcome::Refused;
    taken.unsafe = unsafeEntry(st, prefix);
    return {};
  }
  if (st.st_nlink > 1) {
    // The same file under another name, perhaps one the tool's account could not read: not
    // read, and its mode is not touched.
    taken.outcome = Taken::Outcome::Refused;
    taken.unsafe = hardLinked(st, prefix);
    return {};
  }
  taken.size += static_cast<std::uintmax_t>(st.st_size);
  return fd;
}

// The whole file behind `fd`, at most `limit` + 1 bytes (more means it grew past the limit).
std::optional<std::string> readAll(int fd, std::size_t limit) {
  std::string bytes;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<std::size_t>(n));
    if (bytes.size() > limit) return bytes;
  }
}

}  // namespace

void DirectoryWatcher::handle(const std::string& name) {
  const auto& channel = channel_.options();
  Fd inbox(::open(options_.inbox.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!inbox) {
    throw std::runtime_error("cannot open the inbox " + options_.inbox.string() + ": " +
                             std::strerror(errno));
  }
  struct stat seen {};
  if (::fstatat(inbox.get(), name.c_str(), &seen, AT_SYMLINK_NOFOLLOW) != 0) return;  // gone
  const bool isSet = S_ISDIR(seen.st_mode);
  Taken taken;
  // (member name, descriptor) of the files to read, in name order.
  std::vector<std::pair<std::string, int>> toRead;
  if (!isSet) {
    Fd fd = openChecked(inbox.get(), name, seen, "", taken);
    if (fd) {
      toRead.emplace_back(name, fd.get());
      taken.files.push_back(std::move(fd));
    }
  } else {
    taken.folder =
        Fd(::openat(inbox.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat self {};
    if (!taken.folder || ::fstat(taken.folder.get(), &self) != 0 || !sameFile(self, seen)) {
      seen_.erase(name);  // replaced since it settled
      return;
    }
    std::vector<std::string> members;
    {
      DIR* listing = ::fdopendir(::dup(taken.folder.get()));
      if (listing == nullptr) {
        seen_.erase(name);
        return;
      }
      while (const dirent* e = ::readdir(listing)) {
        const std::string member = e->d_name;
        if (member == "." || member == "..") continue;
        if (ignoredFileName(member)) {
          if (member[0] != '.') taken.outcome = Taken::Outcome::Changed;  // a copy began again
          continue;
        }
        members.push_back(member);
      }
      ::closedir(listing);
    }
    std::sort(members.begin(), members.end());
    if (members.empty()) taken.outcome = Taken::Outcome::Changed;
    // Every member is checked (the folder is refused whole for the first unsafe one); the regular
    // ones stay open so that their mode is set before the folder is moved.
    Unsafe firstUnsafe;
    for (const auto& member : members) {
      if (taken.outcome == Taken::Outcome::Changed || taken.outcome == Taken::Outcome::Unreadable)
        break;
      struct stat st {};
      if (::fstatat(taken.folder.get(), member.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        taken.outcome = Taken::Outcome::Changed;
        break;
      }
      Taken one;
      Fd fd = openChecked(taken.folder.get(), member, st, printableFileName(member) + ": ", one);
      if (one.outcome == Taken::Outcome::Refused) {
        if (firstUnsafe.code.empty()) firstUnsafe = one.unsafe;
        continue;
      }
      if (!fd) {
        taken.outcome = one.outcome;
        taken.error = one.error;
        break;
      }
      taken.size += one.size;
      toRead.emplace_back(member, fd.get());
      taken.files.push_back(std::move(fd));
    }
    if (taken.outcome == Taken::Outcome::Read && !firstUnsafe.code.empty()) {
      taken.outcome = Taken::Outcome::Refused;
      taken.unsafe = firstUnsafe;
    }
  }
  switch (taken.outcome) {
    case Taken::Outcome::Changed:
      seen_.erase(name);  // the next polls look at it anew
      return;
    case Taken::Outcome::Unreadable:
      // File names may name a patient: the log names the channel and the folder only.
      spdlog::warn("channel {}: an input in {} cannot be read ({}); will try again", channel.name,
                   options_.inbox.string(), std::strerror(taken.error));
      return;
    case Taken::Outcome::Read:
    case Taken::Outcome::Refused:
      break;
  }

  InboundResult result;
  if (taken.outcome == Taken::Outcome::Refused) {
    // Nothing was read: the event has the code and the SHA-256 of the entry's name.
    result = channel_.refuse(taken.unsafe.code, taken.unsafe.reason, name);
  } else if (taken.size > options_.maxBytes) {
    result = channel_.refuse("input-too-large",
                             std::string(isSet ? "the folder's files have " : "the file has ") +
                                 std::to_string(taken.size) + " bytes; the channel takes at most " +
                                 std::to_string(options_.maxBytes),
                             name);
  } else {
    // A set is handed over as its first file (by name) with the others as extra files.
    adapters::LocalInput input;
    std::size_t total = 0;
    for (const auto& [member, fd] : toRead) {
      auto bytes = readAll(fd, options_.maxBytes - total);
      if (!bytes) {
        spdlog::warn("channel {}: an input in {} cannot be read ({}); will try again", channel.name,
                     options_.inbox.string(), std::strerror(errno));
        return;
      }
      total += bytes->size();
      if (total > options_.maxBytes) {  // grew since it settled
        seen_.erase(name);
        return;
      }
      if (input.name.empty()) {
        input.bytes = std::move(*bytes);
        input.name = member;
      } else {
        input.extraFiles.push_back(adapters::LocalFile{member, std::move(*bytes)});
      }
    }
    input.metadata = {{"fileName", input.name}};
    if (isSet) input.metadata["folder"] = name;
    result = channel_.accept(std::move(input));
  }
  if (result.status == InboundResult::Status::Unavailable) {
    // Stays in the inbox: the next polls try again (the Submitter is idempotent).
    seen_.erase(name);
    return;
  }

  // At rest, the input is the node's: fileMode on its files, folderMode on a set's folder. A
  // file the node's account does not own keeps its mode (the folder's mode still guards it).
  bool restricted = true;
  for (const Fd& fd : taken.files) restricted &= ::fchmod(fd.get(), options_.fileMode) == 0;
  if (taken.folder) restricted &= ::fchmod(taken.folder.get(), folderMode(options_.fileMode)) == 0;
  if (!restricted) {
    spdlog::warn("channel {}: the mode of an input cannot be set to {:o} ({}); it keeps its own",
                 channel.name, options_.fileMode, std::strerror(errno));
  }
  const bool accepted = result.status == InboundResult::Status::Accepted;
  const fs::path target = freeName(accepted ? options_.archive : options_.error, name);
  // rename(2) moves the entry itself: a link is moved, never followed.
  if (::renameat(inbox.get(), name.c_str(), AT_FDCWD, target.c_str()) != 0) {
    spdlog::error("channel {}: a {} input cannot be moved to {}: {}", channel.name,
                  accepted ? "sent" : "refused",
                  (accepted ? options_.archive : options_.error).string(), std::strerror(errno));
    return;
  }
  // The reason is written once the input is in error/: a tool (or person) that sees
  // NAME.error.txt finds NAME beside it.
  if (!accepted) {
    std::string text = std::string(isSet ? "フォルダ / folder: " : "ファイル / file: ") +
                       printableFileName(name) + "\n" + "チャネル / channel: " + channel.name +
                       " (adapter " + channel.adapter + ")\n" + "日時 / at: " + now() + "\n" +
                       "送信しませんでした / not sent: " + result.code + "\n\n" + result.reason +
                       "\n";
    if (!result.losses.empty()) text += "\n" + result.losses.text();
    try {
      writeFileAtomically(reasonFile(target), text, options_.fileMode, Umask::Ignored);
    } catch (const FileWriteError& e) {
      // what() names the file (and so the input's name): the log keeps the system's reason.
      const std::string what = e.what();
      const auto colon = what.rfind(": ");
      spdlog::error("channel {}: the reason of a refused input cannot be written in {}: {}",
                    channel.name, options_.error.string(),
                    colon == std::string::npos ? what : what.substr(colon + 2));
    }
  }
  if (accepted) {
    // File names may name a patient: the log has the message ids only.
    std::string ids;
    for (const auto& m : result.messages) ids += (ids.empty() ? "" : ",") + m.messageId;
    spdlog::info("channel {}: a {} was sent as message(s) [{}] and archived", channel.name,
                 isSet ? "folder" : "file", ids);
  }
}

}  // namespace tsunagi::channels
