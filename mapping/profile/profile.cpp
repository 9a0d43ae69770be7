#include "mapping/profile/profile.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "mapping/codes.hpp"
#include "mapping/files.hpp"
#include "mapping/text/width.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::mapping::profile {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSchemaFile = "profile-1.xsd";
constexpr std::size_t kMaxProfileBytes = 1024 * 1024;

std::string_view nameOf(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

using xml::attribute;  // a profile's attributes are unqualified

bool flag(const xmlNode* node, const char* name, bool fallback) {
  auto v = attribute(node, name);
  if (!v) return fallback;
  return *v == "true" || *v == "1";
}

int lineOf(const xmlNode* node) { return static_cast<int>(xmlGetLineNo(node)); }

std::vector<const xmlNode*> elements(const xmlNode* parent, std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && nameOf(c) == name) out.push_back(c);
  }
  return out;
}

DateFormat dateFormatOf(const std::string& s) {
  if (s == "slash") return DateFormat::Slash;
  if (s == "compact") return DateFormat::Compact;
  if (s == "kanji") return DateFormat::Kanji;
  if (s == "wareki") return DateFormat::Wareki;
  if (s == "wareki-short") return DateFormat::WarekiShort;
  if (s == "jst-datetime") return DateFormat::JstDateTime;
  if (s == "utc-datetime") return DateFormat::UtcDateTime;
  return DateFormat::Iso;
}

bool isInstantFormat(DateFormat f) {
  return f == DateFormat::JstDateTime || f == DateFormat::UtcDateTime;
}

// Which canonical kinds a kintone field type can carry.
bool kintoneTypeHolds(const std::string& type, FieldKind kind) {
  if (type == "DATE") return kind == FieldKind::Date;
  if (type == "DATETIME" || type == "__ID__" || type == "RECORD_NUMBER")
    return kind == FieldKind::Text;
  if (type == "NUMBER") return kind == FieldKind::Integer || kind == FieldKind::Text;
  if (type == "CHECK_BOX" || type == "MULTI_SELECT") {
    return kind == FieldKind::Texts || kind == FieldKind::Boolean || kind == FieldKind::Code;
  }
  if (type == "DROP_DOWN" || type == "RADIO_BUTTON") {
    return kind == FieldKind::Code || kind == FieldKind::Boolean || kind == FieldKind::Text;
  }
  return kind != FieldKind::Texts;  // text types hold any single value
}

// Collects the mistakes of one profile.
class Checker {
 public:
  explicit Checker(std::vector<Issue>& issues) : issues_(issues) {}

  void add(const xmlNode* node, const std::string& attr, std::string message) {
    std::string path = xml::pathOf(node);
    if (!attr.empty()) path += "/@" + attr;
    issues_.push_back(Issue{lineOf(node), std::move(path), std::move(message)});
  }

 private:
  std::vector<Issue>& issues_;
};

