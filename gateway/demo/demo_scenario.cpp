#include "gateway/demo/demo_scenario.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <functional>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "gateway/channels/mllp/mllp.hpp"
#include "gateway/common/atomic_file.hpp"
#include "gateway/net/http_message.hpp"
#include "gateway/store/demo_queries.hpp"
#include "gateway/store/pool.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::demo {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path scenarioInputs() {
  const fs::path data = mapping::xml::dataDirectory();
  if (fs::exists(data / "demo" / "kashiwa-hospital-discharge.json")) return data / "demo";
  return data.parent_path() / "config" / "demo";  // the source tree: mapping/ beside config/
}

namespace {

// The two liaison cases of the story and their patients (names are the demo's own inventions).
constexpr const char* kNagareyamaCase = "case-122173-2024-0101";
constexpr const char* kMatsudoCase = "case-122076-2024-0201";

struct Reply {
  int status = 0;
  std::string body;
};

Reply post(unsigned short port, const std::string& path, const std::string& contentType,
           const std::string& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType(contentType);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Reply reply;
  auto answer = net::readBoundedBody(session.receiveResponse(response), 1024 * 1024);
  if (!answer) throw std::runtime_error("the node's answer to POST " + path + " is over 1 MiB");
  reply.body = std::move(*answer);
  reply.status = response.getStatus();
  return reply;
}

// One HL7 message over MLLP; returns the ACK (framing removed).
std::string sendMllp(unsigned short port, const std::string& message) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(Poco::Timespan(30, 0));
  const std::string framed = channels::mllpFrame(message);
  socket.sendBytes(framed.data(), static_cast<int>(framed.size()));
  std::string ack;
  char c = 0;
  while (socket.receiveBytes(&c, 1) == 1 && c != channels::kMllpEnd) {
    if (c != channels::kMllpStart) ack += c;
  }
  return ack;
}

bool waitUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    try {
      if (done()) return true;
    } catch (const std::exception&) {
      // a node restarting: look again
    }
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

/// `read` (a store::demo query) on a connection of the node's pool.
template <class Read>
auto on(Node& node, Read&& read) {
  auto conn = node.pool()->lease();
  return read(*conn);
}

/// Messages from `sender` of `type` for the case delivered locally at `node`. A local delivery
/// writes its file first and marks the inbox row afterwards (nothing is marked done before it
/// is), so a row count checked right after a file appears may trail it briefly.
bool reaches(Node& node, const std::string& sender, const std::string& type,
             const std::string& caseId, long long expected) {
  return waitUntil(
      [&] {
        return on(node, [&](store::PgConnection& c) {
                 return store::demo::deliveredFromCase(c, sender, type, caseId);
               }) == expected;
      },
      std::chrono::seconds(30));
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Puts a file (or a folder) in a tool's inbox the way a tool should: written beside, renamed in.
void drop(const fs::path& source, const fs::path& inbox, const std::string& name) {
  fs::create_directories(inbox);
  const fs::path staging = inbox.parent_path() / (".staging-" + name);
  fs::remove_all(staging);
  if (fs::is_directory(source)) {
    fs::create_directories(staging);
    for (const auto& f : filesIn(source)) fs::copy_file(f, staging / f.filename());
  } else {
    fs::copy_file(source, staging);
  }
  fs::rename(staging, inbox / name);
}

std::string caseOpening(const std::string& eventId, const std::string& caseId,
                        const std::string& byNode, const std::string& byOrganisation,
                        const std::string& patient, const std::vector<std::string>& participants,
                        const std::string& reason) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<CaseMembership xmlns="urn:tsunagi:canonical:1" action="open">
  <eventId>)" + eventId +
                    R"(</eventId>
  <caseId>)" + caseId +
                    R"(</caseId>
  <at>2024-02-16T10:00:00+09:00</at>
  <by><node>)" + byNode +
                    "</node><organisation>" + byOrganisation + "</organisation></by>\n" + patient;
  for (const auto& p : participants) xml += p;
  return xml + "  <reason>" + reason + "</reason>\n</CaseMembership>\n";
}

