#include "gateway/demo/demo_federation.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

#include "gateway/common/atomic_file.hpp"
#include "gateway/config/node_config.hpp"
#include "gateway/console/session.hpp"
#include "gateway/console/totp.hpp"
#include "gateway/console/users.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/federation/federation_setup.hpp"
#include "gateway/federation/manifest.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/pool.hpp"
#include "mapping/model/binding.hpp"

namespace tsunagi::demo {

namespace fs = std::filesystem;

const std::vector<City>& cities() {
  static const std::vector<City> all = {
      {"kashiwa", "122173", "柏市", "122176"},
      {"nagareyama", "122203", "流山市", "122200"},
      {"matsudo", "122076", "松戸市", "122077"},
  };
  return all;
}

const City& city(const std::string& key) {
  for (const City& c : cities()) {
    if (c.key == key) return c;
  }
  throw std::invalid_argument("no demo city " + key);
}

namespace {

std::string esc(const std::string& text) {
  std::string out;
  mapping::binding::appendEscaped(out, text);
  return out;
}

// One channel element. `connector` is the inner element (directory, http or mllp).
std::string channel(const std::string& name, const std::string& direction,
                    const std::string& adapter, const std::string& extra,
                    const std::string& connector, const std::string& metadata = "") {
  return "    <channel name=\"" + name + "\" direction=\"" + direction + "\" adapter=\"" + adapter +
         "\"" + extra + ">\n      " + connector + "\n" + metadata + "    </channel>\n";
}

std::string inboxFolder(const std::string& sub) {
  // Polls twice a second; a file is taken once unchanged for a second (a person copying files
  // by hand is slower than that; real deployments keep the 2-second default).
  return "<directory inbox=\"channels/" + sub + "/in\" pollMs=\"250\" settleMs=\"1000\"/>";
}

std::string outboxFolder(const std::string& sub) {
  return "<directory outbox=\"channels/" + sub + "/out\"/>";
}

}  // namespace

DemoFederation::DemoFederation(fs::path directory, std::ostream& progress)
    : dir_(std::move(directory)), progress_(progress) {}

DemoFederation::~DemoFederation() { stopAll(); }

bool DemoFederation::preparePki() {
  const fs::path log = dir_ / "setup.log";
  bool reused = true;
  if (!fs::exists(pkiDir() / "ca.pem")) {
    progress_ << "  地域CAを作成 / creating the regional CA (certs/make-ca.sh)\n" << std::flush;
    federation::runCertsScriptOrThrow("make-ca.sh", {pkiDir().string(), "Tokatsu Demo Regional CA"},
                                      log);
    reused = false;
  }
  for (const City& c : cities()) {
    if (!fs::exists(pkiDir() / "nodes" / c.code / "node.pem")) {
      progress_ << "  " << c.name << " のノード証明書を発行 / issuing the node certificate of "
                << c.code << "\n"
                << std::flush;
      federation::runCertsScriptOrThrow("issue-node.sh", {pkiDir().string(), c.code}, log);
      reused = false;
    }
  }
  if (!fs::exists(pkiDir() / "coordinator" / "coordinator.pem")) {
    progress_ << "  コーディネータ証明書を発行 / issuing the coordinator's certificate\n"
              << std::flush;
    federation::runCertsScriptOrThrow("issue-coordinator.sh", {pkiDir().string()}, log);
    reused = false;
  }
  if (reused) {
    progress_ << "  既存の地域CA・証明書を再利用 / reusing the CA and certificates in "
              << pkiDir().string() << "\n"
              << std::flush;
  }
  return reused;
}

void DemoFederation::writeManifestAndConfigs() {
  for (const City& c : cities()) {
    Ports p;
    p.local = federation::freeLoopbackPort();
    p.peer = federation::freeLoopbackPort();
    p.console = federation::freeLoopbackPort();
    p.mllp = federation::freeLoopbackPort();
    ports_[c.key] = p;
  }
  federation::ManifestDraft draft;
  draft.serial = static_cast<long long>(std::time(nullptr));
  draft.issued = federation::utcTimestamp(-60);
  draft.expires = federation::utcTimestamp(30LL * 24 * 3600);
  draft.issuer = "東葛地域 在宅医療・介護連携 コーディネータ (demo)";
  draft.caCertificatesPem = {readWholeFile(pkiDir() / "ca.pem")};
  for (const City& c : cities()) {
    federation::ManifestNodeDraft n;
    n.code = c.code;
    n.name = c.name;
    n.endpoint = "https://127.0.0.1:" + std::to_string(ports_[c.key].peer);
    n.pins = {crypto::Certificate::fromPemFile(pkiDir() / "nodes" / c.code / "node.pem").spkiPin()};
    n.municipalities = {c.code};
    n.insurers = {c.insurer};
    draft.nodes.push_back(n);
  }
  const std::string xml = federation::manifestXml(draft);
  const auto key = crypto::Key::privateFromPemFile(pkiDir() / "coordinator" / "coordinator.key");
  fs::create_directories(dir_ / "federation");
  writeFileAtomically(dir_ / "federation" / "manifest.xml", xml);
  writeFileAtomically(dir_ / "federation" / "manifest.xml.sig", federation::signManifest(xml, key));
  progress_ << "  マニフェストに署名 (serial " << draft.serial
            << ") / manifest signed by the coordinator\n"
            << std::flush;

  for (const City& c : cities()) {
    fs::create_directories(cityDir(c.key));
    const fs::path file = cityDir(c.key) / "node.xml";
    writeFileAtomically(file, configXml(c));
    options_[c.key] = config::loadNodeConfig(file);
  }
}

std::string DemoFederation::configXml(const City& c) const {
  const Ports& p = ports_.at(c.key);
  const std::string node = "../pki/nodes/" + c.code + "/";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<!-- tsunagi demo: " + c.name + " (" + c.code +
       "). Written by `tsunagi demo` on each run; see config/" + c.key +
       ".xml for the documented example. -->\n";
  x += "<NodeConfig xmlns=\"urn:tsunagi:config:1\">\n";
  x += "  <node code=\"" + c.code + "\" name=\"" + esc(c.name) + "\"/>\n";
  x += "  <dataDirectory>data</dataDirectory>\n";
  x += "  <localListener host=\"127.0.0.1\" port=\"" + std::to_string(p.local) + "\"/>\n";
  x += "  <exchange>\n";
  x += "    <peerListener host=\"127.0.0.1\" port=\"" + std::to_string(p.peer) + "\"/>\n";
  x += "    <tls key=\"" + node + "node.key\" certificate=\"" + node + "node.pem\">\n";
  x += "      <ca>../pki/ca.pem</ca>\n    </tls>\n";
  x += "    <manifest file=\"../federation/manifest.xml\" "
       "signer=\"../pki/coordinator/coordinator.pem\"/>\n";
  // Short retry delays, so that the backlog drains within seconds of a restart.
  x += "    <retry maxAttempts=\"100\" baseDelayMs=\"250\" maxDelayMs=\"2000\" "
       "leaseSeconds=\"30\"/>\n";
  x += "  </exchange>\n";
  x += "  <channels>\n";
  // Every node: case openings and closings as canonical XML for the liaison desk.
  const std::string caseXml = channel("cases", "outbound", "liaison_xml",
                                      " documentTypes=\"CaseMembership\"", outboxFolder("cases"));
  if (c.key == "kashiwa") {
    x += channel("room-in", "inbound", "room_csv:kashiwa-room", "", inboxFolder("room"));
    x += channel("room-out", "outbound", "room_csv:kashiwa-room",
                 " documentTypes=\"CaseUpdate\" lossNote=\"append\"", outboxFolder("room"));
    x += channel("hospital-fhir", "inbound", "fhir_jp", "", "<http/>");
    x += channel("hospital-adt", "inbound", "ssmix2", "",
                 "<mllp host=\"127.0.0.1\" port=\"" + std::to_string(p.mllp) + "\"/>",
                 "      <metadata key=\"hospitalName\" value=\"柏の葉総合病院\"/>\n");
    x += channel("hospital-out", "outbound", "fhir_jp", " documentTypes=\"LiaisonSheet\"",
                 outboxFolder("hospital"));
  } else if (c.key == "nagareyama") {
    x += channel("kintone-in", "inbound", "kintone:nagareyama-kintone", "", inboxFolder("kintone"));
    x += channel("kintone-out", "outbound", "kintone:nagareyama-kintone",
                 " documentTypes=\"LiaisonSheet CaseUpdate\" lossNote=\"append\"",
                 outboxFolder("kintone"));
  } else {
    x += channel("careplan-in", "inbound", "careplan_csv", "", inboxFolder("careplan"));
    x += channel("careplan-out", "outbound", "careplan_csv", " documentTypes=\"LiaisonSheet\"",
                 outboxFolder("careplan"));
    x += channel("notes-out", "outbound", "liaison_xml", " documentTypes=\"CaseUpdate\"",
                 outboxFolder("notes"));
  }
  x += caseXml;
  x += "  </channels>\n";
  x += "  <audit checkpointIntervalSeconds=\"60\"/>\n";
  x += "  <console host=\"127.0.0.1\" port=\"" + std::to_string(p.console) + "\" certificate=\"" +
       node + "node.pem\" key=\"" + node + "node.key\"/>\n";
  x += "</NodeConfig>\n";
  return x;
}

void DemoFederation::resetData() {
  // Each city's cluster is made (initdb, first run) or its node database dropped (later runs), in
  // parallel: one start and stop of each cluster. The nodes then start on this thread, because
  // a cluster is tied to the thread that started it (the parent-death signal fires when that
  // thread ends).
  std::vector<std::future<bool>> work;
  for (const City& c : cities()) {
    fs::remove_all(cityDir(c.key) / "channels");
    fs::remove_all(cityDir(c.key) / "data" / "inbox");
    const fs::path root = cityDir(c.key) / "data" / "postgres";
    work.push_back(std::async(std::launch::async, [root] {
      const bool existed = fs::exists(root / "data" / "PG_VERSION");
      store::EmbeddedPostgresOptions o;
      o.rootDir = root;
      store::EmbeddedPostgres pg(o);
      pg.start();
      if (existed) pg.dropDatabase("tsunagi");
      pg.stop();
      return existed;
    }));
  }
  bool reused = true;
  for (auto& w : work) reused = w.get() && reused;
  progress_ << (reused ? "  前回の PostgreSQL クラスタを再利用し、ノードのデータベースを空に / "
                         "reusing the clusters, the nodes' databases emptied\n"
                       : "  各市の PostgreSQL クラスタを作成 (initdb) / created the cities' "
                         "PostgreSQL clusters\n")
            << std::flush;
}

void DemoFederation::startAll() {
  for (const City& c : cities()) start(c.key);
  for (const City& c : cities()) makeAccount(c);
}

void DemoFederation::start(const std::string& key) {
  auto node = std::make_unique<Node>(options_.at(key));
  node->start();
  nodes_[key] = std::move(node);
}

void DemoFederation::stop(const std::string& key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end() || !it->second) return;
  it->second->stop();
  it->second.reset();
}

void DemoFederation::stopAll() {
  for (const City& c : cities()) {
    try {
      stop(c.key);
    } catch (const std::exception& e) {
      spdlog::error("demo: stopping {}: {}", c.key, e.what());
    }
  }
}

Node& DemoFederation::node(const std::string& key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end() || !it->second) throw std::logic_error("demo node " + key + " is stopped");
  return *it->second;
}

