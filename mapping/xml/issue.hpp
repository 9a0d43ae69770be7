#pragma once
// One problem found in a document: where (line and field path) and why. Parsers, schema
// validation and business rules all report in this shape so that a user sees one format.

#include <stdexcept>
#include <string>
#include <vector>

namespace tsunagi::mapping {

struct Issue {
  int line = 0;          ///< 1-based line in the input, 0 when unknown
  std::string path;      ///< field path, e.g. /LiaisonSheet/patient/birthDate
  std::string message;   ///< what is wrong and why, in English

  /// "line 13: /LiaisonSheet/patient/sex: [facet 'pattern'] …" — business-rule issues have no line.
  std::string describe() const;
  bool operator==(const Issue&) const = default;
};

/// A document was refused. `issues()` has at least one entry; what() describes the first ones.
class DocumentError : public std::runtime_error {
 public:
  explicit DocumentError(std::vector<Issue> issues);
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::vector<Issue> issues_;
};

}  // namespace tsunagi::mapping
