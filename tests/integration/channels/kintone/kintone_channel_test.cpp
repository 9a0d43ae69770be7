// The kintone connector against a kintone-compatible HTTPS server written here (records in memory,
// the API token header checked, GET records.json with `$id > N order by $id asc limit M`, POST and
// PUT of at most 100 records, kintone's error answers): an inbound channel on a real node takes
// every record of an app in pages, once, skipping the one its adapter refuses, and keeps its
// cursor across a restart; a wrong token is an event and nothing is sent; received documents
// reach the app in writes of at most 100, added with POST or updated with PUT, retried when the
// server fails.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "gateway/channels/channel_manager.hpp"
#include "gateway/channels/kintone/kintone_options.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/exchange_store.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Array;
using Poco::JSON::Object;
using ::testing::ElementsAre;
using testing::eventually;
using testing::freePort;
using ::testing::HasSubstr;

constexpr const char* kToken = "kintoneTestToken0001";

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Object::Ptr parseObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

std::string stringify(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

Object::Ptr field(const std::string& type, const std::string& value) {
  Object::Ptr f = new Object;
  f->set("type", type);
  f->set("value", value);
  return f;
}

/// A kintone-compatible server: apps of records in memory, behind HTTPS with the test CA's
/// certificate for 127.0.0.1.
class FakeKintone {
 public:
  struct Request {
    std::string method;
    std::string app;
    std::string query;             ///< GET
    std::vector<std::string> ids;  ///< GET: returned; POST: assigned; PUT: written
    int status = 0;
  };

  FakeKintone(testing::TestPki& pki, std::string token) : token_(std::move(token)) {
    const auto& files = pki.node("122076");  // any certificate of the test CA for 127.0.0.1
    auto context = exchange::makeBrowserServerContext(files.key, files.cert);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
  }
  ~FakeKintone() { server_->stopAll(true); }

  std::string baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }

  /// Stores `record` (a records.json record object) under its $id.
  void put(const std::string& app, const Object::Ptr& record) {
    std::lock_guard lock(mutex_);
    const auto id = std::stoull(record->getObject("$id")->getValue<std::string>("value"));
    apps_[app][id] = stringify(record);
    next_[app] = std::max(next_[app], id + 1);
  }
  Object::Ptr record(const std::string& app, unsigned long long id) {
    std::lock_guard lock(mutex_);
    return parseObject(apps_.at(app).at(id));
  }
  std::size_t size(const std::string& app) {
    std::lock_guard lock(mutex_);
    return apps_[app].size();
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<Request> requests(const std::string& method) {
    std::vector<Request> out;
    for (auto& r : requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }
  /// The next `n` writes answer `status` (a kintone outage).
  void failWrites(int n, int status) {
    std::lock_guard lock(mutex_);
    failures_ = n;
    failStatus_ = status;
  }

 private:
  struct Answer {
    int status;
    std::string body;
  };

  static Answer error(int status, const std::string& code, const std::string& message) {
    return {status, R"({"code":")" + code + R"(","id":"fake","message":")" + message + R"("})"};
  }

  Answer handle(const std::string& method, const std::string& uri, const std::string& token,
                const std::string& body) {
    std::lock_guard lock(mutex_);
    Request logged{method, "", "", {}, 0};
    const Answer answer = route(method, uri, token, body, logged);
    logged.status = answer.status;
    requests_.push_back(logged);
    return answer;
  }

  Answer route(const std::string& method, const std::string& uri, const std::string& token,
               const std::string& body, Request& logged) {
    if (token != token_) return error(401, "GAIA_IA02", "API token is not valid");
    const Poco::URI target(uri);
    if (target.getPath() != "/k/v1/records.json") return error(404, "GAIA_NF01", "not found");
    if (method == "GET") {
      for (const auto& [key, value] : target.getQueryParameters()) {
        if (key == "app") logged.app = value;
        if (key == "query") logged.query = value;
      }
      static const std::regex form(R"(^(?:\$id > (\d+) )?order by \$id asc limit (\d+)$)");
      std::smatch m;
      if (!std::regex_match(logged.query, m, form)) return error(400, "GAIA_IQ11", "bad query");
      const unsigned long long after = m[1].matched ? std::stoull(m[1].str()) : 0;
      const std::size_t limit = std::stoul(m[2].str());
      if (limit > 500) return error(400, "CB_VA01", "limit is at most 500");
      std::string out = R"({"records":[)";
      auto& records = apps_[logged.app];
      for (auto it = records.upper_bound(after); it != records.end() && logged.ids.size() < limit;
           ++it) {
        out += (logged.ids.empty() ? "" : ",") + it->second;
        logged.ids.push_back(std::to_string(it->first));
      }
      return {200, out + R"(],"totalCount":null})"};
    }
    if (method != "POST" && method != "PUT") return error(405, "GAIA_MN01", "method");
    const Object::Ptr request = parseObject(body);
    logged.app = request->getValue<std::string>("app");
    const Array::Ptr records = request->getArray("records");
    if (records->size() > 100) {
      return {400, R"({"code":"CB_VA01","id":"fake","message":"入力内容が正しくありません。",)"
                   R"("errors":{"records":{"messages":["一度に100件までです。"]}}})"};
    }
    if (failures_ > 0) {
      --failures_;
      return error(failStatus_, "GAIA_TM01", "temporarily unavailable");
    }
    auto& app = apps_[logged.app];
    if (method == "POST") {
      // 連携ID is set to refuse duplicates (値の重複を禁止する): the whole request is refused.
      for (std::size_t i = 0; i < records->size(); ++i) {
        const Object::Ptr record =
            records->getObject(static_cast<unsigned>(i))->getObject("record");
        if (!record->has("連携ID")) continue;
        const auto origin = record->getObject("連携ID")->getValue<std::string>("value");
        for (const auto& [id, stored] : app) {
          const Object::Ptr existing = parseObject(stored);
          if (existing->has("連携ID") &&
              existing->getObject("連携ID")->getValue<std::string>("value") == origin) {
            return {
                400,
                R"({"code":"CB_VA01","id":"fake","message":"入力内容が正しくありません。",)"
                R"("errors":{"records[)" +
                    std::to_string(i) +
                    R"(].連携ID.value":{"messages":["値がほかのレコードと重複しています。"]}}})"};
          }
        }
      }
      for (std::size_t i = 0; i < records->size(); ++i) {
        Object::Ptr record = records->getObject(static_cast<unsigned>(i))->getObject("record");
        const unsigned long long id = next_.try_emplace(logged.app, 1).first->second++;
        record->set("$id", field("__ID__", std::to_string(id)));
        app[id] = stringify(record);
        logged.ids.push_back(std::to_string(id));
      }
      return {200, R"({"ids":[],"revisions":[]})"};
    }
    for (std::size_t i = 0; i < records->size(); ++i) {
      const Object::Ptr write = records->getObject(static_cast<unsigned>(i));
      const auto id = write->getValue<std::string>("id");
      auto it = app.find(std::stoull(id));
      if (it == app.end()) return error(404, "GAIA_RE01", "record not found");
      Object::Ptr stored = parseObject(it->second);
      const Object::Ptr changes = write->getObject("record");
      for (const auto& [code, value] : *changes) stored->set(code, value);
      it->second = stringify(stored);
      logged.ids.push_back(id);
    }
    return {200, R"({"records":[]})"};
  }

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeKintone& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      const Answer answer = server_.handle(request.getMethod(), request.getURI(),
                                           request.get("X-Cybozu-API-Token", ""), body);
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
      response.setContentType("application/json; charset=utf-8");
      response.sendBuffer(answer.body.data(), answer.body.size());
    }

   private:
    FakeKintone& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeKintone& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    FakeKintone& server_;
  };

  std::string token_;
  unsigned short port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::mutex mutex_;
  std::map<std::string, std::map<unsigned long long, std::string>> apps_;
  std::map<std::string, unsigned long long> next_;
  std::vector<Request> requests_;
  int failures_ = 0;
  int failStatus_ = 503;
};

