#pragma once
// Reading a command's input file (or `-` for standard input) without ever holding more than the
// limit: an oversized input is refused without being read whole.

#include <cstddef>
#include <optional>
#include <string>

namespace tsunagi::cli {

/// The bytes of `name` (a file, or "-" for standard input), at most `limit + 1` of them so the
/// caller can tell "too large"; nullopt when it cannot be read.
std::optional<std::string> readInput(const std::string& name, std::size_t limit);

}  // namespace tsunagi::cli
