// `tsunagi audit …` as an auditor runs it against a node's database: exit 0 for an intact chain,
// 1 naming the first broken row, 2 for usage and configuration mistakes; archive, then check the
// file offline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "gateway/common/atomic_file.hpp"
#include "gateway/common/subprocess.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AuditCommand : public ::testing::Test {
 protected:
  AuditCommand() : conn_(db_.conninfo()) {
    store::migrate(conn_);
    conn_.exec("INSERT INTO node_identity (node_code, node_name) VALUES ('122173', '柏市')");
    for (int i = 0; i < 5; ++i) {
      store::inTransaction(conn_, [&] {
        store::appendEvent(conn_, store::NewEvent{store::EventType::Queued, "outbound", "122203",
                                                  "m" + std::to_string(i), "{}"});
      });
    }
    testing::ManifestSpec spec;
    spec.file = pki_.directory() / "manifest.xml";
    spec.nodes = {pki_.entry("122173", "https://127.0.0.1:1")};
    pki_.writeManifest(spec);
    const auto& files = pki_.node("122173");
    config_ = pki_.directory() / "node.xml";
    std::ofstream(config_) << R"(<?xml version="1.0" encoding="UTF-8"?>
<NodeConfig xmlns="urn:tsunagi:config:1">
  <node code="122173" name="柏市"/>
  <dataDirectory>data</dataDirectory>
  <database conninfo=")" + db_.conninfo() +
                                  R"("/>
  <localListener host="127.0.0.1" port="0"/>
  <exchange>
    <peerListener host="127.0.0.1" port="0"/>
    <tls key=")" + files.key.string() +
                                  R"(" certificate=")" + files.cert.string() + R"(">
      <ca>)" + pki_.ca().certificate().string() +
                                  R"(</ca>
    </tls>
    <manifest file="manifest.xml" signer=")" +
                                  pki_.coordinator().cert.string() + R"("/>
  </exchange>
  <audit checkpointIntervalSeconds="60" retentionMonths="1200" onlineMonths="1"/>
</NodeConfig>
)";
  }

  struct Outcome {
    int status;
    std::string output;
  };

  Outcome tsunagi(std::vector<std::string> args) {
    SpawnOptions s;
    s.argv = {TSUNAGI_EXECUTABLE};
    s.argv.insert(s.argv.end(), args.begin(), args.end());
    s.logFile = pki_.directory() / "audit.log";
    fs::remove(s.logFile);
    s.env = {"PATH=/usr/bin:/bin"};
    const int status = runProcess(s);
    testing::keepChildLog(s.logFile, "audit");
    return {status, readWholeFile(s.logFile)};
  }

  testing::TestPki pki_;
  testing::TestDatabase db_;
  store::PgConnection conn_;
  fs::path config_;
};

TEST_F(AuditCommand, VerifyExitsZeroForAnIntactChainAndOneNamingTheFirstBrokenRow) {
  auto ok = tsunagi({"audit", "verify", "--config", config_.string()});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("audit chain OK: 5 rows"));

  conn_.exec("DELETE FROM exchange_events WHERE id = 2");
  auto broken = tsunagi({"audit", "verify", "--config", config_.string()});
  EXPECT_EQ(broken.status, 1) << broken.output;
  EXPECT_THAT(broken.output, HasSubstr("audit chain BROKEN at row 2: deleted"));
}

TEST_F(AuditCommand, UsageAndConfigurationMistakesExitTwo) {
  EXPECT_EQ(tsunagi({"audit"}).status, 2);
  EXPECT_EQ(tsunagi({"audit", "verify"}).status, 2);
  EXPECT_EQ(tsunagi({"audit", "verify", "--config"}).status, 2);
  EXPECT_EQ(tsunagi({"audit", "verify", "--config", "/nonexistent.xml"}).status, 2);
  const auto badTime =
      tsunagi({"audit", "verify", "--config", config_.string(), "--from", "yesterday"});
  EXPECT_EQ(badTime.status, 2);
  EXPECT_THAT(badTime.output, HasSubstr("'yesterday' is not a UTC time"));
  EXPECT_EQ(tsunagi({"audit", "verify", "--archive", "/nonexistent.jsonl"}).status, 2);
}