/// Nagareyama's 入院時情報提供 record (the adapter's fixture) as record `id` of app 31, for the
/// patient whose consent the tests record (保険者 122200, 被保険者 0000123456).
Object::Ptr sheetRecord(unsigned long long id) {
  static const std::string fixture = readFile(
      fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/kintone/nagareyama-sheet-record.json");
  Object::Ptr record = parseObject(stringify(parseObject(fixture)->getObject("record")));
  record->set("$id", field("__ID__", std::to_string(id)));
  record->set("レコード番号", field("RECORD_NUMBER", std::to_string(id)));
  record->set("保険者番号", field("SINGLE_LINE_TEXT", "122200"));
  record->set("被保険者番号", field("SINGLE_LINE_TEXT", "0000123456"));
  return record;
}

void writeToken(const fs::path& file, const std::string& token) {
  std::ofstream(file) << token << "\n";
  ::chmod(file.c_str(), 0600);
}

// ---- inbound: a Kashiwa node polls a kintone app ----

class KintoneInbound : public ::testing::Test {
 protected:
  KintoneInbound() {
    testing::ManifestSpec manifest;
    manifest.file = pki_.directory() / "manifest.xml";
    auto kashiwa = pki_.entry("122173", "https://127.0.0.1:" + std::to_string(freePort()));
    kashiwa.municipalities = {"122173"};
    kashiwa.insurers = {"122176"};
    // Nagareyama is not running: what Kashiwa queues for it waits in the outbox.
    auto nagareyama = pki_.entry("122203", "https://127.0.0.1:" + std::to_string(freePort()));
    nagareyama.municipalities = {"122203"};
    nagareyama.insurers = {"122200"};
    manifest.nodes = {kashiwa, nagareyama};
    pki_.writeManifest(manifest);
    manifestFile_ = manifest.file;
    writeToken(root() / "kintone.token", kToken);
  }
  ~KintoneInbound() override {
    if (node_) node_->stop();
  }

  fs::path root() const { return fs::path(dir_.path()); }

  void start(const fs::path& tokenFile, std::optional<fs::path> trust = {}) {
    NodeOptions o;
    o.code = "122173";
    o.name = "柏市";
    o.dataDir = root() / "122173";
    o.conninfo = db_.conninfo();
    NodeExchangeOptions x;
    const auto& files = pki_.node("122173");
    x.tls = exchange::TlsFiles{files.key, files.cert, {pki_.ca().certificate()}, {}, nullptr};
    x.manifestFile = manifestFile_;
    x.manifestSigner = pki_.coordinator().cert;
    x.retry = testing::TestFederation::fastRetry();
    o.exchange = x;
    channels::KintoneOptions k;
    k.baseUrl = kintone_.baseUrl();
    k.app = "31";
    k.tokenFile = tokenFile;
    k.caCertificate = trust.value_or(pki_.ca().certificate());
    k.poll = std::chrono::seconds(3600);  // one poll at start: each test's polls are its own
    o.channels.push_back(channels::ChannelOptions{"care-kintone",
                                                  channels::Direction::Inbound,
                                                  "kintone:nagareyama-kintone",
                                                  {},
                                                  false,
                                                  {},
                                                  k});
    node_ = std::make_unique<Node>(o);
    node_->start();
    if (!consented_) {
      store::withTransaction(*node_->pool(), [](store::PgConnection& conn) {
        store::recordConsent(conn, store::Consent{"consent-0001",
                                                  "122200",
                                                  "0000123456",
                                                  {"122203"},
                                                  "2024-01-10",
                                                  "流山市 居宅介護支援事業所",
                                                  std::nullopt});
      });
      consented_ = true;
    }
  }
  void restart() {
    node_->stop();
    node_.reset();
    start(root() / "kintone.token");
  }

  long long count(const std::string& sql) {
    auto conn = node_->pool()->lease();
    return conn->exec(sql).integer(0, 0);
  }
  std::optional<std::string> cursor() {
    auto conn = node_->pool()->lease();
    auto r = conn->exec("SELECT last_id::text FROM kintone_cursors WHERE channel = 'care-kintone'");
    return r.rows() == 0 ? std::nullopt : r.optional(0, 0);
  }
  std::string metrics() {
    Poco::Net::HTTPClientSession session("127.0.0.1", node_->port());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return body;
  }

  testing::TempDir dir_{"kintone"};
  testing::TestPki pki_;
  testing::TestDatabase db_;
  FakeKintone kintone_{pki_, kToken};
  fs::path manifestFile_;
  std::unique_ptr<Node> node_;
  bool consented_ = false;
};

TEST_F(KintoneInbound, TakesEveryRecordInPagesOnceSkipsTheBadOneAndKeepsItsCursorOverARestart) {
  for (unsigned long long id = 1; id <= 520; ++id) {
    Object::Ptr record = sheetRecord(id);
    // Record 250's 要介護度 is a check box where the profile expects a drop-down.
    if (id == 250) record->set("要介護度", field("CHECK_BOX", "要介護２"));
    kintone_.put("31", record);
  }
  start(root() / "kintone.token");
  ASSERT_TRUE(eventually([&] { return cursor() == "520"; }, std::chrono::seconds(120)));

  // Two pages: 500 from the start, then the 20 after 500; each record taken once.
  const auto pages = kintone_.requests("GET");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].query, "order by $id asc limit 500");
  EXPECT_EQ(pages[0].app, "31");
  EXPECT_EQ(pages[0].ids.size(), 500u);
  EXPECT_EQ(pages[1].query, "$id > 500 order by $id asc limit 500");
  EXPECT_EQ(pages[1].ids.size(), 20u);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 519);
  EXPECT_EQ(count("SELECT count(DISTINCT document_id) FROM outbox"), 519);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE document_id = 'nagareyama-kt31-249'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE document_id = 'nagareyama-kt31-250'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                  "AND detail LIKE '%\"step\":\"decode\"%'"),
            519);

  // The refused record: an event with its $id and field path (never its values), a metric.
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'kintone-record-skipped' "
                  "AND detail LIKE '%\"recordId\":\"250\"%' "
                  "AND detail LIKE '%\"code\":\"input-invalid\"%' "
                  "AND detail LIKE '%record.要介護度.type%' AND detail NOT LIKE '%要介護２%'"),
            1);
  const std::string m = metrics();
  EXPECT_THAT(m,
              HasSubstr("tsunagi_kintone_last_record_id{channel=\"care-kintone\",app=\"31\"} 520"));
  EXPECT_THAT(
      m, HasSubstr("tsunagi_kintone_skipped_records_total{channel=\"care-kintone\",app=\"31\"} 1"));
  EXPECT_THAT(m, HasSubstr("tsunagi_kintone_failing{channel=\"care-kintone\",app=\"31\"} 0"));

  // After a restart only the new record is taken.
  node_->stop();
  kintone_.put("31", sheetRecord(521));
  restart();
  ASSERT_TRUE(eventually([&] { return cursor() == "521"; }));
  const auto after = kintone_.requests("GET");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2].query, "$id > 520 order by $id asc limit 500");
  EXPECT_THAT(after[2].ids, ElementsAre("521"));
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 520);
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                  "AND detail LIKE '%\"step\":\"decode\"%'"),
            520);
}