std::string participant(const std::string& node, const std::string& organisation,
                        const std::string& code, const std::string& profession) {
  return "  <participant><node>" + node + "</node><organisation>" + organisation +
         "</organisation><organisationCode>" + code + "</organisationCode><profession>" +
         profession + "</profession></participant>\n";
}

class Scenario {
 public:
  Scenario(DemoFederation& f, std::ostream& out) : f_(f), out_(out), inputs_(scenarioInputs()) {}

  bool play() {
    const auto started = Clock::now();
    step("準備: 同意の登録と連携ケースの開始 / consents and two liaison cases",
         [&] { return setup(); });
    step("退院: 柏の病院から流山市民が退院 (ADT^A03 + FHIR) → 流山の kintone",
         [&] { return discharge(); });
    step("ケース更新: 流山のケアマネが kintone に投稿 → 柏の診療所の部屋 CSV",
         [&] { return caseUpdate(); });
    step("ケアプラン: 松戸のケアプラン (UPHOSOKU + UP1KYO) → 柏の病院へ入院時情報",
         [&] { return carePlan(); });
    step("同意なし: 同意のない利用者のシートは送られない", [&] { return withoutConsent(); });
    step("停止と再開: 流山ノード停止中の送信は滞留し、再開で解消", [&] { return outage(); });
    summary();
    const auto seconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count() /
        1000.0;
    int passed = 0;
    for (bool ok : results_) passed += ok ? 1 : 0;
    out_ << "\nシナリオ / scenario: " << passed << "/" << results_.size() << " steps as expected, "
         << std::fixed << std::setprecision(1) << seconds << " s\n"
         << std::flush;
    return passed == static_cast<int>(results_.size());
  }

 private:
  void step(const std::string& title, const std::function<bool()>& body) {
    out_ << "\n[" << results_.size() << "] " << title << "\n" << std::flush;
    bool ok = false;
    try {
      ok = body();
    } catch (const std::exception& e) {
      say(std::string("エラー / error: ") + e.what());
    }
    out_ << (ok ? "    => 期待どおり / as expected\n" : "    => 期待と異なる / NOT as expected\n")
         << std::flush;
    results_.push_back(ok);
  }
  void say(const std::string& line) { out_ << "    " << line << "\n" << std::flush; }
  bool expect(bool ok, const std::string& what) {
    say(std::string(ok ? "✔ " : "✘ ") + what);
    return ok;
  }
  Node& node(const std::string& key) { return f_.node(key); }

  bool consent(const std::string& key, const std::string& json) {
    const Reply r = post(node(key).port(), "/local/v1/consents", "application/json", json);
    return r.status == 201;
  }