FieldMapping readField(const xmlNode* node, const std::string& documentType,
                       const std::string& pathPrefix, const std::string& adapter, Checker& check) {
  FieldMapping f;
  f.line = lineOf(node);
  f.source = attribute(node, "source").value_or("");
  f.path = attribute(node, "path").value_or("");
  f.required = flag(node, "required", false);
  f.defaultValue = attribute(node, "default");
  if (auto m = attribute(node, "maxLength")) f.maxLength = static_cast<std::size_t>(std::stoul(*m));
  if (auto d = attribute(node, "dateFormat")) f.dateFormat = dateFormatOf(*d);
  f.acceptLabels = flag(node, "labels", true);
  f.separator = attribute(node, "separator").value_or("");
  f.prefix = attribute(node, "prefix").value_or("");
  f.toolType = attribute(node, "type").value_or("");

  auto described = describeField(documentType, pathPrefix + f.path);
  if (auto* why = std::get_if<std::string>(&described)) {
    check.add(node, "path", "'" + f.path + "' is not a field of " + documentType + ": " + *why);
    return f;
  }
  f.info = std::get<FieldInfo>(described);
  const FieldKind kind = f.info.kind;
  const char* kindName = toString(kind);

  if (auto table = attribute(node, "table")) {
    const auto ids = CodeTables::shipped().ids();
    if (std::find(ids.begin(), ids.end(), *table) == ids.end()) {
      check.add(node, "table", "unknown code table '" + *table + "'");
    } else if (kind != FieldKind::Code) {
      check.add(node, "table", f.path + " is a " + kindName + " field and has no code table");
    } else if (*table != f.info.codeTable) {
      check.add(node, "table", f.path + " uses code table " + f.info.codeTable + ", not " + *table);
    }
  }
  if (f.dateFormat) {
    if (kind == FieldKind::Date && isInstantFormat(*f.dateFormat)) {
      check.add(node, "dateFormat",
                f.path + " is a date; " + *attribute(node, "dateFormat") +
                    " is for instants (use iso, slash, compact, kanji, wareki or wareki-short)");
    } else if (kind == FieldKind::Text && !isInstantFormat(*f.dateFormat)) {
      check.add(node, "dateFormat",
                f.path +
                    " is a text field; a date format applies to dates (and jst-datetime / "
                    "utc-datetime to instants)");
    } else if (kind != FieldKind::Date && kind != FieldKind::Text) {
      check.add(node, "dateFormat", f.path + " is a " + kindName + " field, not a date");
    }
  }
  if (f.maxLength && kind != FieldKind::Text && kind != FieldKind::Texts) {
    check.add(node, "maxLength", f.path + " is a " + kindName + " field; maxLength is for text");
  }
  if (!f.separator.empty() && kind != FieldKind::Texts) {
    check.add(node, "separator",
              f.path + " is a " + kindName + " field; a separator is for list fields");
  }
  if (adapter == "room_csv" && kind == FieldKind::Texts && f.separator.empty()) {
    check.add(
        node, "separator",
        f.path + " is a list; a CSV cell holds it only with a separator (e.g. separator=\"・\")");
  }
  if (!f.prefix.empty() && kind != FieldKind::Text) {
    check.add(node, "prefix", f.path + " is a " + kindName + " field; a prefix is for identifiers");
  }
  if (!f.toolType.empty() && adapter != "kintone") {
    check.add(node, "type", "type names a kintone field type; this profile is for " + adapter);
  }
  if (!f.toolType.empty() && !kintoneTypeHolds(f.toolType, kind)) {
    check.add(node, "type",
              "a " + f.toolType + " field cannot hold " + f.path + " (a " + kindName + " field)");
  }

  std::set<std::string> tools;
  for (const xmlNode* v : elements(node, "value")) {
    ValueMapping m{attribute(v, "tool").value_or(""), attribute(v, "code").value_or(""),
                   flag(v, "approximates", false), ""};
    m.toolKey = text::foldForComparison(m.tool);
    if (kind == FieldKind::Code) {
      if (auto why = CodeTables::shipped().check(f.info.codeTable, m.canonical)) {
        check.add(v, "code", *why);
      }
    } else if (kind == FieldKind::Boolean) {
      if (m.canonical != "true" && m.canonical != "false") {
        check.add(v, "code", f.path + " is a boolean: code must be true or false");
      }
    } else if (kind != FieldKind::Texts) {
      check.add(v, "", f.path + " is a " + kindName + " field; values map codes and booleans");
    }
    if (!m.approximates && !tools.insert(m.tool).second) {
      check.add(v, "tool", "the tool value '" + m.tool + "' is mapped twice");
    }
    f.values.push_back(std::move(m));
  }
  return f;
}

// Sources and paths must be unique within a document.
class Uniqueness {
 public:
  void source(const std::string& s, const xmlNode* node, Checker& check) {
    if (auto [it, fresh] = sources_.emplace(s, lineOf(node)); !fresh) {
      check.add(node, "source",
                "duplicate column/field '" + s + "' (first used on line " +
                    std::to_string(it->second) + ")");
    }
  }
  void path(const std::string& p, const xmlNode* node, Checker& check) {
    if (auto [it, fresh] = paths_.emplace(p, lineOf(node)); !fresh) {
      check.add(node, "path",
                p + " is mapped twice (first on line " + std::to_string(it->second) + ")");
    }
  }
  bool hasPath(const std::string& p) const { return paths_.count(p) > 0; }
  bool hasSource(const std::string& s) const { return sources_.count(s) > 0; }

 private:
  std::map<std::string, int> sources_;
  std::map<std::string, int> paths_;
};

