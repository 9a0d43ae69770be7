#include "gateway/console/console_app.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "gateway/console/chain_status.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::console {

namespace {

using Json = Poco::JSON::Object;
using JsonArray = Poco::JSON::Array;

std::string stringify(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(value, out);
  return out.str();
}

Response jsonResponse(int status, const Poco::Dynamic::Var& value) {
  return Response{status, "application/json; charset=utf-8", stringify(value), {}};
}

Poco::Dynamic::Var optionalJson(const std::optional<std::string>& v) {
  return v ? Poco::Dynamic::Var(*v) : Poco::Dynamic::Var();
}

std::string cookie(const std::string& name, const std::string& value, const std::string& path,
                   std::optional<long long> maxAge, bool httpOnly = true) {
  return name + "=" + value + "; Path=" + path + "; Secure; SameSite=Strict" +
         (httpOnly ? "; HttpOnly" : "") + (maxAge ? "; Max-Age=" + std::to_string(*maxAge) : "");
}

Response redirect(const std::string& location) {
  Response r{303, "text/plain; charset=utf-8", "", {}};
  r.headers.emplace_back("Location", location);
  return r;
}

std::string japanDay(std::int64_t unixSeconds) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_seconds(seconds(unixSeconds + 9 * 3600)));
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Frame frame(const Tr& tr, const std::string& title) {
  Frame f;
  f.tr = tr;
  f.title = title;
  return f;
}

Json::Ptr rowJson(const ExchangeRow& r) {
  Json::Ptr o = new Json(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("messageId", r.messageId);
  o->set("direction", r.direction);
  o->set("peer", r.peer);
  o->set("documentType", r.documentType);
  o->set("caseId", optionalJson(r.caseId));
  o->set("status", r.status);
  o->set("at", r.at);
  o->set("attempts", r.attempts);
  o->set("lastError", optionalJson(r.lastError));
  return o;
}

JsonArray::Ptr rowsJson(const std::vector<ExchangeRow>& rows) {
  JsonArray::Ptr a = new JsonArray;
  for (const auto& r : rows) a->add(rowJson(r));
  return a;
}

/// CSV field per RFC 4180; a leading = + - @ is defused so a spreadsheet never runs it.
std::string csvField(const std::string& value) {
  std::string v = value;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// The coordinator's reason for an action: required, one line, at most 500 bytes.
std::optional<std::string> reasonOf(const std::string& raw) {
  std::string r = raw;
  while (!r.empty() && (r.back() == ' ' || r.back() == '\n' || r.back() == '\r')) r.pop_back();
  while (!r.empty() && r.front() == ' ') r.erase(r.begin());
  if (r.empty() || r.size() > 500) return std::nullopt;
  for (unsigned char c : r) {
    if (c < 0x20 || c == 0x7F) return std::nullopt;
  }
  return r;
}

}  // namespace

struct ConsoleApp::Call {
  explicit Call(const Request& r) : req(r) {}
  const Request& req;
  Tr tr;
  bool api = false;
  std::string path;  ///< below /api/v1 for API calls
  std::optional<SessionInfo> session;
  std::vector<std::pair<std::string, std::string>> headers;

  std::string field(const std::string& name) const {
    if (auto it = req.form.find(name); it != req.form.end()) return it->second;
    return "";
  }
  std::string user() const { return session ? session->user : ""; }
};

ConsoleApp::ConsoleApp(ConsoleContext context, ConsoleSettings settings)
    : context_(std::move(context)), settings_(std::move(settings)) {}

void ConsoleApp::audit(const std::string& event,
                       const std::vector<std::pair<std::string, std::string>>& detail,
                       const std::optional<std::string>& messageId) {
  store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    store::appendEvent(
        conn, store::Event{event, "node", std::nullopt, messageId, store::jsonObject(detail)});
  });
}

