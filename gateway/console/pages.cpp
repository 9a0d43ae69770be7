#include "gateway/console/pages.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "gateway/console/http.hpp"

namespace tsunagi::console {

namespace {

std::string hidden(const std::string& name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + html(name) + "\" value=\"" + html(value) + "\">";
}

std::string td(const std::string& text, const char* cls = nullptr) {
  return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" +
         html(text) + "</td>";
}

std::string th(const std::string& text) { return "<th>" + html(text) + "</th>"; }

std::string directionLabel(const Tr& tr, const std::string& d) {
  return d == "outbound" ? tr("送信", "outbound") : tr("受信", "inbound");
}

std::string exchangeLink(const std::string& messageId) {
  return "<a class=\"mono\" href=\"/exchanges/" + html(messageId) + "\">" + html(messageId) +
         "</a>";
}

const char* statusColour(const std::string& status) {
  if (status == "delivered") return "#2c6e49";
  if (status == "pending") return "#5b8fd0";
  if (status == "dead") return "#a4262c";
  return "#7a7a7a";
}

const std::vector<std::string>& statuses() {
  static const std::vector<std::string> all = {"delivered", "pending", "dead", "discarded"};
  return all;
}

std::string option(const std::string& value, const std::string& label,
                   const std::optional<std::string>& selected) {
  return "<option value=\"" + html(value) + "\"" + (selected == value ? " selected" : "") + ">" +
         html(label) + "</option>";
}

std::string reasonForm(const Tr& tr, const std::string& action, const std::string& csrf,
                       const std::string& button, bool confirm) {
  const std::string question =
      action.rfind("/consents/", 0) == 0
          ? tr("撤回すると、この同意による送信は止まります。よろしいですか？",
               "Revoking stops every exchange under this consent. Revoke?")
          : tr("破棄すると再送できません。よろしいですか？",
               "A discarded message is never sent. Discard?");
  return "<form class=\"inline\" method=\"post\" action=\"" + html(action) + "\"" +
         (confirm ? " data-confirm=\"" + html(question) + "\"" : std::string()) + ">" +
         hidden("csrf", csrf) + "<input name=\"reason\" required maxlength=\"500\" placeholder=\"" +
         html(tr("理由 (必須)", "reason (required)")) + "\"><button type=\"submit\">" +
         html(button) + "</button></form>";
}

}  // namespace

std::string statusLabel(const Tr& tr, const std::string& s) {
  if (s == "pending") return tr("処理待ち", "pending");
  if (s == "delivered") return tr("配送済み", "delivered");
  if (s == "dead") return tr("配送不能", "dead letter");
  if (s == "discarded") return tr("破棄", "discarded");
  return s;
}

std::string countdown(const Tr& tr, std::int64_t notAfter, std::int64_t now) {
  const std::int64_t left = notAfter - now;
  if (left <= 0) return tr("期限切れ", "expired");
  const std::int64_t days = left / 86400, hours = (left % 86400) / 3600;
  return tr.lang == Lang::En
             ? std::to_string(days) + " days " + std::to_string(hours) + " h left"
             : "残り " + std::to_string(days) + " 日 " + std::to_string(hours) + " 時間";
}

std::string loginBody(const Tr& tr, const std::string& loginCsrf, const std::string& error) {
  std::string out;
  if (!error.empty()) out += "<p class=\"error\" role=\"alert\">" + html(error) + "</p>";
  out +=
      "<form class=\"login\" method=\"post\" action=\"/login\">" + hidden("csrf", loginCsrf) +
      "<label>" + html(tr("ユーザー名", "User name")) +
      "<input name=\"user\" autocomplete=\"username\" required maxlength=\"64\" autofocus></label>"
      "<label>" +
      html(tr("パスワード", "Password")) +
      "<input name=\"password\" type=\"password\" autocomplete=\"current-password\" "
      "required></label>"
      "<label>" +
      html(tr("確認コード (認証アプリの6桁)", "Code (6 digits from the authenticator app)")) +
      "<input name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
      "pattern=\"[0-9]{6}\" "
      "required maxlength=\"6\"></label><button type=\"submit\">" +
      html(tr("ログイン", "Log in")) + "</button></form>";
  return out;
}

std::string loginThrottledMessage(const Tr& tr, std::int64_t retryAfterSeconds) {
  const bool minutes = retryAfterSeconds >= 120;
  const std::string n = std::to_string(minutes ? (retryAfterSeconds + 59) / 60 : retryAfterSeconds);
  if (tr.lang == Lang::En) {
    return "Too many failed log-ins from this address; try again in " + n +
           (minutes ? " minutes." : " seconds.");
  }
  return "このアドレスからのログインの失敗が続いたため、ログインを一時的に受け付けていません。" +
         n + (minutes ? " 分" : " 秒") + "後にもう一度お試しください。";
}

std::string dashboardBody(const Tr& tr, const DashboardData& d) {
  std::string out = "<h2>" + html(tr("ピアの状態", "Peers")) + "</h2><table id=\"peers\"><tr>" +
                    th(tr("ピア", "Peer")) + th(tr("名称", "Name")) +
                    th(tr("最終送信成功", "Last delivered")) + th(tr("最終受信", "Last received")) +
                    th(tr("送信待ち", "Backlog")) + th(tr("配送不能", "Dead letters")) +
                    th(tr("24時間のエラー率", "Error rate (24 h)")) + "</tr>";
  if (d.peers.empty()) {
    out +=
        "<tr><td colspan=\"7\">" + html(tr("ピアはまだありません", "No peers yet")) + "</td></tr>";
  }
  for (const auto& p : d.peers) {
    auto name = d.peerNames.find(p.peer);
    std::string rate = "—";
    if (auto r = p.errorRate()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f%% (%lld/%lld)", *r * 100.0, p.failures24h,
                    p.successes24h + p.failures24h);
      rate = buf;
    }
    out += "<tr>" + td(p.peer, "mono") +
           td(name == d.peerNames.end() ? tr("(マニフェストにない)", "(not in the manifest)")
                                        : name->second) +
           td(p.lastSent.value_or("—")) + td(p.lastReceived.value_or("—")) +
           td(std::to_string(p.backlog), "num") + std::string("<td class=\"num") +
           (p.deadLetters ? " state-dead" : "") + "\">" + std::to_string(p.deadLetters) + "</td>" +
           td(rate, "num") + "</tr>";
  }
  out += "</table>";

