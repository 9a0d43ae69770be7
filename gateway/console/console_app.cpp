#include "gateway/console/console_app.hpp"

#include <spdlog/spdlog.h>

#include "gateway/console/console_call.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::console {

namespace {

Frame frame(const Tr& tr, const std::string& title) {
  Frame f;
  f.tr = tr;
  f.title = title;
  return f;
}

}  // namespace

ConsoleApp::ConsoleApp(ConsoleContext context, ConsoleSettings settings)
    : context_(std::move(context)),
      settings_(std::move(settings)),
      throttle_(std::make_unique<LoginThrottle>(settings_.throttle)) {}

void ConsoleApp::audit(store::EventType event,
                       const std::vector<std::pair<std::string, std::string>>& detail,
                       const std::optional<std::string>& messageId) {
  store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    store::appendEvent(
        conn, store::NewEvent{event, "node", std::nullopt, messageId, store::jsonObject(detail)});
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
      response = jsonResponse(503, Json::object().set("error", "storage-unavailable"));
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
  audit(store::EventType::ConsoleRefused, {{"reason", reason},
                                           {"user", call.user()},
                                           {"method", call.req.method},
                                           {"path", call.req.path.substr(0, 200)},
                                           {"client", call.req.client}});
  if (call.api) {
    Json body = Json::object();
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
      return jsonResponse(401, Json::object().set("error", "not-logged-in"));
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
    audit(store::EventType::ConsoleRefused, {{"reason", reason},
                                             {"user", found.user},
                                             {"method", req.method},
                                             {"path", req.path.substr(0, 200)},
                                             {"client", req.client}});
    call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", "/", 0));
    if (call.api) return jsonResponse(401, Json::object().set("error", reason));
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
      {"POST", "/consents/{}/revoke", Permission::Administer,
       [this](Call& c, auto& ref) { return revokeConsent(c, ref); }},
      {"POST", users + "/{}/unlock", Permission::Administer,
       [this](Call& c, auto& name) { return unlockUser(c, name); }},
      {"GET", "/audit", Permission::Read, [this](Call& c, auto&) { return auditStatus(c); }},
      {"GET", users, Permission::Administer, [this](Call& c, auto&) { return this->users(c); }},
      {"GET", config, Permission::Administer, [this](Call& c, auto&) { return configuration(c); }},
      {"POST", "/logout", Permission::Read, [this](Call& c, auto&) { return logout(c); }},
      {"GET", "/session", Permission::Read,
       [this](Call& c, auto&) {
         Json o = Json::object();
         o.set("user", c.session->user);
         o.set("role", toString(c.session->role));
         o.set("csrfToken", c.session->csrf);
         o.set("expiresAt", Json::integer(c.session->expiresAt));
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
    // A broken %-escape in the query or form: the exchange search and export answer 400
    // invalid-filter (parseFilter); every other page refuses the request as it stands.
    if (req.brokenEscape && route.pattern != "/exchanges" && route.pattern != "/exchanges.csv") {
      return refuse(call, 400, "malformed-encoding",
                    call.tr("リクエストの % エスケープが正しくありません。",
                            "The request has a malformed %-escape."));
    }
    return route.handler(call, param);
  }
  if (pathKnown) {
    Response r = call.api ? jsonResponse(405, Json::object().set("error", "method-not-allowed"))
                          : htmlPage(call, 405, "405", errorBody(call.tr, "method not allowed"));
    return r;
  }
  return call.api ? jsonResponse(404, Json::object().set("error", "not-found"))
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
    audit(store::EventType::ConsoleRefused,
          {{"reason", given.empty() ? "csrf-missing" : "csrf-mismatch"},
           {"user", ""},
           {"method", "POST"},
           {"path", "/login"},
           {"client", req.client}});
    return form(403,
                call.tr("ログインフォームの確認トークンがありません。もう一度入力してください。",
                        "The login form's CSRF token is missing; please try again."));
  }
  if (const auto wait = throttled(call)) {
    call.headers.emplace_back("Retry-After", std::to_string(*wait));
    return form(429, loginThrottledMessage(call.tr, *wait));
  }
  const auto wrong = [&] {
    return form(401,
                call.tr("ユーザー名、パスワード、確認コードのいずれかが正しくないか、アカウントがロ"
                        "ックされています。",
                        "The user name, password or code is wrong, or the account is locked."));
  };
  if (req.brokenEscape) {
    // A field with a broken %-escape is not read (half a password is not tried): the answer is
    // a wrong login's, the audit says why.
    audit(store::EventType::ConsoleRefused, {{"reason", "malformed-encoding"},
                                             {"user", ""},
                                             {"method", "POST"},
                                             {"path", "/login"},
                                             {"client", req.client}});
    return wrong();
  }
  const LoginResult result =
      checkLogin(call, call.field("user"), call.field("password"), call.field("totp"));
  if (result.outcome != LoginOutcome::Ok) return wrong();
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, result.token, "/", std::nullopt));
  call.headers.emplace_back("Set-Cookie", cookie(kLoginCsrfCookie, "", "/login", 0));
  return redirect("/");
}

