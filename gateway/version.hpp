#pragma once

#include <string>

namespace tsunagi {

/// "tsunagi 0.1.0 (git abc1234)" and one line per library, as `tsunagi version` prints them.
std::string versionReport();
/// The project version, e.g. "0.1.0".
const char* projectVersion();
/// `git describe --always --dirty` at build time, or "unknown" outside a git checkout.
const char* gitRevision();

}  // namespace tsunagi
