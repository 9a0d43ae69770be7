#include "gateway/common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tsunagi {

void writeFileAtomically(const std::filesystem::path& target, std::string_view bytes,
                         unsigned mode, Umask umask) {
  const std::filesystem::path temp =
      target.parent_path() / ("." + target.filename().string() + ".part");
  // A leftover of a crash, or a link someone put there (the folder may be a shared one): removed,
  // and the file made new, so that nothing is written through a link or keeps an older mode.
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT) {
    throw FileWriteError("cannot remove " + temp.string() + ": " + std::strerror(errno));
  }
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw FileWriteError("cannot create " + temp.string() + ": " + std::strerror(errno));
  auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw FileWriteError("cannot " + what + " " + temp.string() + ": " + why);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (umask == Umask::Ignored && ::fchmod(fd, mode) != 0) fail("set the mode of");
  if (::fsync(fd) != 0) fail("flush");
  if (::close(fd) != 0) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw FileWriteError("cannot close " + temp.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw FileWriteError("cannot rename to " + target.string() + ": " + ec.message());
  }
  // The rename itself is durable only once the folder is flushed.
  const int dir = ::open(target.parent_path().empty() ? "." : target.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void createFolders(const std::filesystem::path& folder, unsigned mode) {
  std::error_code ec;
  if (folder.empty() || std::filesystem::is_directory(folder, ec)) return;
  createFolders(folder.parent_path() == folder ? std::filesystem::path() : folder.parent_path(),
                mode);
  if (::mkdir(folder.c_str(), mode) != 0) {
    if (errno == EEXIST && std::filesystem::is_directory(folder, ec)) return;  // made meanwhile
    throw std::filesystem::filesystem_error("cannot create folder", folder,
                                            std::error_code(errno, std::generic_category()));
  }
  // mkdir applies the umask: the mode asked for is the mode given (on the folder just made, not
  // on whatever a link in its place would point to).
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::fchmod(fd, mode) != 0) {
    const std::error_code why(errno, std::generic_category());
    if (fd >= 0) ::close(fd);
    throw std::filesystem::filesystem_error("cannot set the mode of", folder, why);
  }
  ::close(fd);
}

}  // namespace tsunagi
