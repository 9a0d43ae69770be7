#pragma once
// Reading a node's configuration file (XML, schema mapping/schema/node-config-1.xsd). Every
// mistake — unknown key, wrong type, missing or unreadable file — is reported with the file, the
// line, the key's path and what was expected, before anything starts.

#include <filesystem>

#include "gateway/node/node.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::config {

/// A configuration that cannot be used. what() is "FILE:LINE: PATH: reason" for the first issue.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::filesystem::path& file, std::vector<mapping::Issue> issues);
  const std::vector<mapping::Issue>& issues() const { return issues_; }

 private:
  std::vector<mapping::Issue> issues_;
};

/// Loads and checks `file`. Relative paths inside are resolved against the file's directory.
/// Channel adapters are resolved with `adapters` (null: the built-in ones) — an unknown adapter,
/// or one that cannot decode (inbound) or encode (outbound), is a ConfigError at its line.
NodeOptions loadNodeConfig(const std::filesystem::path& file,
                           std::shared_ptr<const adapters::AdapterRegistry> adapters = nullptr);

}  // namespace tsunagi::config
