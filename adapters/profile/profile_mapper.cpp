#include "adapters/profile/profile_mapper.hpp"

#include <algorithm>
#include <set>

#include "adapters/profile/profile_adapter.hpp"
#include "adapters/profile/translate.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters::profile {

namespace {

using mapping::profile::FieldKind;
using mapping::profile::FieldMapping;
using mapping::profile::ProfileError;
using mapping::profile::withoutIndexes;

std::string rootPath(const DocumentMapping& m, const std::string& path) {
  return "/" + m.type + "/" + path;
}

// A free-text value without the loss note an earlier encode appended.
std::string withoutLossNote(const std::string& text) {
  const auto at = text.find(kLossNoteMarker);
  if (at == std::string::npos) return text;
  std::string out = text.substr(0, at);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' '))
    out.pop_back();
  return out;
}

class RecordDecoder {
 public:
  RecordDecoder(const Profile& profile, const DocumentMapping& m, mapping::CanonicalDocument& doc)
      : profile_(profile), m_(m), doc_(doc) {}

  void field(const FieldMapping& f, const std::string& canonicalPath, const ToolRecord& record,
             const Locator& where) {
    const auto it = record.values.find(f.source);
    static const std::vector<std::string> kNone;
    const std::vector<std::string>* raw = it == record.values.end() ? &kNone : &it->second;
    const bool blank = std::all_of(raw->begin(), raw->end(), [](const std::string& r) {
      return mapping::text::trimmed(r).empty();
    });
    std::vector<std::string> changed;  // the values when they are not the record's own
    if (blank && f.defaultValue) {
      changed = {*f.defaultValue};
      raw = &changed;
    } else if (blank) {
      if (f.required) {
        fail(where, f.source,
             std::string(it == record.values.end() ? "is missing" : "is empty") +
                 " but required (→ " + rootPath(m_, canonicalPath) + ")",
             "required-field");
      }
      return;
    }
    if (m_.lossNote && m_.lossNote->source == f.source) {
      std::vector<std::string> without;
      for (const auto& r : *raw) without.push_back(withoutLossNote(r));
      changed = std::move(without);
      raw = &changed;
    }
    auto translated = toCanonical(f, *raw);
    if (auto* why = std::get_if<std::string>(&translated)) {
      fail(where, f.source, *why + " (→ " + rootPath(m_, canonicalPath) + ")", "invalid-value");
    }
    try {
      mapping::profile::writeField(doc_, canonicalPath, std::get<0>(translated));
    } catch (const std::invalid_argument& e) {
      fail(where, f.source, std::string(e.what()) + " (→ " + rootPath(m_, canonicalPath) + ")",
           "invalid-value");
    }
  }

  // The message may quote the value; the path is the profile's name of the field.
  [[noreturn]] void fail(const Locator& where, const std::string& source, const std::string& why,
                         const char* code) {
    throw AdapterError(mapping::Issue{
        .line = where.line,
        .path = where.prefix + source,
        .message = where.noun + " " + source + ": " + why + " [profile " + profile_.name + "]",
        .code = code});
  }

 private:
  const Profile& profile_;
  const DocumentMapping& m_;
  mapping::CanonicalDocument& doc_;
};

}  // namespace

ProfileMapper::ProfileMapper(std::shared_ptr<const Profile> profile)
    : profile_(std::move(profile)) {
  std::vector<mapping::Issue> issues;
  for (std::size_t d = 0; d < profile_->documents.size(); ++d) {
    const auto& fields = profile_->documents[d].fields;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!fields[i].defaultValue) continue;
      auto translated = toCanonical(fields[i], {*fields[i].defaultValue});
      if (auto* why = std::get_if<std::string>(&translated)) {
        issues.push_back(mapping::Issue{fields[i].line,
                                        "/Profile/document[" + std::to_string(d + 1) + "]/field[" +
                                            std::to_string(i + 1) + "]/@default",
                                        "default " + *why});
      }
    }
  }
  if (!issues.empty()) throw ProfileError(profile_->file, std::move(issues));
}