Response ConsoleApp::handle(const Request& req) {
  Call call(req);
  if (auto q = req.query.find("lang");
      q != req.query.end() && (q->second == "en" || q->second == "ja")) {
    call.tr.lang = q->second == "en" ? Lang::En : Lang::Ja;
    call.headers.emplace_back("Set-Cookie",
                              cookie(kLangCookie, q->second, "/", 365LL * 86400, false));
  } else if (auto c = req.cookies.find(kLangCookie); c != req.cookies.end() && c->second == "en") {
    call.tr.lang = Lang::En;
  }
  call.api = req.path.rfind("/api/v1/", 0) == 0;
  call.path = call.api ? req.path.substr(7) : req.path;
  Response response;
  try {
    response = route(call);
  } catch (const store::PgError& e) {
    spdlog::error("console: database trouble on {} {}: {}", req.method, req.path, e.what());
    if (call.api) {
      response = jsonResponse(503, Json().set("error", "storage-unavailable"));
    } else {
      response = Response{
          503,
          "text/html; charset=utf-8",
          page(frame(call.tr, call.tr("一時的に利用できません", "Temporarily unavailable")),
               errorBody(call.tr,
                         call.tr("データベースに接続できません。しばらくして再度お試しください。",
                                 "The database cannot be reached; try again shortly."))),
          {}};
    }
  } catch (const std::exception& e) {
    spdlog::error("console: {} {} failed: {}", req.method, req.path, e.what());
    response = Response{500, "text/plain; charset=utf-8", "internal error\n", {}};
  }
  for (auto& h : call.headers) response.headers.push_back(h);
  // No framing, no sniffing, no caching of pages that carry patient identifiers, no referrers,
  // and nothing loaded from anywhere but this console.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  if (req.path.rfind("/static/", 0) != 0)
    response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response ConsoleApp::htmlPage(Call& call, int status, const std::string& title,
                              const std::string& body) {
  Frame f = frame(call.tr, title);
  f.nodeName = context_.nodeName + " (" + context_.nodeCode + ")";
  if (call.session) {
    f.user = call.session->user;
    f.role = toString(call.session->role);
    f.csrf = call.session->csrf;
  }
  std::string self = call.req.path;
  std::string query;
  for (const auto& [k, v] : call.req.query) {
    if (k != "lang") query += (query.empty() ? "?" : "&") + urlEncode(k) + "=" + urlEncode(v);
  }
  f.path = self + query;
  return Response{status, "text/html; charset=utf-8", page(f, body), {}};
}

Response ConsoleApp::refuse(Call& call, int status, const std::string& reason,
                            const std::string& message) {
  audit("console-refused", {{"reason", reason},
                            {"user", call.user()},
                            {"method", call.req.method},
                            {"path", call.req.path.substr(0, 200)},
                            {"client", call.req.client}});
  if (call.api) {
    Json body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("error", reason);
    body.set("message", message);
    return jsonResponse(status, body);
  }
  return htmlPage(call, status, call.tr("操作できません", "Not allowed"),
                  errorBody(call.tr, message));
}

Response ConsoleApp::route(Call& call) {
  const Request& req = call.req;
  const std::string& p = call.path;
  if (!call.api && p == "/static/console.css")
    return Response{200, "text/css; charset=utf-8", stylesheet(), {}};
  if (!call.api && p == "/static/console.js") {
    return Response{200, "text/javascript; charset=utf-8", script(), {}};
  }
  if (!call.api && p == "/favicon.ico") return Response{404, "text/plain; charset=utf-8", "", {}};
  if (!call.api && p == "/login") return login(call);
  if (call.api && p == "/login") return apiLogin(call);

  const auto token = req.cookies.find(kSessionCookie);
  if (token == req.cookies.end() || token->second.empty()) {
    if (call.api) {
      return jsonResponse(401, Json().set("error", "not-logged-in"));
    }
    return redirect("/login");
  }
  const auto now = unixSeconds(settings_.clock);
  const SessionLookup found =
      store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
        return touchSession(conn, token->second, now, settings_.sessions);
      });
  if (found.state != SessionState::Valid) {
    const std::string reason =
        found.state == SessionState::Expired ? "session-expired" : "session-unknown";
    audit("console-refused", {{"reason", reason},
                              {"user", found.user},
                              {"method", req.method},
                              {"path", req.path.substr(0, 200)},
                              {"client", req.client}});
    call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", "/", 0));
    if (call.api) return jsonResponse(401, Json().set("error", reason));
    return redirect("/login?expired=1");
  }
  call.session = found.session;

  // The route table: method, path pattern ("{}" is one path segment), permission, handler.
  struct Route {
    const char* method;
    std::string pattern;
    Permission permission;
    std::function<Response(Call&, const std::string&)> handler;
  };
  const std::string users = call.api ? "/users" : "/admin/users";
  const std::string config = call.api ? "/config" : "/admin/config";
  const std::vector<Route> routes = {
      {"GET", "/", Permission::Read, [this](Call& c, auto&) { return dashboard(c); }},
      {"GET", "/dashboard", Permission::Read, [this](Call& c, auto&) { return dashboard(c); }},
      {"GET", "/exchanges", Permission::Read, [this](Call& c, auto&) { return search(c); }},
      {"GET", "/exchanges.csv", Permission::Read, [this](Call& c, auto&) { return exportCsv(c); }},
      {"GET", "/exchanges/{}", Permission::Read,
       [this](Call& c, auto& id) { return exchange(c, id); }},
      {"GET", "/dead-letters", Permission::Read, [this](Call& c, auto&) { return deadLetters(c); }},
      {"POST", "/dead-letters/{}/retry", Permission::Act,
       [this](Call& c, auto& id) { return deadLetterAction(c, id, true); }},
      {"POST", "/dead-letters/{}/discard", Permission::Act,
       [this](Call& c, auto& id) { return deadLetterAction(c, id, false); }},
      {"GET", "/identity-reviews", Permission::Read,
       [this](Call& c, auto&) { return identityReviews(c); }},
      {"POST", "/identity-reviews/{}/resolve", Permission::Act,
       [this](Call& c, auto& id) { return resolveIdentity(c, id); }},
      {"GET", "/consents", Permission::Administer, [this](Call& c, auto&) { return consents(c); }},
      {"GET", "/audit", Permission::Read, [this](Call& c, auto&) { return auditStatus(c); }},
      {"GET", users, Permission::Administer, [this](Call& c, auto&) { return this->users(c); }},
      {"GET", config, Permission::Administer, [this](Call& c, auto&) { return configuration(c); }},
      {"POST", "/logout", Permission::Read, [this](Call& c, auto&) { return logout(c); }},
      {"GET", "/session", Permission::Read,
       [this](Call& c, auto&) {
         Json o(Poco::JSON_PRESERVE_KEY_ORDER);
         o.set("user", c.session->user);
         o.set("role", toString(c.session->role));
         o.set("csrfToken", c.session->csrf);
         o.set("expiresAt", c.session->expiresAt);
         o.set("node", context_.nodeCode);
         return jsonResponse(200, o);
       }},
  };
  bool pathKnown = false;
  for (const auto& route : routes) {
    const auto brace = route.pattern.find("{}");
    std::string param;
    if (brace == std::string::npos) {
      if (p != route.pattern) continue;
    } else {
      const std::string prefix = route.pattern.substr(0, brace),
                        suffix = route.pattern.substr(brace + 2);
      if (p.size() <= prefix.size() + suffix.size() || p.rfind(prefix, 0) != 0 ||
          p.compare(p.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      param = p.substr(prefix.size(), p.size() - prefix.size() - suffix.size());
      if (param.find('/') != std::string::npos) continue;
    }
    if (route.pattern == "/session" && !call.api) continue;
    pathKnown = true;
    if (req.method != route.method) continue;
    if (!allows(call.session->role, route.permission)) {
      return refuse(call, 403, "role-missing",
                    call.tr("この操作にはほかの役割が必要です", "Your role does not allow this"));
    }
    if (req.method == "POST") {
      std::string given = call.field("csrf");
      if (auto h = req.headers.find("x-csrf-token"); given.empty() && h != req.headers.end())
        given = h->second;
      if (given.empty()) {
        return refuse(call, 403, "csrf-missing",
                      call.tr("フォームの確認トークンがありません。ページを開き直してください。",
                              "The form's CSRF token is missing; reload the page."));
      }
      if (!tokensMatch(call.session->csrf, given)) {
        return refuse(call, 403, "csrf-mismatch",
                      call.tr("フォームの確認トークンが一致しません。ページを開き直してください。",
                              "The form's CSRF token does not match; reload the page."));
      }
    }
    return route.handler(call, param);
  }
  if (pathKnown) {
    Response r = call.api ? jsonResponse(405, Json().set("error", "method-not-allowed"))
                          : htmlPage(call, 405, "405", errorBody(call.tr, "method not allowed"));
    return r;
  }
  return call.api ? jsonResponse(404, Json().set("error", "not-found"))
                  : htmlPage(call, 404, call.tr("ページがありません", "Not found"),
                             errorBody(call.tr,
                                       call.tr("このページはありません", "There is no such page")));
}

Response ConsoleApp::login(Call& call) {
  const Request& req = call.req;
  const std::string title = call.tr("ログイン", "Log in");
  auto form = [&](int status, const std::string& error) {
    // Keep a token the browser already has: another tab or a stray request to /login must not
    // invalidate the form on screen.
    const auto existing = req.cookies.find(kLoginCsrfCookie);
    const std::string csrf = existing != req.cookies.end() && existing->second.size() == 43
                                 ? existing->second
                                 : newToken();
    call.headers.emplace_back("Set-Cookie", cookie(kLoginCsrfCookie, csrf, "/login", 1800));
    return htmlPage(call, status, title, loginBody(call.tr, csrf, error));
  };
  if (req.method == "GET") {
    return form(200,
                req.query.count("expired")
                    ? call.tr("セッションの有効期限が切れました。もう一度ログインしてください。",
                              "Your session has expired; log in again.")
                    : "");
  }
  if (req.method != "POST") return form(405, "");
  const auto cookieCsrf = req.cookies.find(kLoginCsrfCookie);
  const std::string given = call.field("csrf");
  if (given.empty() || cookieCsrf == req.cookies.end() || !tokensMatch(cookieCsrf->second, given)) {
    audit("console-refused", {{"reason", given.empty() ? "csrf-missing" : "csrf-mismatch"},
                              {"user", ""},
                              {"method", "POST"},
                              {"path", "/login"},
                              {"client", req.client}});
    return form(403,
                call.tr("ログインフォームの確認トークンがありません。もう一度入力してください。",
                        "The login form's CSRF token is missing; please try again."));
  }
  auto conn = context_.pool->lease();
  const LoginResult result = console::login(*conn, call.field("user"), call.field("password"),
                                            call.field("totp"), unixSeconds(settings_.clock),
                                            settings_.sessions, settings_.lockout, req.client);
  if (result.outcome != LoginOutcome::Ok) {
    return form(401,
                call.tr("ユーザー名、パスワード、確認コードのいずれかが正しくないか、アカウントがロ"
                        "ックされています。",
                        "The user name, password or code is wrong, or the account is locked."));
  }
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, result.token, "/", std::nullopt));
  call.headers.emplace_back("Set-Cookie", cookie(kLoginCsrfCookie, "", "/login", 0));
  return redirect("/");
}