bool DemoFederation::running(const std::string& key) const {
  auto it = nodes_.find(key);
  return it != nodes_.end() && it->second;
}

fs::path DemoFederation::channelDir(const std::string& key, const std::string& sub) const {
  return cityDir(key) / "channels" / sub;
}

std::string DemoFederation::consoleUrl(const std::string& key) const {
  return "https://127.0.0.1:" + std::to_string(ports_.at(key).console) + "/";
}

void DemoFederation::makeAccount(const City& c) {
  // A fresh password and TOTP secret per run: nothing secret is reused or kept but in
  // credentials.txt (0600) inside the demo directory.
  ConsoleAccount a;
  a.user = "demo-admin";
  a.password = console::newToken().substr(0, 20);
  auto conn = node(c.key).pool()->lease();
  console::addUser(*conn, a.user, console::Role::Admin, a.password, "demo");
  a.totpSecret = console::enrolTotp(*conn, a.user, "demo");
  a.otpauthUri = console::otpauthUri("tsunagi " + c.name, a.user, a.totpSecret);
  accounts_[c.key] = a;
  std::string text = "# tsunagi demo console accounts (this run only)\n";
  for (const auto& [key, account] : accounts_) {
    text += key + " " + consoleUrl(key) + " user=" + account.user +
            " password=" + account.password + " totp=" + account.otpauthUri + "\n";
  }
  writeFileAtomically(dir_ / "credentials.txt", text, 0600);
}

}  // namespace tsunagi::demo
