#include "mapping/codes.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include "mapping/files.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/issue.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::mapping {

namespace fs = std::filesystem;

CodeTable::CodeTable(std::string id, std::string nameJa, std::string nameEn, std::string source,
                     std::vector<CodeEntry> entries)
    : id_(std::move(id)),
      nameJa_(std::move(nameJa)),
      nameEn_(std::move(nameEn)),
      source_(std::move(source)),
      entries_(std::move(entries)) {
  index_.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!index_.emplace(entries_[i].code, i).second) {
      throw std::invalid_argument("code table " + id_ + " has code '" + entries_[i].code +
                                  "' twice");
    }
  }
}

const CodeEntry* CodeTable::find(std::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

namespace {

constexpr std::string_view kNamespace = "urn:tsunagi:codes:1";
constexpr std::string_view kSchemaFile = "code-table-1.xsd";

std::string_view nameOf(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

std::string trimmed(const std::string& s) { return std::string(text::trimAscii(s)); }

std::string ownedText(xmlChar* text) {
  std::string out = text ? reinterpret_cast<const char*>(text) : "";
  xmlFree(text);
  return out;
}

// The attributes of a code table are unqualified (attributeFormDefault is unqualified).
std::string attribute(const xmlNode* node, const char* name) {
  return xml::attribute(node, name).value_or("");
}

int lineOf(const xmlNode* node) { return static_cast<int>(xmlGetLineNo(node)); }

// "codes/sex.xml": the directory's own name and the file name, enough for an operator to find it.
std::string shownName(const fs::path& directory, const fs::path& file) {
  fs::path dir = directory.lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  return (dir.filename() / file.filename()).string();
}

// Moves an issue from a document into a file: the file goes in `path`, the element path (if any)
// in front of the message.
Issue inFile(const std::string& file, Issue issue) {
  if (!issue.path.empty()) issue.message = issue.path + ": " + issue.message;
  issue.path = file;
  return issue;
}

[[noreturn]] void refuseFile(const std::string& file, const DocumentError& error) {
  std::vector<Issue> issues;
  for (const Issue& issue : error.issues()) issues.push_back(inFile(file, issue));
  throw DocumentError(std::move(issues));
}

struct LoadedFile {
  std::string shown;     // e.g. codes/sex.xml
  std::string fileName;  // e.g. sex.xml
  int line;              // of the root element, which carries the id
  CodeTable table;
};

std::string readFile(const fs::path& file, const std::string& shown) {
  try {
    return readWholeFile(file);
  } catch (const FileReadError& e) {
    throw DocumentError({Issue{0, shown, "cannot read: " + std::string(std::strerror(e.systemError()))}});
  }
}

void checkRoot(const xmlNode* root, const std::string& shown) {
  const std::string_view ns =
      root->ns && root->ns->href ? reinterpret_cast<const char*>(root->ns->href) : "";
  if (nameOf(root) == "CodeTable" && ns == kNamespace) return;
  const std::string found = "<" + std::string(nameOf(root)) + "> in " +
                            (ns.empty() ? "no namespace" : "namespace '" + std::string(ns) + "'");
  throw DocumentError(
      {Issue{lineOf(root), shown,
             "the root element is " + found + "; a code table is <CodeTable xmlns=\"" +
                 std::string(kNamespace) + "\">"}});
}

// Parses and schema-checks one file. Throws DocumentError whose issues name the file.
LoadedFile loadFile(const fs::path& file, const std::string& shown) {
  const std::string bytes = readFile(file, shown);
  std::optional<xml::Document> parsed;
  try {
    parsed.emplace(xml::parseUntrusted(bytes));
  } catch (const DocumentError& error) {
    refuseFile(shown, error);
  }
  const xml::Document& document = *parsed;
  const xmlNode* root = document.root();
  checkRoot(root, shown);
  if (auto issues = xml::shippedSchema(std::string(kSchemaFile))->validate(document);
      !issues.empty()) {
    refuseFile(shown, DocumentError(std::move(issues)));
  }

  // The schema has fixed the shape: name, source, then one or more code elements.
  std::string nameJa, nameEn, source;
  std::vector<CodeEntry> entries;
  for (const xmlNode* child = root->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (nameOf(child) == "name") {
      nameJa = attribute(child, "ja");
      nameEn = attribute(child, "en");
    } else if (nameOf(child) == "source") {
      source = trimmed(ownedText(xmlNodeGetContent(child)));
    } else if (nameOf(child) == "code") {
      const std::string legacy = trimmed(attribute(child, "legacy"));
      entries.push_back(CodeEntry{attribute(child, "value"), attribute(child, "ja"),
                                  attribute(child, "en"), legacy == "true" || legacy == "1"});
    }
  }
  return LoadedFile{shown, file.filename().string(), lineOf(root),
                    CodeTable(attribute(root, "id"), std::move(nameJa), std::move(nameEn),
                              std::move(source), std::move(entries))};
}

// Untrusted input is quoted in messages: at most 40 characters.
std::string quoted(std::string_view value) { return text::quoteForMessage(value); }

}  // namespace

CodeTables CodeTables::loadFrom(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() == ".xml" && it->is_regular_file()) files.push_back(it->path());
  }
  if (error) {
    throw DocumentError(
        {Issue{0, directory.string(), "cannot read the code table directory: " + error.message()}});
  }
  if (files.empty()) {
    throw DocumentError({Issue{0, directory.string(), "no code tables (*.xml) in this directory"}});
  }
  std::sort(files.begin(), files.end());

  std::vector<Issue> issues;
  std::vector<LoadedFile> loaded;
  for (const fs::path& file : files) {
    try {
      loaded.push_back(loadFile(file, shownName(directory, file)));
    } catch (const DocumentError& refused) {
      issues.insert(issues.end(), refused.issues().begin(), refused.issues().end());
    }
  }

  // A file named after its id owns that id; any other file with the same id is a copy.
  detail::StringMap<const LoadedFile*> owners;
  for (const LoadedFile& file : loaded) {
    if (file.fileName == file.table.id() + ".xml") owners.emplace(file.table.id(), &file);
  }
  CodeTables tables;
  for (LoadedFile& file : loaded) {
    const std::string& id = file.table.id();
    const auto owner = owners.find(id);
    if (owner != owners.end() && owner->second != &file) {
      issues.push_back(Issue{file.line, file.shown,
                             "code table id '" + id + "' is already used by " +
                                 owner->second->shown + " (line " +
                                 std::to_string(owner->second->line) + ")"});
    } else if (owner == owners.end()) {
      issues.push_back(Issue{file.line, file.shown,
                             "code table id '" + id + "' does not match the file name " +
                                 file.fileName + " (the file must be named " + id + ".xml)"});
    } else {
      std::string key = id;  // id refers into the table that is moved next
      tables.tables_.emplace(std::move(key), std::move(file.table));
    }
  }
  if (!issues.empty()) throw DocumentError(std::move(issues));
  return tables;
}

const CodeTables& CodeTables::shipped() {
  // A function-local static is initialised once even with concurrent callers; if loading throws,
  // the next call tries again.
  static const CodeTables tables = loadFrom(xml::dataDirectory() / "codes");
  return tables;
}

const CodeTable& CodeTables::table(std::string_view id) const {
  auto it = tables_.find(id);
  if (it == tables_.end()) throw std::out_of_range("unknown code table " + quoted(id));
  return it->second;
}

std::optional<std::string> CodeTables::check(std::string_view id, std::string_view code) const {
  const CodeTable& codes = table(id);
  if (codes.find(code)) return std::nullopt;
  return "unknown code " + quoted(code) + " in code table " + codes.id() + " (" + codes.nameJa() +
         ")";
}

std::vector<std::string> CodeTables::ids() const {
  std::vector<std::string> out;
  out.reserve(tables_.size());
  for (const auto& [id, table] : tables_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tsunagi::mapping
