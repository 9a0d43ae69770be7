#include "gateway/channels/kintone_connector.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "adapters/adapter.hpp"
#include "adapters/kintone/kintone_rest.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::channels {

namespace fs = std::filesystem;
namespace rest = adapters::kintone;
using mapping::json::JsonValue;
using mapping::json::JsonView;

namespace {

constexpr std::size_t kMaxAnswerBytes = 64u * 1024u * 1024u;  // 500 records with SUBTABLEs
constexpr std::size_t kMaxTokenFileBytes = 64u * 1024u;

bool tokenCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

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
  limits.maxBytes = kMaxAnswerBytes;
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

// Ids are digit strings of up to 19 digits: compared as numbers.
bool greaterId(const std::string& a, const std::string& b) {
  const auto strip = [](const std::string& s) {
    const auto first = s.find_first_not_of('0');
    return first == std::string::npos ? std::string("0") : s.substr(first);
  };
  const std::string x = strip(a), y = strip(b);
  return x.size() != y.size() ? x.size() > y.size() : x > y;
}

}  // namespace

std::string readApiToken(const fs::path& file) {
  const std::string where = "API token file " + file.string();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error(where + " does not exist");
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(where + " is not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error(where + " may be read or written by group or others (mode " + mode +
                             "); make it readable by the node's user only (chmod 600)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(where + " cannot be read (permissions?)");
  std::string bytes(kMaxTokenFileBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > kMaxTokenFileBytes) throw std::runtime_error(where + " is too large");
  std::string joined, token;
  int line = 1;
  const auto flush = [&] {
    if (token.empty()) return;
    joined += (joined.empty() ? "" : ",") + token;
    token.clear();
  };
  for (const char c : bytes) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      flush();
      if (c == '\n') ++line;
    } else if (tokenCharacter(c)) {
      token += c;
    } else {
      throw std::runtime_error(where + ", line " + std::to_string(line) +
                               ": a character that is not part of an API token");
    }
  }
  flush();
  if (joined.empty()) throw std::runtime_error(where + " is empty");
  return joined;
}

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
    if (!rest::isRecordId(id)) {
      throw std::runtime_error(where + ".$id.value: missing or not a record id");
    }
    // The record's own bytes, as kintone sent them: the adapter reads them (no second writing).
    out.push_back({id, std::string(record.sourceText())});
  }
  return out;
}

KintoneClient::KintoneClient(KintoneOptions options) : options_(std::move(options)) {
  exchange::ClientTlsOptions tls;
  tls.host = Poco::URI(options_.baseUrl).getHost();
  if (!options_.caCertificate.empty()) tls.caFiles.push_back(options_.caCertificate);
  try {
    context_ = exchange::makeTlsClientContext(tls);
  } catch (const crypto::CryptoError& e) {
    throw std::runtime_error("kintone " + options_.baseUrl + ": TLS: " + e.what());
  }
}

KintoneReply KintoneClient::request(const std::string& method, const std::string& pathAndQuery,
                                    const std::string* body) const {
  KintoneReply reply;
  std::string token;
  try {
    token = readApiToken(options_.tokenFile);
  } catch (const std::exception& e) {
    reply.failure = "token-file";
    reply.error = e.what();
    return reply;
  }
  try {
    const Poco::URI base(options_.baseUrl);
    Poco::Net::HTTPSClientSession session(base.getHost(), base.getPort(), context_);
    session.setTimeout(Poco::Timespan(options_.timeout.count(), 0));
    std::string prefix = base.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    Poco::Net::HTTPRequest request(method, prefix + pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set(rest::kApiTokenHeader, token);
    if (body) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body->size()));
      session.sendRequest(request) << *body;
    } else {
      session.sendRequest(request);
    }
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    char chunk[16384];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      reply.body.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (reply.body.size() > kMaxAnswerBytes) {
        reply.failure = "connection";
        reply.error = "the answer is larger than " + std::to_string(kMaxAnswerBytes) + " bytes";
        reply.body.clear();
        return reply;
      }
    }
    reply.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    reply.status = 0;
    reply.failure = "connection";
    reply.error = e.displayText();
  }
  return reply;
}

