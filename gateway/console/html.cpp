#include "gateway/console/html.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "gateway/console/http.hpp"
#include "mapping/text/strings.hpp"

namespace tsunagi::console {

std::string html(std::string_view text) { return mapping::text::escapeHtml(text); }

std::map<std::string, std::string> parseUrlEncoded(const std::string& text,
                                                   std::optional<std::string>* broken) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    if (!pair.empty()) {
      for (char& c : pair) {
        if (c == '+') c = ' ';
      }
      const auto eq = pair.find('=');
      std::string name, value;
      bool nameDecoded = false, decoded = false;
      try {
        Poco::URI::decode(pair.substr(0, eq), name);
        nameDecoded = true;
        if (eq != std::string::npos) Poco::URI::decode(pair.substr(eq + 1), value);
        decoded = true;
      } catch (const Poco::Exception&) {
        // A broken %-escape: the field is left out, and named for the caller to refuse.
        if (broken && !*broken) *broken = nameDecoded ? name : std::string();
      }
      if (decoded && !name.empty()) out[name] = value;
    }
    start = end + 1;
  }
  return out;
}

std::string urlEncode(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]% \"<>", out);
  return out;
}

std::string page(const Frame& f, const std::string& body) {
  const Tr& tr = f.tr;
  const std::string other = f.tr.lang == Lang::En ? "ja" : "en";
  const std::string switchHref =
      f.path + (f.path.find('?') == std::string::npos ? "?" : "&") + "lang=" + other;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"" + std::string(f.tr.lang == Lang::En ? "en" : "ja") +
      "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>" +
      html(f.title) +
      " — tsunagi</title>"
      "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/console.css\">"
      "<script src=\"/static/console.js\" defer></script></head><body>";
  out += "<header><div class=\"brand\">tsunagi " +
         html(tr("コーディネーター・コンソール", "coordinators' console")) +
         (f.nodeName.empty() ? "" : " — " + html(f.nodeName)) + "</div>";
  out += "<a class=\"lang\" href=\"" + html(switchHref) + "\">" +
         (f.tr.lang == Lang::En ? "日本語" : "English") + "</a>";
  if (!f.user.empty()) {
    out +=
        "<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" "
        "name=\"csrf\" value=\"" +
        html(f.csrf) + "\"><span class=\"user\">" + html(f.user) + " (" + html(f.role) +
        ")</span> <button type=\"submit\">" + html(tr("ログアウト", "Log out")) +
        "</button></form>";
  }
  out += "</header>";
  if (!f.user.empty()) {
    out += "<nav>";
    auto link = [&](const char* href, const std::string& label) {
      out += "<a href=\"" + std::string(href) + "\">" + html(label) + "</a>";
    };
    link("/", tr("ダッシュボード", "Dashboard"));
    link("/exchanges", tr("交換検索", "Exchanges"));
    link("/dead-letters", tr("配送不能キュー", "Dead letters"));
    link("/identity-reviews", tr("本人確認レビュー", "Identity review"));
    link("/audit", tr("監査チェーン", "Audit chain"));
    if (f.role == "admin") {
      link("/consents", tr("同意登録簿", "Consents"));
      link("/admin/users", tr("ユーザー", "Users"));
      link("/admin/config", tr("設定", "Configuration"));
    }
    out += "</nav>";
  }
  out += "<main><h1>" + html(f.title) + "</h1>" + body + "</main></body></html>\n";
  return out;
}

const std::string& stylesheet() {
  static const std::string css = R"css(
:root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe2; --accent: #2c6e49; --bad: #a4262c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.6 "Noto Sans JP", "Hiragino Sans", "Yu Gothic", "IPAPGothic", sans-serif; color: var(--ink); background: #f6f8fa; }
header { display: flex; align-items: center; gap: 1rem; padding: .5rem 1rem; background: var(--accent); color: #fff; }
header .brand { font-weight: bold; flex: 1; }
header a, header button { color: #fff; }
header button { background: transparent; border: 1px solid #fff; border-radius: 3px; cursor: pointer; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
nav a { color: var(--accent); text-decoration: none; }
main { padding: 1rem; max-width: 1200px; }
h1 { font-size: 1.3rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; font-size: .9rem; }
th { background: #eef2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; word-break: break-all; }
form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .5rem; background: #fff; padding: .75rem; border: 1px solid var(--line); margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, select, textarea, button { font: inherit; }
.error { color: var(--bad); background: #fdecea; border: 1px solid var(--bad); padding: .5rem; }
.notice { color: var(--accent); background: #e8f4ec; border: 1px solid var(--accent); padding: .5rem; }
.state-dead, .state-refused { color: var(--bad); font-weight: bold; }
.state-delivered { color: var(--accent); }
.login { max-width: 24rem; background: #fff; padding: 1.5rem; border: 1px solid var(--line); }
.login label { display: block; margin-bottom: .75rem; }
.login input { width: 100%; }
.pager { display: flex; gap: 1rem; }
.chart { background: #fff; border: 1px solid var(--line); padding: .5rem; margin-bottom: 1rem; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .25rem; vertical-align: middle; }
.swatch-delivered { background: #2c6e49; } .swatch-pending { background: #5b8fd0; }
.swatch-dead { background: #a4262c; } .swatch-discarded { background: #7a7a7a; }
form.inline { display: inline-flex; gap: .25rem; margin: .1rem 0; }
)css";
  return css;
}

const std::string& script() {
  // Progressive help only: every page works without it.
  static const std::string js = R"js(
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
)js";
  return js;
}

}  // namespace tsunagi::console
