// The inbox's queue toward the local side: exactly one hand-over per received message, retried
// when the local side is unavailable, dead-lettered when it cannot ever succeed.
#include "gateway/exchange/local_delivery.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

using testing::eventually;
using testing::TestFederation;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};

class FlakySink : public LocalSink {
 public:
  FlakySink(int failures, bool permanent) : failures_(failures), permanent_(permanent) {}
  std::string deliver(const store::ClaimedInbound& m) override {
    if (calls_++ < failures_) throw LocalDeliveryError("local tool offline", permanent_);
    delivered_.push_back(m.messageId);
    return "flaky";
  }
  int calls() const { return calls_; }
  const std::vector<std::string>& delivered() const { return delivered_; }

 private:
  int failures_;
  bool permanent_;
  std::atomic<int> calls_{0};
  std::vector<std::string> delivered_;
};

struct Received {
  TestFederation federation{{kKashiwa, kNagareyama}};
  std::string messageId;
  Received() {
    auto& kashiwa = federation.node("122173");
    kashiwa.consent("consent-0001", {"122203"});
    messageId =
        kashiwa.exchange()
            .submitter()
            .submit(mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml")))
            .at(0)
            .messageId;
    kashiwa.exchange().wakeDelivery();
    EXPECT_TRUE(eventually(
        [&] { return federation.node("122203").count("SELECT count(*) FROM inbox") == 1; }));
  }
};

TEST(LocalDelivery, WritesTheReceivedDocumentToTheInboxFolderOnce) {
  Received received;
  testing::TempDir dir("inbox");
  auto& nagareyama = received.federation.node("122203");
  LocalDelivery delivery(nagareyama.pool(), std::make_shared<DirectorySink>(dir.path()),
                         TestFederation::fastRetry());
  delivery.start();
  const auto file = std::filesystem::path(dir.path()) / ("122173_" + received.messageId + ".xml");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(file); }));
  std::ifstream in(file, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, testing::canonicalFixture("discharge-sheet.xml"));
  ASSERT_TRUE(eventually([&] {
    return nagareyama.count("SELECT count(*) FROM inbox WHERE local_state = 'delivered'") == 1;
  }));
  delivery.stop();
  EXPECT_EQ(
      nagareyama.count("SELECT count(*) FROM exchange_events WHERE event = 'delivered-locally'"),
      1);
  // Nothing half-written is left beside it.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().extension(), ".xml");
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(LocalDelivery, RetriesWhileTheLocalToolIsOfflineThenDeliversOnce) {
  Received received;
  auto& nagareyama = received.federation.node("122203");
  auto sink = std::make_shared<FlakySink>(3, false);
  LocalDelivery delivery(nagareyama.pool(), sink, TestFederation::fastRetry());
  delivery.start();
  ASSERT_TRUE(eventually([&] {
    return nagareyama.count("SELECT count(*) FROM inbox WHERE local_state = 'delivered'") == 1;
  }));
  delivery.stop();
  EXPECT_EQ(sink->calls(), 4);
  EXPECT_EQ(sink->delivered(), std::vector<std::string>{received.messageId});
  EXPECT_EQ(nagareyama.count(
                "SELECT count(*) FROM exchange_events WHERE event = 'local-retry-scheduled'"),
            3);
}

TEST(LocalDelivery, PermanentFailureIsDeadLetteredWithItsReason) {
  Received received;
  auto& nagareyama = received.federation.node("122203");
  auto sink = std::make_shared<FlakySink>(100, true);
  LocalDelivery delivery(nagareyama.pool(), sink, TestFederation::fastRetry());
  delivery.start();
  ASSERT_TRUE(eventually([&] {
    return nagareyama.count("SELECT count(*) FROM inbox WHERE local_state = 'dead'") == 1;
  }));
  delivery.stop();
  EXPECT_EQ(sink->calls(), 1);
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM exchange_events WHERE event = "
                             "'local-dead-lettered' AND detail LIKE '%local tool offline%'"),
            1);
}

}  // namespace
}  // namespace tsunagi::exchange
