// The audit chain against a real PostgreSQL: someone with database access edits, deletes, inserts
// or swaps rows (or rewrites the whole chain, or forges a checkpoint) and `audit verify` names the
// first broken row each time; an untouched chain verifies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/audit/audit_log.hpp"
#include "gateway/store/migrations.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::audit {
namespace {

using ::testing::HasSubstr;

class AuditChain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    conn_ = std::make_unique<store::PgConnection>(db_.conninfo());
    store::migrate(*conn_);
    conn_->exec("INSERT INTO node_identity (node_code, node_name) VALUES ('122173', '柏市')");
  }

  /// `n` events as the exchange writes them (one transaction each).
  void appendEvents(int n) {
    for (int i = 0; i < n; ++i) {
      store::inTransaction(*conn_, [&] {
        store::appendEvent(
            *conn_, store::NewEvent{i % 2 ? store::EventType::Sent : store::EventType::Queued,
                                    "outbound", "122203", "msg-" + std::to_string(i),
                                    store::jsonObject({{"attempt", "1"}})});
      });
    }
  }

  std::string hashOf(long long id) {
    return conn_->execParams("SELECT hash FROM exchange_events WHERE id = $1", {std::to_string(id)})
        .text(0, 0);
  }

  /// What an attacker does after an edit: recompute every hash from row `from` on, and the head.
  void recomputeChainFrom(long long from) {
    auto rows = conn_->execParams(
        "SELECT id, at, event, direction, peer, message_id, detail FROM exchange_events "
        "WHERE id >= $1 ORDER BY id",
        {std::to_string(from)});
    std::string prev = hashOf(from - 1);
    for (int i = 0; i < rows.rows(); ++i) {
      const long long id = rows.integer(i, 0);
      store::Event e{rows.text(i, 2), rows.text(i, 3), rows.optional(i, 4), rows.optional(i, 5),
                     rows.text(i, 6)};
      const std::string hash = store::eventHash(prev, id, rows.text(i, 1), e);
      conn_->execParams("UPDATE exchange_events SET prev_hash = $2, hash = $3 WHERE id = $1",
                        {std::to_string(id), prev, hash});
      conn_->execParams("UPDATE audit_head SET last_id = $1, hash = $2",
                        {std::to_string(id), hash});
      prev = hash;
    }
  }

  void checkpoint() {
    const auto& node = pki_->node("122173");
    ASSERT_TRUE(writeCheckpoint(*conn_, "122173", crypto::Key::privateFromPemFile(node.key),
                                crypto::Certificate::fromPemFile(node.cert)));
  }

  VerifyResult verify() {
    VerifyOptions o;
    o.trustedCas = {crypto::Certificate::fromPemFile(pki_->ca().certificate())};
    o.batchRows = 4;  // several round trips even for a short chain
    return verifyChain(*conn_, o);
  }

  static testing::TestPki* pki_;
  testing::TestDatabase db_;
  std::unique_ptr<store::PgConnection> conn_;
};

testing::TestPki* AuditChain::pki_ = nullptr;

TEST_F(AuditChain, UntouchedChainVerifiesWithItsCheckpoints) {
  appendEvents(10);
  checkpoint();
  appendEvents(10);
  checkpoint();
  const auto result = verify();
  EXPECT_TRUE(result.ok()) << result.firstBreak->reason;
  EXPECT_EQ(result.rowsChecked, 20);
  EXPECT_EQ(result.checkpointsChecked, 2);
  ASSERT_TRUE(result.lastCheckpoint);
  EXPECT_EQ(result.lastCheckpoint->eventId, 20);
  EXPECT_EQ(result.head, store::chainHead(*conn_));
}

TEST_F(AuditChain, EmptyChainVerifies) {
  const auto result = verify();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.rowsChecked, 0);
}

TEST_F(AuditChain, NamesAnEditedRow) {
  appendEvents(20);
  conn_->exec(R"(UPDATE exchange_events SET detail = '{"attempt":"2"}' WHERE id = 7)");
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 7);
  EXPECT_EQ(result.firstBreak->kind, "edited");
  EXPECT_EQ(result.rowsChecked, 6);
}

TEST_F(AuditChain, NamesAnEditedRowWhoseHashWasRecomputedAlone) {
  appendEvents(20);
  conn_->exec(R"(UPDATE exchange_events SET event = 'dead-lettered' WHERE id = 9)");
  auto row = conn_->exec(
      "SELECT at, event, direction, peer, message_id, detail, prev_hash "
      "FROM exchange_events WHERE id = 9");
  const std::string forged =
      store::eventHash(row.text(0, 6), 9, row.text(0, 0),
                       store::Event{row.text(0, 1), row.text(0, 2), row.optional(0, 3),
                                    row.optional(0, 4), row.text(0, 5)});
  conn_->execParams("UPDATE exchange_events SET hash = $1 WHERE id = 9", {forged});
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 9);
  EXPECT_EQ(result.firstBreak->kind, "edited");
}