  bool setup() {
    bool ok = true;
    ok &= expect(
        consent(
            "kashiwa",
            R"({"reference":"kashiwa-consent-2024-0101","insurerNumber":"122200","insuredNumber":"0000234567","scope":["122203"],"obtainedOn":"2024-02-15","obtainedBy":"柏の葉総合病院 地域連携室"})"),
        "柏: 流山 一郎さんの同意 (提供先 流山市) を登録 / consent recorded at Kashiwa");
    ok &= expect(
        consent(
            "nagareyama",
            R"({"reference":"nagareyama-consent-2024-0101","insurerNumber":"122200","insuredNumber":"0000234567","scope":["122173"],"obtainedOn":"2024-02-15","obtainedBy":"居宅介護支援事業所 ながれやま"})"),
        "流山: 同じ利用者の同意 (提供先 柏市) を登録 / consent recorded at Nagareyama");
    ok &= expect(
        consent(
            "matsudo",
            R"({"reference":"matsudo-consent-2024-0201","insurerNumber":"122077","insuredNumber":"0000654321","scope":["122173"],"obtainedOn":"2024-03-01","obtainedBy":"まつど居宅介護支援センター"})"),
        "松戸: 松戸 太郎さんの同意 (提供先 柏市) を登録 / consent recorded at Matsudo");

    const std::string nagareyamaPatient =
        "  <patient><insurerNumber>122200</insurerNumber><insuredNumber>0000234567</insuredNumber>"
        "<nameKana>ナガレヤマ イチロウ</nameKana><birthDate>1938-09-12</birthDate><sex>1</sex>"
        "</patient>\n";
    const Reply a = post(
        node("kashiwa").port(), "/local/v1/documents", "application/xml",
        caseOpening("0190e8a2-9000-7000-8000-000000000101", kNagareyamaCase, "122173",
                    "柏の葉総合病院 地域連携室", nagareyamaPatient,
                    {participant("122173", "柏の葉総合病院", "1212000001", "10"),
                     participant("122203", "居宅介護支援事業所 ながれやま", "1272000123", "06")},
                    "入院中から退院後の在宅療養まで切れ目なく支援するため"));
    ok &= expect(a.status == 202, std::string("柏の病院の地域連携室がケース ") + kNagareyamaCase +
                                      " を開始 (HTTP " + std::to_string(a.status) + ")");
    const std::string matsudoPatient =
        "  <patient><insurerNumber>122077</insurerNumber><insuredNumber>0000654321</insuredNumber>"
        "<nameKana>マツド タロウ</nameKana><birthDate>1941-11-03</birthDate><sex>1</sex>"
        "</patient>\n";
    const Reply b =
        post(node("matsudo").port(), "/local/v1/documents", "application/xml",
             caseOpening("0190e8a2-9000-7000-8000-000000000201", kMatsudoCase, "122076",
                         "まつど居宅介護支援センター", matsudoPatient,
                         {participant("122076", "まつど居宅介護支援センター", "1270700001", "06"),
                          participant("122173", "柏の葉総合病院", "1212000001", "10")},
                         "入院予定の利用者の情報を病院と共有するため"));
    ok &= expect(b.status == 202, std::string("松戸のケアマネがケース ") + kMatsudoCase +
                                      " を開始 (HTTP " + std::to_string(b.status) + ")");
    auto openCase = [&](const char* key, const std::string& caseId) {
      return on(node(key),
                [&](store::PgConnection& c) { return store::demo::openCaseCount(c, caseId); });
    };
    ok &= expect(waitUntil([&] { return openCase("nagareyama", kNagareyamaCase) == 1; },
                           std::chrono::seconds(60)),
                 "流山ノードがケースを受信 / Nagareyama knows the case");
    ok &= expect(
        waitUntil([&] { return openCase("kashiwa", kMatsudoCase) == 1; }, std::chrono::seconds(60)),
        "柏ノードが松戸のケースを受信 / Kashiwa knows Matsudo's case");
    return ok;
  }

