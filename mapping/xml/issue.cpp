#include "mapping/xml/issue.hpp"

namespace tsunagi::mapping {

std::string Issue::describe() const {
  std::string out;
  if (line > 0) out += "line " + std::to_string(line) + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

namespace {
std::string summarise(const std::vector<Issue>& issues) {
  if (issues.empty()) return "document refused";
  std::string out = issues.front().describe();
  if (issues.size() > 1) out += " (and " + std::to_string(issues.size() - 1) + " more)";
  return out;
}
}  // namespace

DocumentError::DocumentError(std::vector<Issue> issues)
    : std::runtime_error(summarise(issues)), issues_(std::move(issues)) {}

}  // namespace tsunagi::mapping
