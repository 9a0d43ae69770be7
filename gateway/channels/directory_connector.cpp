#include "gateway/channels/directory_connector.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "gateway/common/atomic_file.hpp"

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
  fs::path target = directory / name;
  for (int n = 1; fs::exists(target); ++n) target = directory / (name + "." + std::to_string(n));
  return target;
}

namespace {

// Someone still has the file locked (flock or POSIX record lock): it is being written.
bool lockedByAnother(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
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

std::string now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

DirectoryWatcher::DirectoryWatcher(InputHandler& channel, DirectoryOptions options)
    : channel_(channel), options_(std::move(options)) {
  fs::create_directories(options_.inbox);
  fs::create_directories(options_.archive);
  fs::create_directories(options_.error);
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

// The regular files a set folder holds (sorted, ignored names left out), their total size and
// latest modification time: a folder has settled when these stop changing.
struct FolderState {
  std::vector<fs::path> files;
  std::uintmax_t size = 0;
  fs::file_time_type mtime{};
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
    if (!entry.is_regular_file(ec) || ec) return std::nullopt;  // sets are flat
    state.size += entry.file_size(ec);
    if (ec) return std::nullopt;
    state.mtime = std::max(state.mtime, entry.last_write_time(ec));
    if (ec) return std::nullopt;
    state.files.push_back(entry.path());
  }
  if (ec || state.files.empty()) return std::nullopt;
  std::sort(state.files.begin(), state.files.end());
  // The folder's own time too: a file renamed in does not change the others'.
  state.mtime = std::max(state.mtime, fs::last_write_time(folder, ec));
  state.size += state.files.size();
  return state;
}

}  // namespace

int DirectoryWatcher::pollOnce() {
  const auto nowTick = std::chrono::steady_clock::now();
  std::map<std::string, Seen> current;
  std::vector<fs::path> ready;
  auto sameFolder = [](const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
  };
  for (const auto& entry : fs::directory_iterator(options_.inbox)) {
    std::error_code ec;
    const std::string name = entry.path().filename().string();
    if (ignoredFileName(name)) continue;
    std::uintmax_t size = 0;
    fs::file_time_type mtime{};
    std::vector<fs::path> files;
    if (entry.is_directory(ec) && !ec) {
      // A sub-folder is one input: a set of files that belong together (a care-plan set).
      if (sameFolder(entry.path(), options_.archive) || sameFolder(entry.path(), options_.error))
        continue;
      auto state = folderState(entry.path());
      if (!state) continue;
      size = state->size;
      mtime = state->mtime;
      files = std::move(state->files);
    } else if (entry.is_regular_file(ec) && !ec) {
      size = entry.file_size(ec);
      if (ec) continue;
      mtime = entry.last_write_time(ec);
      if (ec) continue;
      files = {entry.path()};
    } else {
      continue;
    }
    auto it = seen_.find(name);
    Seen seen{size, mtime, nowTick};
    if (it != seen_.end() && it->second.size == size && it->second.mtime == mtime) {
      seen.since = it->second.since;
      // Unchanged since an earlier poll, for `settle` at least, and nobody holds it.
      if (nowTick - seen.since >= options_.settle &&
          std::none_of(files.begin(), files.end(), lockedByAnother)) {
        ready.push_back(entry.path());
      }
    }
    current.emplace(name, seen);
  }
  seen_ = std::move(current);
  std::sort(ready.begin(), ready.end());
  int handled = 0;
  for (const auto& file : ready) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && thread_.joinable()) break;
    }
    handle(file);
    ++handled;
  }
  return handled;
}

void DirectoryWatcher::handle(const fs::path& file) {
  const std::string name = file.filename().string();
  const auto& channel = channel_.options();
  std::error_code ec;
  const bool isSet = fs::is_directory(file, ec);
  std::vector<fs::path> files = {file};
  if (isSet) {
    auto state = folderState(file);
    if (!state) return;  // emptied or changed meanwhile: the next polls look again
    files = std::move(state->files);
  }
  std::uintmax_t size = 0;
  for (const auto& f : files) {
    size += fs::file_size(f, ec);
    if (ec) return;  // gone meanwhile
  }
  InboundResult result;
  if (size > options_.maxBytes) {
    result = channel_.refuse("input-too-large",
                             std::string(isSet ? "the folder's files have " : "the file has ") +
                                 std::to_string(size) + " bytes; the channel takes at most " +
                                 std::to_string(options_.maxBytes),
                             name);
  } else {
    // A set is handed over as its first file (by name) with the others as extra files.
    adapters::LocalInput input;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        spdlog::warn("channel {}: cannot read {} (permissions?); will try again", channel.name,
                     name);
        return;
      }
      std::ostringstream buffer;
      buffer << in.rdbuf();
      const std::string fileName = f.filename().string();
      if (input.name.empty()) {
        input.bytes = buffer.str();
        input.name = fileName;
      } else {
        input.extraFiles.push_back(adapters::LocalFile{fileName, buffer.str()});
      }
    }
    input.metadata = {{"fileName", input.name}};
    if (isSet) input.metadata["folder"] = name;
    result = channel_.accept(std::move(input));
  }
  switch (result.status) {
    case InboundResult::Status::Unavailable:
      // Stays in the inbox: the next polls try again (the Submitter is idempotent).
      seen_.erase(name);
      return;
    case InboundResult::Status::Accepted: {
      const auto target = freeName(options_.archive, name);
      fs::rename(file, target, ec);
      if (ec) {
        spdlog::error("channel {}: {} was sent but cannot be moved to {}: {}", channel.name, name,
                      target.string(), ec.message());
      } else {
        // File names may name a patient: the log has the message ids only.
        std::string ids;
        for (const auto& m : result.messages) ids += (ids.empty() ? "" : ",") + m.messageId;
        spdlog::info("channel {}: a {} was sent as message(s) [{}] and archived", channel.name,
                     isSet ? "folder" : "file", ids);
      }
      return;
    }
    case InboundResult::Status::Rejected: {
      const auto target = freeName(options_.error, name);
      std::string text = std::string(isSet ? "フォルダ / folder: " : "ファイル / file: ") + name +
                         "\n" + "チャネル / channel: " + channel.name +
                         " (adapter " + channel.adapter + ")\n" + "日時 / at: " + now() + "\n" +
                         "送信しませんでした / not sent: " + result.code + "\n\n" + result.reason +
                         "\n";
      if (!result.losses.empty()) text += "\n" + result.losses.text();
      try {
        writeFileAtomically(fs::path(target.string() + ".error.txt"), text);
      } catch (const FileWriteError& e) {
        spdlog::error("channel {}: {}", channel.name, e.what());
      }
      fs::rename(file, target, ec);
      if (ec) {
        spdlog::error("channel {}: refused input cannot be moved to {}: {}", channel.name,
                      target.string(), ec.message());
      }
      return;
    }
  }
}

}  // namespace tsunagi::channels