mapping::CanonicalDocument ProfileMapper::decode(const DocumentMapping& m, const ToolRecord& record,
                                                 const Locator& where) const {
  mapping::CanonicalDocument doc;
  if (m.type == "LiaisonSheet") {
    mapping::LiaisonSheet sheet;
    sheet.kind = m.kind.value_or(mapping::SheetKind::Discharge);
    doc = std::move(sheet);
  } else {
    doc = mapping::CaseUpdate{};
  }
  RecordDecoder decoder(*profile_, m, doc);
  // A record added for a document from elsewhere keeps that document's id in the origin-id field:
  // it is the document id then, as it is (no prefix), in place of the tool's own id.
  const FieldMapping* idField = m.idField();
  bool fromElsewhere = false;
  if (m.originId && idField) {
    const auto it = record.values.find(m.originId->source);
    if (it != record.values.end() && !it->second.empty()) {
      const std::string origin = mapping::text::trimmed(it->second.front());
      if (!origin.empty()) {
        try {
          mapping::profile::writeField(doc, idField->path, {origin});
        } catch (const std::invalid_argument& e) {
          decoder.fail(where, m.originId->source,
                       std::string(e.what()) + " (→ " + rootPath(m, idField->path) + ")",
                       "invalid-value");
        }
        fromElsewhere = true;
      }
    }
  }
  for (const auto& f : m.fields) {
    if (fromElsewhere && &f == idField) continue;
    decoder.field(f, f.path, record, where);
  }
  for (const auto& t : m.tables) {
    const auto it = record.tables.find(t.source);
    if (it == record.tables.end()) continue;
    for (std::size_t row = 0; row < it->second.size(); ++row) {
      Locator rowWhere = where;
      rowWhere.prefix += t.source + "[" + std::to_string(row) + "].";
      const std::string itemPath = t.path + "[" + std::to_string(row + 1) + "]/";
      for (const auto& f : t.fields) decoder.field(f, itemPath + f.path, it->second[row], rowWhere);
    }
  }

  auto issues = mapping::validate(doc);
  if (!issues.empty()) {
    // Name the tool's field for each problem where the profile maps the path.
    for (auto& issue : issues) {
      // The field at exactly this path; else, since validation writes no [1] for an item that
      // is alone, the field for the first item.
      const std::string plain = withoutIndexes(issue.path);
      const FieldMapping* source = nullptr;
      for (const auto& f : m.fields) {
        const std::string full = rootPath(m, f.path);
        if (withoutIndexes(full) != plain) continue;
        if (full == issue.path) {
          source = &f;
          break;
        }
        if (!source && full.find("[1]") != std::string::npos) source = &f;
      }
      const std::string canonical = issue.path.empty() ? "/" + m.type : issue.path;
      bool inTable = false;
      if (!source) {
        // A cell of a kintone SUBTABLE row: /Type/<table path>[k]/<field path> (no [k] when the
        // table has one row).
        for (const auto& t : m.tables) {
          const std::string base = rootPath(m, t.path);
          if (issue.path.compare(0, base.size(), base) != 0) continue;
          std::size_t at = base.size();
          std::size_t row = 1;
          if (at < issue.path.size() && issue.path[at] == '[') {
            const auto close = issue.path.find(']', at);
            if (close == std::string::npos) continue;
            row = std::stoul(issue.path.substr(at + 1, close - at - 1));
            at = close + 1;
          }
          if (at >= issue.path.size() || issue.path[at] != '/') continue;
          for (const auto& f : t.fields) {
            if (issue.path.substr(at + 1) != f.path) continue;
            issue.message = where.noun + " " + f.source + " of " + t.source + " row " +
                            std::to_string(row) + " (→ " + canonical + "): " + issue.message;
            issue.path = where.prefix + t.source + "[" + std::to_string(row - 1) + "]." + f.source;
            issue.line = where.line;
            inTable = true;
            break;
          }
          if (inTable) break;
        }
      }
      if (inTable) continue;
      if (source) {
        issue.message =
            where.noun + " " + source->source + " (→ " + canonical + "): " + issue.message;
        issue.path = where.prefix + source->source;
      } else {
        issue.message = canonical + ": " + issue.message;
        issue.path = where.prefix + canonical;
      }
      issue.line = where.line;
    }
    throw AdapterError(std::move(issues));
  }
  return doc;
}

