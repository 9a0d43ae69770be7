#pragma once
// Tests that run an npm package (the RFC 9421 interop verifier, the console's browser tests): the
// package folder copied out of the source tree into a temporary directory and its locked
// packages installed there with `npm ci`, so the source tree never gets a node_modules.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

/// `program` found on $PATH, or an empty path.
std::filesystem::path onPath(const std::string& program);

/// The caller's environment (PATH, HOME, proxy and registry settings), for node and npm.
std::vector<std::string> inheritedEnvironment();

struct NpmFolder {
  std::unique_ptr<TempDir> dir;
  std::filesystem::path folder;  ///< the copy, with node_modules
  std::filesystem::path node;    ///< the node executable
  std::string problem;           ///< why it cannot be used; empty when ready

  /// Copies `files` of `source` (package.json, package-lock.json, scripts) and runs `npm ci`.
  /// Needs node and npm on PATH (Debian's nodejs and npm); reports their absence in `problem`.
  static NpmFolder prepare(const std::filesystem::path& source,
                           const std::vector<std::string>& files, const std::string& label);
};

}  // namespace tsunagi::testing
