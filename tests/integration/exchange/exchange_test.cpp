// Two nodes on loopback exchange a discharge sheet and a case update: real PostgreSQL, real
// mutual TLS with certificates made at test time, port 0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/exchange/envelope.hpp"
#include "gateway/store/exchange_store.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

using testing::eventually;
using testing::TestFederation;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};

long long delivered(testing::TestNode& n) {
  return n.count("SELECT count(*) FROM outbox WHERE state = 'delivered'");
}

TEST(Exchange, DischargeSheetAndCaseUpdateArriveExactlyOnceWithVerifiedReceipts) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  kashiwa.consent("consent-0001", {"122203"});

  // A discharge sheet for a Nagareyama resident, from the Kashiwa hospital.
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  auto sent = kashiwa.exchange().submitter().submit(sheet, std::string("case-122173-2024-0001"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].peer, "122203");
  kashiwa.exchange().wakeDelivery();

  // Kashiwa's case (its id names 122173), then an update on it.
  auto open = testing::caseOpening("122173", "case-122173-2024-0001");
  ASSERT_EQ(kashiwa.exchange().submitter().submit(open).size(), 1u);
  auto update = mapping::parseCanonical(testing::canonicalFixture("case-update.xml"));
  std::get<mapping::CaseUpdate>(update).caseId = "case-122173-2024-0001";
  ASSERT_EQ(kashiwa.exchange().submitter().submit(update).size(), 1u);
  kashiwa.exchange().wakeDelivery();

  ASSERT_TRUE(eventually([&] { return delivered(kashiwa) == 3; }))
      << kashiwa.count("SELECT count(*) FROM outbox WHERE state = 'pending'") << " pending";
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM inbox"), 3);
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM inbox WHERE document_type = 'LiaisonSheet' "
                             "AND sender = '122173'"),
            1);
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM inbox WHERE document_type = 'CaseUpdate'"), 1);
  // The sender holds a receipt for each, signed by the receiver and carrying its chain head.
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM receipts"), 3);
  auto conn = kashiwa.pool().lease();
  auto row = conn->exec(
      "SELECT r.receipt, r.chain_head FROM receipts r JOIN outbox o USING "
      "(message_id) WHERE o.document_type = 'LiaisonSheet'");
  std::string receiptHex = row.text(0, 0);
  std::string receipt;
  for (std::size_t i = 2; i + 1 < receiptHex.size(); i += 2) {
    receipt += static_cast<char>(std::stoi(receiptHex.substr(i, 2), nullptr, 16));
  }
  auto nagareyamaKey =
      crypto::Certificate::fromPemFile(federation.pki().node("122203").cert).publicKey();
  Receipt verified = verifyReceipt(receipt, nagareyamaKey);
  EXPECT_EQ(verified.messageId, sent[0].messageId);
  EXPECT_EQ(verified.chainHead, row.text(0, 1));
  // The receiver's case book now knows both nodes, so its own updates would reach Kashiwa.
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM case_participants WHERE case_id = "
                             "'case-122173-2024-0001' AND node IN ('122173', '122203')"),
            2);
  // Every step is in both exchange logs.
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'receipted'"), 3);
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM exchange_events WHERE event = 'received'"), 3);
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST(Exchange, ResubmittingADocumentReturnsTheOriginalMessagesAndSendsNothingTwice) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  kashiwa.consent("consent-0001", {"122203"});
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  auto first = kashiwa.exchange().submitter().submit(sheet);
  auto again = kashiwa.exchange().submitter().submit(sheet);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].messageId, first[0].messageId);
  kashiwa.exchange().wakeDelivery();
  ASSERT_TRUE(eventually([&] { return delivered(kashiwa) == 1; }));
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox"), 1);
  EXPECT_EQ(federation.node("122203").count("SELECT count(*) FROM inbox"), 1);
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST(Exchange, BothSidesRememberEachOthersCertificateExpiryFromTheHandshake) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  kashiwa.consent("consent-0001", {"122203"});
  kashiwa.exchange().submitter().submit(
      mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml")));
  kashiwa.exchange().wakeDelivery();
  ASSERT_TRUE(eventually([&] { return delivered(kashiwa) == 1; }));

  // What the console's dashboard and /metrics count down to, per peer.
  const auto expiryOf = [&](const std::string& code) {
    return crypto::Certificate::fromPemFile(federation.pki().node(code).cert).notAfter();
  };
  const auto seenByKashiwa = kashiwa.exchange().handshakeStats().peerCertificates();
  ASSERT_EQ(seenByKashiwa.count("122203"), 1u);
  EXPECT_EQ(seenByKashiwa.at("122203"), expiryOf("122203"));
  const auto seenByNagareyama = nagareyama.exchange().handshakeStats().peerCertificates();
  ASSERT_EQ(seenByNagareyama.count("122173"), 1u);
  EXPECT_EQ(seenByNagareyama.at("122173"), expiryOf("122173"));
}

}  // namespace
}  // namespace tsunagi::exchange
