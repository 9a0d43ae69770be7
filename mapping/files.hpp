#pragma once
// Reading a whole file: the one way tsunagi reads a file into memory (configuration, keys,
// certificates, CRLs, manifests, code tables, profiles, audit archives, samples). Bounded where
// the caller says how much it accepts: a larger file is refused without being read whole.
// Writing a file atomically is gateway/common/atomic_file.hpp.

#include <cstddef>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>

namespace tsunagi::mapping {

/// A file could not be read. what(): "FILE: no such file", "FILE: cannot be read
/// (permissions?)" or "FILE: larger than N bytes"; callers that word it their own way use
/// reason() and systemError().
class FileReadError : public std::runtime_error {
 public:
  enum class Reason {
    Missing,     ///< nothing under that name
    Unreadable,  ///< there, but it cannot be opened or read (permissions, a directory, I/O)
    TooLarge,    ///< more bytes than the caller accepts
  };
  FileReadError(const std::filesystem::path& file, Reason reason, std::size_t limit,
                int systemError);
  Reason reason() const noexcept { return reason_; }
  /// errno when opening or reading failed, 0 otherwise.
  int systemError() const noexcept { return systemError_; }

 private:
  Reason reason_;
  int systemError_;
};

constexpr std::size_t kNoFileLimit = std::numeric_limits<std::size_t>::max();

/// The whole file, at most `maxBytes` of it (at most maxBytes + 1 bytes are ever read). Throws
/// FileReadError.
std::string readWholeFile(const std::filesystem::path& file, std::size_t maxBytes = kNoFileLimit);

}  // namespace tsunagi::mapping