  out += "<h2>" + html(tr("証明書とマニフェストの有効期限", "Certificate and manifest expiry")) +
         "</h2><table id=\"expiry\"><tr>" + th(tr("対象", "What")) + th(tr("残り", "Left")) +
         "</tr>";
  for (const auto& e : d.expiries)
    out += "<tr>" + td(e.what) + td(countdown(tr, e.notAfter, d.now)) + "</tr>";
  if (d.expiries.empty()) out += "<tr><td colspan=\"2\">—</td></tr>";
  out += "</table>";

  // One small stacked-bar chart per peer: exchanges per day, coloured by status (inline SVG).
  out += "<h2>" +
         html(tr("日別の交換件数 (ピア別・状態別、直近14日)",
                 "Exchanges per day by peer and status (last 14 days)")) +
         "</h2>";
  out += "<p class=\"legend\">";
  for (const auto& s : statuses()) {
    // A class, not a style attribute: the Content-Security-Policy allows no inline styles.
    out += "<span><i class=\"swatch-" + s + "\"></i>" + html(statusLabel(tr, s)) + "</span>";
  }
  out += "</p>";
  std::set<std::string> peers;
  for (const auto& c : d.daily) peers.insert(c.peer);
  if (peers.empty())
    out += "<p>" + html(tr("この期間の交換はありません", "No exchanges in this period")) + "</p>";
  for (const auto& peer : peers) {
    long long maxTotal = 1;
    std::map<std::string, std::map<std::string, long long>> byDay;
    for (const auto& c : d.daily) {
      if (c.peer == peer) byDay[c.day][c.status] += c.count;
    }
    for (const auto& [day, counts] : byDay) {
      long long total = 0;
      for (const auto& [s, n] : counts) total += n;
      maxTotal = std::max(maxTotal, total);
    }
    const int barWidth = 28, height = 120, top = 14, bottom = 30;
    const int width = static_cast<int>(d.days.size()) * barWidth + 40;
    std::string svg = "<svg role=\"img\" class=\"chart-svg\" width=\"" + std::to_string(width) +
                      "\" height=\"" + std::to_string(height + top + bottom) + "\" aria-label=\"" +
                      html(peer) + "\">";
    svg += "<text x=\"0\" y=\"11\" font-size=\"11\">" + html(tr("最大", "max")) + " " +
           std::to_string(maxTotal) + "</text>";
    for (std::size_t i = 0; i < d.days.size(); ++i) {
      const int x = 30 + static_cast<int>(i) * barWidth;
      int y = top + height;
      auto it = byDay.find(d.days[i]);
      if (it != byDay.end()) {
        for (const auto& s : statuses()) {
          auto n = it->second.find(s);
          if (n == it->second.end()) continue;
          const int h = static_cast<int>(n->second * height / maxTotal);
          y -= h;
          svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
                 std::to_string(barWidth - 6) + "\" height=\"" + std::to_string(h) + "\" fill=\"" +
                 statusColour(s) + "\"><title>" +
                 html(d.days[i] + " " + statusLabel(tr, s) + ": " + std::to_string(n->second)) +
                 "</title></rect>";
        }
      }
      svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top + height + 14) +
             "\" font-size=\"9\">" + html(d.days[i].substr(5)) + "</text>";
    }
    svg += "</svg>";
    auto name = d.peerNames.find(peer);
    out += "<div class=\"chart\"><strong>" + html(peer) +
           (name == d.peerNames.end() ? "" : " " + html(name->second)) + "</strong><br>" + svg +
           "</div>";
  }
  return out;
}

