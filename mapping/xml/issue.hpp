#pragma once
// One problem found in a document: where (line and field path) and why. Parsers, schema
// validation and business rules all report in this shape so that a user sees one format.
//
// Two renderings: describe() for the one who sent the input (NAME.error.txt, a NAK, a problem
// document, the command line) may quote the input's values; redacted() for the application log
// and the audit chain carries only the code, the position and the path (docs/operations.md "What
// the log and the audit chain never contain").

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tsunagi::mapping {

struct Issue {
  int line = 0;  ///< 1-based line in the input, 0 when unknown
  /// Where, as the schema, the profile or the format names it: a field path
  /// (/LiaisonSheet/patient/birthDate), a segment field (PID-8), a member path
  /// (Bundle.entry[2].resource.gender), a profile's column or field code, "column 5",
  /// "byte offset 120". Never text taken from a value of the input: redacted() logs it.
  std::string path;
  std::string message;  ///< what is wrong and why, in English; may quote the input's values
  /// A short kebab-case name of the kind of problem ("unknown-column", "json-syntax") for logs;
  /// empty when only the message says.
  std::string code{};
  int column = 0;                       ///< 1-based column (a CSV cell, a character), 0 unknown
  std::optional<std::size_t> offset{};  ///< byte offset in the input as received
  std::size_t length = 0;               ///< bytes from `offset` that are wrong, 0 when unknown

  /// "line 13: /LiaisonSheet/patient/sex: [facet 'pattern'] …" — business-rule issues have no line.
  std::string describe() const;
  /// The same without the message: "line 1 column 5 byte 120+2 PID-8 [unknown-column]", or
  /// "(input)" when nothing locates it. What the application log and the audit chain get.
  std::string redacted() const;
  bool operator==(const Issue&) const = default;
};

/// Every issue described, one a line.
std::string describe(const std::vector<Issue>& issues);
/// Every issue redacted, "; " between them; after the first 10, "(+N more)".
std::string redacted(const std::vector<Issue>& issues);
/// The first issue described, "(and N more)" after it; `none` when there is no issue.
std::string summarise(const std::vector<Issue>& issues, const char* none = "document refused");

/// A document was refused. `issues()` has at least one entry; what() describes the first ones
/// (and may quote values: log `mapping::redacted(issues())` instead).
class DocumentError : public std::runtime_error {
 public:
  explicit DocumentError(std::vector<Issue> issues);
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::vector<Issue> issues_;
};

}  // namespace tsunagi::mapping
