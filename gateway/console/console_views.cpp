// The console's pages and API calls, each rendered as HTML or JSON from the same data.
#include <chrono>
#include <cstdio>

#include "gateway/console/chain_status.hpp"
#include "gateway/console/console_app.hpp"
#include "gateway/console/console_call.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/time.hpp"

namespace tsunagi::console {

namespace {

std::string japanDay(std::int64_t unixSeconds) {
  return mapping::civilTime(unixSeconds, mapping::Zone::Japan).date.iso();
}

Json rowJson(const ExchangeRow& r) {
  Json o = Json::object();
  o.set("messageId", r.messageId);
  o.set("direction", r.direction);
  o.set("peer", r.peer);
  o.set("documentType", r.documentType);
  o.set("caseId", optionalJson(r.caseId));
  o.set("status", r.status);
  o.set("at", r.at);
  o.set("attempts", Json::integer(r.attempts));
  o.set("lastError", optionalJson(r.lastError));
  return o;
}

Json rowsJson(const std::vector<ExchangeRow>& rows) {
  Json a = Json::array();
  for (const auto& r : rows) a.push(rowJson(r));
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
  Json o = Json::object();
  Json peers = Json::array();
  for (const auto& p : d.peers) {
    Json j = Json::object();
    j.set("peer", p.peer);
    j.set("name", d.peerNames.count(p.peer) ? Json(d.peerNames[p.peer]) : Json::null());
    j.set("lastSent", optionalJson(p.lastSent));
    j.set("lastReceived", optionalJson(p.lastReceived));
    j.set("backlog", Json::integer(p.backlog));
    j.set("deadLetters", Json::integer(p.deadLetters));
    j.set("successes24h", Json::integer(p.successes24h));
    j.set("failures24h", Json::integer(p.failures24h));
    j.set("errorRate24h",
          p.errorRate() ? Json::number(*p.errorRate()) : Json::null());
    peers.push(j);
  }
  o.set("peers", peers);
  Json expiries = Json::array();
  for (const auto& e : d.expiries) {
    Json j = Json::object();
    j.set("what", e.what);
    j.set("notAfter", Json::integer(e.notAfter));
    j.set("secondsLeft", Json::integer(e.notAfter - d.now));
    expiries.push(j);
  }
  o.set("expiries", expiries);
  Json daily = Json::array();
  for (const auto& c : d.daily) {
    Json j = Json::object();
    j.set("day", c.day);
    j.set("peer", c.peer);
    j.set("status", c.status);
    j.set("count", Json::integer(c.count));
    daily.push(j);
  }
  o.set("daily", daily);
  return jsonResponse(200, o);
}

Response ConsoleApp::search(Call& call) {
  ExchangeFilter filter;
  try {
    filter = parseFilter(call.req.query, call.req.brokenEscape);
  } catch (const FilterError& e) {
    audit(store::EventType::ConsoleRefused, {{"reason", "invalid-filter"},
                                             {"field", e.field()},
                                             {"user", call.user()},
                                             {"method", "GET"},
                                             {"path", call.req.path},
                                             {"client", call.req.client}});
    if (call.api) {
      Json o = Json::object();
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
  audit(store::EventType::ConsoleSearched, detail);
  if (!call.api)
    return htmlPage(call, 200, call.tr("交換検索", "Exchange search"),
                    searchBody(call.tr, filter, &page, ""));
  Json o = Json::object();
  o.set("total", Json::integer(page.total));
  o.set("page", Json::integer(page.page));
  o.set("pageSize", Json::integer(page.pageSize));
  o.set("exchanges", rowsJson(page.rows));
  return jsonResponse(200, o);
}

Response ConsoleApp::exportCsv(Call& call) {
  ExchangeFilter filter;
  try {
    filter = parseFilter(call.req.query, call.req.brokenEscape);
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
  audit(store::EventType::ConsoleExported, detail);
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
  audit(store::EventType::ConsoleViewed, {{"user", call.user()}}, messageId);
  std::optional<ExchangeDetail> detail;
  {
    auto conn = context_.pool->lease();
    detail = findExchange(*conn, messageId);
  }
  if (!detail) {
    if (call.api) return jsonResponse(404, Json::object().set("error", "not-found"));
    return htmlPage(call, 404, call.tr("交換", "Exchange"),
                    errorBody(call.tr, call.tr("このメッセージIDの交換はありません",
                                               "No exchange has this message id")));
  }
  if (!call.api) {
    return htmlPage(call, 200, call.tr("交換 ", "Exchange ") + detail->row.messageId,
                    exchangeBody(call.tr, *detail, allows(call.session->role, Permission::Act),
                                 call.session->csrf));
  }
  Json o = rowJson(detail->row);
  Json events = Json::array();
  for (const auto& e : detail->events) {
    Json j = Json::object();
    j.set("id", Json::integer(e.id));
    j.set("at", e.at);
    j.set("event", e.event);
    j.set("direction", e.direction);
    j.set("detail", e.detailJson);
    events.push(j);
  }
  o.set("events", events);
  Json receipt = Json::object();
  receipt.set("receivedAt", optionalJson(detail->receiptAt));
  receipt.set("receiverChainHead", optionalJson(detail->receiptChainHead));
  receipt.set("contentDigest", optionalJson(detail->contentDigest));
  receipt.set("signature", detail->row.direction == "outbound" ? "signed-at-each-attempt"
                                                               : "verified-at-receipt");
  o.set("signatureAndReceipt", receipt);
  Json losses = Json::array();
  for (const auto& l : detail->lossReports) losses.push(l);
  o.set("lossReports", losses);
  return jsonResponse(200, o);
}

Response ConsoleApp::deadLetters(Call& call) {
  std::vector<ExchangeRow> rows;
  {
    auto conn = context_.pool->lease();
    rows = console::deadLetters(*conn);
  }
  if (call.api) return jsonResponse(200, Json::object().set("deadLetters", rowsJson(rows)));
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
  const std::string raw = call.field("reason");
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
  if (call.api) return jsonResponse(200, Json::object().set(replay ? "replayed" : "discarded", messageId));
  return redirect(std::string("/dead-letters?done=") + (replay ? "replayed" : "discarded"));
}

Response ConsoleApp::identityReviews(Call& call) {
  std::vector<IdentityReview> reviews;
  {
    auto conn = context_.pool->lease();
    reviews = openIdentityReviews(*conn);
  }
  if (call.api) {
    Json a = Json::array();
    for (const auto& r : reviews) {
      Json j = Json::object();
      j.set("id", Json::integer(r.id));
      j.set("sender", r.sender);
      j.set("messageId", r.messageId);
      j.set("grade", r.grade);
      j.set("reason", r.reason);
      j.set("candidate", optionalJson(r.candidate));
      j.set("createdAt", r.createdAt);
      a.push(j);
    }
    return jsonResponse(200, Json::object().set("identityReviews", a));
  }
  std::string notice;
  if (call.req.query.count("done")) notice = call.tr("判断を記録しました。", "Decision recorded.");
  return htmlPage(call, 200, call.tr("本人確認レビュー", "Identity review"),
                  identityBody(call.tr, reviews, allows(call.session->role, Permission::Act),
                               call.session->csrf, notice));
}

Response ConsoleApp::resolveIdentity(Call& call, const std::string& idText) {
  const std::string resolution = call.field("resolution"), raw = call.field("reason");
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
  if (call.api) return jsonResponse(200, Json::object().set("resolved", Json::integer(std::stoll(idText))));
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
                    consentsBody(call.tr, rows, call.session->csrf,
                                 call.req.query.count("done")
                                     ? call.tr("同意を撤回しました。", "Consent revoked.")
                                     : ""));
  Json a = Json::array();
  for (const auto& c : rows) {
    Json j = Json::object();
    j.set("reference", c.reference);
    j.set("insurerNumber", c.insurerNumber);
    j.set("insuredNumber", c.insuredNumber);
    j.set("scope", c.scope);
    j.set("obtainedOn", c.obtainedOn);
    j.set("obtainedBy", c.obtainedBy);
    j.set("validUntil", optionalJson(c.validUntil));
    j.set("revokedAt", optionalJson(c.revokedAt));
    j.set("state", c.state);
    a.push(j);
  }
  return jsonResponse(200, Json::object().set("consents", a));
}

Response ConsoleApp::revokeConsent(Call& call, const std::string& reference) {
  const auto reason = reasonOf(call.field("reason"));
  if (!reason) {
    return refuse(call, 422, "reason-missing",
                  call.tr("理由を入力してください (1行、500バイト以内)",
                          "Give a reason (one line, at most 500 bytes)"));
  }
  const bool done = store::withTransaction(*context_.pool, [&](store::PgConnection& conn) {
    if (!store::revokeConsent(conn, reference)) return false;
    store::appendEvent(
        conn,
        store::NewEvent{
            store::EventType::ConsoleConsentRevoked, "node", std::nullopt, std::nullopt,
            store::jsonObject({{"consent", reference}, {"by", call.user()}, {"reason", *reason}})});
    return true;
  });
  if (!done) {
    return refuse(
        call, 404, "no-active-consent",
        call.tr("この参照番号の有効な同意はありません", "No active consent has this reference"));
  }
  if (call.api) return jsonResponse(200, Json::object().set("revoked", reference));
  return redirect("/consents?done=1");
}

Response ConsoleApp::unlockUser(Call& call, const std::string& name) {
  auto conn = context_.pool->lease();  // unlockUser is its own transaction
  const bool done = console::unlockUser(*conn, name, call.user());
  if (!done)
    return refuse(call, 404, "no-such-user", call.tr("このユーザーはいません", "No such user"));
  if (call.api) return jsonResponse(200, Json::object().set("unlocked", name));
  return redirect("/admin/users");
}

Response ConsoleApp::auditStatus(Call& call) {
  audit::ChainStatus s;
  {
    auto conn = context_.pool->lease();
    s = audit::chainStatus(*conn);
  }
  if (!call.api)
    return htmlPage(call, 200, call.tr("監査チェーン", "Audit chain"), auditBody(call.tr, s));
  Json o = Json::object();
  o.set("rows", Json::integer(s.rows));
  o.set("headId", Json::integer(s.headId));
  o.set("headHash", s.headHash);
  o.set("headAt", optionalJson(s.headAt));
  o.set("verifiedUpTo", optionalJson(s.verifiedUpTo));
  o.set("lastCheckpointId", optionalJson(s.lastCheckpointId));
  o.set("lastCheckpointAt", optionalJson(s.lastCheckpointAt));
  o.set("firstBreak", optionalJson(s.firstBreak));
  return jsonResponse(200, o);
}

Response ConsoleApp::users(Call& call) {
  std::vector<UserRecord> list;
  {
    auto conn = context_.pool->lease();
    list = listUsers(*conn, unixSeconds(settings_.clock));
  }
  if (!call.api)
    return htmlPage(call, 200, call.tr("ユーザー", "Users"),
                    usersBody(call.tr, list, call.session->csrf));
  Json a = Json::array();
  for (const auto& u : list) {
    Json j = Json::object();
    j.set("name", u.name);
    j.set("role", toString(u.role));
    j.set("totpEnrolled", Json::boolean(u.totpEnrolled));
    j.set("failedAttempts", Json::integer(u.failedAttempts));
    j.set("lockedUntil", optionalJson(u.lockedUntil));
    j.set("createdAt", u.createdAt);
    a.push(j);
  }
  return jsonResponse(200, Json::object().set("users", a));
}

Response ConsoleApp::configuration(Call& call) {
  if (!call.api)
    return htmlPage(call, 200, call.tr("設定", "Configuration"),
                    configBody(call.tr, context_.configuration));
  Json o = Json::object();
  for (const auto& [k, v] : context_.configuration) o.set(k, v);
  return jsonResponse(200, o);
}

}  // namespace tsunagi::console
