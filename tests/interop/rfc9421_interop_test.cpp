// Our RFC 9421 signatures checked by a verifier we did not write: the npm package pinned in
// tests/interop/rfc9421/ (see verify.mjs there). Needs node and npm (Debian's nodejs and npm
// packages); without them these tests fail, they do not skip.

#include <Poco/JSON/Object.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "gateway/common/subprocess.hpp"
#include "gateway/exchange/http_signature.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::exchange {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

/// `program` found on $PATH, or an empty path.
fs::path onPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (access(candidate.c_str(), X_OK) == 0) return fs::absolute(candidate);
  }
  return {};
}

/// npm and node need the caller's environment (PATH, HOME, proxy and registry settings).
std::vector<std::string> inheritedEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The interop folder copied out of the source tree with its locked npm packages installed, once
/// per test process, so the source tree gets no node_modules.
struct NpmVerifier {
  std::unique_ptr<testing::TempDir> dir;
  fs::path folder;
  fs::path node;
  std::string problem;  ///< why it cannot be used; empty when ready

  static const NpmVerifier& instance() {
    static const NpmVerifier verifier = prepare();
    return verifier;
  }

 private:
  static NpmVerifier prepare() {
    NpmVerifier v;
    v.node = onPath("node");
    const fs::path npm = onPath("npm");
    if (v.node.empty() || npm.empty()) {
      v.problem = std::string(v.node.empty() ? "node" : "npm") +
                  " is not on PATH: the RFC 9421 interop tests need Debian's nodejs and npm "
                  "packages (apt-get install nodejs npm)";
      return v;
    }
    v.dir = std::make_unique<testing::TempDir>("rfc9421-npm");
    v.folder = fs::path(v.dir->path()) / "rfc9421";
    fs::create_directories(v.folder);
    const fs::path source = fs::path(TSUNAGI_SOURCE_DIR) / "tests/interop/rfc9421";
    for (const char* file : {"package.json", "package-lock.json", "verify.mjs"}) {
      fs::copy_file(source / file, v.folder / file);
    }
    const fs::path log = fs::path(v.dir->path()) / "npm-ci.log";
    SpawnOptions ci;
    ci.argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" ci --no-audit --no-fund",
               v.folder.string(), npm.string()};
    ci.env = inheritedEnvironment();
    ci.logFile = log;
    if (const int status = runProcess(ci); status != 0) {
      v.problem = "npm ci in " + v.folder.string() + " failed with status " +
                  std::to_string(status) + ":\n" + tailOfFile(log);
    }
    return v;
  }
};

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
    Poco::JSON::Object::Ptr httpHeaders = new Poco::JSON::Object;
    httpHeaders->set("Content-Type", fields.contentType);
    httpHeaders->set("Content-Digest", fields.contentDigest);
    httpHeaders->set("Signature-Input", headers.signatureInput);
    httpHeaders->set("Signature", headers.signature);
    Poco::JSON::Object request;
    request.set("method", fields.method);
    request.set("url", fields.targetUri);
    request.set("headers", httpHeaders);
    request.set("publicKeyPem", publicKeyPem);
    request.set("keyId", "122173");
    request.set("body", body);
    const fs::path json = fs::path(dir.path()) / "request.json";
    {
      std::ofstream out(json);
      request.stringify(out);
    }
    SpawnOptions run;
    run.argv = {verifier.node.string(), (verifier.folder / "verify.mjs").string(), json.string()};
    run.env = inheritedEnvironment();
    run.logFile = fs::path(dir.path()) / "verify.log";
    const int status = runProcess(run);
    return {status, readText(run.logFile)};
  }
};

TEST(Rfc9421Interop, NpmVerifierAcceptsOurSignature) {
  const NpmVerifier& verifier = NpmVerifier::instance();
  ASSERT_TRUE(verifier.problem.empty()) << verifier.problem;
  SignedRequest request;
  const auto [status, output] = request.verifyWithNpm(verifier);
  EXPECT_EQ(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("verified: keyid=\"122173\""));
}

TEST(Rfc9421Interop, NpmVerifierRejectsADigestChangedAfterSigning) {
  const NpmVerifier& verifier = NpmVerifier::instance();
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
  const NpmVerifier& verifier = NpmVerifier::instance();
  ASSERT_TRUE(verifier.problem.empty()) << verifier.problem;
  SignedRequest request;
  request.body += " ";
  const auto [status, output] = request.verifyWithNpm(verifier);
  EXPECT_NE(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("rejected: Content-Digest: sha-256 does not match the body"));
}

}  // namespace
}  // namespace tsunagi::exchange