TEST_F(KintoneInbound, AWrongTokenIsAnEventAndNothingIsTaken) {
  for (unsigned long long id = 1; id <= 3; ++id) kintone_.put("31", sheetRecord(id));
  writeToken(root() / "wrong.token", "notTheAppsToken");
  start(root() / "wrong.token");
  ASSERT_TRUE(eventually([&] {
    return count("SELECT count(*) FROM exchange_events WHERE event = 'kintone-poll-failed'") == 1;
  }));
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'kintone-poll-failed' "
                  "AND detail LIKE '%\"code\":\"http-401\"%' AND detail LIKE '%GAIA_IA02%' "
                  "AND detail NOT LIKE '%notTheAppsToken%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'translated'"), 0);
  EXPECT_EQ(cursor(), std::nullopt);
  EXPECT_THAT(metrics(),
              HasSubstr("tsunagi_kintone_failing{channel=\"care-kintone\",app=\"31\"} 1"));

  // With the right token the next poll takes the records, and the recovery is recorded.
  writeToken(root() / "wrong.token", kToken);
  restart();
  ASSERT_TRUE(eventually([&] { return cursor() == "3"; }));
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'kintone-poll-recovered'"),
            1);
}

TEST_F(KintoneInbound, AServerItsTrustAnchorDoesNotVouchForIsNotSentTheToken) {
  kintone_.put("31", sheetRecord(1));
  start(root() / "kintone.token", pki_.otherCa().certificate());
  ASSERT_TRUE(eventually([&] {
    return count(
               "SELECT count(*) FROM exchange_events WHERE event = 'kintone-poll-failed' "
               "AND detail LIKE '%\"code\":\"connection\"%'") == 1;
  }));
  // The handshake failed before any request: the server never saw the token.
  EXPECT_TRUE(kintone_.requests().empty());
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
}