Response ConsoleApp::apiLogin(Call& call) {
  const Request& req = call.req;
  if (req.method != "POST") return jsonResponse(405, Json().set("error", "method-not-allowed"));
  // Cross-site forms cannot send application/json without a CORS preflight this server never
  // grants: the content type is the API login's CSRF defence.
  if (req.contentType.rfind("application/json", 0) != 0) {
    return refuse(call, 415, "csrf-missing", "send the login as application/json");
  }
  std::string user, password, totp;
  try {
    auto json = Poco::JSON::Parser().parse(req.body).extract<Json::Ptr>();
    user = json->optValue<std::string>("user", "");
    password = json->optValue<std::string>("password", "");
    totp = json->optValue<std::string>("totp", "");
  } catch (const Poco::Exception& e) {
    return jsonResponse(400, Json().set("error", "invalid-json"));
  }
  auto conn = context_.pool->lease();
  const LoginResult result =
      console::login(*conn, user, password, totp, unixSeconds(settings_.clock), settings_.sessions,
                     settings_.lockout, req.client);
  if (result.outcome != LoginOutcome::Ok)
    return jsonResponse(401, Json().set("error", "login-refused"));
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, result.token, "/", std::nullopt));
  Json o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("user", user);
  o.set("role", toString(result.role));
  o.set("csrfToken", result.csrf);
  o.set("expiresAt", result.expiresAt);
  return jsonResponse(200, o);
}

