#include "mapping/xml/issue.hpp"

namespace tsunagi::mapping {

std::string Issue::describe() const {
  std::string out;
  if (line > 0) out += "line " + std::to_string(line) + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

std::string Issue::redacted() const {
  std::string out;
  const auto add = [&](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  if (line > 0) add("line " + std::to_string(line));
  if (column > 0) add("column " + std::to_string(column));
  if (offset)
    add("byte " + std::to_string(*offset) + (length > 0 ? "+" + std::to_string(length) : ""));
  if (!path.empty()) add(path);
  if (!code.empty()) add("[" + code + "]");
  return out.empty() ? "(input)" : out;
}

std::string describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& issue : issues) out += (out.empty() ? "" : "\n") + issue.describe();
  return out;
}

std::string redacted(const std::vector<Issue>& issues) {
  constexpr std::size_t kShown = 10;
  std::string out;
  for (std::size_t i = 0; i < issues.size() && i < kShown; ++i) {
    out += (out.empty() ? "" : "; ") + issues[i].redacted();
  }
  if (issues.size() > kShown) out += " (+" + std::to_string(issues.size() - kShown) + " more)";
  return out.empty() ? "(input)" : out;
}

std::string summarise(const std::vector<Issue>& issues, const char* none) {
  if (issues.empty()) return none;
  std::string out = issues.front().describe();
  if (issues.size() > 1) out += " (and " + std::to_string(issues.size() - 1) + " more)";
  return out;
}

DocumentError::DocumentError(std::vector<Issue> issues)
    : std::runtime_error(summarise(issues)), issues_(std::move(issues)) {}

}  // namespace tsunagi::mapping
