// Delivery under trouble: a peer that is down for a while, and two gateway processes sharing one
// database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/store/exchange_store.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

using testing::eventually;
using testing::TestFederation;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};
const testing::TestNodeSpec kMatsudo{"122076", "松戸市", {"122076"}, {"122077"}};

/// The discharge fixture for another patient, as a new sheet (its own sheetId).
mapping::CanonicalDocument sheetFor(const std::string& insurer, const std::string& insured) {
  static int serial = 0;
  std::string bytes = testing::canonicalFixture("discharge-sheet.xml");
  bytes.replace(bytes.find("<sheetId>") + 9, 36, "sheet-" + std::to_string(++serial));
  bytes.replace(bytes.find("<insurerNumber>122200"), 21, "<insurerNumber>" + insurer);
  bytes.replace(bytes.find("<insuredNumber>0000123456"), 25, "<insuredNumber>" + insured);
  return mapping::parseCanonical(bytes);
}

long long count(testing::TestNode& node, const std::string& sql) { return node.count(sql); }

TEST(Delivery, PeerDownQueuesWithGrowingBackoffWhileOthersKeepReceivingThenDrains) {
  TestFederation federation({kKashiwa, kNagareyama, kMatsudo});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  auto& matsudo = federation.node("122076");
  kashiwa.consent("consent-n", {"122203"}, "122200", "0000123456");
  kashiwa.consent("consent-m", {"122076"}, "122077", "0000654321");

  nagareyama.exchange().stop();  // Nagareyama is down
  for (int i = 0; i < 5; ++i) {
    kashiwa.exchange().submitter().submit(sheetFor("122200", "0000123456"));
    kashiwa.exchange().submitter().submit(sheetFor("122077", "0000654321"));
  }
  kashiwa.exchange().wakeDelivery();

  // Matsudo is not held up by the dead peer.
  ASSERT_TRUE(eventually([&] { return count(matsudo, "SELECT count(*) FROM inbox") == 5; }));
  // Nagareyama's messages wait, retried with growing delays.
  ASSERT_TRUE(eventually([&] {
    return count(kashiwa,
                 "SELECT count(*) FROM exchange_events WHERE event = 'retry-scheduled' "
                 "AND peer = '122203' AND detail LIKE '%\"attempt\":\"3\"%'") >= 1;
  }));
  EXPECT_EQ(
      count(kashiwa, "SELECT count(*) FROM outbox WHERE peer = '122203' AND state = 'pending'"), 5);
  {
    auto conn = kashiwa.pool().lease();
    auto delays = conn->exec(
        "SELECT (detail::json->>'delayMs')::int FROM exchange_events WHERE event = "
        "'retry-scheduled' AND peer = '122203' AND message_id = (SELECT message_id FROM "
        "exchange_events WHERE event = 'retry-scheduled' AND peer = '122203' ORDER BY id LIMIT 1) "
        "ORDER BY id");
    ASSERT_GE(delays.rows(), 3);
    // Equal jitter keeps each delay within [½, 1] of base·2^(n−1): attempt 3 waits longer than
    // attempt 1 could.
    EXPECT_GT(delays.integer(2, 0), delays.integer(0, 0));
  }

  nagareyama.exchange().start();  // back, on the same port
  ASSERT_TRUE(eventually([&] { return count(nagareyama, "SELECT count(*) FROM inbox") == 5; },
                         std::chrono::seconds(60)));
  // The receipts are recorded just after the receiver commits: wait for the last one.
  EXPECT_TRUE(eventually([&] {
    return count(kashiwa, "SELECT count(*) FROM outbox WHERE state = 'delivered'") == 10;
  }));
  EXPECT_EQ(count(kashiwa, "SELECT count(*) FROM outbox WHERE state = 'dead'"), 0);
}

TEST(Delivery, TwoGatewayProcessesOnOneDatabaseNeverSendAMessageTwice) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  kashiwa.consent("consent-n", {"122203"});
  // A second Kashiwa gateway on the same database, with its own workers and listener.
  ExchangeOptions options = kashiwa.options();
  options.listenPort = 0;
  ExchangeService second(options, kashiwa.pool(), kashiwa.manifests());
  second.start();

  const int messages = 120;
  for (int i = 0; i < messages; ++i) {
    kashiwa.exchange().submitter().submit(sheetFor("122200", "0000123456"));
  }
  kashiwa.exchange().wakeDelivery();
  second.wakeDelivery();
  ASSERT_TRUE(eventually(
      [&] {
        return count(kashiwa, "SELECT count(*) FROM outbox WHERE state = 'delivered'") == messages;
      },
      std::chrono::seconds(120)));
  second.stop();
  EXPECT_EQ(count(nagareyama, "SELECT count(*) FROM inbox"), messages);
  // Each message went over the wire once: no duplicate ever reached the receiver.
  EXPECT_EQ(count(nagareyama, "SELECT count(*) FROM exchange_events WHERE event = 'duplicate'"), 0);
  EXPECT_EQ(count(kashiwa, "SELECT count(*) FROM exchange_events WHERE event = 'receipted'"),
            messages);
}

}  // namespace
}  // namespace tsunagi::exchange
