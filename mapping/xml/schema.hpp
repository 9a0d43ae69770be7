#pragma once
// XSD validation. Each schema file is compiled once (xmlSchemaParse) and shared by all threads;
// every thread validates with a validation context of its own.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mapping/xml/document.hpp"
#include "mapping/xml/issue.hpp"

struct _xmlSchema;

namespace tsunagi::mapping::xml {

class Schema {
 public:
  /// Compiles the XSD at `file` (a trusted file shipped with tsunagi). Throws std::runtime_error
  /// naming the file and the first problem.
  static std::shared_ptr<const Schema> compile(const std::filesystem::path& file);
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  /// All validation errors, each with line and field path; empty when the document is valid.
  std::vector<Issue> validate(const Document& document) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  Schema(_xmlSchema* schema, std::filesystem::path file) : schema_(schema), file_(std::move(file)) {}
  _xmlSchema* schema_;
  std::filesystem::path file_;
};

/// The directory holding schema/, codes/ and profiles/: $TSUNAGI_DATA_DIR if set, else
/// ../share/tsunagi beside the running executable (an installed package), else the configured
/// install directory if it exists, else the source tree this binary was built from.
std::filesystem::path dataDirectory();

/// A schema from dataDirectory()/schema, compiled on first use and cached for the process.
std::shared_ptr<const Schema> shippedSchema(const std::string& fileName);

}  // namespace tsunagi::mapping::xml
