#include "gateway/cli/validate_command.hpp"

#include <optional>
#include <ostream>

#include "gateway/cli/cli.hpp"
#include "gateway/cli/input.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::cli {

int validateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "tsunagi validate: name at least one FILE (or - for standard input)\n\n" << usage();
    return kExitUsage;
  }
  const mapping::xml::ParseLimits limits;
  bool unreadable = false;
  bool invalid = false;
  for (const std::string& name : args) {
    const std::optional<std::string> bytes = readInput(name, limits.maxBytes);
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
