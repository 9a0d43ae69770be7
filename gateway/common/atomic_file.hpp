#pragma once
// Writing a file so that readers see either nothing or all of it: a temporary file beside the
// target (".NAME.part", hidden, so folder watchers skip it), fsync, rename, fsync of the folder.
// The one way tsunagi writes a file that must not be seen half written.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mapping/files.hpp"

namespace tsunagi {

/// Writing failed; what() names the file and the system's reason.
class FileWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Whether the process umask may take bits away from the mode a file is written with.
enum class Umask {
  Applies,  ///< `mode & ~umask` (open(2)'s rule)
  Ignored,  ///< exactly `mode`: a mode the configuration sets (directory channels' fileMode)
};

/// Writes `bytes` to `target` atomically (the one way a file that must survive a crash is
/// written: local hand-over, channel outboxes, audit archives, the ATNA spool), replacing an
/// existing file of that name, with permissions `mode`. The temporary file is created afresh
/// (O_EXCL, O_NOFOLLOW: a link planted under its name is removed, never followed). Throws
/// FileWriteError; no temporary file is left behind.
void writeFileAtomically(const std::filesystem::path& target, std::string_view bytes,
                         unsigned mode = 0640, Umask umask = Umask::Applies);

/// Creates `folder` and any missing parents with exactly `mode` (whatever the umask); folders
/// that exist keep theirs. Throws std::filesystem::filesystem_error.
void createFolders(const std::filesystem::path& folder, unsigned mode);

/// Reading a file is mapping/files.hpp (mapping::readWholeFile, bounded or not).
using mapping::readWholeFile;

}  // namespace tsunagi