KintoneReply KintoneClient::getRecords(const std::string& app, const std::string& query) const {
  Poco::URI target("/k/v1/records.json");
  target.addQueryParameter("app", app);
  target.addQueryParameter("query", query);
  return request(Poco::Net::HTTPRequest::HTTP_GET, target.getPathEtc(), nullptr);
}

KintoneReply KintoneClient::writeRecords(const std::string& method, const std::string& body) const {
  return request(method, "/k/v1/records.json", &body);
}

// ---- inbound ----

KintonePoller::KintonePoller(InputHandler& channel, KintoneOptions options,
                             store::ConnectionPool& pool)
    : channel_(channel), client_(std::move(options)), pool_(pool) {}

KintonePoller::~KintonePoller() { stop(); }

void KintonePoller::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  halt_ = false;
  thread_ = std::thread([this] { run(); });
}

void KintonePoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    halt_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void KintonePoller::run() {
  for (;;) {
    try {
      pollOnce();
    } catch (const std::exception& e) {
      spdlog::error("kintone channel {}: {}", channel_.options().name, e.what());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, client_.options().poll, [&] { return stopping_; })) return;
  }
}

KintonePoller::Cursor KintonePoller::loadCursor() {
  const auto& o = client_.options();
  return store::withTransaction(pool_, [&](store::PgConnection& conn) {
    const std::vector<store::PgParam> key{channel_.options().name, o.baseUrl, o.app};
    conn.run("kintone_cursor_create",
             "INSERT INTO kintone_cursors (channel, base_url, app) VALUES ($1, $2, $3::bigint) "
             "ON CONFLICT DO NOTHING",
             key);
    auto r = conn.run("kintone_cursor_load",
                      "SELECT last_id::text, last_error FROM kintone_cursors "
                      "WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
                      key);
    return Cursor{r.optional(0, 0), r.optional(0, 1)};
  });
}

void KintonePoller::saveCursor(const std::string& lastId, const InboundResult* skipped) {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  store::withTransaction(pool_, [&](store::PgConnection& conn) {
    if (skipped) {
      store::appendEvent(conn,
                         store::Event{"kintone-record-skipped", "local", std::nullopt, std::nullopt,
                                      store::jsonObject({{"channel", name},
                                                         {"app", o.app},
                                                         {"recordId", lastId},
                                                         {"code", skipped->code},
                                                         {"where", skipped->where}})});
    }
    conn.run("kintone_cursor_save",
             "UPDATE kintone_cursors SET last_id = $4::numeric, skipped = skipped + $5::int, "
             "updated_at = now() WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
             {name, o.baseUrl, o.app, lastId, skipped ? "1" : "0"});
  });
}

void KintonePoller::failed(const std::string& code, const std::string& reason) {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  spdlog::warn("kintone channel {}: app {} not polled ({}): {}; tried again in {}s", name, o.app,
               code, reason, o.poll.count());
  const std::string error = code + ": " + reason;
  try {
    store::withTransaction(pool_, [&](store::PgConnection& conn) {
      auto r = conn.run("kintone_cursor_fail",
                        "UPDATE kintone_cursors k SET failures = k.failures + 1, last_error = $4, "
                        "updated_at = now() FROM kintone_cursors old "
                        "WHERE k.channel = $1 AND k.base_url = $2 AND k.app = $3::bigint "
                        "AND old.channel = k.channel AND old.base_url = k.base_url "
                        "AND old.app = k.app RETURNING old.last_error",
                        {name, o.baseUrl, o.app, error});
      // One event per distinct failure: a server down all night is one row, not one per poll.
      if (r.rows() == 1 && r.optional(0, 0) != error) {
        store::appendEvent(
            conn,
            store::Event{
                "kintone-poll-failed", "local", std::nullopt, std::nullopt,
                store::jsonObject(
                    {{"channel", name}, {"app", o.app}, {"code", code}, {"reason", reason}})});
      }
    });
  } catch (const store::PgError& e) {
    spdlog::error("kintone channel {}: could not record the failure: {}", name, e.what());
  }
}

