// The federation manifest: parsing with every rule and its path, signing and verifying with the
// coordinator's key, and agreement with the openssl CLI in both directions.
#include "gateway/federation/manifest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/cli/manifest_command.hpp"
#include "gateway/common/subprocess.hpp"
#include "mapping/xml/issue.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi::federation {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kKashiwa = "122173";
constexpr const char* kMatsudo = "122076";

class ManifestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static testing::TestPki& pki() { return *pki_; }

  /// Two nodes, Kashiwa and Matsudo, with fixed times.
  static testing::ManifestSpec twoNodes() {
    testing::ManifestSpec spec;
    spec.serial = 7;
    spec.issued = "2026-11-01T09:00:00+09:00";
    spec.expires = "2099-02-01T00:00:00Z";
    spec.nodes = {pki().entry(kKashiwa, "https://127.0.0.1:8443"),
                  pki().entry(kMatsudo, "https://matsudo.example:9443/tsunagi")};
    return spec;
  }

  static std::string twoNodesXml() { return pki().manifestXml(twoNodes()); }

  static crypto::Certificate coordinatorCert() {
    return crypto::Certificate::fromPemFile(pki().coordinator().cert);
  }
  static crypto::Key coordinatorKey() {
    return crypto::Key::privateFromPemFile(pki().coordinator().key);
  }
  static std::vector<crypto::Certificate> trustedCas() {
    return {crypto::Certificate::fromPemFile(pki().ca().certificate())};
  }

 private:
  static testing::TestPki* pki_;
};

testing::TestPki* ManifestTest::pki_ = nullptr;

/// The issues of parsing `xml` (empty if it parses).
std::vector<mapping::Issue> issuesOf(const std::string& xml) {
  try {
    parseManifest(xml);
  } catch (const mapping::DocumentError& e) {
    return e.issues();
  }
  return {};
}

/// `xml` with the first `from` replaced by `to` (the test fails if `from` is missing).
std::string replaced(std::string xml, const std::string& from, const std::string& to) {
  const auto at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << "missing in the manifest: " << from;
  if (at != std::string::npos) xml.replace(at, from.size(), to);
  return xml;
}

MATCHER_P2(IssueAt, path, text, "an issue at " + std::string(path) + " saying " + text) {
  return arg.path == path && arg.message.find(text) != std::string::npos;
}

TEST_F(ManifestTest, ParsesEveryField) {
  const Manifest m = parseManifest(twoNodesXml());
  EXPECT_EQ(m.serial, 7);
  EXPECT_EQ(m.issued, "2026-11-01T09:00:00+09:00");
  EXPECT_EQ(m.issuedAt, 1793491200);  // 2026-11-01T00:00:00Z
  EXPECT_EQ(m.expires, "2099-02-01T00:00:00Z");
  EXPECT_EQ(m.issuer, "東葛地域医療介護連携協議会");
  ASSERT_EQ(m.caCertificatesPem.size(), 1u);
  EXPECT_EQ(crypto::Certificate::fromPem(m.caCertificatesPem[0]).commonName(),
            "Tsunagi Test Regional CA");
  ASSERT_EQ(m.nodes.size(), 2u);
  const ManifestNode& kashiwa = m.nodes[0];
  EXPECT_EQ(kashiwa.code, kKashiwa);
  EXPECT_EQ(kashiwa.name, "柏市");
  EXPECT_EQ(kashiwa.endpoint, "https://127.0.0.1:8443");
  EXPECT_EQ(kashiwa.pins, std::vector<std::string>{pki().node(kKashiwa).pin});
  EXPECT_EQ(kashiwa.municipalities, std::vector<std::string>{"122173"});
  EXPECT_EQ(kashiwa.insurers, std::vector<std::string>{"122176"});
  EXPECT_TRUE(kashiwa.accepts("LiaisonSheet"));
  EXPECT_TRUE(kashiwa.accepts("CaseMembership"));
  EXPECT_FALSE(kashiwa.accepts("Notice"));
  EXPECT_TRUE(kashiwa.hasPin(pki().node(kKashiwa).pin));
  EXPECT_FALSE(kashiwa.hasPin(pki().node(kMatsudo).pin));
}