DocumentMapping readDocument(const xmlNode* node, const std::string& adapter, Checker& check) {
  DocumentMapping d;
  d.line = lineOf(node);
  d.type = attribute(node, "type").value_or("");
  if (auto kind = attribute(node, "kind")) {
    d.kind = *kind == "admission" ? SheetKind::Admission : SheetKind::Discharge;
  }
  if (auto app = attribute(node, "app")) d.app = std::stoll(*app);
  d.fileName = attribute(node, "fileName").value_or("");

  if (d.type == "LiaisonSheet" && !d.kind) {
    check.add(node, "kind",
              "a LiaisonSheet mapping needs kind=\"admission\" or kind=\"discharge\"");
  }
  if (d.type != "LiaisonSheet" && d.kind) {
    check.add(node, "kind", "kind is for LiaisonSheet mappings only");
  }
  if (adapter == "kintone") {
    if (!d.app) check.add(node, "app", "a kintone mapping needs the app number (app=\"…\")");
    if (!d.fileName.empty()) check.add(node, "fileName", "fileName is for room_csv profiles");
  } else {
    if (d.app)
      check.add(node, "app", "app is a kintone app number; this profile is for " + adapter);
  }

  Uniqueness unique;
  for (const xmlNode* f : elements(node, "field")) {
    FieldMapping field = readField(f, d.type, "", adapter, check);
    unique.source(field.source, f, check);
    unique.path(field.path, f, check);
    d.fields.push_back(std::move(field));
  }
  for (const xmlNode* t : elements(node, "table")) {
    TableMapping table;
    table.line = lineOf(t);
    table.source = attribute(t, "source").value_or("");
    table.path = attribute(t, "path").value_or("");
    unique.source(table.source, t, check);
    if (adapter != "kintone") {
      check.add(t, "",
                "tables map kintone SUBTABLE fields; a " + adapter +
                    " profile maps repeated items with indexes (diagnosis[1]/name)");
    }
    if (auto why = checkRepeatedGroup(d.type, table.path)) {
      check.add(t, "path",
                "'" + table.path + "' is not a repeated group of " + d.type + ": " + *why);
    } else {
      Uniqueness inner;
      for (const xmlNode* f : elements(t, "field")) {
        FieldMapping field = readField(f, d.type, table.path + "[1]/", adapter, check);
        inner.source(field.source, f, check);
        inner.path(field.path, f, check);
        table.fields.push_back(std::move(field));
      }
    }
    d.tables.push_back(std::move(table));
  }
  if (auto notes = elements(node, "lossNote"); !notes.empty()) {
    LossNoteTarget note;
    note.source = attribute(notes.front(), "source").value_or("");
    if (auto m = attribute(notes.front(), "maxLength")) note.maxLength = std::stoul(*m);
    if (const FieldMapping* mapped = d.fieldFor(note.source);
        mapped && mapped->info.kind != FieldKind::Text) {
      check.add(notes.front(), "source",
                "the loss note goes to '" + note.source + "', which holds " + mapped->path +
                    " (a " + toString(mapped->info.kind) + " field); use a free-text field");
    }
    d.lossNote = note;
  }
  if (auto origins = elements(node, "originId"); !origins.empty()) {
    const xmlNode* o = origins.front();
    OriginIdTarget origin{attribute(o, "source").value_or(""), lineOf(o)};
    if (adapter != "kintone") {
      check.add(o, "", "originId is for kintone profiles (kintone numbers the records it adds)");
    }
    unique.source(origin.source, o, check);
    if (d.lossNote && d.lossNote->source == origin.source) {
      check.add(o, "source",
                "'" + origin.source +
                    "' receives the loss note; the origin id needs a text "
                    "field of its own");
    }
    d.originId = origin;
  }

  for (const std::string& required : requiredFields(d.type)) {
    if (!unique.hasPath(required)) {
      check.add(node, "",
                required + " is required in every " + d.type +
                    " but no field maps it (add <field source=\"…\" path=\"" + required +
                    "\"/>, with a default if the tool has no such field)");
    }
  }
  return d;
}

std::string readFile(const fs::path& file) {
  try {
    return readWholeFile(file, kMaxProfileBytes);
  } catch (const FileReadError& e) {
    throw ProfileError(file.string(), {Issue{0, "", e.reason() == FileReadError::Reason::TooLarge
                                                        ? "the profile is larger than 1 MiB"
                                                        : "cannot read the profile file"}});
  }
}

std::string describeAll(const std::string& file, const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) {
    if (!out.empty()) out += '\n';
    out += file + ":" + std::to_string(i.line) + ": " + (i.path.empty() ? "" : i.path + ": ") +
           i.message;
  }
  return out;
}

}  // namespace

ProfileError::ProfileError(std::string file, std::vector<Issue> issues)
    : std::runtime_error(describeAll(file, issues)),
      file_(std::move(file)),
      issues_(std::move(issues)) {}

const ValueMapping* FieldMapping::forEncode(std::string_view canonical, bool& approximated) const {
  const ValueMapping* coarse = nullptr;
  for (const ValueMapping& v : values) {
    if (v.canonical != canonical) continue;
    if (!v.approximates) {
      approximated = false;
      return &v;
    }
    if (!coarse) coarse = &v;
  }
  approximated = coarse != nullptr;
  return coarse;
}

