#include "adapters/kintone/kintone_adapter.hpp"

#include <set>

#include "mapping/json/reader.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::adapters {

namespace {

using mapping::json::JsonValue;
using mapping::json::JsonView;
using mapping::profile::DocumentMapping;
using mapping::profile::FieldKind;
using mapping::profile::FieldMapping;
using profile::Locator;
using profile::ToolRecord;

bool isStringType(std::string_view t) {
  static constexpr std::string_view kKinds[] = {"SINGLE_LINE_TEXT",
                                              "MULTI_LINE_TEXT",
                                              "RICH_TEXT",
                                              "NUMBER",
                                              "CALC",
                                              "DATE",
                                              "TIME",
                                              "DATETIME",
                                              "DROP_DOWN",
                                              "RADIO_BUTTON",
                                              "LINK",
                                              "RECORD_NUMBER",
                                              "__ID__",
                                              "__REVISION__",
                                              "STATUS",
                                              "CREATED_TIME",
                                              "UPDATED_TIME"};
  return std::find(std::begin(kKinds), std::end(kKinds), t) != std::end(kKinds);
}
bool isListType(std::string_view t) {
  return t == "CHECK_BOX" || t == "MULTI_SELECT" || t == "CATEGORY";
}
bool isEntityListType(std::string_view t) {
  return t == "USER_SELECT" || t == "ORGANIZATION_SELECT" || t == "GROUP_SELECT" ||
         t == "STATUS_ASSIGNEE";
}

// The items of one field's value, checked against the shape its type has.
std::vector<std::string> itemsOf(const JsonView& field, const std::optional<std::string>& type,
                                 const std::string& code) {
  auto value = field.member("value");
  if (!value) return {};  // null: DROP_DOWN / RADIO without a choice
  const std::string_view t = type ? std::string_view(*type) : std::string_view();
  const auto wrongShape = [&](const std::string& expected) {
    return AdapterError(0, value->path(),
                        "field " + code + (t.empty() ? "" : " (" + std::string(t) + ")") +
                            ": the value must be " + expected + ", found " + value->kind());
  };
  if (value->isString() || value->isNumber()) {
    if (!t.empty() && !isStringType(t))
      throw wrongShape(isListType(t) ? "an array of strings" : "an array");
    // kintone writes every scalar value as a string (NUMBER too): a JSON number under a declared
    // type is not what kintone sends (docs/adapter-guide.md "value shapes").
    if (!t.empty() && value->isNumber()) throw wrongShape("a string");
    std::string s = value->asScalarText();
    if (s.empty()) return {};
    return {s};
  }
  if (value->isArray()) {
    if (!t.empty() && isStringType(t)) throw wrongShape("a string");
    std::vector<std::string> out;
    for (const JsonView& item : value->elements()) {
      if (item.isString()) {
        if (isEntityListType(t)) throw wrongShape("an array of {code, name} objects");
        out.push_back(item.asString());
      } else if (item.isObject() && !isListType(t)) {
        // USER_SELECT and its kind: the name is what people read.
        out.push_back(
            item.requiredString("name", "a selected user, organisation or group has a name"));
      } else {
        throw AdapterError(0, item.path(),
                           "field " + code + ": expected a string, found " + item.kind());
      }
    }
    return out;
  }
  throw wrongShape(t.empty() ? "a string or an array"
                             : (isStringType(t) ? "a string" : "an array"));
}

class RecordReader {
 public:
  RecordReader(const DocumentMapping& m, const JsonView& record) : m_(m), record_(record) {}

