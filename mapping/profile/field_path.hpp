#pragma once
// Canonical fields addressed by path, relative to the document root: "patient/nameKanji",
// "insurance/careLevel", "diagnosis[2]/name" (1-based index on repeated items). Everything here is
// driven by the same field descriptions (describe(v, x)) as the parser, the serializer and the
// CodeWalker (mapping/model/binding.hpp), so a path is valid exactly when the schema has the field.
// Values travel as their canonical literals: codes as the code, dates ISO, booleans true/false.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mapping/model/canonical.hpp"

namespace tsunagi::mapping::profile {

enum class FieldKind {
  Text,     ///< free text, identifiers, instants
  Code,     ///< a code of FieldInfo::codeTable
  Date,     ///< a calendar date
  Boolean,  ///< true / false
  Integer,  ///< a whole number
  Texts,    ///< a list of texts (admission/enclosedCarePlanTable)
};

/// "text", "code", "date", "boolean", "integer", "list".
const char* toString(FieldKind kind);

struct FieldInfo {
  FieldKind kind = FieldKind::Text;
  std::string codeTable;  ///< the code table's id, for FieldKind::Code
};

/// "LiaisonSheet" and "CaseUpdate": the document types a profile can map.
bool isMappableDocumentType(std::string_view documentType);

/// The leaf field `path` names in `documentType`, or why it names none ("no field 'nameKanj' in
/// patient (known: nameKanji, nameKana, …)", "diagnosis repeats: write diagnosis[1]", …).
std::variant<FieldInfo, std::string> describeField(std::string_view documentType,
                                                   std::string_view path);

/// nullopt when `path` names a repeated group of fields (medication/drug, diagnosis) without an
/// index; otherwise why not.
std::optional<std::string> checkRepeatedGroup(std::string_view documentType, std::string_view path);

/// The leaves every valid document of this type has (sheetId, patient/nameKanji, …): what a
/// profile must map or give a default.
std::vector<std::string> requiredFields(std::string_view documentType);

/// The value(s) at `path`: none when absent, one for a scalar, several for a list field.
/// Precondition: describeField(type, path) succeeded.
std::vector<std::string> readField(const CanonicalDocument& document, std::string_view path);

/// Sets the field at `path` (creating the optional groups and repeated items on the way) from
/// canonical literals. An empty `values` leaves the document unchanged. Throws
/// std::invalid_argument when a literal does not fit the field (a date not ISO, "x" for a number).
void writeField(CanonicalDocument& document, std::string_view path,
                const std::vector<std::string>& values);

/// How many items the repeated group at `path` holds (0 when its parent is absent).
std::size_t countItems(const CanonicalDocument& document, std::string_view path);

/// Calls `onLeaf(path)` for every leaf field that holds a value, with [n] on every repeated item
/// ("diagnosis[1]/name") — the form writeField and profiles use.
void forEachPresentField(const CanonicalDocument& document,
                         const std::function<void(const std::string& path)>& onLeaf);

/// `path` with the [n] indexes removed ("diagnosis[2]/name" → "diagnosis/name").
std::string withoutIndexes(std::string_view path);

}  // namespace tsunagi::mapping::profile
