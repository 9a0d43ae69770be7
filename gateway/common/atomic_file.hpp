#pragma once
// Writing a file so that readers see either nothing or all of it: a temporary file beside the
// target (".NAME.part", hidden, so folder watchers skip it), fsync, rename, fsync of the folder.

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace tsunagi {

/// Writing failed; what() names the file and the system's reason.
class FileWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `bytes` to `target` atomically, replacing an existing file of that name. Throws
/// FileWriteError; no temporary file is left behind.
void writeFileAtomically(const std::filesystem::path& target, std::string_view bytes);

}  // namespace tsunagi
