#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// `tsunagi validate FILE…` (FILE may be `-` for stdin): "FILE: OK" per valid document, or one
/// line per issue "FILE:LINE: PATH: message". Exit 0 all valid, 1 any invalid, 2 unreadable input
/// or bad usage.
int validateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
