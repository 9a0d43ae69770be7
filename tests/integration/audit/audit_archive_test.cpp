// Retention: a closed month goes to a signed file that verifies offline, its partition is dropped,
// and the chain left in the table still verifies from the archive's last hash.
#include "gateway/audit/audit_archive.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/common/atomic_file.hpp"
#include "gateway/store/migrations.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::audit {
namespace {

using ::testing::HasSubstr;

class AuditArchive : public ::testing::Test {
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
    for (const char* m : {"2020_01", "2020_02"}) {
      const std::string month = std::string(m).replace(4, 1, "-");
      conn_->exec(std::string("CREATE TABLE exchange_events_") + m +
                  " PARTITION OF exchange_events FOR VALUES FROM ('" + month + "') TO ('" +
                  (month == "2020-01" ? "2020-02" : "2020-03") + "')");
    }
    for (int i = 0; i < 5; ++i) appendAt("2020-01-1" + std::to_string(i) + "T08:00:00.000000Z");
    for (int i = 0; i < 3; ++i) appendAt("2020-02-1" + std::to_string(i) + "T08:00:00.000000Z");
    for (int i = 0; i < 4; ++i) {
      store::inTransaction(*conn_, [&] {
        store::appendEvent(*conn_, store::NewEvent{store::EventType::Received, "inbound", "122203",
                                                   "now-" + std::to_string(i), "{}"});
      });
    }
  }

  /// An event of a past month, chained exactly as store::appendEvent chains.
  void appendAt(const std::string& at) {
    auto head = conn_->exec("SELECT last_id, hash FROM audit_head");
    const long long id = head.integer(0, 0) + 1;
    const store::Event e{"queued", "outbound", "122203", "old-" + std::to_string(id),
                         store::jsonObject({{"documentType", "LiaisonSheet"}})};
    const std::string hash = store::eventHash(head.text(0, 1), id, at, e);
    conn_->execParams("INSERT INTO exchange_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      {std::to_string(id), at, e.event, e.direction, e.peer, e.messageId,
                       e.detailJson, head.text(0, 1), hash});
    conn_->execParams("UPDATE audit_head SET last_id = $1, hash = $2", {std::to_string(id), hash});
  }

  NodeSigner signer() {
    const auto& node = pki_->node("122173");
    return NodeSigner{"122173", crypto::Key::privateFromPemFile(node.key),
                      crypto::Certificate::fromPemFile(node.cert)};
  }
  std::vector<crypto::Certificate> cas() {
    return {crypto::Certificate::fromPemFile(pki_->ca().certificate())};
  }

  static testing::TestPki* pki_;
  testing::TestDatabase db_;
  testing::TempDir dir_{"audit-archive"};
  std::unique_ptr<store::PgConnection> conn_;
};

testing::TestPki* AuditArchive::pki_ = nullptr;

TEST_F(AuditArchive, ArchivesAClosedMonthThatVerifiesOfflineThenDropsItsPartition) {
  const auto months = monthsToArchive(*conn_, 1);
  ASSERT_GE(months.size(), 2u);
  EXPECT_EQ(months[0], "2020-01");

  const auto result = archiveMonth(*conn_, "2020-01", dir_.path(), signer(), cas());
  EXPECT_EQ(result.rows, 5);
  EXPECT_EQ(result.firstId, 1);
  EXPECT_EQ(result.lastId, 5);
  ASSERT_TRUE(std::filesystem::exists(result.file));

  const auto offline = verifyArchiveFile(result.file, cas());
  EXPECT_TRUE(offline.ok()) << offline.firstBreak->reason;
  EXPECT_TRUE(offline.issuerChecked);
  EXPECT_EQ(offline.rows, 5);
  EXPECT_EQ(offline.month, "2020-01");

  EXPECT_EQ(conn_->exec("SELECT to_regclass('exchange_events_2020_01') IS NULL").text(0, 0), "t");
  const auto left = verifyChain(*conn_);
  EXPECT_TRUE(left.ok()) << left.firstBreak->reason;
  EXPECT_EQ(left.rowsChecked, 7);  // 3 of February and 4 of now, anchored on the archive

  // The next month continues from the archive.
  EXPECT_EQ(archiveMonth(*conn_, "2020-02", dir_.path(), signer(), cas()).rows, 3);
  EXPECT_TRUE(verifyChain(*conn_).ok());
}

TEST_F(AuditArchive, RefusesAnOpenMonthAndMonthsOutOfOrder) {
  const std::string now =
      conn_->exec("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM')").text(0, 0);
  try {
    archiveMonth(*conn_, now, dir_.path(), signer(), cas());
    FAIL() << "archived the current month";
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not closed yet"));
  }
  try {
    archiveMonth(*conn_, "2020-02", dir_.path(), signer(), cas());
    FAIL() << "archived February before January";
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("archive 2020-01 first"));
  }
  EXPECT_THROW(archiveMonth(*conn_, "2020-13", dir_.path(), signer(), cas()), ArchiveError);
  EXPECT_EQ(conn_->exec("SELECT count(*) FROM exchange_events").integer(0, 0), 12);
}

TEST_F(AuditArchive, RefusesToArchiveABrokenChain) {
  conn_->exec(R"(UPDATE exchange_events SET detail = '{}' WHERE id = 3)");
  try {
    archiveMonth(*conn_, "2020-01", dir_.path(), signer(), cas());
    FAIL() << "archived a broken month";
  } catch (const ArchiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken at row 3"));
  }
  EXPECT_EQ(conn_->exec("SELECT to_regclass('exchange_events_2020_01') IS NOT NULL").text(0, 0),
            "t");
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(AuditArchive, OfflineVerifyNamesAnEditedRowAndABadSignature) {
  const auto file = archiveMonth(*conn_, "2020-01", dir_.path(), signer(), cas()).file;
  const std::string original = readWholeFile(file);

  std::string edited = original;
  const auto at = edited.find("old-3");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 5, "old-9");
  writeFileAtomically(file, edited);
  auto check = verifyArchiveFile(file, cas());
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.firstBreak->id, 3);
  EXPECT_EQ(check.firstBreak->kind, "edited");

  // A consistent re-chaining is not possible without the key: the signature gives it away.
  std::string resigned = original;
  const auto sig = resigned.rfind("{\"signature\":\"") + 14;
  resigned[sig] = resigned[sig] == 'A' ? 'B' : 'A';
  writeFileAtomically(file, resigned);
  check = verifyArchiveFile(file, cas());
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.firstBreak->kind, "signature");

  // Signed by a node of another, unknown CA.
  writeFileAtomically(file, original);
  EXPECT_FALSE(
      verifyArchiveFile(file, {crypto::Certificate::fromPemFile(pki_->otherCa().certificate())})
          .ok());
  EXPECT_TRUE(verifyArchiveFile(file, cas()).ok());

  writeFileAtomically(file, "not an archive\n");
  EXPECT_THROW(verifyArchiveFile(file, cas()), ArchiveError);
}

TEST_F(AuditArchive, PrunesArchiveFilesOlderThanTheRetention) {
  const auto file = archiveMonth(*conn_, "2020-01", dir_.path(), signer(), cas()).file;
  EXPECT_TRUE(pruneArchives(dir_.path(), "2020-01").empty());
  const auto removed = pruneArchives(dir_.path(), "2020-02");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace tsunagi::audit