std::string searchBody(const Tr& tr, const ExchangeFilter& f, const SearchPage* page,
                       const std::string& error) {
  std::string out;
  if (!error.empty()) out += "<p class=\"error\" role=\"alert\">" + html(error) + "</p>";
  auto text = [&](const char* name, const std::string& label, const std::optional<std::string>& v,
                  const char* type = "text") {
    return "<label>" + html(label) + "<input name=\"" + name + "\" type=\"" + type + "\" value=\"" +
           html(v.value_or("")) + "\"></label>";
  };
  out += "<form class=\"filters\" method=\"get\" action=\"/exchanges\">";
  out += text("from", tr("開始日", "From"), f.from, "date");
  out += text("to", tr("終了日", "To"), f.to, "date");
  out += text("peer", tr("ピア (団体コード)", "Peer (node code)"), f.peer);
  out += "<label>" + html(tr("方向", "Direction")) + "<select name=\"direction\">" +
         option("", tr("すべて", "all"), f.direction) +
         option("outbound", tr("送信", "outbound"), f.direction) +
         option("inbound", tr("受信", "inbound"), f.direction) + "</select></label>";
  out += "<label>" + html(tr("文書種別", "Document type")) + "<select name=\"documentType\">" +
         option("", tr("すべて", "all"), f.documentType) +
         option("LiaisonSheet", tr("連携シート", "Liaison sheet"), f.documentType) +
         option("CaseUpdate", tr("経過更新", "Case update"), f.documentType) +
         option("CaseMembership", tr("ケース参加", "Case membership"), f.documentType) +
         "</select></label>";
  out += "<label>" + html(tr("状態", "Status")) + "<select name=\"status\">" +
         option("", tr("すべて", "all"), f.status);
  for (const auto& s : statuses()) out += option(s, statusLabel(tr, s), f.status);
  out += "</select></label>";
  out += text("caseId", tr("ケースID", "Case id"), f.caseId);
  out += text("messageId", tr("メッセージID", "Message id"), f.messageId);
  out += "<button type=\"submit\">" + html(tr("検索", "Search")) + "</button></form>";
  if (!page) return out;

  std::string query;
  for (const auto& [name, value] : filterFields(f)) query += "&" + name + "=" + urlEncode(value);
  out += "<p>" + html(tr("該当", "Found")) + " <strong id=\"total\">" +
         std::to_string(page->total) + "</strong> " + html(tr("件", "exchanges")) +
         " — <a href=\"/exchanges.csv?" + html(query.empty() ? "" : query.substr(1)) + "\">" +
         html(tr("CSVで書き出す", "Export CSV")) + "</a></p>";
  out += "<table id=\"results\"><tr>" + th(tr("日時", "Time")) + th(tr("方向", "Direction")) +
         th(tr("ピア", "Peer")) + th(tr("文書種別", "Type")) + th(tr("ケースID", "Case")) +
         th(tr("状態", "Status")) + th(tr("試行", "Attempts")) +
         th(tr("メッセージID", "Message id")) + "</tr>";
  for (const auto& r : page->rows) {
    out += "<tr>" + td(r.at) + td(directionLabel(tr, r.direction)) + td(r.peer, "mono") +
           td(r.documentType) + td(r.caseId.value_or("")) + "<td class=\"state-" + html(r.status) +
           "\">" + html(statusLabel(tr, r.status)) + "</td>" +
           td(std::to_string(r.attempts), "num") + "<td>" + exchangeLink(r.messageId) +
           "</td></tr>";
  }
  out += "</table>";
  const long long pages = (page->total + page->pageSize - 1) / page->pageSize;
  out += "<p class=\"pager\">";
  if (page->page > 1) {
    out += "<a rel=\"prev\" href=\"/exchanges?page=" + std::to_string(page->page - 1) +
           html(query) + "\">" + html(tr("← 前へ", "← Previous")) + "</a>";
  }
  out += "<span>" + std::to_string(page->page) + " / " + std::to_string(std::max(1LL, pages)) +
         "</span>";
  if (page->page < pages) {
    out += "<a rel=\"next\" href=\"/exchanges?page=" + std::to_string(page->page + 1) +
           html(query) + "\">" + html(tr("次へ →", "Next →")) + "</a>";
  }
  out += "</p>";
  return out;
}