TEST_F(ManifestTest, FindsNodesByCodeInsurerAndMunicipality) {
  const Manifest m = parseManifest(twoNodesXml());
  ASSERT_NE(m.node(kMatsudo), nullptr);
  EXPECT_EQ(m.node(kMatsudo)->name, "松戸市");
  EXPECT_EQ(m.node("122203"), nullptr);
  ASSERT_NE(m.nodeServingInsurer("122077"), nullptr);
  EXPECT_EQ(m.nodeServingInsurer("122077")->code, kMatsudo);
  EXPECT_EQ(m.nodeServingInsurer("122200"), nullptr);
  ASSERT_NE(m.nodeServingMunicipality("122173"), nullptr);
  EXPECT_EQ(m.nodeServingMunicipality("122173")->code, kKashiwa);
  EXPECT_EQ(m.nodeServingMunicipality("122076")->code, kMatsudo);
}

TEST_F(ManifestTest, AcceptsTwoPinsAndTwoCaCertificatesForRotation) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[0].pins.push_back(pki().node("122203").pin);
  spec.caCertificates = {pki().ca().certificate(), pki().otherCa().certificate()};
  const Manifest m = parseManifest(pki().manifestXml(spec));
  EXPECT_EQ(m.nodes[0].pins.size(), 2u);
  EXPECT_TRUE(m.nodes[0].hasPin(pki().node("122203").pin));
  EXPECT_EQ(m.caCertificatesPem.size(), 2u);
}

TEST_F(ManifestTest, NodeCodeWithWrongCheckDigitIsRefusedWithItsPath) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[1].code = "122077";
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/node[2]/code",
                               "node code: check digit is 7, expected 6")));
}

TEST_F(ManifestTest, DuplicateNodeCodeIsRefused) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[1].code = kKashiwa;
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/node[2]/code",
                               "node code is already listed at "
                               "/FederationManifest/node[1]/code")));
}

TEST_F(ManifestTest, PinThatIsNot32BytesOfBase64IsRefused) {
  const std::string pin = pki().node(kKashiwa).pin;
  // Same shape, but the last character carries bits beyond the 32 bytes: never a computed pin.
  std::string odd = pin;
  odd[42] = odd[42] == 'B' ? 'C' : 'B';
  EXPECT_THAT(issuesOf(replaced(twoNodesXml(), pin, odd)),
              Contains(IssueAt("/FederationManifest/node[1]/pin", "base64 of a 32-byte SHA-256")));
  EXPECT_THAT(issuesOf(replaced(twoNodesXml(), pin, pin.substr(0, 40))),
              Contains(IssueAt("/FederationManifest/node[1]/pin", "pattern")));
}

TEST_F(ManifestTest, PinListedForTwoNodesIsRefused) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[1].pins = spec.nodes[0].pins;
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/node[2]/pin",
                               "is already listed at "
                               "/FederationManifest/node[1]/pin")));
}

TEST_F(ManifestTest, ThreePinsAreRefusedBySchema) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[0].pins = {pki().node(kKashiwa).pin, pki().node("122203").pin,
                        pki().node("122084").pin};
  const auto issues = issuesOf(pki().manifestXml(spec));
  ASSERT_FALSE(issues.empty());
  EXPECT_THAT(issues[0].path, StartsWith("/FederationManifest/node[1]/pin"));
}

TEST_F(ManifestTest, ExpiresNotAfterIssuedIsRefused) {
  testing::ManifestSpec spec = twoNodes();
  spec.expires = "2026-11-01T00:00:00Z";  // the same instant as issued (09:00 +09:00)
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/expires", "must be after issued")));
}

TEST_F(ManifestTest, TimeWithoutOffsetIsRefused) {
  testing::ManifestSpec spec = twoNodes();
  spec.issued = "2026-11-01T09:00:00";
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/issued", "pattern")));
}

TEST_F(ManifestTest, EndpointMustBeHttpsWithAValidPort) {
  const std::string xml = twoNodesXml();
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "http://127.0.0.1:8443")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint", "pattern")));
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://127.0.0.1:84430")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint",
                               "port must be a number from 1 to 65535")));
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://127.0.0.1:8443/?x=1")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint", "query or fragment")));
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://user@127.0.0.1:8443")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint", "user information")));
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://Kashiwa.example")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint", "lower case")));
  EXPECT_THAT(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://kashiwa.example:443")),
              Contains(IssueAt("/FederationManifest/node[1]/endpoint", "default port 443")));
  EXPECT_TRUE(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://[::1]:8443")).empty());
  EXPECT_TRUE(issuesOf(replaced(xml, "https://127.0.0.1:8443", "https://kashiwa.example")).empty());
}