const DocumentMapping& ProfileMapper::mappingFor(const mapping::CanonicalDocument& document) const {
  const std::string type = mapping::documentTypeName(document);
  std::optional<mapping::SheetKind> kind;
  if (const auto* sheet = std::get_if<mapping::LiaisonSheet>(&document)) kind = sheet->kind;
  std::string mapped;
  for (const auto& m : profile_->documents) {
    if (m.type == type && m.kind == kind) return m;
    mapped += (mapped.empty() ? "" : ", ") + m.label();
  }
  std::string label = type;
  if (kind) label += *kind == mapping::SheetKind::Admission ? " (admission)" : " (discharge)";
  throw AdapterError(
      0, "/" + type,
      "profile " + profile_->name + " has no mapping for " + label + " (it maps " + mapped + ")");
}

ToolRecord ProfileMapper::encode(const DocumentMapping& m,
                                 const mapping::CanonicalDocument& document,
                                 const EncodeOptions& options, LossReport& losses) const {
  ToolRecord record;
  std::set<std::string> covered;
  const auto encodeField = [&](const FieldMapping& f, const std::string& path,
                               std::map<std::string, std::vector<std::string>>& out) {
    covered.insert(path);
    std::vector<std::string> items;
    for (const std::string& value : mapping::profile::readField(document, path)) {
      ToolText t = toTool(f, value);
      if (t.unmapped) {
        losses.add(Loss::Kind::Dropped, rootPath(m, path), t.detail + " (" + f.source + ")");
        continue;
      }
      if (t.approximated) losses.add(Loss::Kind::Approximated, rootPath(m, path), t.detail);
      items.push_back(std::move(t.text));
    }
    if (f.info.kind == FieldKind::Texts && !f.separator.empty() && items.size() > 1) {
      std::string joined;
      for (const auto& i : items) joined += (joined.empty() ? "" : f.separator) + i;
      items = {joined};
    }
    if (f.maxLength) {
      for (auto& i : items) i = fitText(i, *f.maxLength, rootPath(m, path), f.source, losses);
    }
    out[f.source] = std::move(items);
  };
  for (const auto& f : m.fields) encodeField(f, f.path, record.values);
  for (const auto& t : m.tables) {
    auto& rows = record.tables[t.source];
    const std::size_t n = mapping::profile::countItems(document, t.path);
    for (std::size_t i = 0; i < n; ++i) {
      ToolRecord row;
      const std::string itemPath = t.path + "[" + std::to_string(i + 1) + "]/";
      for (const auto& f : t.fields) encodeField(f, itemPath + f.path, row.values);
      rows.push_back(std::move(row));
    }
  }
  mapping::profile::forEachPresentField(document, [&](const std::string& path) {
    if (covered.count(path)) return;
    // A single item may be mapped without its index ([1] is implied by the profile path check).
    losses.add(Loss::Kind::Dropped, rootPath(m, path),
               "no field for it in profile " + profile_->name);
  });

  if (options.appendLossNote && m.lossNote) {
    LossReport all = options.upstream;
    all.append(losses);
    if (!all.empty()) {
      const std::string note = all.japaneseNote(m.lossNote->maxLength);
      auto& target = record.values[m.lossNote->source];
      std::string text = target.empty() ? std::string() : target.front();
      if (const FieldMapping* f = m.fieldFor(m.lossNote->source); f && f->maxLength) {
        const std::size_t noteChars = mapping::text::characterCount(note) + 1;
        if (noteChars < *f->maxLength) {
          text = fitText(text, *f->maxLength - noteChars, rootPath(m, f->path), f->source, losses);
        }
      }
      target = {text.empty() ? note : text + "\n" + note};
    }
  }
  return record;
}

std::vector<std::string> ProfileAdapter::documentTypes() const {
  std::vector<std::string> out;
  for (const auto& m : mapper_.profile().documents) {
    if (std::find(out.begin(), out.end(), m.type) == out.end()) out.push_back(m.type);
  }
  return out;
}

std::string documentId(const mapping::CanonicalDocument& document) {
  if (const auto* s = std::get_if<mapping::LiaisonSheet>(&document)) return s->sheetId;
  if (const auto* u = std::get_if<mapping::CaseUpdate>(&document)) return u->updateId;
  return "document";
}

}  // namespace tsunagi::adapters::profile
