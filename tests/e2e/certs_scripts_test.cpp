// The certs/ scripts as an operator runs them: CA, node and coordinator certificates, pins,
// revocation and CRLs, checked with the openssl CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gateway/common/subprocess.hpp"
#include "gateway/crypto/keys.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::runCertsScript;
using testing::ScriptRun;

/// Runs an openssl command line through bash; returns status and combined output.
ScriptRun openssl(const std::string& commandLine, const std::vector<std::string>& args = {}) {
  testing::TempDir dir("openssl");
  SpawnOptions s;
  s.argv = {"/bin/bash", "-c", commandLine, "bash"};
  s.argv.insert(s.argv.end(), args.begin(), args.end());
  s.logFile = fs::path(dir.path()) / "out.log";
  s.env = {"PATH=/usr/bin:/bin"};
  ScriptRun run;
  run.status = runProcess(s);
  std::ifstream in(s.logFile);
  run.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return run;
}

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned modeOf(const fs::path& file) {
  struct stat st {};
  EXPECT_EQ(stat(file.c_str(), &st), 0) << file;
  return st.st_mode & 07777;
}

class CertsScripts : public ::testing::Test {
 protected:
  testing::TempDir dir_{"certs"};
  fs::path ca_ = fs::path(dir_.path()) / "ca";

  void makeCa() {
    const ScriptRun r = runCertsScript("make-ca.sh", {ca_.string()});
    ASSERT_EQ(r.status, 0) << r.output;
  }
};

TEST_F(CertsScripts, CaIsASelfSignedP256CaWithItsKeyPrivate) {
  makeCa();
  EXPECT_EQ(modeOf(ca_ / "ca.key"), 0600u);
  for (const char* f : {"openssl.cnf", "index.txt", "serial", "crlnumber"}) {
    EXPECT_TRUE(fs::exists(ca_ / f)) << f;
  }
  const ScriptRun text =
      openssl("openssl x509 -in \"$1\" -noout -subject -ext basicConstraints,keyUsage",
              {(ca_ / "ca.pem").string()});
  EXPECT_THAT(text.output,
              HasSubstr("C = JP, O = Tsunagi Regional Federation, CN = Tsunagi Regional CA"));
  EXPECT_THAT(text.output, HasSubstr("Basic Constraints: critical\n    CA:TRUE"));
  EXPECT_THAT(text.output, HasSubstr("Key Usage: critical\n    Certificate Sign, CRL Sign"));
  EXPECT_TRUE(crypto::Key::privateFromPemFile(ca_ / "ca.key").isP256());
  const auto cert = crypto::Certificate::fromPemFile(ca_ / "ca.pem");
  EXPECT_GT(cert.notAfter(), std::time(nullptr) + 9LL * 365 * 24 * 3600);
}