// ---- outbound: documents received by Nagareyama written to its kintone app ----

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};

class KintoneOutbound : public ::testing::Test {
 protected:
  KintoneOutbound() {
    federation_.node("122173").consent("consent-0001", {"122203"});
    writeToken(fs::path(dir_.path()) / "kintone.token", kToken);
  }

  /// Kashiwa sends the admission sheet of Nagareyama's patient under each id; returns when
  /// Nagareyama has them all in its inbox.
  void receive(const std::vector<std::string>& sheetIds) {
    auto& kashiwa = federation_.node("122173");
    std::string xml = testing::canonicalFixture("admission-sheet.xml");
    const auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = xml.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      xml.replace(at, from.size(), to);
    };
    replace("<municipalityCode>122076</municipalityCode>",
            "<municipalityCode>122203</municipalityCode>");
    replace("<insurerNumber>122077</insurerNumber>", "<insurerNumber>122200</insurerNumber>");
    replace("<insuredNumber>0000654321</insuredNumber>",
            "<insuredNumber>0000123456</insuredNumber>");
    const auto idAt = xml.find("<sheetId>") + 9;
    const auto idEnd = xml.find("</sheetId>");
    for (const auto& id : sheetIds) {
      std::string sheet = xml;
      sheet.replace(idAt, idEnd - idAt, id);
      kashiwa.exchange().submitter().submit(mapping::parseCanonical(sheet));
    }
    kashiwa.exchange().wakeDelivery();
    ASSERT_TRUE(eventually(
        [&] {
          return federation_.node("122203").count("SELECT count(*) FROM inbox") ==
                 static_cast<long long>(sheetIds.size());
        },
        std::chrono::seconds(120)));
  }

  std::shared_ptr<channels::ChannelSink> sink() {
    channels::KintoneOptions k;
    k.baseUrl = kintone_.baseUrl();
    k.tokenFile = fs::path(dir_.path()) / "kintone.token";
    k.caCertificate = federation_.pki().ca().certificate();
    std::vector<channels::OutboundChannel> outbound;
    outbound.push_back(
        channels::OutboundChannel{channels::ChannelOptions{"care-kintone",
                                                           channels::Direction::Outbound,
                                                           "kintone:nagareyama-kintone",
                                                           {"LiaisonSheet"},
                                                           false,
                                                           {},
                                                           k},
                                  builtinAdapters()->create("kintone:nagareyama-kintone"), nullptr});
    return std::make_shared<channels::ChannelSink>(std::move(outbound),
                                                   federation_.node("122203").pool());
  }

  long long delivered() {
    return federation_.node("122203").count(
        "SELECT count(*) FROM inbox WHERE local_state = 'delivered'");
  }

  testing::TempDir dir_{"kintone-out"};
  testing::TestFederation federation_{{kKashiwa, kNagareyama}};
  FakeKintone kintone_{federation_.pki(), kToken};
};