TEST_F(AuditChain, NamesADeletedRow) {
  appendEvents(20);
  conn_->exec("DELETE FROM exchange_events WHERE id = 7");
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 7);
  EXPECT_EQ(result.firstBreak->kind, "deleted");
  EXPECT_THAT(result.firstBreak->reason, HasSubstr("row 7 missing"));
}

TEST_F(AuditChain, NamesRowsDeletedAtTheEnd) {
  appendEvents(20);
  conn_->exec("DELETE FROM exchange_events WHERE id >= 18");
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 18);
  EXPECT_EQ(result.firstBreak->kind, "deleted");
}

TEST_F(AuditChain, NamesAnInsertedRowThatWasChainedIn) {
  appendEvents(20);
  // Make room at id 7 and insert a forged row linked to row 6 with a correct hash.
  conn_->exec("UPDATE exchange_events SET id = id + 1000 WHERE id >= 7");
  conn_->exec("UPDATE exchange_events SET id = id - 999 WHERE id >= 1000");
  const std::string prev = hashOf(6);
  const std::string at = conn_->exec("SELECT at FROM exchange_events WHERE id = 6").text(0, 0);
  const store::Event forged{"receipted", "outbound", "122203", "msg-forged", "{}"};
  conn_->execParams(
      "INSERT INTO exchange_events (id, at, event, direction, peer, message_id, detail, prev_hash, "
      "hash) VALUES (7, $1, 'receipted', 'outbound', '122203', 'msg-forged', '{}', $2, $3)",
      {at, prev, store::eventHash(prev, 7, at, forged)});
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 7);
  EXPECT_EQ(result.firstBreak->kind, "inserted");
}

TEST_F(AuditChain, NamesAnInsertedRowWithAMadeUpHash) {
  appendEvents(20);
  conn_->exec("UPDATE exchange_events SET id = id + 1000 WHERE id >= 12");
  conn_->exec("UPDATE exchange_events SET id = id - 999 WHERE id >= 1000");
  conn_->execParams(
      "INSERT INTO exchange_events (id, at, event, direction, detail, prev_hash, hash) "
      "SELECT 12, at, 'received', 'inbound', '{}', $1, repeat('a', 64) FROM exchange_events "
      "WHERE id = 11",
      {hashOf(11)});
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 12);
  EXPECT_EQ(result.firstBreak->kind, "inserted");
}

TEST_F(AuditChain, NamesARowAppendedBehindTheNodesBack) {
  appendEvents(5);
  const std::string prev = hashOf(5);
  const std::string at = conn_->exec("SELECT at FROM exchange_events WHERE id = 5").text(0, 0);
  const store::Event forged{"delivered-locally", "local", "122203", "msg-x", "{}"};
  conn_->execParams(
      "INSERT INTO exchange_events (id, at, event, direction, peer, message_id, detail, prev_hash, "
      "hash) VALUES (6, $1, 'delivered-locally', 'local', '122203', 'msg-x', '{}', $2, $3)",
      {at, prev, store::eventHash(prev, 6, at, forged)});
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 6);
  EXPECT_EQ(result.firstBreak->kind, "inserted");
}

TEST_F(AuditChain, NamesSwappedRows) {
  appendEvents(20);
  conn_->exec("UPDATE exchange_events SET id = -7 WHERE id = 7");
  conn_->exec("UPDATE exchange_events SET id = 7 WHERE id = 12");
  conn_->exec("UPDATE exchange_events SET id = 12 WHERE id = -7");
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 7);
  EXPECT_EQ(result.firstBreak->kind, "reordered");
}

TEST_F(AuditChain, NamesAdjacentSwappedRows) {
  appendEvents(20);
  conn_->exec("UPDATE exchange_events SET id = -3 WHERE id = 3");
  conn_->exec("UPDATE exchange_events SET id = 3 WHERE id = 4");
  conn_->exec("UPDATE exchange_events SET id = 4 WHERE id = -3");
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 3);
  EXPECT_EQ(result.firstBreak->kind, "reordered");
}

TEST_F(AuditChain, ASignedCheckpointCatchesAChainRecomputedAfterAnEdit) {
  appendEvents(10);
  checkpoint();
  appendEvents(10);
  checkpoint();
  conn_->exec(R"(UPDATE exchange_events SET detail = '{"attempt":"9"}' WHERE id = 14)");
  recomputeChainFrom(14);
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->kind, "rewritten");
  EXPECT_EQ(result.firstBreak->id, 11);  // after the last checkpoint that still matches
  EXPECT_THAT(result.firstBreak->reason, HasSubstr("rows 11..20"));
}

