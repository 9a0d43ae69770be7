// The manifest in force on a node: load at start, reload on change, last good kept on refusal,
// expiry warnings. Real files, real signatures (certificates made by the certs/ scripts).
#include "gateway/federation/manifest_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/log_capture.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi::federation {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::system_clock;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::LogCapture;

class ManifestStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static testing::TestPki& pki() { return *pki_; }

  testing::TempDir dir_{"manifest-store"};
  fs::path file_ = fs::path(dir_.path()) / "manifest.xml";

  testing::ManifestSpec spec(long long serial) {
    testing::ManifestSpec s;
    s.serial = serial;
    s.nodes = {pki().entry("122173", "https://127.0.0.1:8443")};
    s.file = file_;
    return s;
  }

  void write(const testing::ManifestSpec& s) { pki().writeManifest(s); }

  ManifestStore store(ManifestStore::Clock clock = {}) {
    return ManifestStore(file_, crypto::Certificate::fromPemFile(pki().coordinator().cert),
                         {crypto::Certificate::fromPemFile(pki().ca().certificate())},
                         std::move(clock));
  }

 private:
  static testing::TestPki* pki_;
};

testing::TestPki* ManifestStoreTest::pki_ = nullptr;

TEST_F(ManifestStoreTest, LoadsASignedManifest) {
  write(spec(3));
  ManifestStore s = store();
  s.load();
  ASSERT_NE(s.current(), nullptr);
  EXPECT_EQ(s.current()->serial, 3);
  EXPECT_EQ(s.current()->node("122173")->endpoint, "https://127.0.0.1:8443");
  EXPECT_EQ(s.signatureFile(), fs::path(file_.string() + ".sig"));
}

TEST_F(ManifestStoreTest, NodeDoesNotStartWithoutAValidManifest) {
  EXPECT_THAT([&] { store().load(); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("cannot read the manifest")));

  write(spec(1));
  fs::remove(file_.string() + ".sig");
  EXPECT_THAT([&] { store().load(); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("cannot read the signature")));

  auto bad = spec(1);
  bad.nodes[0].code = "122174";
  write(bad);
  EXPECT_THAT([&] { store().load(); },
              ::testing::ThrowsMessage<ManifestError>(::testing::AllOf(
                  HasSubstr(file_.string() + " refused: invalid manifest: line "),
                  HasSubstr("/FederationManifest/node/code: node code: check digit"))));

  auto byNode = spec(1);
  byNode.signingKey = pki().node("122173").key;
  write(byNode);
  EXPECT_THAT([&] { store().load(); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("signature does not verify")));
}

TEST_F(ManifestStoreTest, ExpiredManifestIsRefusedAtLoad) {
  write(spec(1));
  const auto afterExpiry = system_clock::now() + hours(24 * 91);
  EXPECT_THAT([&] { store([=] { return afterExpiry; }).load(); },
              ::testing::ThrowsMessage<ManifestError>(HasSubstr("expired at")));
}

TEST_F(ManifestStoreTest, InvalidNewManifestKeepsTheLastGoodInForce) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  LogCapture log;

  auto bad = spec(2);
  bad.nodes[0].endpoint = "https://127.0.0.1:70000";
  write(bad);
  ReloadResult r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::RefusedInvalid);
  EXPECT_THAT(r.reason, HasSubstr("/FederationManifest/node/endpoint"));
  EXPECT_EQ(r.serial, 1);
  EXPECT_EQ(s.current()->serial, 1);
  EXPECT_EQ(s.current()->node("122173")->endpoint, "https://127.0.0.1:8443");

  // A valid manifest signed by someone else is refused the same way.
  auto forged = spec(3);
  forged.signingKey = pki().otherCa().coordinator().key;
  write(forged);
  r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::RefusedInvalid);
  EXPECT_THAT(r.reason, HasSubstr("signature does not verify"));
  EXPECT_EQ(s.current()->serial, 1);

  const std::string logged = log.text();
  EXPECT_THAT(logged, HasSubstr("new version refused, serial 1 stays in force"));
  EXPECT_THAT(logged, Not(HasSubstr(pki().node("122173").pin)));  // the reason, not the content
}

