#pragma once
// Code tables (mapping/codes/<id>.xml, schema mapping/schema/code-table-1.xsd): the coded fields
// of the canonical documents are checked against them, so an unknown code is reported with the
// name of its table. docs/liaison-sheet.md lists every table and where its codes come from.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tsunagi::mapping {

/// One code of a table, with its labels.
struct CodeEntry {
  std::string code;     ///< the value as it travels in documents, e.g. "21"
  std::string ja;       ///< Japanese label, e.g. 要介護1
  std::string en;       ///< English label, e.g. Care need 1
  bool legacy = false;  ///< still accepted on input, but flagged for coordinators
};

namespace detail {
/// Hashes std::string and std::string_view alike, so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;
}  // namespace detail

/// One loaded code table.
class CodeTable {
 public:
  CodeTable(std::string id, std::string nameJa, std::string nameEn, std::string source,
            std::vector<CodeEntry> entries);

  /// The table id, which is also its file name without ".xml", e.g. "care-level".
  const std::string& id() const { return id_; }
  /// e.g. 要介護状態区分
  const std::string& nameJa() const { return nameJa_; }
  /// e.g. Care-need level
  const std::string& nameEn() const { return nameEn_; }
  /// Where the codes come from; an inferred table says so.
  const std::string& source() const { return source_; }
  /// The entry for `code`, or nullptr when the table has no such code. Exact match, no trimming.
  const CodeEntry* find(std::string_view code) const;
  /// All entries in file order.
  const std::vector<CodeEntry>& entries() const { return entries_; }

 private:
  std::string id_;
  std::string nameJa_;
  std::string nameEn_;
  std::string source_;
  std::vector<CodeEntry> entries_;
  detail::StringMap<std::size_t> index_;  // code → position in entries_
};

/// A set of code tables, one per file, addressed by id. Immutable once loaded, so one instance is
/// safely shared by all threads.
class CodeTables {
 public:
  /// Loads and schema-checks every *.xml in `directory`; also checks that each file is named
  /// <id>.xml and that no two files share an id. Throws DocumentError listing every problem found,
  /// each with the file (Issue::path, e.g. "codes/sex.xml"), the line and why.
  static CodeTables loadFrom(const std::filesystem::path& directory);

  /// The tables shipped with tsunagi (xml::dataDirectory()/codes), loaded once, thread-safe.
  /// Throws DocumentError (again on each call) if the shipped files are broken.
  static const CodeTables& shipped();

  /// The table `id`. Throws std::out_of_range "unknown code table 'x'": asking for a table that
  /// does not exist is a programming error, not bad input.
  const CodeTable& table(std::string_view id) const;

  /// nullopt when `code` is in table `id` (legacy codes included); otherwise why not, e.g.
  /// "unknown code '99' in code table care-level (要介護状態区分)". Throws like table().
  std::optional<std::string> check(std::string_view id, std::string_view code) const;

  /// The ids of all tables, sorted.
  std::vector<std::string> ids() const;

 private:
  detail::StringMap<CodeTable> tables_;
};

}  // namespace tsunagi::mapping
