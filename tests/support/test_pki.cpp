#include "tests/support/test_pki.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "gateway/common/atomic_file.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/federation/federation_setup.hpp"
#include "gateway/federation/manifest.hpp"

namespace fs = std::filesystem;

namespace tsunagi::testing {

fs::path certsDirectory() { return federation::certsDirectory(); }

ScriptRun runCertsScript(const std::string& script, const std::vector<std::string>& args) {
  TempDir logDir("certs-script");
  const fs::path log = fs::path(logDir.path()) / "output.log";
  ScriptRun run;
  run.status = federation::runCertsScript(script, args, log);
  std::ifstream in(log, std::ios::binary);
  run.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return run;
}

namespace {

void runOrThrow(const std::string& script, const std::vector<std::string>& args) {
  const ScriptRun run = runCertsScript(script, args);
  if (run.status != 0) {
    std::string command = script;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error("certs/" + command + " exited with " + std::to_string(run.status) +
                             ":\n" + run.output);
  }
}

NodeFiles filesIn(const fs::path& dir, const std::string& code, const std::string& stem) {
  NodeFiles files{code, dir / (stem + ".key"), dir / (stem + ".pem"), {}};
  files.pin = crypto::Certificate::fromPemFile(files.cert).spkiPin();
  return files;
}

struct DemoCity {
  const char* code;
  const char* name;
  const char* insurer;
};

// DOMAIN.md §4: the Tokatsu cities and the demo's (unverified) insurer numbers; where DOMAIN.md
// has none, the node serves its own code as insurer number.
constexpr DemoCity kDemoCities[] = {
    {"122173", "柏市", "122176"},  {"122076", "松戸市", "122077"},  {"122203", "流山市", "122200"},
    {"122084", "野田市", nullptr}, {"122220", "我孫子市", nullptr}, {"122246", "鎌ケ谷市", nullptr},
};

}  // namespace

TestCa::TestCa(fs::path directory, const std::string& name) : directory_(std::move(directory)) {
  runOrThrow("make-ca.sh", {directory_.string(), name});
}

NodeFiles TestCa::issue(const std::string& code, const std::vector<std::string>& options) {
  std::vector<std::string> args = {directory_.string(), code};
  args.insert(args.end(), options.begin(), options.end());
  runOrThrow("issue-node.sh", args);
  return filesIn(directory_ / "nodes" / code, code, "node");
}

const NodeFiles& TestCa::node(const std::string& code) {
  auto it = nodes_.find(code);
  if (it == nodes_.end()) it = nodes_.emplace(code, issue(code, {})).first;
  return it->second;
}

const NodeFiles& TestCa::rotateNode(const std::string& code) {
  node(code);
  return issueNode(code, {});
}

const NodeFiles& TestCa::issueNode(const std::string& code,
                                   const std::vector<std::string>& options) {
  if (fs::exists(directory_ / "nodes" / code)) {
    fs::rename(directory_ / "nodes" / code,
               directory_ / "nodes" / (code + "." + std::to_string(++rotations_[code])));
  }
  nodes_[code] = issue(code, options);
  return nodes_[code];
}

const NodeFiles& TestCa::coordinator() {
  if (!coordinator_) {
    runOrThrow("issue-coordinator.sh", {directory_.string()});
    coordinator_ = filesIn(directory_ / "coordinator", "", "coordinator");
  }
  return *coordinator_;
}

fs::path TestCa::revoke(const fs::path& cert, const std::string& reason) {
  runOrThrow("revoke.sh", {directory_.string(), cert.string(), reason});
  return makeCrl();
}

fs::path TestCa::makeCrl(int days) {
  runOrThrow("make-crl.sh", {directory_.string(), "--days", std::to_string(days)});
  return directory_ / "crl.pem";
}

TestPki::TestPki() : dir_("pki"), ca_(fs::path(dir_.path()) / "ca", "Tsunagi Test Regional CA") {}

TestCa& TestPki::otherCa() {
  if (!otherCa_) {
    otherCa_ = std::make_unique<TestCa>(fs::path(dir_.path()) / "other-ca", "Tsunagi Regional CA");
  }
  return *otherCa_;
}

ManifestEntry TestPki::entry(const std::string& code, const std::string& endpoint) {
  ManifestEntry e;
  e.code = code;
  e.endpoint = endpoint;
  e.pins = {node(code).pin};
  e.name = "Node " + code;
  e.municipalities = {code};
  e.insurers = {code};
  for (const DemoCity& city : kDemoCities) {
    if (code == city.code) {
      e.name = city.name;
      if (city.insurer) e.insurers = {city.insurer};
    }
  }
  return e;
}

std::string TestPki::timestamp(long long offsetSeconds) {
  return federation::utcTimestamp(offsetSeconds);
}

std::string TestPki::manifestXml(const ManifestSpec& spec) {
  federation::ManifestDraft draft;
  draft.serial = spec.serial;
  draft.issued = spec.issued.empty() ? timestamp(-3600) : spec.issued;
  draft.expires = spec.expires.empty() ? timestamp(90LL * 24 * 3600) : spec.expires;
  draft.issuer = spec.issuer;
  std::vector<fs::path> cas = spec.caCertificates;
  if (cas.empty()) cas.push_back(ca_.certificate());
  for (const fs::path& ca : cas) draft.caCertificatesPem.push_back(readWholeFile(ca));
  draft.nodes = spec.nodes;
  return federation::manifestXml(draft);
}

fs::path TestPki::writeManifest(const ManifestSpec& spec) {
  const fs::path file = spec.file.empty() ? fs::path(dir_.path()) / "manifest.xml" : spec.file;
  return writeSigned(manifestXml(spec), file, spec.signingKey);
}

fs::path TestPki::writeSigned(const std::string& xml, const fs::path& file,
                              const fs::path& signingKey) {
  const crypto::Key key =
      crypto::Key::privateFromPemFile(signingKey.empty() ? coordinator().key : signingKey);
  writeFileAtomically(file, xml);
  fs::path signature = file;
  signature += ".sig";
  writeFileAtomically(signature, federation::signManifest(xml, key));
  return file;
}

}  // namespace tsunagi::testing