// A validly signed manifest without this node would cut it off the federation: refused at start,
// and on reload the last good manifest stays.
TEST_F(ManifestStoreTest, ManifestWithoutThisNodeIsRefused) {
  const auto own = [&](ManifestStore::Clock clock = {}) {
    return ManifestStore(file_, crypto::Certificate::fromPemFile(pki().coordinator().cert),
                         {crypto::Certificate::fromPemFile(pki().ca().certificate())}, "122173",
                         std::move(clock));
  };
  auto others = spec(1);
  others.nodes = {pki().entry("122203", "https://127.0.0.1:8444")};
  write(others);
  EXPECT_THAT([&] { own().load(); }, ::testing::ThrowsMessage<ManifestError>(HasSubstr(
                                         "manifest serial 1 does not list this node (122173)")));
  store().load();  // without its own code, a store checks nothing (tools)

  write(spec(1));
  ManifestStore s = own();
  s.load();
  LogCapture log;
  others.serial = 2;
  write(others);
  const ReloadResult r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::RefusedInvalid);
  EXPECT_THAT(r.reason, HasSubstr("does not list this node (122173)"));
  EXPECT_EQ(s.current()->serial, 1);
  EXPECT_NE(s.current()->node("122173"), nullptr);
  EXPECT_THAT(log.text(), HasSubstr("new version refused, serial 1 stays in force"));
}

// The reason names the element and the rule, never the value (an endpoint may carry a password).
TEST_F(ManifestStoreTest, RefusalReasonQuotesNoValue) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  LogCapture log;
  auto bad = spec(2);
  bad.nodes[0].endpoint = "https://operator:hunter2secret@127.0.0.1:8443";
  write(bad);
  const ReloadResult r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::RefusedInvalid);
  EXPECT_THAT(r.reason,
              HasSubstr("/FederationManifest/node/endpoint: endpoint must not carry user"));
  EXPECT_THAT(r.reason, Not(HasSubstr("hunter2secret")));
  EXPECT_THAT(log.text(), Not(HasSubstr("hunter2secret")));
}

TEST_F(ManifestStoreTest, OlderOrEqualSerialIsRefused) {
  write(spec(5));
  ManifestStore s = store();
  s.load();

  write(spec(4));
  ReloadResult r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::RefusedOlderSerial);
  EXPECT_THAT(r.reason, HasSubstr("serial 4 is not higher than serial 5 in force"));
  EXPECT_EQ(s.current()->serial, 5);

  auto sameSerial = spec(5);
  sameSerial.nodes[0].endpoint = "https://127.0.0.1:9443";
  write(sameSerial);
  EXPECT_EQ(s.reload().outcome, ReloadOutcome::RefusedOlderSerial);
  EXPECT_EQ(s.current()->node("122173")->endpoint, "https://127.0.0.1:8443");
}

TEST_F(ManifestStoreTest, NewerSerialReplacesTheManifestButNotForItsReaders) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  const std::shared_ptr<const Manifest> before = s.current();

  auto next = spec(2);
  next.nodes.push_back(pki().entry("122076", "https://127.0.0.1:8444"));
  write(next);
  const ReloadResult r = s.reload();
  EXPECT_EQ(r.outcome, ReloadOutcome::Loaded);
  EXPECT_EQ(r.serial, 2);
  EXPECT_EQ(s.current()->serial, 2);
  EXPECT_NE(s.current()->node("122076"), nullptr);
  EXPECT_EQ(before->serial, 1);  // a request in flight keeps the manifest it started with
  EXPECT_EQ(before->nodes.size(), 1u);
}