const FieldMapping* DocumentMapping::fieldFor(std::string_view source) const {
  for (const FieldMapping& f : fields) {
    if (f.source == source) return &f;
  }
  return nullptr;
}

const FieldMapping* DocumentMapping::idField() const {
  const std::string_view id = type == "CaseUpdate" ? "updateId" : "sheetId";
  for (const FieldMapping& f : fields) {
    if (f.path == id) return &f;
  }
  return nullptr;
}

std::string DocumentMapping::label() const {
  if (!kind) return type;
  return type + (*kind == SheetKind::Admission ? " (admission)" : " (discharge)");
}

Profile parseProfile(std::string_view bytes, const std::string& file) {
  std::optional<xml::Document> parsed;
  try {
    parsed.emplace(xml::parseUntrusted(bytes));
  } catch (const DocumentError& error) {
    throw ProfileError(file, error.issues());
  }
  const xmlNode* root = parsed->root();
  const std::string_view ns =
      root->ns && root->ns->href ? reinterpret_cast<const char*>(root->ns->href) : "";
  if (nameOf(root) != "Profile" || ns != kProfileNamespace) {
    throw ProfileError(file, {Issue{lineOf(root), "/" + std::string(nameOf(root)),
                                    "the root element must be <Profile xmlns=\"" +
                                        std::string(kProfileNamespace) + "\">"}});
  }
  if (auto issues = xml::shippedSchema(std::string(kSchemaFile))->validate(*parsed);
      !issues.empty()) {
    throw ProfileError(file, std::move(issues));
  }

  std::vector<Issue> issues;
  Checker check(issues);
  Profile profile;
  profile.file = file;
  profile.name = attribute(root, "name").value_or("");
  profile.adapter = attribute(root, "adapter").value_or("");
  for (const xmlNode* d : elements(root, "description")) {
    xmlChar* text = xmlNodeGetContent(d);
    profile.description = text ? reinterpret_cast<const char*>(text) : "";
    xmlFree(text);
  }
  for (const xmlNode* c : elements(root, "csv")) {
    if (profile.adapter != "room_csv") {
      check.add(c, "",
                "<csv> settings are for room_csv profiles; this one is for " + profile.adapter);
    }
    profile.csv.encoding = attribute(c, "encoding").value_or("CP932") == "UTF-8"
                               ? CsvEncoding::Utf8
                               : CsvEncoding::Cp932;
    profile.csv.writeBom = flag(c, "bom", false);
    profile.csv.lineEnd = attribute(c, "lineEnd").value_or("CRLF") == "LF" ? "\n" : "\r\n";
    if (profile.csv.writeBom && profile.csv.encoding != CsvEncoding::Utf8) {
      check.add(c, "bom", "a byte order mark is written for UTF-8 only");
    }
  }
  std::set<std::string> labels;
  std::set<long long> apps;
  for (const xmlNode* d : elements(root, "document")) {
    DocumentMapping document = readDocument(d, profile.adapter, check);
    if (!labels.insert(document.label()).second) {
      check.add(d, "type", document.label() + " is mapped twice");
    }
    if (document.app && !apps.insert(*document.app).second) {
      check.add(d, "app", "app " + std::to_string(*document.app) + " is used by two mappings");
    }
    profile.documents.push_back(std::move(document));
  }
  if (!issues.empty()) throw ProfileError(file, std::move(issues));
  return profile;
}

Profile loadProfile(const fs::path& file) { return parseProfile(readFile(file), file.string()); }

fs::path shippedProfilesDirectory() { return xml::dataDirectory() / "profiles"; }

std::vector<std::string> shippedProfileNames() {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(shippedProfilesDirectory(), error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() == ".xml") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

fs::path locateProfile(const std::string& spec) {
  const bool isPath = spec.find('/') != std::string::npos ||
                      (spec.size() > 4 && spec.compare(spec.size() - 4, 4, ".xml") == 0);
  if (isPath) return spec;
  const fs::path file = shippedProfilesDirectory() / (spec + ".xml");
  if (!fs::exists(file)) {
    std::string known;
    for (const auto& n : shippedProfileNames()) known += (known.empty() ? "" : ", ") + n;
    throw ProfileError(spec, {Issue{0, "",
                                    "no shipped profile named '" + spec + "' in " +
                                        shippedProfilesDirectory().string() +
                                        " (shipped: " + (known.empty() ? "none" : known) +
                                        "); give a path to use your own"}});
  }
  return file;
}

}  // namespace tsunagi::mapping::profile
