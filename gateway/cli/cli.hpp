#pragma once
// The command line: `tsunagi COMMAND [ARGS]`. Exit codes: 0 ok, 1 a check failed, 2 bad usage or
// bad input/configuration.

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

/// Runs one command. `args` excludes the program name. Output for the user goes to `out`,
/// usage errors and diagnostics to `err`.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The usage text printed by `tsunagi --help` and on bad usage.
std::string usage();

}  // namespace tsunagi::cli