TEST_F(KintoneOutbound, TwoHundredFiftyDocumentsAreThreeWritesOfAtMostOneHundred) {
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) ids.push_back("kashiwa-sheet-" + std::to_string(i));
  receive(ids);

  exchange::LocalDelivery delivery(federation_.node("122203").pool(), sink(),
                                   testing::TestFederation::fastRetry());
  delivery.start();
  ASSERT_TRUE(eventually([&] { return delivered() == 250; }));
  delivery.stop();

  const auto writes = kintone_.requests("POST");
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_EQ(writes[0].ids.size(), 100u);
  EXPECT_EQ(writes[1].ids.size(), 100u);
  EXPECT_EQ(writes[2].ids.size(), 50u);
  for (const auto& w : writes) {
    EXPECT_EQ(w.status, 200);
    EXPECT_EQ(w.app, "31");
  }
  EXPECT_TRUE(kintone_.requests("PUT").empty());
  // Every document is a record of the app, its id in 連携ID.
  ASSERT_EQ(kintone_.size("31"), 250u);
  std::set<std::string> origins;
  for (unsigned long long id = 1; id <= 250; ++id) {
    origins.insert(kintone_.record("31", id)->getObject("連携ID")->getValue<std::string>("value"));
  }
  EXPECT_EQ(origins.size(), 250u);
  EXPECT_EQ(origins.count("kashiwa-sheet-0"), 1u);
  EXPECT_EQ(federation_.node("122203").count(
                "SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                "AND detail LIKE '%\"step\":\"encode\"%' AND detail LIKE '%care-kintone%'"),
            250);
}

