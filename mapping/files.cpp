#include "mapping/files.hpp"

#include <cerrno>
#include <fstream>

namespace tsunagi::mapping {

namespace {

std::string describe(const std::filesystem::path& file, FileReadError::Reason reason,
                     std::size_t limit) {
  switch (reason) {
    case FileReadError::Reason::Missing:
      return file.string() + ": no such file";
    case FileReadError::Reason::Unreadable:
      return file.string() + ": cannot be read (permissions?)";
    case FileReadError::Reason::TooLarge:
      break;
  }
  return file.string() + ": larger than " + std::to_string(limit) + " bytes";
}

}  // namespace

FileReadError::FileReadError(const std::filesystem::path& file, Reason reason, std::size_t limit,
                             int systemError)
    : std::runtime_error(describe(file, reason, limit)),
      reason_(reason),
      systemError_(systemError) {}

std::string readWholeFile(const std::filesystem::path& file, std::size_t maxBytes) {
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int error = errno;
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    throw FileReadError(file, exists ? FileReadError::Reason::Unreadable
                                     : FileReadError::Reason::Missing,
                        maxBytes, error);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw FileReadError(file, FileReadError::Reason::Unreadable, maxBytes, EISDIR);
  }
  std::string bytes;
  char buffer[65536];
  while (in) {
    // One byte past the limit at most: enough to know the file is larger.
    const std::size_t room = maxBytes - bytes.size();
    const std::size_t want = room < sizeof buffer ? room + 1 : sizeof buffer;
    in.read(buffer, static_cast<std::streamsize>(want));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got > room) throw FileReadError(file, FileReadError::Reason::TooLarge, maxBytes, 0);
    bytes.append(buffer, got);
  }
  if (in.bad()) throw FileReadError(file, FileReadError::Reason::Unreadable, maxBytes, errno);
  return bytes;
}

}  // namespace tsunagi::mapping
