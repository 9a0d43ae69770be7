#include "gateway/cli/validate_command.hpp"

#include <fstream>
#include <iostream>
#include <optional>
#include <ostream>

#include "gateway/cli/cli.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::cli {

namespace {

/// Reads at most `limit + 1` bytes, so an oversized input is refused without being read whole.
std::optional<std::string> readBounded(std::istream& in, std::size_t limit) {
  std::string data;
  char buffer[65536];
  while (data.size() <= limit && in.read(buffer, sizeof buffer).gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  if (data.size() > limit + 1) data.resize(limit + 1);
  return data;
}

}  // namespace

int validateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "tsunagi validate: name at least one FILE (or - for standard input)\n\n" << usage();
    return kExitUsage;
  }
  const mapping::xml::ParseLimits limits;
  bool unreadable = false;
  bool invalid = false;
  for (const std::string& name : args) {
    std::optional<std::string> bytes;
    if (name == "-") {
      bytes = readBounded(std::cin, limits.maxBytes);
    } else {
      std::ifstream file(name, std::ios::binary);
      if (file) bytes = readBounded(file, limits.maxBytes);
    }
    if (!bytes) {
      err << name << ": cannot read the file\n";
      unreadable = true;
      continue;
    }
    try {
      mapping::parseCanonical(*bytes, limits);
      out << name << ": OK\n";
    } catch (const mapping::DocumentError& e) {
      invalid = true;
      for (const mapping::Issue& issue : e.issues()) {
        out << name << ':';
        if (issue.line > 0) out << issue.line << ':';
        out << ' ';
        if (!issue.path.empty()) out << issue.path << ": ";
        out << issue.message << '\n';
      }
    }
  }
  if (unreadable) return kExitUsage;
  return invalid ? kExitFailed : kExitOk;
}

}  // namespace tsunagi::cli
