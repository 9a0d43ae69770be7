#pragma once
// Certificates for tests, made at run time with the certs/ scripts (as an operator makes them) in
// a temporary directory removed with the TestPki: a regional CA, node keys and certificates, the
// coordinator's manifest-signing key, an independent second CA, revocation and CRLs, and signed
// federation manifests. No key is ever written to the source tree.
//
// Making a CA and its common certificates takes the scripts about half a second, so they are made
// once — per ctest run in <run dir>/pki (test_run.hpp; the first process that needs them makes
// them under a lock, the others wait), per process when a program runs by hand — and every TestPki
// starts from a copy: the regional CA with nodes 122173, 122076 and 122203 and the coordinator
// issued, no CRL yet; the other CA with node 122173 and its coordinator. Whatever a test then
// issues, rotates or revokes happens in its own copy.
//
//   testing::TestPki pki;
//   const auto& kashiwa = pki.node("122173");           // node.key, node.pem, pin
//   pki.writeManifest({.serial = 1, .nodes = {pki.entry("122173", "https://127.0.0.1:8443")}});

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/federation/federation_setup.hpp"

#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

/// A key and certificate as issue-node.sh or issue-coordinator.sh wrote them.
struct NodeFiles {
  std::string code;            ///< the node's code (empty for the coordinator)
  std::filesystem::path key;   ///< PEM private key (0600)
  std::filesystem::path cert;  ///< PEM certificate
  std::string pin;             ///< base64 SHA-256 of the SPKI, as the manifest lists it
};

/// The exit status and the combined stdout + stderr of a certs/ script.
struct ScriptRun {
  int status = -1;
  std::string output;
};

/// The certs/ directory of the source tree.
std::filesystem::path certsDirectory();

/// Runs `certs/<script> args…` with /bin/bash and PATH=/usr/bin:/bin; never throws on a non-zero
/// exit (the caller checks `status`).
ScriptRun runCertsScript(const std::string& script, const std::vector<std::string>& args);

/// One regional CA in its own directory (make-ca.sh), issuing on demand.
class TestCa {
 public:
  /// Runs make-ca.sh in `directory`. Throws std::runtime_error with the script's output on failure.
  TestCa(std::filesystem::path directory, const std::string& name);
  /// Where a CA made by the constructor above is.
  struct Made {
    std::filesystem::path directory;
  };
  /// A copy of the CA `made` into `directory`: what was issued there is node() and coordinator()
  /// here.
  TestCa(const Made& made, std::filesystem::path directory);

  const std::filesystem::path& directory() const { return directory_; }
  std::filesystem::path certificate() const { return directory_ / "ca.pem"; }
  std::filesystem::path key() const { return directory_ / "ca.key"; }

  /// The node's key and certificate, issued on first use (SAN DNS:localhost, IP:127.0.0.1) unless
  /// the directory has them.
  const NodeFiles& node(const std::string& code);
  /// Issues a new key and certificate for `code` (key rotation): the previous files move to
  /// nodes/CODE.N and stay valid; node(code) returns the new ones from now on.
  const NodeFiles& rotateNode(const std::string& code);
  /// Issues with explicit issue-node.sh options (e.g. {"--days", "1"}); replaces node(code).
  const NodeFiles& issueNode(const std::string& code, const std::vector<std::string>& options);
  /// The coordinator's manifest-signing key and certificate, issued on first use unless the
  /// directory has them.
  const NodeFiles& coordinator();

  /// revoke.sh, then make-crl.sh; returns the CRL (crl.pem).
  std::filesystem::path revoke(const std::filesystem::path& cert,
                               const std::string& reason = "keyCompromise");
  /// make-crl.sh; returns crl.pem.
  std::filesystem::path makeCrl(int days = 30);

 private:
  NodeFiles issue(const std::string& code, const std::vector<std::string>& options);

  std::filesystem::path directory_;
  std::map<std::string, NodeFiles> nodes_;
  std::map<std::string, int> rotations_;
  std::optional<NodeFiles> coordinator_;
};

/// One node of a test manifest (the gateway's own description, as the demo writes it).
using ManifestEntry = federation::ManifestNodeDraft;

/// What writeManifest() writes. Empty fields take the defaults noted.
struct ManifestSpec {
  long long serial = 1;
  std::string issued;   ///< default: an hour ago (UTC)
  std::string expires;  ///< default: in 90 days (UTC)
  std::string issuer = "東葛地域医療介護連携協議会";
  std::vector<ManifestEntry> nodes;
  std::vector<std::filesystem::path> caCertificates;  ///< default: the regional CA's ca.pem
  std::filesystem::path file;                         ///< default: directory()/manifest.xml
  std::filesystem::path signingKey;                   ///< default: the coordinator's key
};

/// A test PKI: the regional CA (copied at construction) and, on demand, an independent other CA.
class TestPki {
 public:
  TestPki();

  /// The temporary directory holding everything (removed with the TestPki).
  std::filesystem::path directory() const { return dir_.path(); }
  TestCa& ca() { return ca_; }
  /// A second CA with the same subject layout, unknown to the federation; made on first use.
  TestCa& otherCa();

  const NodeFiles& node(const std::string& code) { return ca_.node(code); }
  const NodeFiles& coordinator() { return ca_.coordinator(); }

  /// A manifest entry for `code` listing node(code)'s pin; the name, municipality and insurer
  /// number come from the Tokatsu demo cities (柏市 122173, 松戸市 122076, 流山市 122203, …), else
  /// "Node CODE" serving municipality CODE and insurer CODE.
  ManifestEntry entry(const std::string& code, const std::string& endpoint);

  /// The manifest XML for `spec` (not signed). Times are formatted as YYYY-MM-DDThh:mm:ssZ.
  std::string manifestXml(const ManifestSpec& spec);
  /// Writes the manifest and its signature (`file` + ".sig"); returns the manifest's path.
  std::filesystem::path writeManifest(const ManifestSpec& spec);
  /// Writes `xml` as given to `file` and signs it with `signingKey` (default: the coordinator's),
  /// for tests that need a manifest the builder would not write.
  std::filesystem::path writeSigned(const std::string& xml, const std::filesystem::path& file,
                                    const std::filesystem::path& signingKey = {});

  /// UTC text of now + `offsetSeconds` in the manifest's format.
  static std::string timestamp(long long offsetSeconds);

 private:
  TempDir dir_;
  TestCa ca_;
  std::unique_ptr<TestCa> otherCa_;
};

}  // namespace tsunagi::testing