Response ConsoleApp::logout(Call& call) {
  const auto token = call.req.cookies.find(kSessionCookie);
  store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    endSession(conn, token->second);
    store::appendEvent(conn, store::Event{"console-logout", "node", std::nullopt, std::nullopt,
                                          store::jsonObject({{"user", call.user()}})});
  });
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", "/", 0));
  if (call.api) return jsonResponse(200, Json().set("loggedOut", true));
  return redirect("/login");
}

Response ConsoleApp::dashboard(Call& call) {
  DashboardData d;
  d.now = unixSeconds(settings_.clock);
  std::vector<std::string> manifestPeers;
  if (context_.peers) {
    for (const auto& p : context_.peers()) {
      manifestPeers.push_back(p.code);
      d.peerNames[p.code] = p.name;
    }
  }
  if (context_.expiries) d.expiries = context_.expiries();
  for (int i = 13; i >= 0; --i) d.days.push_back(japanDay(d.now - i * 86400LL));
  {
    auto conn = context_.pool->lease();
    d.peers = peerStates(*conn, manifestPeers);
    d.daily = dailyCounts(*conn, 14);
  }
  if (!call.api)
    return htmlPage(call, 200, call.tr("ダッシュボード", "Dashboard"), dashboardBody(call.tr, d));
  Json o(Poco::JSON_PRESERVE_KEY_ORDER);
  JsonArray peers;
  for (const auto& p : d.peers) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("peer", p.peer);
    j.set("name", d.peerNames.count(p.peer) ? Poco::Dynamic::Var(d.peerNames[p.peer])
                                            : Poco::Dynamic::Var());
    j.set("lastSent", optionalJson(p.lastSent));
    j.set("lastReceived", optionalJson(p.lastReceived));
    j.set("backlog", p.backlog);
    j.set("deadLetters", p.deadLetters);
    j.set("successes24h", p.successes24h);
    j.set("failures24h", p.failures24h);
    j.set("errorRate24h",
          p.errorRate() ? Poco::Dynamic::Var(*p.errorRate()) : Poco::Dynamic::Var());
    peers.add(j);
  }
  o.set("peers", peers);
  JsonArray expiries;
  for (const auto& e : d.expiries) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("what", e.what);
    j.set("notAfter", e.notAfter);
    j.set("secondsLeft", e.notAfter - d.now);
    expiries.add(j);
  }
  o.set("expiries", expiries);
  JsonArray daily;
  for (const auto& c : d.daily) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("day", c.day);
    j.set("peer", c.peer);
    j.set("status", c.status);
    j.set("count", c.count);
    daily.add(j);
  }
  o.set("daily", daily);
  return jsonResponse(200, o);
}