TEST_F(ManifestTest, ServedCodesAreCheckedAndUniqueAcrossNodes) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[1].municipalities = {"122075"};
  spec.nodes[1].insurers = {"122176"};  // Kashiwa's
  const auto issues = issuesOf(pki().manifestXml(spec));
  EXPECT_THAT(issues, Contains(IssueAt("/FederationManifest/node[2]/serves/municipality",
                                       "municipality: check digit is 5, expected 6")));
  EXPECT_THAT(issues, Contains(IssueAt("/FederationManifest/node[2]/serves/insurer",
                                       "insurer is already listed at "
                                       "/FederationManifest/node[1]/serves/insurer")));
}

TEST_F(ManifestTest, UnknownOrRepeatedDocumentTypeIsRefused) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[0].accepts = {"LiaisonSheet", "LiaisonSheet"};
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/node[1]/accepts[2]",
                               "document type is already listed")));
  spec.nodes[0].accepts = {"LiasonSheet"};
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/node[1]/accepts", "enumeration")));
}

TEST_F(ManifestTest, CaCertificateMustBeAParsableCaCertificate) {
  testing::ManifestSpec spec = twoNodes();
  spec.caCertificates = {pki().node(kKashiwa).cert};
  EXPECT_THAT(issuesOf(pki().manifestXml(spec)),
              Contains(IssueAt("/FederationManifest/caCertificate", "is not a CA certificate")));
  const std::string xml = twoNodesXml();
  const auto body = xml.find("-----BEGIN CERTIFICATE-----\n") + 28;
  std::string broken = xml;
  broken.replace(body, 8, "AAAAAAAA");
  EXPECT_THAT(issuesOf(broken), Contains(IssueAt("/FederationManifest/caCertificate",
                                                 "is not a parsable PEM certificate")));
}

TEST_F(ManifestTest, ThreeCaCertificatesAreRefusedBySchema) {
  testing::ManifestSpec spec = twoNodes();
  spec.caCertificates = {pki().ca().certificate(), pki().otherCa().certificate(),
                         pki().ca().certificate()};
  const auto issues = issuesOf(pki().manifestXml(spec));
  ASSERT_FALSE(issues.empty());
  EXPECT_THAT(issues[0].path, StartsWith("/FederationManifest/caCertificate"));
}

TEST_F(ManifestTest, WrongRootOrNamespaceIsRefused) {
  const std::string xml = twoNodesXml();
  EXPECT_THAT(issuesOf(replaced(xml, "urn:tsunagi:manifest:1", "urn:tsunagi:canonical:1")),
              Contains(IssueAt("/FederationManifest", "not a federation manifest")));
}

TEST_F(ManifestTest, HostileXmlIsRefusedBeforeParsing) {
  const std::string xml = replaced(twoNodesXml(), "<FederationManifest",
                                   "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
                                   "<FederationManifest");
  EXPECT_THAT(issuesOf(xml),
              Contains(::testing::Field(&mapping::Issue::message, HasSubstr("DOCTYPE"))));
}

TEST_F(ManifestTest, ReportsEveryRuleViolationAtOnce) {
  testing::ManifestSpec spec = twoNodes();
  spec.nodes[0].code = "122174";
  spec.nodes[1].endpoint = "https://matsudo.example:0";
  EXPECT_EQ(issuesOf(pki().manifestXml(spec)).size(), 2u);
}

TEST_F(ManifestTest, SignatureByTheCoordinatorVerifies) {
  const std::string xml = twoNodesXml();
  const std::string signature = signManifest(xml, coordinatorKey());
  EXPECT_NO_THROW(verifyManifest(xml, signature, coordinatorCert(), trustedCas()));
}

TEST_F(ManifestTest, TamperedManifestIsRefused) {
  const std::string xml = twoNodesXml();
  const std::string signature = signManifest(xml, coordinatorKey());
  const std::string tampered = replaced(xml, "https://127.0.0.1:8443", "https://127.0.0.1:8444");
  EXPECT_THAT([&] { verifyManifest(tampered, signature, coordinatorCert(), trustedCas()); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("signature does not verify")));
  std::string badSignature = signature;
  badSignature[badSignature.size() - 1] ^= 0x01;
  EXPECT_THROW(verifyManifest(xml, badSignature, coordinatorCert(), trustedCas()), ManifestError);
  EXPECT_THROW(verifyManifest(xml, "", coordinatorCert(), trustedCas()), ManifestError);
}

