#include "tests/support/test_pki.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "gateway/common/atomic_file.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/federation/federation_setup.hpp"
#include "gateway/federation/manifest.hpp"
#include "tests/support/test_run.hpp"

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

// What every TestPki starts from (test_pki.hpp): the CAs and the certificates most tests use.
constexpr const char* kRegionalCa = "Tsunagi Test Regional CA";
constexpr const char* kOtherCa = "Tsunagi Regional CA";  // the same subject layout, another key

void makeMadePki(const fs::path& dir) {
  TestCa regional(dir / "ca", kRegionalCa);
  for (const char* code : {"122173", "122076", "122203"}) regional.node(code);
  regional.coordinator();
  TestCa other(dir / "other-ca", kOtherCa);
  other.node("122173");
  other.coordinator();
}

// Holds an flock on `file` while it lives.
class FileLock {
 public:
  explicit FileLock(const fs::path& file)
      : fd_(open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0 || flock(fd_, LOCK_EX) != 0) {
      throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(errno));
    }
  }
  ~FileLock() { close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The folder holding ca/ and other-ca/ as makeMadePki left them.
const fs::path& madePki() {
  static std::mutex mutex;
  static std::optional<fs::path> made;
  static std::unique_ptr<TempDir> own;  // when no ctest run shares one
  std::lock_guard lock(mutex);
  if (made) return *made;
  if (const auto run = sharedRunDirectory()) {
    const fs::path dir = *run / "pki";
    FileLock fileLock(*run / "pki.lock");
    if (!fs::exists(dir)) {
      // Made beside and renamed: a process killed half-way leaves nothing that looks complete.
      const fs::path building = *run / "pki.building";
      fs::remove_all(building);
      fs::create_directories(building);
      makeMadePki(building);
      fs::rename(building, dir);
    }
    made = dir;
  } else {
    own = std::make_unique<TempDir>("pki-made");
    makeMadePki(own->path());
    made = own->path();
  }
  return *made;
}

}  // namespace

TestCa::TestCa(fs::path directory, const std::string& name) : directory_(std::move(directory)) {
  runOrThrow("make-ca.sh", {directory_.string(), name});
}

TestCa::TestCa(const Made& made, fs::path directory) : directory_(std::move(directory)) {
  fs::copy(made.directory, directory_, fs::copy_options::recursive);
}

NodeFiles TestCa::issue(const std::string& code, const std::vector<std::string>& options) {
  std::vector<std::string> args = {directory_.string(), code};
  args.insert(args.end(), options.begin(), options.end());
  runOrThrow("issue-node.sh", args);
  return filesIn(directory_ / "nodes" / code, code, "node");
}

const NodeFiles& TestCa::node(const std::string& code) {
  auto it = nodes_.find(code);
  if (it == nodes_.end()) {
    const fs::path dir = directory_ / "nodes" / code;
    it = nodes_
             .emplace(code,
                      fs::exists(dir / "node.pem") ? filesIn(dir, code, "node") : issue(code, {}))
             .first;
  }
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
    if (!fs::exists(directory_ / "coordinator" / "coordinator.pem")) {
      runOrThrow("issue-coordinator.sh", {directory_.string()});
    }
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

TestPki::TestPki()
    : dir_("pki"), ca_(TestCa::Made{madePki() / "ca"}, fs::path(dir_.path()) / "ca") {}

TestCa& TestPki::otherCa() {
  if (!otherCa_) {
    otherCa_ = std::make_unique<TestCa>(TestCa::Made{madePki() / "other-ca"},
                                        fs::path(dir_.path()) / "other-ca");
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