void KintonePoller::recovered(const Cursor& cursor) {
  if (!cursor.lastError) return;
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  spdlog::info("kintone channel {}: app {} answers again", name, o.app);
  store::withTransaction(pool_, [&](store::PgConnection& conn) {
    conn.run("kintone_cursor_recover",
             "UPDATE kintone_cursors SET last_error = NULL, updated_at = now() "
             "WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
             {name, o.baseUrl, o.app});
    store::appendEvent(conn,
                       store::Event{"kintone-poll-recovered", "local", std::nullopt, std::nullopt,
                                    store::jsonObject({{"channel", name}, {"app", o.app}})});
  });
}

std::size_t KintonePoller::pollOnce() {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  std::size_t handled = 0;
  Cursor cursor;
  try {
    cursor = loadCursor();
  } catch (const store::PgError& e) {
    spdlog::error("kintone channel {}: cursor unavailable: {}", name, e.what());
    return 0;
  }
  for (;;) {
    const KintoneReply reply =
        client_.getRecords(o.app, rest::pageQuery(cursor.lastId, o.condition));
    if (reply.status == 0) {
      failed(reply.failure, reply.error);
      return handled;
    }
    if (reply.status != 200) {
      failed("http-" + std::to_string(reply.status), kintoneErrorSummary(reply.status, reply.body));
      return handled;
    }
    std::vector<KintonePageRecord> records;
    try {
      records = splitRecordsPage(reply.body);
    } catch (const std::exception& e) {
      failed("page-invalid", e.what());
      return handled;
    }
    try {
      recovered(cursor);
      cursor.lastError.reset();
      for (const KintonePageRecord& record : records) {
        if (halt_) return handled;
        if (cursor.lastId && !greaterId(record.id, *cursor.lastId)) {
          failed("page-out-of-order", "record " + record.id + " came after " + *cursor.lastId +
                                          " (the server did not apply `order by $id asc`)");
          return handled;
        }
        const InboundResult result = channel_.accept(adapters::LocalInput{
            JsonValue::object().set("record", JsonValue::raw(record.json)).dump(),
            "kintone:app" + o.app + ":" + record.id,
            {{"app", o.app}}});
        if (result.status == InboundResult::Status::Unavailable) {
          failed(result.code, "record " + record.id + " not stored; taken again at the next poll");
          return handled;
        }
        const bool skipped = result.status == InboundResult::Status::Rejected;
        if (skipped) {
          spdlog::warn("kintone channel {}: app {} record {} skipped: {} at {}", name, o.app,
                       record.id, result.code, result.where);
        }
        saveCursor(record.id, skipped ? &result : nullptr);
        cursor.lastId = record.id;
        ++handled;
      }
    } catch (const store::PgError& e) {
      failed("storage-unavailable", e.what());
      return handled;
    }
    if (rest::isLastPage(records.size())) return handled;
  }
}

// ---- outbound ----

KintoneWrite kintoneWriteOf(const std::string& encoded) {
  const JsonView body = parseObject(encoded, "the kintone encoding");
  KintoneWrite write;
  write.app = scalarText(body.member("app"));
  if (!rest::isRecordId(write.app)) {
    throw std::runtime_error("the kintone encoding names no app (\"app\": digits)");
  }
  if (body.has("id")) {
    write.id = scalarText(body.member("id"));
    if (!rest::isRecordId(*write.id)) {
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
  if (writes.empty() || writes.size() > rest::kMaxRecordsPerWrite) {
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
