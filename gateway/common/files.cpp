#include "gateway/common/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tsunagi {

void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes,
                         unsigned mode) {
  const std::filesystem::path temp = target.string() + ".part";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot create " + temp.string() + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error("cannot write " + temp.string() + ": " + why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot flush " + temp.string() + ": " + why);
  }
  if (::close(fd) != 0) throw std::runtime_error("cannot close " + temp.string());
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) throw std::runtime_error("cannot rename to " + target.string() + ": " + ec.message());
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