  ToolRecord read() {
    ToolRecord out;
    for (const FieldMapping& f : m_.fields) {
      auto field = record_.member(f.source);
      if (!field) continue;
      out.values[f.source] = scalarItems(*field, f);
    }
    if (m_.originId) {
      if (auto field = record_.member(m_.originId->source)) {
        requireObject(*field, m_.originId->source);
        out.values[m_.originId->source] =
            itemsOf(*field, field->string("type"), m_.originId->source);
      }
    }
    for (const auto& t : m_.tables) {
      auto field = record_.member(t.source);
      if (!field) continue;
      requireObject(*field, t.source);
      const auto type = field->string("type");
      if (type && *type != "SUBTABLE") {
        throw AdapterError(
            0, field->memberPath("type"),
            "field " + t.source + " is " + *type + "; the profile maps it as a SUBTABLE");
      }
      auto& rows = out.tables[t.source];
      for (const JsonView& row : field->array("value")) {
        requireObject(row, t.source);
        auto cells = row.object("value");
        if (!cells) {
          throw AdapterError(0, row.memberPath("value"),
                             "field " + t.source + ": a SUBTABLE row needs its \"value\" object");
        }
        ToolRecord r;
        for (const FieldMapping& f : t.fields) {
          if (auto cell = cells->member(f.source)) r.values[f.source] = scalarItems(*cell, f);
        }
        rows.push_back(std::move(r));
      }
    }
    return out;
  }

 private:
  static void requireObject(const JsonView& v, const std::string& code) {
    if (!v.isObject()) {
      throw AdapterError(
          0, v.path(),
          "field " + code + ": expected an object {\"type\", \"value\"}, found " + v.kind());
    }
  }

  std::vector<std::string> scalarItems(const JsonView& field, const FieldMapping& f) {
    requireObject(field, f.source);
    const auto type = field.string("type");
    if (type && !f.toolType.empty() && *type != f.toolType) {
      throw AdapterError(0, field.memberPath("type"),
                         "field " + f.source + " is " + *type +
                             " in the record; the profile expects " + f.toolType);
    }
    if (type && (*type == "SUBTABLE" || *type == "FILE")) {
      throw AdapterError(0, field.memberPath("type"),
                         "field " + f.source + " is a " + *type + "; it cannot hold " + f.path);
    }
    return itemsOf(field, type, f.source);
  }

  const DocumentMapping& m_;
  const JsonView& record_;
};

// Which mapping a record uses (see the header).
const DocumentMapping& chooseMapping(const profile::ProfileMapper& mapper, const JsonView& record,
                                     const std::optional<std::string>& app) {
  const auto& documents = mapper.profile().documents;
  if (app) {
    for (const auto& m : documents) {
      if (m.app && std::to_string(*m.app) == *app) return m;
    }
    throw AdapterError(0, "app",
                       "app " + *app + " is not mapped by profile " + mapper.profile().name);
  }
  if (documents.size() == 1) return documents.front();
  const DocumentMapping* best = nullptr;
  std::size_t bestCount = 0;
  std::string missing;
  for (const auto& m : documents) {
    std::size_t count = 0;
    std::string lacks;
    for (const auto& f : m.fields) {
      if (record.has(f.source)) {
        ++count;
      } else if (f.required && !f.defaultValue) {
        lacks += (lacks.empty() ? "" : ", ") + f.source;
      }
    }
    if (!lacks.empty()) {
      missing += (missing.empty() ? "" : "; ") + m.label() + " lacks " + lacks;
    } else if (count > bestCount) {
      best = &m;
      bestCount = count;
    }
  }
  if (!best) {
    throw AdapterError(
        0, record.path(),
        "the record fits no mapping of profile " + mapper.profile().name + ": " + missing);
  }
  return *best;
}

JsonValue fieldValue(const FieldMapping& f, const std::vector<std::string>& items) {
  const bool list = f.toolType == "CHECK_BOX" || f.toolType == "MULTI_SELECT" ||
                    (f.toolType.empty() && f.info.kind == FieldKind::Texts);
  if (list) {
    JsonValue a = JsonValue::array();
    for (const auto& i : items) a.push(i);
    return a;
  }
  std::string joined;
  for (const auto& i : items) joined += (joined.empty() ? "" : "\n") + i;
  return JsonValue(joined);
}

bool blank(const std::vector<std::string>& items) { return items.empty(); }

// The id field when kintone gives it (the record id $id, or the record number): never written as a
// field; else nullptr (a profile that keeps the id in a field of its own writes it like any other).
const FieldMapping* kintoneIdField(const DocumentMapping& m) {
  const FieldMapping* f = m.idField();
  if (!f) return nullptr;
  if (f->source == "$id" || f->toolType == "__ID__" || f->toolType == "RECORD_NUMBER") return f;
  return nullptr;
}

// The record id of a document that came from this app: its id is the id field's prefix followed by
// a kintone record id. nullopt for a document from elsewhere.
std::optional<std::string> ownRecordId(const FieldMapping& idField, const std::string& id) {
  if (id.size() <= idField.prefix.size() || id.compare(0, idField.prefix.size(), idField.prefix))
    return std::nullopt;
  std::string rest = id.substr(idField.prefix.size());
  if (!kintone::isRecordId(rest)) return std::nullopt;
  return rest;
}

}  // namespace

