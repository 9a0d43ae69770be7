#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// `tsunagi run --config FILE`: one node in production. Bad configuration → exit 2 before anything
/// listens. SIGHUP reloads the manifest and CRL; SIGTERM/SIGINT stop it gracefully (exit 0).
int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