TEST_F(AuditChain, DetectsAForgedCheckpointSignature) {
  appendEvents(10);
  checkpoint();
  // Re-sign with a key of another node: the certificate is not this node's.
  const auto& other = pki_->node("122203");
  conn_->execParams("UPDATE audit_checkpoints SET certificate = $1",
                    {crypto::Certificate::fromPemFile(other.cert).pem()});
  auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->kind, "checkpoint");
  EXPECT_EQ(result.firstBreak->id, 10);

  // The right certificate but a signature over other bytes.
  conn_->exec("DELETE FROM audit_checkpoints");
  checkpoint();
  conn_->exec("UPDATE audit_checkpoints SET signed_at = '2020-01-01T00:00:00.000000Z'");
  result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->kind, "checkpoint");
  EXPECT_THAT(result.firstBreak->reason, HasSubstr("signature does not verify"));
}

TEST_F(AuditChain, ACheckpointFromAnotherCaIsRefused) {
  appendEvents(3);
  const auto& stranger = pki_->otherCa().node("122173");  // same CN, unknown CA
  ASSERT_TRUE(writeCheckpoint(*conn_, "122173", crypto::Key::privateFromPemFile(stranger.key),
                              crypto::Certificate::fromPemFile(stranger.cert)));
  const auto result = verify();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->kind, "checkpoint");
}

TEST_F(AuditChain, CheckpointsAreWrittenOnlyWhenTheHeadMoved) {
  const auto& node = pki_->node("122173");
  const auto key = crypto::Key::privateFromPemFile(node.key);
  const auto cert = crypto::Certificate::fromPemFile(node.cert);
  EXPECT_FALSE(writeCheckpoint(*conn_, "122173", key, cert));  // empty chain
  appendEvents(2);
  EXPECT_TRUE(writeCheckpoint(*conn_, "122173", key, cert));
  EXPECT_FALSE(writeCheckpoint(*conn_, "122173", key, cert));
}

TEST_F(AuditChain, VerifiesATimeRange) {
  appendEvents(10);
  const std::string from = conn_->exec("SELECT at FROM exchange_events WHERE id = 4").text(0, 0);
  const std::string to = conn_->exec("SELECT at FROM exchange_events WHERE id = 8").text(0, 0);
  VerifyOptions o;
  o.from = from;
  o.to = to;
  auto result = verifyChain(*conn_, o);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.rowsChecked, 4);
  conn_->exec(R"(UPDATE exchange_events SET detail = '{}' WHERE id = 6)");
  result = verifyChain(*conn_, o);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.firstBreak->id, 6);
  o.from = "2025-13-01'; DROP TABLE audit_head; --";
  EXPECT_THROW(verifyChain(*conn_, o), std::invalid_argument);
}

TEST_F(AuditChain, ExistingRowsKeepTheirChainWhenTheTableIsPartitioned) {
  // A database from before migration 3 with events in it: the rows move into monthly partitions
  // and the chain still verifies.
  testing::TestDatabase old(testing::Schema::Empty);  // before any migration
  store::PgConnection conn(old.conninfo());
  std::vector<store::Migration> upToTwo(store::nodeMigrations().begin(),
                                        store::nodeMigrations().begin() + 2);
  store::migrate(conn, upToTwo);
  conn.exec("INSERT INTO node_identity (node_code, node_name) VALUES ('122173', '柏市')");
  for (int i = 0; i < 5; ++i) {
    store::inTransaction(conn, [&] {
      store::appendEvent(conn, store::NewEvent{store::EventType::Received, "inbound", "122203",
                                               "m" + std::to_string(i), "{}"});
    });
  }
  const std::string head = store::chainHead(conn);
  store::migrate(conn);
  EXPECT_EQ(store::chainHead(conn), head);
  EXPECT_FALSE(partitionMonths(conn).empty());
  const auto result = verifyChain(conn);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.rowsChecked, 5);
  EXPECT_EQ(result.head, head);
}

TEST_F(AuditChain, PartitionsAreMadeAheadAndRowsInTheDefaultPartitionMoveIn) {
  const auto before = partitionMonths(*conn_);
  ASSERT_EQ(before.size(), 3u);  // this month and the next two
  // A month without a partition: its row lands in the default partition, then moves.
  const std::string next3 =
      conn_->exec("SELECT to_char(now() AT TIME ZONE 'UTC' + interval '3 months', 'YYYY-MM')")
          .text(0, 0);
  conn_->exec("DROP TABLE exchange_events_" + before.back().substr(0, 4) + "_" +
              before.back().substr(5, 2));
  conn_->execParams(
      "INSERT INTO exchange_events VALUES (1, $1, 'queued', 'outbound', NULL, NULL, '{}', "
      "repeat('0', 64), repeat('1', 64))",
      {before.back() + "-15T00:00:00.000000Z"});
  EXPECT_EQ(ensurePartitions(*conn_, 2), 1);
  EXPECT_EQ(conn_->exec("SELECT count(*) FROM exchange_events_default").integer(0, 0), 0);
  EXPECT_EQ(conn_->exec("SELECT count(*) FROM exchange_events").integer(0, 0), 1);
  EXPECT_EQ(partitionMonths(*conn_), before);
  EXPECT_LT(before.back(), next3);
}

}  // namespace
}  // namespace tsunagi::audit