  bool discharge() {
    bool ok = true;
    const std::string adt = readWholeFile(inputs_ / "kashiwa-hospital-adt-a03.hl7");
    const std::string ack = sendMllp(node("kashiwa").mllpPort("hospital-adt"), adt);
    ok &= expect(ack.find("MSA|AA") != std::string::npos,
                 "病院の HIS が ADT^A03 (退院) を MLLP で送信、ACK は AA / the ADT was committed");
    const Reply r =
        post(node("kashiwa").port(), "/local/v1/channels/hospital-fhir", "application/fhir+json",
             readWholeFile(inputs_ / "kashiwa-hospital-discharge.json"));
    ok &= expect(r.status == 202, "病院が FHIR JP 退院時サマリーを HTTP で送信 (HTTP " +
                                      std::to_string(r.status) + ")");
    const fs::path kintone = f_.channelDir("nagareyama", "kintone/out");
    ok &=
        expect(waitUntil([&] { return filesIn(kintone).size() == 2; }, std::chrono::seconds(60)),
               "流山の kintone フォルダに退院時情報 (app 33) が 2 件 / two records for app 33 in " +
                   kintone.string());
    ok &= expect(reaches(node("nagareyama"), "122173", "LiaisonSheet", kNagareyamaCase, 2),
                 "ケース経由で届き、ローカルに引き渡し済み / received through the case, delivered");
    const auto losses = on(node("nagareyama"), [](store::PgConnection& c) {
      return store::demo::receivedLosses(c, "122173", "LiaisonSheet");
    });
    for (const auto& l : losses) {
      const std::string decode = std::to_string(l.decode), encode = std::to_string(l.encode);
      say("  損失レポート / loss report: 変換元で " + decode + " 件、kintone 形式で " + encode +
          " 件 (kintone の特記事項に注記) / decode " + decode + ", encode " + encode);
    }
    ok &= expect(losses.size() == 2 && losses[0].decode > 0,
                 "損失レポートが受信側に記録された / the loss reports are recorded");
    return ok;
  }

  bool caseUpdate() {
    bool ok = true;
    drop(inputs_ / "nagareyama-case-update.json", f_.channelDir("nagareyama", "kintone/in"),
         "kintone-records-6101.json");
    say("流山のケアマネが kintone 連携ノート (app 32) に投稿したレコードを連携フォルダへ");
    const fs::path room = f_.channelDir("kashiwa", "room/out");
    ok &= expect(
        waitUntil([&] { return filesIn(room).size() == 1; }, std::chrono::seconds(60)),
        "柏の部屋 CSV フォルダに時系列 CSV (CP932) が届いた / a timeline CSV in " + room.string());
    ok &= expect(reaches(node("kashiwa"), "122203", "CaseUpdate", kNagareyamaCase, 1),
                 "柏ノードがケース更新を受信 / Kashiwa received the case update");
    const fs::path archived =
        f_.channelDir("nagareyama", "kintone/in/archive/kintone-records-6101.json");
    ok &= expect(waitUntil([&] { return fs::exists(archived); }, std::chrono::seconds(30)),
                 "送信済みの入力は archive/ へ / the input was archived");
    return ok;
  }

  bool carePlan() {
    bool ok = true;
    drop(inputs_ / "matsudo-careplan", f_.channelDir("matsudo", "careplan/in"), "set-20261122");
    say("松戸のケアプランソフトが UPHOSOKU + UP1KYO のセットをフォルダごと連携フォルダへ");
    const fs::path hospital = f_.channelDir("kashiwa", "hospital/out");
    ok &= expect(waitUntil([&] { return filesIn(hospital).size() == 1; }, std::chrono::seconds(60)),
                 "柏の病院のフォルダに FHIR の入院時情報が届いた / a FHIR admission bundle in " +
                     hospital.string());
    ok &= expect(reaches(node("kashiwa"), "122076", "LiaisonSheet", kMatsudoCase, 1),
                 "松戸の利用者のケース経由で届いた / routed through Matsudo's case");
    return ok;
  }

  bool withoutConsent() {
    bool ok = true;
    auto outboxTotal = [&] { return on(node("kashiwa"), store::demo::outboxTotal); };
    const long long before = outboxTotal();
    drop(inputs_ / "kashiwa-room-sheet-no-consent.csv", f_.channelDir("kashiwa", "room/in"),
         "renkei-20240318-0031.csv");
    say("柏のケアマネが、同意未登録の流山市の利用者のシートを部屋 CSV で出力");
    const fs::path why =
        f_.channelDir("kashiwa", "room/in/error/renkei-20240318-0031.csv.error.txt");
    ok &= expect(waitUntil([&] { return fs::exists(why); }, std::chrono::seconds(60)),
                 "error/ に理由つきで移動 / moved to error/ with its reason");
    const std::string reason = fs::exists(why) ? readWholeFile(why) : "";
    ok &= expect(reason.find("consent-missing") != std::string::npos,
                 "理由: consent-missing (提供先 122203 への同意なし)");
    ok &= expect(outboxTotal() == before, "何も送信されていない / nothing was sent");
    return ok;
  }