Response ConsoleApp::search(Call& call) {
  ExchangeFilter filter;
  try {
    filter = parseFilter(call.req.query);
  } catch (const FilterError& e) {
    audit("console-refused", {{"reason", "invalid-filter"},
                              {"field", e.field()},
                              {"user", call.user()},
                              {"method", "GET"},
                              {"path", call.req.path},
                              {"client", call.req.client}});
    if (call.api) {
      Json o(Poco::JSON_PRESERVE_KEY_ORDER);
      o.set("error", "invalid-filter");
      o.set("field", e.field());
      o.set("message", e.what());
      return jsonResponse(400, o);
    }
    return htmlPage(
        call, 400, call.tr("交換検索", "Exchange search"),
        searchBody(call.tr, ExchangeFilter{}, nullptr,
                   call.tr("検索条件が正しくありません: ", "Invalid search field: ") + e.what()));
  }
  SearchPage page;
  {
    auto conn = context_.pool->lease();
    page = searchExchanges(*conn, filter);
  }
  auto detail = filterFields(filter);
  detail.insert(detail.begin(), {"user", call.user()});
  detail.emplace_back("page", std::to_string(filter.page));
  detail.emplace_back("results", std::to_string(page.total));
  audit("console-searched", detail);
  if (!call.api)
    return htmlPage(call, 200, call.tr("交換検索", "Exchange search"),
                    searchBody(call.tr, filter, &page, ""));
  Json o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("total", page.total);
  o.set("page", page.page);
  o.set("pageSize", page.pageSize);
  o.set("exchanges", rowsJson(page.rows));
  return jsonResponse(200, o);
}

