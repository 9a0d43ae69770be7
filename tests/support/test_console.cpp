#include "tests/support/test_console.hpp"

#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <regex>

#include "gateway/console/totp.hpp"
#include "gateway/console/users.hpp"
#include "gateway/exchange/envelope.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::testing {

ConsoleClient::ConsoleClient(unsigned short port, std::filesystem::path ca, std::string source)
    : port_(port), ca_(std::move(ca)), source_(std::move(source)) {}

ConsoleReply ConsoleClient::send(const std::string& method, const std::string& path,
                                 const std::string& body, const std::string& contentType,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  Poco::Net::Context::Params params;
  params.caLocation = ca_.string();
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  params.loadDefaultCAs = false;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost("127.0.0.1", port_);
  if (!cookies_.empty()) {
    Poco::Net::NameValueCollection jar;
    for (const auto& [k, v] : cookies_) jar.add(k, v);
    request.setCookies(jar);
  }
  for (const auto& [k, v] : headers) request.set(k, v);
  if (method == "POST") {
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  Poco::Net::HTTPResponse response;
  ConsoleReply reply;
  if (source_.empty()) {
    Poco::Net::HTTPSClientSession session("127.0.0.1", port_, context);
    session.setTimeout(Poco::Timespan(30, 0));
    session.sendRequest(request) << body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
  } else {
    // Poco's HTTPS session cannot choose its local address: one request, by hand, over a socket
    // bound to it.
    Poco::Net::StreamSocket plain(Poco::Net::SocketAddress::IPv4);
    plain.impl()->bind(Poco::Net::SocketAddress(source_, 0), true);
    plain.connect(Poco::Net::SocketAddress("127.0.0.1", port_), Poco::Timespan(30, 0));
    Poco::Net::SecureStreamSocket tls =
        Poco::Net::SecureStreamSocket::attach(plain, "127.0.0.1", context);
    tls.setReceiveTimeout(Poco::Timespan(30, 0));
    Poco::Net::SocketStream stream(tls);
    request.setKeepAlive(false);
    request.write(stream);
    stream << body;
    stream.flush();
    response.read(stream);
    if (response.hasContentLength()) {
      reply.body.resize(static_cast<std::size_t>(response.getContentLength64()));
      stream.read(reply.body.data(), static_cast<std::streamsize>(reply.body.size()));
      reply.body.resize(static_cast<std::size_t>(stream.gcount()));
    } else {
      Poco::StreamCopier::copyToString(stream, reply.body);
    }
  }
  reply.status = response.getStatus();
  reply.contentType = response.getContentType();
  reply.location = response.get("Location", "");
  for (const auto& [name, value] : response) reply.headers[name] = value;
  for (auto it = response.find("Set-Cookie"); it != response.end() && it->first == "Set-Cookie";
       ++it) {
    reply.setCookies.push_back(it->second);
    const std::string& c = it->second;
    const auto eq = c.find('='), semi = c.find(';');
    const std::string name = c.substr(0, eq), value = c.substr(eq + 1, semi - eq - 1);
    if (value.empty() || c.find("Max-Age=0") != std::string::npos) {
      cookies_.erase(name);
    } else {
      cookies_[name] = value;
    }
  }
  return reply;
}

ConsoleReply ConsoleClient::get(const std::string& pathAndQuery) {
  return send("GET", pathAndQuery, "", "");
}

ConsoleReply ConsoleClient::postForm(const std::string& path,
                                     const std::map<std::string, std::string>& fields) {
  std::string body;
  for (const auto& [k, v] : fields) {
    body += (body.empty() ? "" : "&") + console::urlEncode(k) + "=" + console::urlEncode(v);
  }
  return send("POST", path, body, "application/x-www-form-urlencoded");
}

ConsoleReply ConsoleClient::postJson(
    const std::string& path, const std::string& json,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  return send("POST", path, json, "application/json", headers);
}

std::string ConsoleClient::csrfIn(const std::string& html) {
  static const std::regex field("name=\"csrf\" value=\"([^\"]+)\"");
  std::smatch m;
  return std::regex_search(html, m, field) ? m[1].str() : "";
}

ConsoleReply ConsoleClient::login(const std::string& user, const std::string& password,
                                  const std::string& code) {
  const ConsoleReply form = get("/login");
  return postForm(
      "/login",
      {{"csrf", csrfIn(form.body)}, {"user", user}, {"password", password}, {"totp", code}});
}

TestPki& TestConsole::pki() {
  static TestPki pki;
  return pki;
}

TestConsole::TestConsole(console::SessionPolicy sessions, console::LockoutPolicy lockout,
                         console::LoginThrottlePolicy throttle)
    : conninfo_(db_.conninfo()),
      now_(std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count()) {
  {
    store::PgConnection conn(conninfo_);
    store::migrate(conn);
  }
  pool_ = std::make_unique<store::ConnectionPool>(conninfo_, 4);
  const auto& files = pki().node("122173");
  console::ConsoleContext context;
  context.nodeCode = "122173";
  context.nodeName = "柏市";
  context.pool = pool_.get();
  context.peers = [] {
    return std::vector<console::PeerInfo>{{"122203", "流山市", "https://127.0.0.1:1"},
                                          {"122076", "松戸市", "https://127.0.0.1:2"}};
  };
  const std::int64_t start = now_.load();
  context.expiries = [start] {
    return std::vector<console::Expiry>{
        {"node certificate / ノード証明書", start + 300 * 86400},
        {"federation manifest / 連携マニフェスト", start + 20 * 86400}};
  };
  context.configuration = {{"node.code", "122173"}, {"console.listener", "127.0.0.1:0"}};
  console::ConsoleSettings settings;
  settings.sessions = sessions;
  settings.lockout = lockout;
  settings.throttle = throttle;
  settings.clock = [this] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(now_.load()));
  };
  console::ConsoleListenerOptions listener;
  listener.host = "127.0.0.1";
  listener.port = 0;
  listener.certificateFile = files.cert;
  listener.keyFile = files.key;
  server_ = std::make_unique<console::ConsoleServer>(std::move(listener), std::move(context),
                                                     std::move(settings));
  server_->start();
}

