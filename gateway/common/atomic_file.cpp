#include "gateway/common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tsunagi {

void writeFileAtomically(const std::filesystem::path& target, std::string_view bytes) {
  const std::filesystem::path temp =
      target.parent_path() / ("." + target.filename().string() + ".part");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
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

}  // namespace tsunagi
