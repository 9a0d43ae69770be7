#include "gateway/common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tsunagi {

void writeFileAtomically(const std::filesystem::path& target, std::string_view bytes,
                         unsigned mode) {
  const std::filesystem::path temp =
      target.parent_path() / ("." + target.filename().string() + ".part");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
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

std::string readWholeFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error(file.string() + (std::filesystem::exists(file)
                                                  ? ": cannot be read (permissions?)"
                                                  : ": no such file"));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace tsunagi
