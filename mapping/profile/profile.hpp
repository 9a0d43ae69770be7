#pragma once
// Mapping profiles (schema mapping/schema/profile-1.xsd, reference docs/adapter-guide.md): how a
// local tool's fields — kintone field codes, CSV column headers — map onto canonical field paths,
// with code translations, date formats, length limits, defaults and the field that receives the
// loss note. The profile-driven adapters (kintone, room_csv) are built from one.
//
// A profile is operator input: it is parsed with the hardened parser, checked against the schema,
// and then every mapping is checked against the canonical model and the code tables. Every mistake
// is reported, each as "FILE:LINE: PATH: reason".

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/model/liaison_sheet.hpp"
#include "mapping/profile/field_path.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::mapping::profile {

/// The XML namespace of profiles, version 1.
inline constexpr const char* kProfileNamespace = "urn:tsunagi:profile:1";

/// How dates and instants are written in the tool (decode reads every form parseFlexibleDate
/// accepts; the format decides what encode writes).
enum class DateFormat {
  Iso,          ///< 2024-03-01
  Slash,        ///< 2024/03/01
  Compact,      ///< 20240301
  Kanji,        ///< 2024年3月1日
  Wareki,       ///< 令和6年3月1日
  WarekiShort,  ///< R6.3.1
  JstDateTime,  ///< instants: 2024/03/01 09:30, Japan time
  UtcDateTime,  ///< instants: 2024-03-01T00:30:00Z (kintone DATETIME)
};

/// One tool value ↔ one canonical literal (a code of the field's table, or true / false).
struct ValueMapping {
  std::string tool;
  std::string canonical;
  /// Encode only: the tool's coarser value for this code (見守り → 一部介助 on a three-level
  /// scale); written with an Approximated loss, never used for decoding.
  bool approximates = false;
  /// `tool` folded by text::foldForComparison, once when the profile is read: what decoding
  /// compares a tool's value with.
  std::string toolKey;
};

struct FieldMapping {
  std::string source;  ///< kintone field code or CSV column header
  std::string path;    ///< canonical path relative to the document (patient/nameKanji)
  FieldInfo info;      ///< what the path holds
  bool required = false;
  std::optional<std::string> defaultValue;  ///< a tool value used when the tool's is empty
  std::optional<std::size_t> maxLength;     ///< the tool's limit, in characters
  std::optional<DateFormat> dateFormat;
  bool acceptLabels = true;  ///< also accept the code table's Japanese labels and codes
  std::vector<ValueMapping> values;
  std::string separator;  ///< list fields in one cell
  std::string prefix;     ///< identifiers: prepended on decode, removed on encode
  std::string toolType;   ///< kintone field type, when declared
  int line = 0;           ///< line in the profile file

  /// The tool value for a canonical literal: the first non-approximating mapping, else an
  /// approximating one (approximated = true), else nullptr.
  const ValueMapping* forEncode(std::string_view canonical, bool& approximated) const;
};

/// A kintone SUBTABLE: rows ↔ items of a repeated canonical group.
struct TableMapping {
  std::string source;
  std::string path;                  ///< the repeated group (medication/drug)
  std::vector<FieldMapping> fields;  ///< paths relative to one item
  int line = 0;
};

struct LossNoteTarget {
  std::string source;
  std::size_t maxLength = 200;
};

/// kintone: the text field that keeps the canonical id of a document that did not come from the
/// app (see docs/adapter-guide.md → "kintone").
struct OriginIdTarget {
  std::string source;
  int line = 0;
};

struct DocumentMapping {
  std::string type;               ///< LiaisonSheet or CaseUpdate
  std::optional<SheetKind> kind;  ///< LiaisonSheet only
  std::optional<long long> app;   ///< kintone app number
  std::string fileName;           ///< room_csv: suggested file name, {id} replaced
  std::vector<FieldMapping> fields;
  std::vector<TableMapping> tables;
  std::optional<LossNoteTarget> lossNote;
  std::optional<OriginIdTarget> originId;
  int line = 0;

  /// The field mapped from `source`, or nullptr.
  const FieldMapping* fieldFor(std::string_view source) const;
  /// The field that holds the document id (sheetId or updateId), or nullptr.
  const FieldMapping* idField() const;
  /// "LiaisonSheet (admission)" or "CaseUpdate".
  std::string label() const;
};

enum class CsvEncoding { Cp932, Utf8 };

struct CsvSettings {
  CsvEncoding encoding = CsvEncoding::Cp932;
  bool writeBom = false;
  std::string lineEnd = "\r\n";
};

struct Profile {
  std::string name;
  std::string adapter;  ///< kintone or room_csv
  std::string description;
  std::string file;  ///< where it was loaded from (for messages)
  CsvSettings csv;
  std::vector<DocumentMapping> documents;
};

/// A profile with mistakes. issues() holds every one (Issue::path = the profile element, e.g.
/// /Profile/document[1]/field[3]/@path); what() lists them all, one per line, as
/// "FILE:LINE: PATH: reason".
class ProfileError : public std::runtime_error {
 public:
  ProfileError(std::string file, std::vector<Issue> issues);
  const std::string& file() const { return file_; }
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::string file_;
  std::vector<Issue> issues_;
};

/// Parses and checks a profile. `file` names it in messages. Throws ProfileError.
Profile parseProfile(std::string_view bytes, const std::string& file);

/// Reads and parses the file (at most 1 MiB). Throws ProfileError (also when it cannot be read).
Profile loadProfile(const std::filesystem::path& file);

/// The shipped profiles: xml::dataDirectory()/profiles (so $TSUNAGI_DATA_DIR, the installed
/// share/tsunagi, or the source tree, in that order).
std::filesystem::path shippedProfilesDirectory();

/// The names of the shipped profiles (file names without .xml), sorted.
std::vector<std::string> shippedProfileNames();

/// Where the profile `spec` is: a path when it contains '/' or ends in ".xml" (relative paths
/// are taken from the working directory), else shippedProfilesDirectory()/<spec>.xml.
/// Throws ProfileError when a named profile is not shipped (listing those that are).
std::filesystem::path locateProfile(const std::string& spec);

}  // namespace tsunagi::mapping::profile
