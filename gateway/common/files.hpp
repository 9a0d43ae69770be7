#pragma once
// Durable file writes: the one way a file that must survive a crash is written (local hand-over,
// audit archives, the ATNA spool).

#include <filesystem>
#include <stdexcept>
#include <string>

namespace tsunagi {

/// Writes `bytes` to `target` + ".part", fsyncs, then renames over `target`: readers see the old
/// file or the whole new one, never a part. Throws std::runtime_error naming the file and the
/// system's reason.
void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes,
                         unsigned mode = 0640);

/// The whole file; throws std::runtime_error naming it when it cannot be read.
std::string readWholeFile(const std::filesystem::path& file);

}  // namespace tsunagi