TEST_F(ManifestTest, SignatureByAKeyThatIsNotTheCoordinatorsIsRefused) {
  const std::string xml = twoNodesXml();
  const auto nodeKey = crypto::Key::privateFromPemFile(pki().node(kKashiwa).key);
  EXPECT_THAT(
      [&] { verifyManifest(xml, signManifest(xml, nodeKey), coordinatorCert(), trustedCas()); },
      ::testing::ThrowsMessage<ManifestError>(HasSubstr("signature does not verify")));
}

TEST_F(ManifestTest, NodeCertificateCannotSignAManifest) {
  const std::string xml = twoNodesXml();
  const auto nodeKey = crypto::Key::privateFromPemFile(pki().node(kKashiwa).key);
  const auto nodeCert = crypto::Certificate::fromPemFile(pki().node(kKashiwa).cert);
  EXPECT_THAT([&] { verifyManifest(xml, signManifest(xml, nodeKey), nodeCert, trustedCas()); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("OU=coordinator")));
}

TEST_F(ManifestTest, SignerFromAnotherCaIsRefused) {
  const std::string xml = twoNodesXml();
  testing::TestCa& other = pki().otherCa();
  const auto otherKey = crypto::Key::privateFromPemFile(other.coordinator().key);
  const auto otherCert = crypto::Certificate::fromPemFile(other.coordinator().cert);
  EXPECT_THAT([&] { verifyManifest(xml, signManifest(xml, otherKey), otherCert, trustedCas()); },
              ::testing::ThrowsMessage<ManifestError>(
                  HasSubstr("does not chain to a trusted regional CA")));
  // Trusting both CAs (a CA rotation) admits it.
  std::vector<crypto::Certificate> both = trustedCas();
  both.push_back(crypto::Certificate::fromPemFile(other.certificate()));
  EXPECT_NO_THROW(verifyManifest(xml, signManifest(xml, otherKey), otherCert, both));
}

TEST_F(ManifestTest, NoTrustedCaIsAnError) {
  const std::string xml = twoNodesXml();
  EXPECT_THAT(
      [&] { verifyManifest(xml, signManifest(xml, coordinatorKey()), coordinatorCert(), {}); },
      ::testing::ThrowsMessage<ManifestError>(HasSubstr("no trusted CA")));
}

// ---- with the openssl CLI and `tsunagi manifest` ----

struct CommandRun {
  int status;
  std::string output;
};

CommandRun bash(const std::string& script, const std::vector<std::string>& args) {
  testing::TempDir dir("manifest-cli");
  SpawnOptions s;
  s.argv = {"/bin/bash", "-c", script, "bash"};
  s.argv.insert(s.argv.end(), args.begin(), args.end());
  s.logFile = fs::path(dir.path()) / "out.log";
  s.env = {"PATH=/usr/bin:/bin"};
  const int status = runProcess(s);
  std::ifstream in(s.logFile);
  return {status,
          std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())};
}

CommandRun manifest(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = cli::manifestCommand(args, out, err);
  return {status, out.str() + err.str()};
}

TEST_F(ManifestTest, OpensslDgstVerifiesTheSignatureOfManifestSign) {
  testing::TempDir dir("manifest-sign");
  const fs::path file = fs::path(dir.path()) / "manifest.xml";
  std::ofstream(file, std::ios::binary) << twoNodesXml();
  const CommandRun signing =
      manifest({"sign", "--key", pki().coordinator().key.string(), file.string()});
  ASSERT_EQ(signing.status, 0) << signing.output;
  EXPECT_EQ(signing.output, "signed serial 7: " + file.string() + ".sig\n");
  const CommandRun check = bash(
      "openssl dgst -sha256 -verify <(openssl x509 -in \"$1\" -pubkey -noout) -signature \"$2\" "
      "\"$3\"",
      {pki().coordinator().cert.string(), file.string() + ".sig", file.string()});
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("Verified OK"));
}

