#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::demo {

/// `tsunagi demo [--dir DIR] [--scenario-only]`.
int runDemoCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::demo