// The JSON reader's refusals reach callers as AdapterError, like every other refusal.
bool kintone::isRecordId(std::string_view text) {
  return !text.empty() && text.size() <= 19 &&
         text.find_first_not_of("0123456789") == std::string_view::npos;
}

Decoded KintoneAdapter::decode(const LocalInput& input) const try {
  mapping::json::JsonLimits limits;
  limits.maxBytes = kMaxBytes;
  limits.maxDepth = kMaxDepth;
  JsonView root(mapping::json::parseJson(input.bytes, limits), "");
  std::vector<JsonView> records;
  std::vector<std::string> prefixes;
  if (auto one = root.member("record")) {
    if (!one->isObject())
      throw AdapterError(0, "record", "expected an object, found " + one->kind());
    records.push_back(*one);
    prefixes.push_back("record.");
  } else if (auto many = root.member("records")) {
    if (!many->isArray())
      throw AdapterError(0, "records", "expected an array, found " + many->kind());
    records = many->elements();
    if (records.size() > kMaxRecords) {
      throw AdapterError(0, "records",
                         std::to_string(records.size()) + " records; at most " +
                             std::to_string(kMaxRecords) + " are accepted in one input");
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (!records[i].isObject()) {
        throw AdapterError(0, records[i].path(),
                           "expected a record object, found " + records[i].kind());
      }
      prefixes.push_back("records[" + std::to_string(i) + "].");
    }
  } else {
    throw AdapterError(0, "",
                       "expected a kintone record: {\"record\":{…}} (record.json) or "
                       "{\"records\":[…]} (records.json)");
  }

  // The PUT shape {"app","id","record"}: its id is the record's $id.
  std::optional<std::string> updateId;
  if (auto id = root.member("id")) {
    if (!root.has("record")) {
      throw AdapterError(0, "id",
                         "a top-level id belongs to the update shape {\"app\",\"id\",\"record\"}");
    }
    if (!id->isString() && !id->isNumber()) {
      throw AdapterError(0, "id", "expected a record id, found " + id->kind());
    }
    updateId = id->asScalarText();
    if (!kintone::isRecordId(*updateId)) {
      throw AdapterError(0, "id", "'" + updateId->substr(0, 20) + "' is not a kintone record id");
    }
    if (auto own = records.front().member("$id")) {
      const std::string value =
          own->isObject() && own->has("value") ? own->member("value")->asScalarText() : "";
      if (value != *updateId) {
        throw AdapterError(
            0, "record.$id",
            "the record's $id '" + value.substr(0, 20) + "' differs from id " + *updateId);
      }
    }
  }

  std::optional<std::string> app;
  if (auto it = input.metadata.find("app"); it != input.metadata.end()) app = it->second;
  if (!app) {
    if (auto a = root.member("app")) app = a->asScalarText();
  }

  Decoded out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    // Paths of the record's members start with "records[i]." / "record.".
    JsonView record(records[i]);
    const DocumentMapping& m = chooseMapping(mapper_, record, app);
    ToolRecord tool = RecordReader(m, record).read();
    if (updateId && !tool.values.count("$id")) tool.values["$id"] = {*updateId};
    Locator where{0, prefixes[i], "field"};
    out.documents.push_back(mapper_.decode(m, tool, where));
  }
  return out;
} catch (const mapping::json::JsonError& e) {
  throw AdapterError(e.issues());
}