Response ConsoleApp::exportCsv(Call& call) {
  ExchangeFilter filter;
  try {
    filter = parseFilter(call.req.query);
  } catch (const FilterError& e) {
    return refuse(call, 400, "invalid-filter", e.what());
  }
  std::vector<ExchangeRow> rows;
  {
    auto conn = context_.pool->lease();
    rows = exportExchanges(*conn, filter);
  }
  auto detail = filterFields(filter);
  detail.insert(detail.begin(), {"user", call.user()});
  detail.emplace_back("rows", std::to_string(rows.size()));
  audit("console-exported", detail);
  // UTF-8 with a byte order mark, which Japanese spreadsheet software needs to read UTF-8.
  std::string csv = "\xEF\xBB\xBF";
  csv += "at,direction,peer,documentType,caseId,status,attempts,messageId,lastError\r\n";
  for (const auto& r : rows) {
    csv += csvField(r.at) + "," + csvField(r.direction) + "," + csvField(r.peer) + "," +
           csvField(r.documentType) + "," + csvField(r.caseId.value_or("")) + "," +
           csvField(r.status) + "," + std::to_string(r.attempts) + "," + csvField(r.messageId) +
           "," + csvField(r.lastError.value_or("")) + "\r\n";
  }
  Response r{200, "text/csv; charset=utf-8", csv, {}};
  r.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"exchanges-" + japanDay(unixSeconds(settings_.clock)) + ".csv\"");
  return r;
}

Response ConsoleApp::exchange(Call& call, const std::string& messageId) {
  if (!isUuid(messageId))
    return refuse(call, 404, "invalid-message-id",
                  call.tr("メッセージIDの形式が正しくありません", "Not a message id"));
  audit("console-viewed", {{"user", call.user()}}, messageId);
  std::optional<ExchangeDetail> detail;
  {
    auto conn = context_.pool->lease();
    detail = findExchange(*conn, messageId);
  }
  if (!detail) {
    if (call.api) return jsonResponse(404, Json().set("error", "not-found"));
    return htmlPage(call, 404, call.tr("交換", "Exchange"),
                    errorBody(call.tr, call.tr("このメッセージIDの交換はありません",
                                               "No exchange has this message id")));
  }
  if (!call.api) {
    return htmlPage(call, 200, call.tr("交換 ", "Exchange ") + detail->row.messageId,
                    exchangeBody(call.tr, *detail, allows(call.session->role, Permission::Act),
                                 call.session->csrf));
  }
  Json::Ptr o = rowJson(detail->row);
  JsonArray events;
  for (const auto& e : detail->events) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("id", e.id);
    j.set("at", e.at);
    j.set("event", e.event);
    j.set("direction", e.direction);
    j.set("detail", e.detailJson);
    events.add(j);
  }
  o->set("events", events);
  Json receipt(Poco::JSON_PRESERVE_KEY_ORDER);
  receipt.set("receivedAt", optionalJson(detail->receiptAt));
  receipt.set("receiverChainHead", optionalJson(detail->receiptChainHead));
  receipt.set("contentDigest", optionalJson(detail->contentDigest));
  receipt.set("signature", detail->row.direction == "outbound" ? "signed-at-each-attempt"
                                                               : "verified-at-receipt");
  o->set("signatureAndReceipt", receipt);
  JsonArray losses;
  for (const auto& l : detail->lossReports) losses.add(l);
  o->set("lossReports", losses);
  return jsonResponse(200, o);
}