TEST_F(ManifestStoreTest, SameManifestIsUnchangedEvenWhenSignedAgain) {
  const auto s1 = spec(1);
  const std::string xml = pki().manifestXml(s1);
  pki().writeSigned(xml, file_);
  ManifestStore s = store();
  s.load();
  EXPECT_EQ(s.reload().outcome, ReloadOutcome::Unchanged);
  pki().writeSigned(xml, file_);  // ECDSA signatures differ each time; the manifest does not
  EXPECT_EQ(s.reload().outcome, ReloadOutcome::Unchanged);
}

TEST_F(ManifestStoreTest, ReloadIfChangedReadsOnlyChangedFiles) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::Unchanged);

  auto bad = spec(2);
  bad.nodes[0].pins = {bad.nodes[0].pins[0], bad.nodes[0].pins[0]};
  write(bad);
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::RefusedInvalid);
  // Not read (nor logged) again until the files change.
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::Unchanged);

  write(spec(2));
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::Loaded);
  EXPECT_EQ(s.current()->serial, 2);
}

TEST_F(ManifestStoreTest, ManifestWithoutItsNewSignatureYetIsRefusedThenLoaded) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  // An operator copies manifest.xml first and manifest.xml.sig a moment later.
  const std::string xml = pki().manifestXml(spec(2));
  std::ofstream(file_, std::ios::binary | std::ios::trunc) << xml;
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::RefusedInvalid);
  EXPECT_EQ(s.current()->serial, 1);
  pki().writeSigned(xml, file_);
  EXPECT_EQ(s.reloadIfChanged().outcome, ReloadOutcome::Loaded);
  EXPECT_EQ(s.current()->serial, 2);
}

TEST_F(ManifestStoreTest, WarnsAsExpiryNears) {
  auto s10 = spec(1);
  s10.expires = testing::TestPki::timestamp(10 * 24 * 3600);
  write(s10);
  ManifestStore s = store();
  s.load();
  // Half an hour after the manifest was written, ten days before expiry.
  const auto now =
      system_clock::from_time_t(s.current()->expiresAt) - hours(24 * 10) + std::chrono::minutes(30);
  EXPECT_EQ(s.untilExpiry(now).count(), 10 * 24 * 3600 - 1800);

  LogCapture log;
  EXPECT_FALSE(s.expiringSoon(now, hours(24 * 5)));
  EXPECT_EQ(log.text(), "");
  EXPECT_TRUE(s.expiringSoon(now));  // 14 days by default
  EXPECT_THAT(log.text(), HasSubstr("[warning]"));
  EXPECT_THAT(log.text(), HasSubstr("federation manifest serial 1 expires at " + s10.expires +
                                    " (in 9 days 23 hours): ask the coordinator"));

  // Past expiry the manifest stays in force, and the log says so as an error.
  EXPECT_TRUE(s.expiringSoon(now + hours(24 * 11)));
  EXPECT_THAT(log.text(), HasSubstr("[error]"));
  EXPECT_LT(s.untilExpiry(now + hours(24 * 11)).count(), 0);
  EXPECT_EQ(s.current()->serial, 1);
}

TEST_F(ManifestStoreTest, ReadersSeeOnlyWholeManifestsWhileReloading) {
  write(spec(1));
  ManifestStore s = store();
  s.load();
  std::atomic<bool> done{false};
  std::atomic<int> regressions{0};
  std::thread reader([&] {
    long long last = 0;
    while (!done) {
      const auto m = s.current();
      if (m->serial < last || m->nodes.size() != 1) ++regressions;
      last = m->serial;
    }
  });
  for (long long serial = 2; serial <= 12; ++serial) {
    write(spec(serial));
    EXPECT_EQ(s.reload().outcome, ReloadOutcome::Loaded);
  }
  done = true;
  reader.join();
  EXPECT_EQ(regressions, 0);
  EXPECT_EQ(s.current()->serial, 12);
}

}  // namespace
}  // namespace tsunagi::federation