Encoded KintoneAdapter::encodeDocument(const mapping::CanonicalDocument& document,
                                       const EncodeOptions& options) const {
  const DocumentMapping& m = mapper_.mappingFor(document);
  Encoded out;
  ToolRecord tool = mapper_.encode(m, document, options, out.losses);

  JsonValue record = JsonValue::object();
  const auto put = [](JsonValue& target, const FieldMapping& f, const ToolRecord& r) {
    // kintone gives record ids and numbers itself; they are never written.
    if (f.toolType == "__ID__" || f.toolType == "RECORD_NUMBER") return;
    auto it = r.values.find(f.source);
    if (it == r.values.end() || blank(it->second)) return;
    target.set(f.source, JsonValue::object().set("value", fieldValue(f, it->second)));
  };
  std::set<std::string> written;
  for (const auto& f : m.fields) {
    put(record, f, tool);
    written.insert(f.source);
  }
  // A record of this app is updated (PUT, its id); anything else is added (POST) and kintone gives
  // it an id of its own: the document's id goes to the origin-id field, or is declared dropped.
  std::optional<std::string> recordId;
  if (const FieldMapping* idField = kintoneIdField(m)) {
    const std::string id = profile::documentId(document);
    recordId = ownRecordId(*idField, id);
    if (!recordId) {
      if (m.originId) {
        record.set(m.originId->source, JsonValue::object().set("value", JsonValue(id)));
      } else {
        const std::string app = std::to_string(m.app.value_or(0));
        out.losses.add(
            Loss::Kind::Dropped, "/" + m.type + "/" + idField->path,
            "not a record of app " + app + " (" + idField->prefix +
                "<record id>): added as a new record that kintone numbers, and profile " +
                mapper_.profile().name + " names no originId field to keep it");
      }
    }
    if (idField->source != "$id" && idField->toolType != "__ID__") recordId.reset();
  }
  if (m.lossNote && !written.count(m.lossNote->source)) {
    auto it = tool.values.find(m.lossNote->source);
    if (it != tool.values.end() && !it->second.empty()) {
      record.set(m.lossNote->source,
                 JsonValue::object().set("value", JsonValue(it->second.front())));
    }
  }
  for (const auto& t : m.tables) {
    const auto& rows = tool.tables[t.source];
    if (rows.empty()) continue;
    JsonValue array = JsonValue::array();
    for (const auto& row : rows) {
      JsonValue cells = JsonValue::object();
      for (const auto& f : t.fields) put(cells, f, row);
      array.push(JsonValue::object().set("value", std::move(cells)));
    }
    record.set(t.source, JsonValue::object().set("value", std::move(array)));
  }
  JsonValue body = JsonValue::object();
  body.set("app", JsonValue::integer(m.app.value_or(0)));
  if (recordId) body.set("id", JsonValue(*recordId));
  body.set("record", std::move(record));
  out.bytes = body.dump();
  out.suggestedName = "kintone-app" + std::to_string(m.app.value_or(0)) + "-" +
                      profile::documentId(document) + ".json";
  return out;
}

void registerKintone(AdapterRegistry& registry) {
  registry.addProfiled("kintone", [](std::shared_ptr<const mapping::profile::Profile> profile) {
    return std::make_unique<KintoneAdapter>(std::move(profile));
  });
}

}  // namespace tsunagi::adapters