  bool outage() {
    bool ok = true;
    f_.stop("nagareyama");
    say("流山ノードを停止 / Nagareyama stopped");
    drop(inputs_ / "kashiwa-room-timeline.csv", f_.channelDir("kashiwa", "room/in"),
         "timeline-88301.csv");
    say("柏の訪問看護師が部屋に投稿 (時系列 CSV) / a nurse posts in Kashiwa's room");
    // CaseUpdates from Kashiwa to Nagareyama in `state`, tried at least `attempts` times.
    auto updates = [&](const char* state, int attempts) {
      return on(node("kashiwa"), [&](store::PgConnection& c) {
        return store::demo::outboxIn(c, "122203", "CaseUpdate", state, attempts);
      });
    };
    ok &= expect(waitUntil([&] { return updates("pending", 1) == 1; }, std::chrono::seconds(60)),
                 "送信できず柏の送信キューに滞留 (再試行中) / queued at Kashiwa, retrying");
    const auto restarted = Clock::now();
    f_.start("nagareyama");
    say("流山ノードを再開 / Nagareyama restarted");
    const fs::path kintone = f_.channelDir("nagareyama", "kintone/out");
    ok &= expect(
        waitUntil([&] { return updates("delivered", 0) == 1 && filesIn(kintone).size() == 3; },
                  std::chrono::seconds(90)),
        "滞留分が配送され kintone フォルダへ / the backlog drained into the kintone folder");
    const double seconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restarted).count() /
        1000.0;
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << seconds;
    say("再開から解消まで / from restart to drained: " + s.str() + " s");
    return ok;
  }

  void summary() {
    out_ << "\n交換の一覧 / exchanges\n";
    out_ << "  from    to      type            status                      latency   losses "
            "(decode+encode)\n";
    struct Row {
      std::string created, from, to, type, status, latency, losses;
    };
    std::vector<Row> rows;
    for (const City& c : cities()) {
      if (!f_.running(c.key)) continue;
      auto conn = node(c.key).pool()->lease();
      for (const auto& sent : store::demo::sentMessages(*conn)) {
        Row row{sent.created,      c.code,     sent.peer,
                sent.documentType, sent.state, sent.latencyMs == "-" ? "-" : sent.latencyMs + " ms",
                sent.losses};
        // The encode losses the receiver recorded for its local channels.
        for (const City& peer : cities()) {
          if (peer.code != row.to || !f_.running(peer.key)) continue;
          row.losses += "+" + std::to_string(on(node(peer.key), [&](store::PgConnection& p) {
                          return store::demo::localLossCount(p, sent.messageId);
                        }));
        }
        rows.push_back(row);
      }
      for (const auto& refused : store::demo::refusedSubmissions(*conn)) {
        rows.push_back({refused.at, c.code, refused.peer, refused.documentType,
                        "refused (" + refused.code + ")", "-", "-"});
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.created < b.created; });
    for (const Row& r : rows) {
      std::ostringstream line;
      line << "  " << std::left << std::setw(8) << r.from << std::setw(8) << r.to << std::setw(16)
           << r.type << std::setw(28) << r.status << std::setw(10) << r.latency << r.losses;
      out_ << line.str() << "\n";
    }
    out_ << std::flush;
  }

  DemoFederation& f_;
  std::ostream& out_;
  fs::path inputs_;
  std::vector<bool> results_;
};

}  // namespace

bool playScenario(DemoFederation& federation, std::ostream& out) {
  return Scenario(federation, out).play();
}

}  // namespace tsunagi::demo