Response ConsoleApp::deadLetters(Call& call) {
  std::vector<ExchangeRow> rows;
  {
    auto conn = context_.pool->lease();
    rows = console::deadLetters(*conn);
  }
  if (call.api) return jsonResponse(200, Json().set("deadLetters", rowsJson(rows)));
  std::string notice;
  if (auto done = call.req.query.find("done"); done != call.req.query.end()) {
    if (done->second == "replayed")
      notice = call.tr("再送を予約しました。", "Queued for another delivery.");
    if (done->second == "discarded") notice = call.tr("破棄しました。", "Discarded.");
  }
  return htmlPage(call, 200, call.tr("配送不能キュー", "Dead letters"),
                  deadLettersBody(call.tr, rows, allows(call.session->role, Permission::Act),
                                  call.session->csrf, notice));
}

Response ConsoleApp::deadLetterAction(Call& call, const std::string& messageId, bool replay) {
  if (!isUuid(messageId))
    return refuse(call, 404, "invalid-message-id",
                  call.tr("メッセージIDの形式が正しくありません", "Not a message id"));
  std::string raw = call.field("reason");
  if (call.api && call.req.contentType.rfind("application/json", 0) == 0) {
    try {
      raw = Poco::JSON::Parser()
                .parse(call.req.body)
                .extract<Json::Ptr>()
                ->optValue<std::string>("reason", "");
    } catch (const Poco::Exception&) {
      raw.clear();
    }
  }
  const auto reason = reasonOf(raw);
  if (!reason) {
    return refuse(call, 422, "reason-missing",
                  call.tr("理由を入力してください (1行、500バイト以内)",
                          "Give a reason (one line, at most 500 bytes)"));
  }
  const store::DeadLetterAction action{messageId, call.user(), *reason};
  const bool done = store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    return replay ? store::replayDeadLetter(conn, action) : store::discardDeadLetter(conn, action);
  });
  if (!done) {
    return refuse(call, 404, "not-a-dead-letter",
                  call.tr("このIDの配送不能メッセージはありません (すでに処理済み?)",
                          "No dead letter has this id (already handled?)"));
  }
  if (replay && context_.wakeDelivery) context_.wakeDelivery();
  if (call.api) return jsonResponse(200, Json().set(replay ? "replayed" : "discarded", messageId));
  return redirect(std::string("/dead-letters?done=") + (replay ? "replayed" : "discarded"));
}

Response ConsoleApp::identityReviews(Call& call) {
  std::vector<IdentityReview> reviews;
  {
    auto conn = context_.pool->lease();
    reviews = openIdentityReviews(*conn);
  }
  if (call.api) {
    JsonArray a;
    for (const auto& r : reviews) {
      Json j(Poco::JSON_PRESERVE_KEY_ORDER);
      j.set("id", r.id);
      j.set("sender", r.sender);
      j.set("messageId", r.messageId);
      j.set("grade", r.grade);
      j.set("reason", r.reason);
      j.set("candidate", optionalJson(r.candidate));
      j.set("createdAt", r.createdAt);
      a.add(j);
    }
    return jsonResponse(200, Json().set("identityReviews", a));
  }
  std::string notice;
  if (call.req.query.count("done")) notice = call.tr("判断を記録しました。", "Decision recorded.");
  return htmlPage(call, 200, call.tr("本人確認レビュー", "Identity review"),
                  identityBody(call.tr, reviews, allows(call.session->role, Permission::Act),
                               call.session->csrf, notice));
}

