#pragma once
// The profile engine shared by the profile-driven adapters (kintone, room_csv): one tool record
// (values by field code / column header) ↔ one canonical document, as a mapping profile
// (mapping/profile/profile.hpp) says. The adapters only read and write their format's bytes.
//
// decode: blank and default values, required fields, code/date/boolean translation
// (translate.hpp), then mapping::validate; every refusal names the tool's column or field code
// (and the canonical path it feeds). A record whose <originId> field is filled takes its document
// id from there, as it is, instead of from the id field (kintone: a record added for a document
// from elsewhere).
// encode: every mapped field written (blank when the document has none); canonical values the
// profile does not map are Dropped losses, coarser tool values Approximated, cut texts Truncated;
// with EncodeOptions::appendLossNote the Japanese loss note is appended to the profile's
// lossNote field.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "mapping/profile/profile.hpp"

namespace tsunagi::adapters::profile {

using mapping::profile::DocumentMapping;
using mapping::profile::Profile;

/// One record of a tool. A source absent from `values` was not in the record at all; an empty
/// vector is a blank value. List fields (kintone CHECK_BOX) hold several items.
struct ToolRecord {
  std::map<std::string, std::vector<std::string>> values;
  std::map<std::string, std::vector<ToolRecord>> tables;  ///< kintone SUBTABLE rows
};

/// How an adapter names a tool field in its errors: Issue{line, prefix + source, …}, and the
/// message starts with "<noun> <source>".
struct Locator {
  int line = 0;        ///< the CSV line; 0 for JSON
  std::string prefix;  ///< e.g. "records[2]." for a kintone list; empty for CSV
  std::string noun;    ///< "column" or "field"
};

/// Marks the start of a loss note in a free-text field (LossReport::japaneseNote's first
/// characters): decode removes the note again so that it never becomes part of the document.
inline constexpr const char* kLossNoteMarker = "【連携時の注意】";

class ProfileMapper {
 public:
  /// Also checks every default value translates (throws mapping::profile::ProfileError naming the
  /// profile line otherwise).
  explicit ProfileMapper(std::shared_ptr<const Profile> profile);

  const Profile& profile() const { return *profile_; }

  /// A record → a valid canonical document of `documentMapping`. Throws AdapterError.
  mapping::CanonicalDocument decode(const DocumentMapping& documentMapping,
                                    const ToolRecord& record, const Locator& where) const;

  /// The mapping for `document` (its type, and kind for a sheet). Throws AdapterError naming the
  /// document type when the profile has none.
  const DocumentMapping& mappingFor(const mapping::CanonicalDocument& document) const;

  /// A document → its record: every field and table of `documentMapping`, blank where the document
  /// has no value. Losses go to `losses`.
  ToolRecord encode(const DocumentMapping& documentMapping,
                    const mapping::CanonicalDocument& document, const EncodeOptions& options,
                    LossReport& losses) const;

 private:
  std::shared_ptr<const Profile> profile_;
};

/// The document id used in suggested file names (sheetId or updateId).
std::string documentId(const mapping::CanonicalDocument& document);

}  // namespace tsunagi::adapters::profile