TestConsole::~TestConsole() {
  server_->stop();
  server_.reset();
  pool_.reset();
}

std::string TestConsole::addUser(const std::string& name, console::Role role,
                                 const std::string& password) {
  return addConsoleUser(*pool_, name, role, password);
}

std::string addConsoleUser(store::ConnectionPool& pool, const std::string& name, console::Role role,
                           const std::string& password) {
  auto conn = pool.lease();
  console::addUser(*conn, name, role, password, "test");
  return console::enrolTotp(*conn, name, "test");
}

std::string TestConsole::code(const std::string& secret, int stepOffset) const {
  const auto key = console::base32Decode(secret);
  return console::hotp(*key,
                       static_cast<std::uint64_t>(console::totpStep(now_.load()) + stepOffset));
}

std::string seedOutbound(store::ConnectionPool& pool, const std::string& peer, bool dead,
                         const std::string& caseId, const std::string& documentType) {
  const std::string id = exchange::newMessageId();
  auto conn = pool.lease();
  store::inTransaction(*conn, [&] {
    store::enqueue(*conn, store::OutboundMessage{id, "doc-" + id, peer, documentType, caseId,
                                                 std::nullopt, "<envelope/>", "[]", "", 0});
  });
  if (dead) {
    for (const auto& m : store::claimDue(*conn, peer, 100, std::chrono::seconds(60))) {
      if (m.messageId == id) {
        store::markFailed(*conn, m, "422 document-invalid at the receiver", true, 12,
                          std::chrono::milliseconds(0));
      } else {
        store::release(*conn, m, std::chrono::milliseconds(0));
      }
    }
  }
  return id;
}

std::string seedDelivered(store::ConnectionPool& pool, const std::string& peer,
                          const std::string& caseId) {
  const std::string id = seedOutbound(pool, peer, false, caseId);
  auto conn = pool.lease();
  for (const auto& m : store::claimDue(*conn, peer, 100, std::chrono::seconds(60))) {
    if (m.messageId == id) {
      store::markDelivered(*conn, m, "<receipt/>", std::string(64, 'a'), exchange::utcNow());
    } else {
      store::release(*conn, m, std::chrono::milliseconds(0));
    }
  }
  return id;
}

std::string seedInbound(store::ConnectionPool& pool, const std::string& sender,
                        const std::string& caseId) {
  const std::string id = exchange::newMessageId();
  auto conn = pool.lease();
  store::inTransaction(*conn, [&] {
    store::appendEvent(*conn, store::NewEvent{store::EventType::Received, "inbound", sender, id,
                                              store::jsonObject({{"documentType", "CaseUpdate"}})});
    store::storeInbound(*conn,
                        store::InboundMessage{sender, id, "CaseUpdate", caseId, std::nullopt,
                                              "<envelope/>", "sha-256=:AAAA:"},
                        "<receipt/>");
  });
  return id;
}

long long seedIdentityReview(store::ConnectionPool& pool, const std::string& sender,
                             const std::string& messageId) {
  auto conn = pool.lease();
  return conn
      ->execParams(
          "INSERT INTO identity_reviews (sender, message_id, grade, reason, candidate) "
          "VALUES ($1, $2, 'probable', 'kana name and birth date match, insured number "
          "differs', 'local patient P-0042') RETURNING id",
          {sender, messageId})
      .integer(0, 0);
}

long long TestConsole::events(const std::string& event, const std::string& detailPart) {
  auto conn = pool_->lease();
  return conn
      ->execParams(
          "SELECT count(*) FROM exchange_events WHERE event = $1 AND strpos(detail, $2) > 0",
          {event, detailPart})
      .integer(0, 0);
}

long long TestConsole::count(const std::string& sql) {
  auto conn = pool_->lease();
  return conn->exec(sql).integer(0, 0);
}

}  // namespace tsunagi::testing