Response ConsoleApp::resolveIdentity(Call& call, const std::string& idText) {
  std::string resolution = call.field("resolution"), raw = call.field("reason");
  if (call.api && call.req.contentType.rfind("application/json", 0) == 0) {
    try {
      auto json = Poco::JSON::Parser().parse(call.req.body).extract<Json::Ptr>();
      resolution = json->optValue<std::string>("resolution", "");
      raw = json->optValue<std::string>("reason", "");
    } catch (const Poco::Exception&) {
      resolution.clear();
    }
  }
  const auto reason = reasonOf(raw);
  if (idText.empty() || idText.size() > 18 ||
      idText.find_first_not_of("0123456789") != std::string::npos ||
      (resolution != "linked" && resolution != "new-patient" && resolution != "not-ours") ||
      !reason) {
    return refuse(call, 422, "invalid-decision",
                  call.tr("判断と理由を入力してください", "Choose a decision and give a reason"));
  }
  const bool done = store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    return resolveIdentityReview(conn, std::stoll(idText), resolution, call.user(), *reason);
  });
  if (!done)
    return refuse(call, 404, "not-open",
                  call.tr("この確認はありません (処理済み?)", "No open review has this id"));
  if (call.api) return jsonResponse(200, Json().set("resolved", std::stoll(idText)));
  return redirect("/identity-reviews?done=1");
}

Response ConsoleApp::consents(Call& call) {
  std::vector<ConsentRow> rows;
  {
    auto conn = context_.pool->lease();
    rows = consentRegistry(*conn);
  }
  if (!call.api)
    return htmlPage(call, 200, call.tr("同意登録簿", "Consent registry"),
                    consentsBody(call.tr, rows));
  JsonArray a;
  for (const auto& c : rows) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("reference", c.reference);
    j.set("insurerNumber", c.insurerNumber);
    j.set("insuredNumber", c.insuredNumber);
    j.set("scope", c.scope);
    j.set("obtainedOn", c.obtainedOn);
    j.set("obtainedBy", c.obtainedBy);
    j.set("validUntil", optionalJson(c.validUntil));
    j.set("revokedAt", optionalJson(c.revokedAt));
    j.set("state", c.state);
    a.add(j);
  }
  return jsonResponse(200, Json().set("consents", a));
}

Response ConsoleApp::auditStatus(Call& call) {
  audit::ChainStatus s;
  {
    auto conn = context_.pool->lease();
    s = audit::chainStatus(*conn);
  }
  if (!call.api)
    return htmlPage(call, 200, call.tr("監査チェーン", "Audit chain"), auditBody(call.tr, s));
  Json o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("rows", s.rows);
  o.set("headId", s.headId);
  o.set("headHash", s.headHash);
  o.set("headAt", optionalJson(s.headAt));
  o.set("verifiedUpTo",
        s.verifiedUpTo ? Poco::Dynamic::Var(*s.verifiedUpTo) : Poco::Dynamic::Var());
  o.set("lastCheckpointId",
        s.lastCheckpointId ? Poco::Dynamic::Var(*s.lastCheckpointId) : Poco::Dynamic::Var());
  o.set("lastCheckpointAt", optionalJson(s.lastCheckpointAt));
  return jsonResponse(200, o);
}

Response ConsoleApp::users(Call& call) {
  std::vector<UserRecord> list;
  {
    auto conn = context_.pool->lease();
    list = listUsers(*conn, unixSeconds(settings_.clock));
  }
  if (!call.api) return htmlPage(call, 200, call.tr("ユーザー", "Users"), usersBody(call.tr, list));
  JsonArray a;
  for (const auto& u : list) {
    Json j(Poco::JSON_PRESERVE_KEY_ORDER);
    j.set("name", u.name);
    j.set("role", toString(u.role));
    j.set("totpEnrolled", u.totpEnrolled);
    j.set("failedAttempts", u.failedAttempts);
    j.set("lockedUntil", optionalJson(u.lockedUntil));
    j.set("createdAt", u.createdAt);
    a.add(j);
  }
  return jsonResponse(200, Json().set("users", a));
}

Response ConsoleApp::configuration(Call& call) {
  if (!call.api)
    return htmlPage(call, 200, call.tr("設定", "Configuration"),
                    configBody(call.tr, context_.configuration));
  Json o(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : context_.configuration) o.set(k, v);
  return jsonResponse(200, o);
}

}  // namespace tsunagi::console