Response ConsoleApp::apiLogin(Call& call) {
  const Request& req = call.req;
  if (req.method != "POST") return jsonResponse(405, Json::object().set("error", "method-not-allowed"));
  // Cross-site forms cannot send application/json without a CORS preflight this server never
  // grants: the content type is the API login's CSRF defence.
  if (req.contentType.rfind("application/json", 0) != 0) {
    return refuse(call, 415, "csrf-missing", "send the login as application/json");
  }
  std::string user, password, totp;
  try {
    const mapping::json::JsonView body = readApiBody(req.body);
    user = apiField(body, "user");
    password = apiField(body, "password");
    totp = apiField(body, "totp");
  } catch (const mapping::json::JsonError&) {
    return jsonResponse(400, Json::object().set("error", "invalid-json"));
  }
  if (const auto wait = throttled(call)) {
    call.headers.emplace_back("Retry-After", std::to_string(*wait));
    Json o = Json::object();
    o.set("error", "login-throttled");
    o.set("retryAfter", Json::integer(*wait));
    return jsonResponse(429, o);
  }
  const LoginResult result = checkLogin(call, user, password, totp);
  if (result.outcome != LoginOutcome::Ok)
    return jsonResponse(401, Json::object().set("error", "login-refused"));
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, result.token, "/", std::nullopt));
  Json o = Json::object();
  o.set("user", user);
  o.set("role", toString(result.role));
  o.set("csrfToken", result.csrf);
  o.set("expiresAt", Json::integer(result.expiresAt));
  return jsonResponse(200, o);
}

std::optional<std::int64_t> ConsoleApp::throttled(Call& call) {
  const std::string& client = call.req.client;
  const auto a = throttle_->admit(client, unixSeconds(settings_.clock));
  if (a.admitted) return std::nullopt;
  // One event per wait, not one per refusal: a refused address costs no database write.
  if (a.firstRefusal) {
    spdlog::warn("console: log-ins from {} refused for {} s after {} failures", client,
                 a.retryAfter, a.failures);
    audit(store::EventType::ConsoleLoginThrottled,
          {{"reason", "address-throttled"},
           {"client", client},
           {"failures", std::to_string(a.failures)},
           {"retryAfterSeconds", std::to_string(a.retryAfter)},
           {"unrecordedRefusals", std::to_string(a.unrecordedRefusals)}});
  }
  return a.retryAfter;
}

LoginResult ConsoleApp::checkLogin(Call& call, const std::string& user, const std::string& password,
                                   const std::string& totp) {
  const std::string& client = call.req.client;
  LoginResult result;
  try {
    auto conn = context_.pool->lease();
    result = console::login(*conn, user, password, totp, unixSeconds(settings_.clock),
                            settings_.sessions, settings_.lockout, client,
                            throttle_->hasFailedOn(client, user));
  } catch (...) {
    throttle_->takeBack(client);  // not checked: no failure of the address
    throw;
  }
  if (result.outcome == LoginOutcome::Ok) {
    throttle_->takeBack(client);
  } else if (result.outcome != LoginOutcome::UnknownUser) {
    throttle_->failedOn(client, user);  // an existing account: its lock now applies here
  }
  return result;
}

Response ConsoleApp::logout(Call& call) {
  const auto token = call.req.cookies.find(kSessionCookie);
  store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    endSession(conn, token->second);
    store::appendEvent(
        conn, store::NewEvent{store::EventType::ConsoleLogout, "node", std::nullopt, std::nullopt,
                              store::jsonObject({{"user", call.user()}})});
  });
  call.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", "/", 0));
  if (call.api) return jsonResponse(200, Json::object().set("loggedOut", Json::boolean(true)));
  return redirect("/login");
}

}  // namespace tsunagi::console