TEST_F(ManifestTest, ManifestVerifyAcceptsAnOpensslSignature) {
  testing::TempDir dir("manifest-verify");
  const fs::path file = fs::path(dir.path()) / "manifest.xml";
  std::ofstream(file, std::ios::binary) << twoNodesXml();
  const CommandRun sign = bash("openssl dgst -sha256 -sign \"$1\" -out \"$2.sig\" \"$2\"",
                               {pki().coordinator().key.string(), file.string()});
  ASSERT_EQ(sign.status, 0) << sign.output;
  const CommandRun verify = manifest({"verify", "--signer", pki().coordinator().cert.string(),
                                      "--ca", pki().ca().certificate().string(), file.string()});
  EXPECT_EQ(verify.status, 0) << verify.output;
  EXPECT_EQ(verify.output, "OK serial 7, expires 2099-02-01T00:00:00Z, 2 nodes\n");
}

TEST_F(ManifestTest, ManifestVerifyNamesTheFailedCheckAndExits1) {
  testing::TempDir dir("manifest-verify");
  const fs::path file = fs::path(dir.path()) / "manifest.xml";
  pki().writeManifest([&] {
    auto spec = twoNodes();
    spec.file = file;
    return spec;
  }());
  const std::string signer = pki().coordinator().cert.string();
  const std::string ca = pki().ca().certificate().string();
  // Another CA only: the chain check fails.
  CommandRun r = manifest({"verify", "--signer", signer, "--ca",
                           pki().otherCa().certificate().string(), file.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("FAILED: manifest signer certificate (CN=Tsunagi Manifest "
                                  "Signer, OU=coordinator) does not chain"));
  // One changed byte: the signature check fails.
  std::ofstream(file, std::ios::binary) << replaced(twoNodesXml(), "<serial>7", "<serial>8");
  r = manifest({"verify", "--signer", signer, "--ca", ca, file.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("FAILED: manifest signature does not verify"));
}

TEST_F(ManifestTest, ManifestVerifyRefusesAnExpiredManifest) {
  testing::TempDir dir("manifest-verify");
  auto spec = twoNodes();
  spec.issued = "2020-01-01T00:00:00Z";
  spec.expires = "2020-04-01T00:00:00Z";
  spec.file = fs::path(dir.path()) / "old.xml";
  pki().writeManifest(spec);
  const CommandRun r = manifest({"verify", "--signer", pki().coordinator().cert.string(), "--ca",
                                 pki().ca().certificate().string(), spec.file.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("FAILED: serial 7 expired at 2020-04-01T00:00:00Z"));
}

TEST_F(ManifestTest, ManifestSignRefusesAnInvalidManifestAndWritesNoSignature) {
  testing::TempDir dir("manifest-sign");
  const fs::path file = fs::path(dir.path()) / "manifest.xml";
  auto spec = twoNodes();
  spec.nodes[0].code = "122174";
  std::ofstream(file, std::ios::binary) << pki().manifestXml(spec);
  const CommandRun r = manifest({"sign", "--key", pki().coordinator().key.string(), file.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr(file.string() + ":"));
  EXPECT_THAT(r.output, HasSubstr("/FederationManifest/node[1]/code: node code: check "
                                  "digit is 4, expected 3"));
  EXPECT_FALSE(fs::exists(file.string() + ".sig"));
}

TEST_F(ManifestTest, ManifestCommandBadUsageAndUnreadableFilesExit2) {
  EXPECT_EQ(manifest({}).status, 2);
  EXPECT_EQ(manifest({"publish"}).status, 2);
  EXPECT_EQ(manifest({"sign", "manifest.xml"}).status, 2);
  EXPECT_EQ(manifest({"verify", "--signer", "c.pem", "manifest.xml"}).status, 2);
  const CommandRun missing =
      manifest({"sign", "--key", pki().coordinator().key.string(), "/nonexistent/manifest.xml"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.output, HasSubstr("/nonexistent/manifest.xml: cannot read the file"));
  testing::TempDir dir("manifest-sign");
  const fs::path file = fs::path(dir.path()) / "manifest.xml";
  std::ofstream(file, std::ios::binary) << twoNodesXml();
  const CommandRun notAKey =
      manifest({"sign", "--key", pki().coordinator().cert.string(), file.string()});
  EXPECT_EQ(notAKey.status, 2);
  EXPECT_THAT(notAKey.output, HasSubstr("not a PEM private key"));
}

}  // namespace
}  // namespace tsunagi::federation
