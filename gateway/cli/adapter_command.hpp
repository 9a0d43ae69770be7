#pragma once
// Vendor tooling: `tsunagi translate` (one file from one adapter to another) and
// `tsunagi adapter check|list` (the conformance kit of adapters/conformance.hpp).

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// `tsunagi translate --from ADAPTER[:PROFILE] --to ADAPTER[:PROFILE] [--out DIR] [--loss-note]
/// FILE`: the result on stdout (or written to DIR), the loss report on stderr. Exit 0 translated,
/// 1 the input or the document cannot be translated (each issue as FILE:LINE: PATH: reason),
/// 2 bad usage, unknown adapter or unreadable file.
int translateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `tsunagi adapter check ADAPTER[:PROFILE] SAMPLES_DIR` prints the conformance table (exit 0 all
/// passed, 1 any failure); `tsunagi adapter list` names the registered adapters.
int adapterCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
