#include "gateway/channels/kintone/kintone_rest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "adapters/kintone/kintone_adapter.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/json/writer.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::channels::kintone {

using adapters::kintone::isRecordId;

std::string pageQuery(const std::optional<std::string>& lastId, const std::string& condition,
                      std::size_t limit) {
  if (limit == 0 || limit > kMaxRecordsPerGet) {
    throw std::invalid_argument("a kintone page holds 1 to 500 records, not " +
                                std::to_string(limit));
  }
  std::string where;
  if (lastId) {
    if (!isRecordId(*lastId)) {
      throw std::invalid_argument("'" + lastId->substr(0, 20) + "' is not a kintone record id");
    }
    where = "$id > " + *lastId;
  }
  if (!condition.empty()) where += (where.empty() ? "(" : " and (") + condition + ")";
  return (where.empty() ? "" : where + " ") + "order by $id asc limit " + std::to_string(limit);
}

std::vector<std::pair<std::size_t, std::size_t>> writeBatches(std::size_t total) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t begin = 0; begin < total; begin += kMaxRecordsPerWrite) {
    out.emplace_back(begin, std::min(total, begin + kMaxRecordsPerWrite));
  }
  return out;
}

}  // namespace tsunagi::channels::kintone

namespace tsunagi::channels {

namespace {

using adapters::kintone::isRecordId;
using mapping::json::JsonValue;
using mapping::json::JsonView;

// A number no double holds (1e999999) is not one kintone sends: the page is refused (the reader
// keeps numbers as written). Throws std::runtime_error naming the number's path.
void requireFiniteNumbers(const JsonView& value, const std::string& what) {
  if (value.isNumber()) {
    if (std::isinf(std::strtod(value.asScalarText().c_str(), nullptr))) {
      throw std::runtime_error(what + " holds a number out of range at " + value.path());
    }
  } else if (value.isArray()) {
    for (const JsonView& element : value.elements()) requireFiniteNumbers(element, what);
  } else if (value.isObject()) {
    for (const std::string& key : value.keys()) {
      if (const auto member = value.member(key)) requireFiniteNumbers(*member, what);
    }
  }
}

// An answer or an encoding, read once by the shared strict JSON reader (size, UTF-8, depth,
// duplicate names); the connector takes its few fields from the view. kintone answers in RFC 8259
// JSON: no byte order mark before it (the reader would skip one, as a file may have).
JsonView parseObject(const std::string& body, const std::string& what) {
  mapping::json::JsonLimits limits;
  limits.maxBytes = kintone::kMaxAnswerBytes;
  limits.maxDepth = 16;  // a record with SUBTABLEs needs 8
  if (body.rfind("\xEF\xBB\xBF", 0) == 0) {
    throw std::runtime_error(what + " is not a JSON object: it begins with a byte order mark");
  }
  try {
    JsonView root = mapping::json::parseJson(body, limits).root("");
    requireFiniteNumbers(root, what);
    return root;
  } catch (const mapping::json::JsonError& e) {
    // Logged and audited (kintone-poll-failed): where, not the answer's text.
    throw std::runtime_error(what + " is not a JSON object at " + mapping::redacted(e.issues()));
  }
}

// A string or a number as text; anything else (or a string kintone would not send) "".
std::string scalarText(const std::optional<JsonView>& value) {
  if (!value || (!value->isString() && !value->isNumber())) return "";
  try {
    return value->asScalarText();
  } catch (const mapping::json::JsonError&) {
    return "";
  }
}

}  // namespace

std::string kintoneErrorSummary(int status, const std::string& body) {
  std::string out = "HTTP " + std::to_string(status);
  try {
    const JsonView error = parseObject(body, "the answer");
    if (error.has("code")) out += " " + scalarText(error.member("code"));
    if (const auto errors = error.member("errors"); errors && errors->isObject()) {
      std::string paths;
      for (const std::string& path : errors->keys()) paths += (paths.empty() ? "" : ", ") + path;
      if (!paths.empty()) out += " at " + paths;
    }
  } catch (const std::exception&) {
    // Not a kintone error object (a proxy's HTML page): the status says enough.
  }
  return out;
}

std::vector<KintonePageRecord> splitRecordsPage(const std::string& body) {
  const JsonView page = parseObject(body, "the records page");
  const auto records = page.member("records");
  if (!records || !records->isArray()) {
    throw std::runtime_error("the records page has no \"records\" array");
  }
  std::vector<KintonePageRecord> out;
  const std::vector<JsonView> elements = records->elements();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const JsonView& record = elements[i];
    const std::string where = "records[" + std::to_string(i) + "]";
    if (!record.isObject()) throw std::runtime_error(where + " is not a record object");
    const auto idField = record.member("$id");
    const std::string id =
        idField && idField->isObject() ? scalarText(idField->member("value")) : "";
    if (!isRecordId(id)) {
      throw std::runtime_error(where + ".$id.value: missing or not a record id");
    }
    // The record's own bytes, as kintone sent them: the adapter reads them (no second writing).
    out.push_back({id, std::string(record.sourceText())});
  }
  return out;
}

KintoneWrite kintoneWriteOf(const std::string& encoded) {
  const JsonView body = parseObject(encoded, "the kintone encoding");
  KintoneWrite write;
  write.app = scalarText(body.member("app"));
  if (!isRecordId(write.app)) {
    throw std::runtime_error("the kintone encoding names no app (\"app\": digits)");
  }
  if (body.has("id")) {
    write.id = scalarText(body.member("id"));
    if (!isRecordId(*write.id)) {
      throw std::runtime_error("the kintone encoding's \"id\" is not a record id");
    }
  }
  const auto record = body.member("record");
  if (!record || !record->isObject()) {
    throw std::runtime_error("the kintone encoding has no \"record\" object");
  }
  write.record = std::string(record->sourceText());
  return write;
}

std::string kintoneBatchBody(const std::vector<const KintoneWrite*>& writes) {
  if (writes.empty() || writes.size() > kintone::kMaxRecordsPerWrite) {
    throw std::invalid_argument("a kintone write takes 1 to 100 records");
  }
  // app and id are digit strings (kintoneWriteOf checked them): written as numbers.
  JsonValue records = JsonValue::array();
  for (const KintoneWrite* write : writes) {
    JsonValue item = JsonValue::object();
    if (write->id) item.set("id", JsonValue::raw(*write->id));
    item.set("record", JsonValue::raw(write->record));
    records.push(std::move(item));
  }
  return JsonValue::object()
      .set("app", JsonValue::raw(writes.front()->app))
      .set("records", std::move(records))
      .dump();
}

}  // namespace tsunagi::channels
