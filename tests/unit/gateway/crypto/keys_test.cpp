#include "gateway/crypto/keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::crypto {
namespace {

namespace fs = std::filesystem;

/// A P-256 key made by the openssl CLI, as certs/ scripts make them.
struct CliKey {
  testing::TempDir dir{"keys"};
  fs::path keyFile = fs::path(dir.path()) / "node.key";
  std::string pin;

  CliKey() {
    const fs::path log = fs::path(dir.path()) / "openssl.log";
    SpawnOptions gen;
    gen.argv = {"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", keyFile.string()};
    gen.logFile = log;
    EXPECT_EQ(runProcess(gen), 0);
    SpawnOptions pinCmd;
    pinCmd.argv = {"/bin/sh", "-c",
                   "openssl pkey -in \"$0\" -pubout -outform der | openssl dgst -sha256 -binary | "
                   "base64 > \"$1\"",
                   keyFile.string(), (fs::path(dir.path()) / "pin").string()};
    pinCmd.env = {"PATH=/usr/bin:/bin"};
    pinCmd.logFile = log;
    EXPECT_EQ(runProcess(pinCmd), 0);
    std::ifstream in(fs::path(dir.path()) / "pin");
    std::getline(in, pin);
  }
};

TEST(Keys, SpkiPinMatchesWhatOpensslComputes) {
  CliKey cli;
  Key key = Key::privateFromPemFile(cli.keyFile);
  EXPECT_TRUE(key.isP256());
  EXPECT_EQ(key.spkiPin(), cli.pin);
  EXPECT_EQ(Key::publicFromPem(key.publicPem()).spkiPin(), cli.pin);
}

TEST(Keys, SignatureVerifiesAndFailsOnChangedData) {
  CliKey cli;
  Key key = Key::privateFromPemFile(cli.keyFile);
  Key pub = Key::publicFromPem(key.publicPem());
  const std::string sig = signSha256(key, "受領 message");
  EXPECT_TRUE(verifySha256(pub, "受領 message", sig));
  EXPECT_FALSE(verifySha256(pub, "受領 messagf", sig));
}

TEST(Keys, RawAndDerSignatureFormsRoundTrip) {
  CliKey cli;
  Key key = Key::privateFromPemFile(cli.keyFile);
  const std::string der = signSha256(key, "data");
  const std::string raw = derToRawP256(der);
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_TRUE(verifySha256(Key::publicFromPem(key.publicPem()), "data", rawToDerP256(raw)));
  EXPECT_THROW(rawToDerP256(raw.substr(1)), CryptoError);
}

TEST(Keys, UnreadableKeyFileIsNamedWithoutContent) {
  testing::TempDir dir("keys");
  const fs::path file = fs::path(dir.path()) / "broken.key";
  std::ofstream(file) << "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
  EXPECT_THAT([&] { Key::privateFromPemFile(file); },
              ::testing::ThrowsMessage<CryptoError>(::testing::HasSubstr("broken.key: not a PEM private key")));
  EXPECT_THAT([&] { Key::privateFromPemFile(fs::path(dir.path()) / "missing.key"); },
              ::testing::ThrowsMessage<CryptoError>(::testing::HasSubstr("cannot read")));
}

}  // namespace
}  // namespace tsunagi::crypto