std::string exchangeBody(const Tr& tr, const ExchangeDetail& d, bool canAct,
                         const std::string& csrf) {
  const ExchangeRow& r = d.row;
  std::string out = "<table id=\"summary\">";
  auto row = [&](const std::string& label, const std::string& value) {
    out += "<tr>" + th(label) + td(value) + "</tr>";
  };
  row(tr("メッセージID", "Message id"), r.messageId);
  row(tr("方向", "Direction"), directionLabel(tr, r.direction));
  row(r.direction == "outbound" ? tr("送信先", "To") : tr("送信元", "From"), r.peer);
  row(tr("文書種別", "Document type"), r.documentType);
  row(tr("ケースID", "Case id"), r.caseId.value_or("—"));
  row(tr("状態", "Status"), statusLabel(tr, r.status));
  row(tr("試行回数", "Attempts"), std::to_string(r.attempts));
  if (r.lastError) row(tr("最後のエラー", "Last error"), *r.lastError);
  row(r.direction == "outbound" ? tr("登録日時", "Queued") : tr("受信日時", "Received"), r.at);
  out += "</table>";

  out +=
      "<h2>" + html(tr("署名と受領証", "Signature and receipt")) + "</h2><table id=\"signature\">";
  if (r.direction == "outbound") {
    row(tr("HTTPメッセージ署名", "HTTP message signature"),
        tr("送信のたびにこのノードの鍵で署名 (RFC 9421)",
           "made with this node's key at each attempt (RFC 9421)"));
    row(tr("受領証", "Receipt"), d.receiptAt
                                     ? tr("受領証を検証済み: ", "receipt verified: ") + *d.receiptAt
                                     : tr("受領証なし (未配送)", "no receipt (not delivered)"));
    if (d.receiptChainHead)
      row(tr("受信側チェーンヘッド", "Receiver's chain head"), *d.receiptChainHead);
  } else {
    row(tr("HTTPメッセージ署名", "HTTP message signature"),
        tr("受信時に送信元の鍵で検証済み (検証できないものは保存されません)",
           "verified with the sender's key at receipt (unverified messages are never stored)"));
    row(tr("内容ダイジェスト", "Content digest"), d.contentDigest.value_or("—"));
    row(tr("受領証", "Receipt"),
        tr("このノードが署名して返送済み", "signed by this node and returned"));
  }
  out += "</table>";

  out += "<h2>" + html(tr("欠落レポート", "Loss report")) + "</h2>";
  if (d.lossReports.empty()) {
    out += "<p id=\"losses\">" +
           html(tr("記録なし (この交換で変換による欠落は記録されていません)",
                   "None recorded (no translation losses were recorded for this exchange)")) +
           "</p>";
  } else {
    out += "<ul id=\"losses\">";
    for (const auto& l : d.lossReports) out += "<li><code>" + html(l) + "</code></li>";
    out += "</ul>";
  }

  out += "<h2>" + html(tr("イベント履歴", "Event timeline")) + "</h2><table id=\"timeline\"><tr>" +
         th("#") + th(tr("日時 (UTC)", "Time (UTC)")) + th(tr("イベント", "Event")) +
         th(tr("詳細", "Detail")) + "</tr>";
  for (const auto& e : d.events) {
    out += "<tr>" + td(std::to_string(e.id), "num") + td(e.at) + td(e.event) + "<td><code>" +
           html(e.detailJson) + "</code></td></tr>";
  }
  out += "</table>";
  if (r.status == "dead" && canAct) {
    out += "<h2>" + html(tr("配送不能の処理", "Dead letter")) + "</h2>" +
           reasonForm(tr, "/dead-letters/" + r.messageId + "/retry", csrf, tr("再送", "Retry"),
                      false) +
           reasonForm(tr, "/dead-letters/" + r.messageId + "/discard", csrf, tr("破棄", "Discard"),
                      true);
  }
  return out;
}