TEST_F(CertsScripts, CaNameMayBeJapanese) {
  const ScriptRun r = runCertsScript("make-ca.sh", {ca_.string(), "東葛地域 CA"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(crypto::Certificate::fromPemFile(ca_ / "ca.pem").commonName(), "東葛地域 CA");
}

TEST_F(CertsScripts, NodeCodeWithABadCheckDigitIsRefusedWithExit2) {
  makeCa();
  ScriptRun r = runCertsScript("issue-node.sh", {ca_.string(), "122174"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("CODE '122174': check digit is 4, expected 3"));
  EXPECT_THAT(r.output, HasSubstr("usage: issue-node.sh"));
  EXPECT_FALSE(fs::exists(ca_ / "nodes" / "122174"));
  EXPECT_EQ(readFile(ca_ / "index.txt"), "");

  r = runCertsScript("issue-node.sh", {ca_.string(), "12217"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("must be 6 digits"));
}

TEST_F(CertsScripts, NodeCertificateChainsToTheCaAndCarriesTheCode) {
  makeCa();
  const ScriptRun r = runCertsScript("issue-node.sh", {ca_.string(), "122173"});
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path key = ca_ / "nodes/122173/node.key";
  const fs::path pem = ca_ / "nodes/122173/node.pem";
  EXPECT_EQ(modeOf(key), 0600u);

  const ScriptRun verify = openssl(
      "openssl verify -CAfile \"$1\" -purpose sslserver \"$2\" && "
      "openssl verify -CAfile \"$1\" -purpose sslclient \"$2\"",
      {(ca_ / "ca.pem").string(), pem.string()});
  EXPECT_EQ(verify.status, 0) << verify.output;

  const auto cert = crypto::Certificate::fromPemFile(pem);
  EXPECT_EQ(cert.commonName(), "122173");
  EXPECT_EQ(cert.organizationalUnit(), "node");
  EXPECT_TRUE(cert.publicKey().isP256());
  // The printed pin is the one tsunagi computes, and the one spki-pin.sh prints.
  EXPECT_EQ(r.output, cert.spkiPin() + "\n");
  EXPECT_EQ(crypto::Key::privateFromPemFile(key).spkiPin(), cert.spkiPin());
  const ScriptRun pin = runCertsScript("spki-pin.sh", {pem.string()});
  EXPECT_EQ(pin.status, 0);
  EXPECT_EQ(pin.output, cert.spkiPin() + "\n");

  const ScriptRun ext =
      openssl("openssl x509 -in \"$1\" -noout -ext subjectAltName,extendedKeyUsage,keyUsage",
              {pem.string()});
  EXPECT_THAT(ext.output, HasSubstr("DNS:localhost, IP Address:127.0.0.1"));
  EXPECT_THAT(ext.output,
              HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
  EXPECT_THAT(ext.output, HasSubstr("Digital Signature"));
  EXPECT_THAT(readFile(ca_ / "index.txt"), HasSubstr("/OU=node/CN=122173"));
}

TEST_F(CertsScripts, SubjectAltNamesAndValidityFollowTheOptions) {
  makeCa();
  const ScriptRun r =
      runCertsScript("issue-node.sh", {ca_.string(), "122076", "--dns", "tsunagi.matsudo.example",
                                       "--ip", "10.1.2.3", "--ip", "::1", "--days", "30"});
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path pem = ca_ / "nodes/122076/node.pem";
  const ScriptRun ext =
      openssl("openssl x509 -in \"$1\" -noout -ext subjectAltName", {pem.string()});
  EXPECT_THAT(
      ext.output,
      HasSubstr("DNS:tsunagi.matsudo.example, IP Address:10.1.2.3, IP Address:0:0:0:0:0:0:0:1"));
  const std::time_t notAfter = crypto::Certificate::fromPemFile(pem).notAfter();
  EXPECT_NEAR(static_cast<double>(notAfter - std::time(nullptr)), 30 * 24 * 3600.0, 120.0);

  const ScriptRun bad = runCertsScript("issue-node.sh", {ca_.string(), "122203", "--dns", "a,b"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.output, HasSubstr("--dns needs a host name"));
}

TEST_F(CertsScripts, CoordinatorCertificateSignsButIsNoNode) {
  makeCa();
  const ScriptRun r = runCertsScript("issue-coordinator.sh", {ca_.string()});
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path pem = ca_ / "coordinator/coordinator.pem";
  EXPECT_EQ(modeOf(ca_ / "coordinator/coordinator.key"), 0600u);
  const auto cert = crypto::Certificate::fromPemFile(pem);
  EXPECT_EQ(cert.organizationalUnit(), "coordinator");
  EXPECT_EQ(cert.commonName(), "Tsunagi Manifest Signer");
  const ScriptRun ext = openssl(
      "openssl x509 -in \"$1\" -noout -ext keyUsage,extendedKeyUsage && "
      "openssl verify -CAfile \"$2\" \"$1\"",
      {pem.string(), (ca_ / "ca.pem").string()});
  EXPECT_EQ(ext.status, 0) << ext.output;
  EXPECT_THAT(ext.output, HasSubstr("Digital Signature"));
  EXPECT_THAT(ext.output, ::testing::Not(HasSubstr("TLS Web")));
}

TEST_F(CertsScripts, RevokedCertificateFailsTheCrlCheck) {
  makeCa();
  ASSERT_EQ(runCertsScript("issue-node.sh", {ca_.string(), "122173"}).status, 0);
  ASSERT_EQ(runCertsScript("issue-node.sh", {ca_.string(), "122076"}).status, 0);
  const fs::path revoked = ca_ / "nodes/122173/node.pem";
  const fs::path kept = ca_ / "nodes/122076/node.pem";

  ScriptRun r = runCertsScript("revoke.sh", {ca_.string(), revoked.string(), "keyCompromise"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("make-crl.sh"));
  r = runCertsScript("make-crl.sh", {ca_.string(), "--days", "7"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(readFile(ca_ / "crl.pem"), HasSubstr("-----BEGIN X509 CRL-----"));

  const std::string check = "openssl verify -crl_check -CAfile \"$1\" -CRLfile \"$2\" \"$3\"";
  const ScriptRun bad =
      openssl(check, {(ca_ / "ca.pem").string(), (ca_ / "crl.pem").string(), revoked.string()});
  EXPECT_NE(bad.status, 0);
  EXPECT_THAT(bad.output, HasSubstr("certificate revoked"));
  const ScriptRun good =
      openssl(check, {(ca_ / "ca.pem").string(), (ca_ / "crl.pem").string(), kept.string()});
  EXPECT_EQ(good.status, 0) << good.output;

  const ScriptRun crl = openssl("openssl crl -in \"$1\" -noout -text -CAfile \"$2\"",
                                {(ca_ / "crl.pem").string(), (ca_ / "ca.pem").string()});
  EXPECT_THAT(crl.output, HasSubstr("Key Compromise"));
  EXPECT_THAT(crl.output, HasSubstr("verify OK"));

  r = runCertsScript("revoke.sh", {ca_.string(), revoked.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("already revoked"));
}

TEST_F(CertsScripts, RevokeRefusesACertificateOfAnotherCa) {
  makeCa();
  const fs::path other = fs::path(dir_.path()) / "other";
  ASSERT_EQ(runCertsScript("make-ca.sh", {other.string()}).status, 0);
  ASSERT_EQ(runCertsScript("issue-node.sh", {other.string(), "122173"}).status, 0);
  const ScriptRun r =
      runCertsScript("revoke.sh", {ca_.string(), (other / "nodes/122173/node.pem").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("was not issued by the CA"));
  EXPECT_EQ(readFile(ca_ / "index.txt"), "");
}

TEST_F(CertsScripts, ExistingKeysAreNeverOverwritten) {
  makeCa();
  const std::string caKey = readFile(ca_ / "ca.key");
  ScriptRun r = runCertsScript("make-ca.sh", {ca_.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("refusing to overwrite an existing CA"));
  EXPECT_EQ(readFile(ca_ / "ca.key"), caKey);

  ASSERT_EQ(runCertsScript("issue-node.sh", {ca_.string(), "122173"}).status, 0);
  const std::string nodeKey = readFile(ca_ / "nodes/122173/node.key");
  r = runCertsScript("issue-node.sh", {ca_.string(), "122173"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("refusing to overwrite a node key"));
  EXPECT_EQ(readFile(ca_ / "nodes/122173/node.key"), nodeKey);

  ASSERT_EQ(runCertsScript("issue-coordinator.sh", {ca_.string()}).status, 0);
  r = runCertsScript("issue-coordinator.sh", {ca_.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("refusing to overwrite the coordinator key"));
}

TEST_F(CertsScripts, KeyRotationIssuesASecondValidCertificateForTheSameCode) {
  testing::TestPki pki;
  const std::string oldPin = pki.node("122173").pin;
  const testing::NodeFiles fresh = pki.ca().rotateNode("122173");
  EXPECT_NE(fresh.pin, oldPin);
  const ScriptRun verify = openssl("openssl verify -CAfile \"$1\" \"$2\" \"$3\"",
                                   {pki.ca().certificate().string(), fresh.cert.string(),
                                    (pki.ca().directory() / "nodes/122173.1/node.pem").string()});
  EXPECT_EQ(verify.status, 0) << verify.output;
}

TEST_F(CertsScripts, BadUsageExits2WithTheUsage) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"make-ca.sh", {}},
      {"make-ca.sh", {"a", "b", "c"}},
      {"issue-node.sh", {ca_.string()}},
      {"issue-node.sh", {ca_.string(), "122173", "--days"}},
      {"issue-node.sh", {ca_.string(), "122173", "--frobnicate"}},
      {"issue-coordinator.sh", {}},
      {"revoke.sh", {ca_.string()}},
      {"revoke.sh", {ca_.string(), "/nonexistent.pem"}},
      {"make-crl.sh", {ca_.string(), "--days", "many"}},
      {"spki-pin.sh", {}},
      {"spki-pin.sh", {"/nonexistent.pem"}},
  };
  for (const auto& [script, args] : cases) {
    const ScriptRun r = runCertsScript(script, args);
    EXPECT_EQ(r.status, 2) << script << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("usage: " + script)) << script;
  }
  EXPECT_FALSE(fs::exists(ca_));
}

TEST_F(CertsScripts, ScriptsNeedAnExistingCa) {
  const ScriptRun r = runCertsScript("issue-node.sh", {ca_.string(), "122173"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("run make-ca.sh first"));
}

TEST_F(CertsScripts, SpkiPinOfSomethingElseIsRefused) {
  const fs::path notCert = fs::path(dir_.path()) / "x.pem";
  std::ofstream(notCert) << "hello\n";
  const ScriptRun r = runCertsScript("spki-pin.sh", {notCert.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("is not a PEM certificate"));
}

}  // namespace
}  // namespace tsunagi