TEST_F(AuditCommand, ArchivesAClosedMonthWhichThenVerifiesOffline) {
  // Events of January 2020 (older than onlineMonths="1") before the ones of today.
  conn_.exec("TRUNCATE exchange_events");
  conn_.exec("UPDATE audit_head SET last_id = 0, hash = repeat('0', 64)");
  conn_.exec(
      "CREATE TABLE exchange_events_2020_01 PARTITION OF exchange_events "
      "FOR VALUES FROM ('2020-01') TO ('2020-02')");
  std::string prev(64, '0');
  for (long long id = 1; id <= 3; ++id) {
    const std::string at = "2020-01-0" + std::to_string(id) + "T00:00:00.000000Z";
    const store::Event e{"received", "inbound", "122203", "old" + std::to_string(id), "{}"};
    const std::string hash = store::eventHash(prev, id, at, e);
    conn_.execParams(
        "INSERT INTO exchange_events VALUES ($1, $2, 'received', 'inbound', '122203', $3, '{}', "
        "$4, $5)",
        {std::to_string(id), at, *e.messageId, prev, hash});
    conn_.execParams("UPDATE audit_head SET last_id = $1, hash = $2", {std::to_string(id), hash});
    prev = hash;
  }
  store::inTransaction(conn_, [&] {
    store::appendEvent(conn_,
                       store::NewEvent{store::EventType::Sent, "outbound", "122203", "m", "{}"});
  });

  auto archived = tsunagi({"audit", "archive", "--config", config_.string()});
  ASSERT_EQ(archived.status, 0) << archived.output;
  EXPECT_THAT(archived.output, HasSubstr("2020-01: 3 rows (1..3) archived to"));
  const fs::path file = pki_.directory() / "data/audit-archive/audit-122173-2020-01.jsonl";
  ASSERT_TRUE(fs::exists(file)) << archived.output;

  auto offline = tsunagi(
      {"audit", "verify", "--archive", file.string(), "--ca", pki_.ca().certificate().string()});
  EXPECT_EQ(offline.status, 0) << offline.output;
  EXPECT_THAT(offline.output, HasSubstr("OK node 122173, month 2020-01, 3 rows"));
  EXPECT_EQ(tsunagi({"audit", "verify", "--config", config_.string()}).status, 0);

  std::string bytes = readWholeFile(file);
  bytes.replace(bytes.find("old2"), 4, "old7");
  writeFileAtomically(file, bytes);
  auto tampered = tsunagi({"audit", "verify", "--archive", file.string()});
  EXPECT_EQ(tampered.status, 1);
  EXPECT_THAT(tampered.output, HasSubstr("BROKEN at row 2: edited"));
}

TEST_F(AuditCommand, AuditSettingsThatContradictEachOtherAreNamed) {
  std::string text = readWholeFile(config_);
  text.replace(text.find(R"(retentionMonths="1200")"), 22, R"(retentionMonths="6")");
  text.replace(text.find("<audit "), 7, R"(<audit onlineMonths="12" )");
  text.replace(text.find(R"( onlineMonths="1")"), 17, "");
  writeFileAtomically(config_, text);
  const auto bad = tsunagi({"audit", "verify", "--config", config_.string()});
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_THAT(bad.output,
              HasSubstr("/NodeConfig/audit/@onlineMonths: must not exceed retentionMonths (6)"));
}

TEST_F(AuditCommand, WitnessesListsNoneBeforeAnyReceipt) {
  auto w = tsunagi({"audit", "witnesses", "--config", config_.string()});
  EXPECT_EQ(w.status, 0) << w.output;
  EXPECT_THAT(w.output, HasSubstr("no receipts from peers yet"));
}

}  // namespace
}  // namespace tsunagi