std::string deadLettersBody(const Tr& tr, const std::vector<ExchangeRow>& rows, bool canAct,
                            const std::string& csrf, const std::string& notice) {
  std::string out;
  if (!notice.empty()) out += "<p class=\"notice\" role=\"status\">" + html(notice) + "</p>";
  out += "<table id=\"dead-letters\"><tr>" + th(tr("日時", "Time")) + th(tr("方向", "Direction")) +
         th(tr("ピア", "Peer")) + th(tr("文書種別", "Type")) + th(tr("試行", "Attempts")) +
         th(tr("最後のエラー", "Last error")) + th(tr("メッセージID", "Message id")) +
         (canAct ? th(tr("操作", "Action")) : "") + "</tr>";
  if (rows.empty()) {
    out += "<tr><td colspan=\"8\">" +
           html(tr("配送不能のメッセージはありません", "No dead letters")) + "</td></tr>";
  }
  for (const auto& r : rows) {
    out += "<tr>" + td(r.at) + td(directionLabel(tr, r.direction)) + td(r.peer, "mono") +
           td(r.documentType) + td(std::to_string(r.attempts), "num") +
           td(r.lastError.value_or("—")) + "<td>" + exchangeLink(r.messageId) + "</td>";
    if (canAct) {
      out += "<td>" +
             reasonForm(tr, "/dead-letters/" + r.messageId + "/retry", csrf, tr("再送", "Retry"),
                        false) +
             reasonForm(tr, "/dead-letters/" + r.messageId + "/discard", csrf,
                        tr("破棄", "Discard"), true) +
             "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>";
}

std::string identityBody(const Tr& tr, const std::vector<IdentityReview>& reviews, bool canAct,
                         const std::string& csrf, const std::string& notice) {
  std::string out;
  if (!notice.empty()) out += "<p class=\"notice\" role=\"status\">" + html(notice) + "</p>";
  out += "<p>" +
         html(tr("受信した患者を自組織の患者に確実に結び付けられなかったものです。"
                 "推測で結び付けず、ここで確認します。",
                 "Received patients that could not be linked to a local patient with "
                 "certainty. They are never guessed: coordinators decide here.")) +
         "</p>";
  out += "<table id=\"identity-reviews\"><tr>" + th(tr("日時", "Time")) + th(tr("送信元", "From")) +
         th(tr("確度", "Grade")) + th(tr("理由", "Reason")) + th(tr("候補", "Candidate")) +
         th(tr("メッセージID", "Message id")) + (canAct ? th(tr("判断", "Decision")) : "") +
         "</tr>";
  if (reviews.empty()) {
    out += "<tr><td colspan=\"7\">" + html(tr("確認待ちはありません", "Nothing to review")) +
           "</td></tr>";
  }
  for (const auto& r : reviews) {
    out += "<tr>" + td(r.createdAt) + td(r.sender, "mono") + td(r.grade) + td(r.reason) +
           td(r.candidate.value_or("—")) + "<td>" + exchangeLink(r.messageId) + "</td>";
    if (canAct) {
      out += "<td><form class=\"inline\" method=\"post\" action=\"/identity-reviews/" +
             std::to_string(r.id) + "/resolve\">" + hidden("csrf", csrf) +
             "<select name=\"resolution\">" +
             option("linked", tr("候補と同一", "same as candidate"), {}) +
             option("new-patient", tr("新しい患者", "new patient"), {}) +
             option("not-ours", tr("当組織の患者でない", "not our patient"), {}) +
             "</select><input name=\"reason\" required maxlength=\"500\" placeholder=\"" +
             html(tr("理由 (必須)", "reason (required)")) + "\"><button type=\"submit\">" +
             html(tr("確定", "Decide")) + "</button></form></td>";
    }
    out += "</tr>";
  }
  return out + "</table>";
}

std::string consentsBody(const Tr& tr, const std::vector<ConsentRow>& consents,
                         const std::string& csrf, const std::string& notice) {
  std::string out =
      (notice.empty() ? "" : "<p class=\"notice\" role=\"status\">" + html(notice) + "</p>") +
      "<p>" +
      html(tr("登録はローカル側の POST /local/v1/consents で行います。撤回はここでもできます。",
              "Consents are recorded by local tools through POST /local/v1/consents; they can "
              "also be revoked here.")) +
      "</p><table id=\"consents\"><tr>" + th(tr("参照番号", "Reference")) +
      th(tr("保険者番号", "Insurer")) + th(tr("被保険者番号", "Insured number")) +
      th(tr("提供先", "Scope")) + th(tr("取得日", "Obtained")) + th(tr("取得者", "By")) +
      th(tr("有効期限", "Valid until")) + th(tr("状態", "State")) + th(tr("撤回", "Revoke")) +
      "</tr>";
  for (const auto& c : consents) {
    std::string state = c.state == "active"    ? tr("有効", "active")
                        : c.state == "revoked" ? tr("撤回 ", "revoked ") + c.revokedAt.value_or("")
                        : c.state == "expired" ? tr("期限切れ", "expired")
                                               : tr("開始前", "not yet valid");
    out += "<tr>" + td(c.reference, "mono") + td(c.insurerNumber, "mono") +
           td(c.insuredNumber, "mono") + td(c.scope, "mono") + td(c.obtainedOn) + td(c.obtainedBy) +
           td(c.validUntil.value_or("—")) + td(state) + "<td>" +
           (c.state == "revoked" ? std::string()
                                 : reasonForm(tr, "/consents/" + urlEncode(c.reference) + "/revoke",
                                              csrf, tr("撤回", "Revoke"), true)) +
           "</td></tr>";
  }
  if (consents.empty())
    out += "<tr><td colspan=\"9\">" + html(tr("登録なし", "None recorded")) + "</td></tr>";
  return out + "</table>";
}

std::string auditBody(const Tr& tr, const audit::ChainStatus& s) {
  std::string out = "<table id=\"chain\">";
  auto row = [&](const std::string& label, const std::string& value) {
    out += "<tr>" + th(label) + td(value) + "</tr>";
  };
  row(tr("行数", "Rows"), std::to_string(s.rows));
  row(tr("先頭の行", "Head row"), std::to_string(s.headId));
  row(tr("先頭のハッシュ", "Head hash"), s.headHash);
  row(tr("先頭の日時 (UTC)", "Head time (UTC)"), s.headAt.value_or("—"));
  row(tr("検証済みの行", "Verified up to row"),
      s.verifiedUpTo ? std::to_string(*s.verifiedUpTo)
                     : tr("未検証 (tsunagi audit verify で検証)",
                          "not verified here (run tsunagi audit verify)"));
  row(tr("検証結果", "Verification"),
      s.firstBreak ? tr("改ざんの疑い: ", "BROKEN: ") + *s.firstBreak : tr("正常", "intact"));
  row(tr("最後のチェックポイント", "Last checkpoint"),
      s.lastCheckpointId
          ? "#" + std::to_string(*s.lastCheckpointId) + " " + s.lastCheckpointAt.value_or("")
          : tr("なし", "none"));
  return out + "</table>";
}

std::string usersBody(const Tr& tr, const std::vector<UserRecord>& users, const std::string& csrf) {
  std::string out =
      "<p>" +
      html(tr("ユーザーの追加と変更はコマンドラインで行います: tsunagi user add|passwd|totp",
              "Users are added and changed on the command line: tsunagi user add|passwd|totp")) +
      "</p><table id=\"users\"><tr>" + th(tr("ユーザー名", "User")) + th(tr("役割", "Role")) +
      th(tr("二要素", "TOTP")) + th(tr("連続失敗", "Failures")) + th(tr("ロック", "Locked until")) +
      th(tr("作成", "Created")) + "</tr>";
  for (const auto& u : users) {
    out += "<tr>" + td(u.name) + td(toString(u.role)) +
           td(u.totpEnrolled ? tr("登録済み", "enrolled")
                             : tr("未登録 (ログイン不可)", "not enrolled (cannot log in)")) +
           td(std::to_string(u.failedAttempts), "num") + "<td>" +
           html(u.lockedUntil.value_or("—")) +
           (u.lockedUntil
                ? " <form class=\"inline\" method=\"post\" action=\"/admin/users/" + html(u.name) +
                      "/unlock\">" + hidden("csrf", csrf) + "<button type=\"submit\">" +
                      html(tr("ロック解除", "Unlock")) + "</button></form>"
                : std::string()) +
           "</td>" + td(u.createdAt) + "</tr>";
  }
  return out + "</table>";
}

std::string configBody(const Tr& tr,
                       const std::vector<std::pair<std::string, std::string>>& config) {
  std::string out = "<p>" +
                    html(tr("秘密鍵やパスワードは表示しません (パスのみ)。",
                            "No key material or password is shown (paths only).")) +
                    "</p><table id=\"config\"><tr>" + th(tr("項目", "Key")) +
                    th(tr("値", "Value")) + "</tr>";
  for (const auto& [k, v] : config) out += "<tr>" + td(k, "mono") + td(v, "mono") + "</tr>";
  return out + "</table>";
}

std::string errorBody(const Tr&, const std::string& message) {
  return "<p class=\"error\" role=\"alert\">" + html(message) + "</p>";
}

}  // namespace tsunagi::console