TEST_F(KintoneOutbound, AForeignDocumentIsAddedTheAppsOwnIsUpdatedAndAnOutageIsRetried) {
  kintone_.put("31", sheetRecord(7));
  kintone_.failWrites(1, 503);
  receive({"nagareyama-kt31-7", "fhirjp-0190e8a2"});

  exchange::LocalDelivery delivery(federation_.node("122203").pool(), sink(),
                                   testing::TestFederation::fastRetry());
  delivery.start();
  ASSERT_TRUE(eventually([&] { return delivered() == 2; }));
  delivery.stop();

  // The add (POST, first in a round) met the outage and went again; the update went once.
  const auto adds = kintone_.requests("POST");
  ASSERT_EQ(adds.size(), 2u);
  EXPECT_EQ(adds[0].status, 503);
  EXPECT_EQ(adds[1].status, 200);
  EXPECT_EQ(adds[1].ids.size(), 1u);
  const auto updates = kintone_.requests("PUT");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, 200);
  EXPECT_THAT(updates[0].ids, ElementsAre("7"));
  EXPECT_EQ(federation_.node("122203").count(
                "SELECT count(*) FROM exchange_events WHERE event = 'local-retry-scheduled' "
                "AND detail LIKE '%answered HTTP 503 GAIA_TM01%'"),
            1);

  // Record 7 now holds the received sheet; the foreign one is a new record with its id.
  ASSERT_EQ(kintone_.size("31"), 2u);
  EXPECT_EQ(kintone_.record("31", 7)->getObject("氏名")->getValue<std::string>("value"),
            "松戸 太郎");
  EXPECT_EQ(kintone_.record("31", 8)->getObject("連携ID")->getValue<std::string>("value"),
            "fhirjp-0190e8a2");
}

TEST_F(KintoneOutbound, ARecordTheAppRefusesIsDeadLetteredAloneTheRestOfItsBatchIsWritten) {
  Object::Ptr existing = sheetRecord(1);
  existing->set("連携ID", field("SINGLE_LINE_TEXT", "kashiwa-sheet-dup"));
  kintone_.put("31", existing);
  receive({"kashiwa-sheet-a", "kashiwa-sheet-dup", "kashiwa-sheet-b"});

  exchange::LocalDelivery delivery(federation_.node("122203").pool(), sink(),
                                   testing::TestFederation::fastRetry());
  delivery.start();
  ASSERT_TRUE(eventually([&] {
    return delivered() == 2 && federation_.node("122203").count(
                                   "SELECT count(*) FROM inbox WHERE local_state = 'dead'") == 1;
  }));
  delivery.stop();

  // The batch of three was refused as a whole; sent one by one (in the claim's order), only the
  // duplicate is refused.
  const auto adds = kintone_.requests("POST");
  ASSERT_EQ(adds.size(), 4u);
  EXPECT_EQ(adds[0].status, 400);
  std::multiset<int> singles;
  for (std::size_t i = 1; i < adds.size(); ++i) singles.insert(adds[i].status);
  EXPECT_EQ(singles, (std::multiset<int>{200, 200, 400}));
  EXPECT_EQ(kintone_.size("31"), 3u);
  EXPECT_EQ(federation_.node("122203").count(
                "SELECT count(*) FROM exchange_events WHERE event = 'channel-refused' "
                "AND detail LIKE '%care-kintone%' "
                "AND detail LIKE '%HTTP 400 CB_VA01 at records[0].連携ID.value%'"),
            1);
}

}  // namespace
}  // namespace tsunagi
