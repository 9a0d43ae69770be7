// Our RFC 9421 signatures checked by a verifier we did not write: the npm package pinned in
// tests/interop/rfc9421/ (see verify.mjs there). Needs node and npm (Debian's nodejs and npm
// packages); without them these tests fail, they do not skip.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "gateway/common/subprocess.hpp"
#include "mapping/json/writer.hpp"
#include "gateway/exchange/http_signature.hpp"
#include "tests/support/npm_folder.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::exchange {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using NpmVerifier = testing::NpmFolder;

/// The interop folder with its locked npm packages installed, once per test process.
const NpmVerifier& verifierInstance() {
  static const NpmVerifier verifier =
      testing::NpmFolder::prepare(fs::path(TSUNAGI_SOURCE_DIR) / "tests/interop/rfc9421",
                                  {"package.json", "package-lock.json", "verify.mjs"}, "rfc9421");
  return verifier;
}

/// One signed request, written as verify.mjs reads it.
struct SignedRequest {
  testing::TempDir dir{"rfc9421"};
  std::string body =
      "<caseUpdate xmlns=\"urn:tsunagi:canonical:1\"><note>退院予定 3/14</note></caseUpdate>";
  SignedFields fields;
  SignatureHeaders headers;
  std::string publicKeyPem;

  SignedRequest() {
    // A node key made by the openssl CLI, as certs/ makes them; it lives only in the temp dir.
    const fs::path keyFile = fs::path(dir.path()) / "node.key";
    SpawnOptions gen;
    gen.argv = {"/usr/bin/openssl",        "genpkey", "-algorithm",    "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out",    keyFile.string()};
    gen.logFile = fs::path(dir.path()) / "openssl.log";
    EXPECT_EQ(runProcess(gen), 0) << tailOfFile(gen.logFile);
    const crypto::Key key = crypto::Key::privateFromPemFile(keyFile);
    publicKeyPem = key.publicPem();
    fields = {"POST", "https://127.0.0.1:8443/exchange/v1/messages", "application/xml",
              contentDigest(body)};
    headers = signRequest(fields, key, "122173", static_cast<std::int64_t>(std::time(nullptr)));
  }

  /// Writes the JSON for verify.mjs and runs it; returns the exit status and its output.
  std::pair<int, std::string> verifyWithNpm(const NpmVerifier& verifier) const {
    using mapping::json::JsonValue;
    JsonValue httpHeaders = JsonValue::object();
    httpHeaders.set("Content-Type", fields.contentType)
        .set("Content-Digest", fields.contentDigest)
        .set("Signature-Input", headers.signatureInput)
        .set("Signature", headers.signature);
    JsonValue request = JsonValue::object();
    request.set("method", fields.method)
        .set("url", fields.targetUri)
        .set("headers", std::move(httpHeaders))
        .set("publicKeyPem", publicKeyPem)
        .set("keyId", "122173")
        .set("body", body);
    const fs::path json = fs::path(dir.path()) / "request.json";
    {
      std::ofstream out(json);
      out << request.compact();
    }
    SpawnOptions run;
    run.argv = {verifier.node.string(), (verifier.folder / "verify.mjs").string(), json.string()};
    run.env = testing::inheritedEnvironment();
    run.logFile = fs::path(dir.path()) / "verify.log";
    const int status = runProcess(run);
    return {status, readText(run.logFile)};
  }
};

TEST(Rfc9421Interop, NpmVerifierAcceptsOurSignature) {
  const NpmVerifier& verifier = verifierInstance();
  ASSERT_TRUE(verifier.problem.empty()) << verifier.problem;
  SignedRequest request;
  const auto [status, output] = request.verifyWithNpm(verifier);
  EXPECT_EQ(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("verified: keyid=\"122173\""));
}

TEST(Rfc9421Interop, NpmVerifierRejectsADigestChangedAfterSigning) {
  const NpmVerifier& verifier = verifierInstance();
  ASSERT_TRUE(verifier.problem.empty()) << verifier.problem;
  SignedRequest request;
  // Body and digest swapped together, so only the signature can notice.
  request.body = "<caseUpdate xmlns=\"urn:tsunagi:canonical:1\"><note>改ざん</note></caseUpdate>";
  request.fields.contentDigest = contentDigest(request.body);
  const auto [status, output] = request.verifyWithNpm(verifier);
  EXPECT_NE(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("rejected: signature does not verify"));
}

TEST(Rfc9421Interop, NpmSideComputesTheSameDigestAsWe) {
  // The accepted case above also had verify.mjs hash the body; this shows that check can fail.
  const NpmVerifier& verifier = verifierInstance();
  ASSERT_TRUE(verifier.problem.empty()) << verifier.problem;
  SignedRequest request;
  request.body += " ";
  const auto [status, output] = request.verifyWithNpm(verifier);
  EXPECT_NE(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("rejected: Content-Digest: sha-256 does not match the body"));
}

}  // namespace
}  // namespace tsunagi::exchange
