// `tsunagi demo --scenario-only`, as the README runs it, checked on what the nodes did — their
// databases (opened here on the demo's own clusters once the demo has stopped) and the tools'
// output folders — not on the demo's printout. A second run reuses the PKI and the clusters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/pg.hpp"
#include "mapping/text/encoding.hpp"
#include "tests/e2e/cli_runner.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::runTsunagi;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One demo node's database, on its own cluster, after the demo has stopped.
class NodeDatabase {
 public:
  explicit NodeDatabase(const fs::path& cityDir)
      : pg_([&] {
          store::EmbeddedPostgresOptions o;
          o.rootDir = cityDir / "data" / "postgres";
          return o;
        }()) {
    pg_.start();
    conn_ = std::make_unique<store::PgConnection>(pg_.conninfo("tsunagi"));
  }
  ~NodeDatabase() {
    conn_.reset();
    pg_.stop();
  }
  long long count(const std::string& sql) { return conn_->exec(sql).integer(0, 0); }
  std::string text(const std::string& sql) { return conn_->exec(sql).text(0, 0); }
  void keepAuditChain(const std::string& label) { testing::keepAuditChain(*conn_, label); }

 private:
  store::EmbeddedPostgres pg_;
  std::unique_ptr<store::PgConnection> conn_;
};

class DemoScenario : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("demo-scenario");
    first_ =
        new testing::CommandRun(runTsunagi({"demo", "--scenario-only", "--dir", demo().string()}));
  }
  static void TearDownTestSuite() {
    // For privacy_scan: the demo's application log, its clusters' server logs and each node's
    // audit chain (tests/support/test_logs.hpp).
    testing::keepChildLogsBelow(demo(), "demo-scenario");
    for (const char* city : {"kashiwa", "nagareyama", "matsudo"}) {
      try {
        NodeDatabase(demo() / city).keepAuditChain(std::string("demo-scenario-") + city);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cannot read " << city << "'s audit chain for privacy_scan: " << e.what();
      }
    }
    delete first_;
    delete dir_;
  }
  static fs::path demo() { return fs::path(dir_->path()) / "demo"; }
  static fs::path channels(const std::string& city) { return demo() / city / "channels"; }

  static testing::TempDir* dir_;
  static testing::CommandRun* first_;
};

testing::TempDir* DemoScenario::dir_ = nullptr;
testing::CommandRun* DemoScenario::first_ = nullptr;

TEST_F(DemoScenario, EveryStepHadItsExpectedOutcomeAndNothingIsLeftRunning) {
  EXPECT_EQ(first_->status, 0) << first_->out << first_->err;
  EXPECT_THAT(first_->out, HasSubstr("6/6 steps as expected"));
  for (const char* city : {"kashiwa", "nagareyama", "matsudo"}) {
    EXPECT_FALSE(fs::exists(demo() / city / "data" / "postgres" / "data" / "postmaster.pid"))
        << city << "'s PostgreSQL is still running";
  }
}

TEST_F(DemoScenario, TheDischargeReachedNagareyamasKintoneThroughTheCaseWithItsLossReport) {
  // Two discharge sheets (ADT^A03 over MLLP, FHIR over HTTP) for the Nagareyama resident.
  const auto files = filesIn(channels("nagareyama") / "kintone/out");
  int app33 = 0;
  for (const auto& f : files) {
    const std::string json = readFile(f);
    if (json.find("\"app\": 33") == std::string::npos) continue;
    ++app33;
    EXPECT_THAT(json, HasSubstr("ナガレヤマ イチロウ"));
    EXPECT_THAT(json, HasSubstr("\"連携ID\""));
    EXPECT_THAT(json, HasSubstr("柏の葉総合病院"));
  }
  EXPECT_EQ(app33, 2);
  NodeDatabase nagareyama(demo() / "nagareyama");
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM inbox WHERE sender = '122173' AND "
                             "document_type = 'LiaisonSheet' AND case_id = 'case-122173-2024-0101' "
                             "AND local_state = 'delivered' AND losses <> '[]' "
                             "AND local_losses::jsonb ? 'kintone-out'"),
            2);
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                             "AND detail LIKE '%kintone-out%'"),
            3);
}

TEST_F(DemoScenario, TheCareManagersPostReachedKashiwasRoomCsv) {
  const auto files = filesIn(channels("kashiwa") / "room/out");
  ASSERT_EQ(files.size(), 1u);
  const std::string csv = mapping::text::decode(readFile(files[0]), mapping::text::Charset::Cp932);
  EXPECT_THAT(csv, HasSubstr("case-122173-2024-0101"));
  EXPECT_THAT(csv, HasSubstr("太田 恵子"));
  EXPECT_TRUE(fs::exists(channels("nagareyama") / "kintone/in/archive/kintone-records-6101.json"));
  NodeDatabase kashiwa(demo() / "kashiwa");
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM inbox WHERE sender = '122203' AND document_type "
                          "= 'CaseUpdate' AND local_state = 'delivered'"),
            1);
}

TEST_F(DemoScenario, MatsudosCarePlanReachedTheHospitalAsAnAdmissionSheet) {
  const auto files = filesIn(channels("kashiwa") / "hospital/out");
  ASSERT_EQ(files.size(), 1u);
  const std::string bundle = readFile(files[0]);
  EXPECT_THAT(bundle, HasSubstr("\"resourceType\": \"Bundle\""));
  EXPECT_THAT(bundle, HasSubstr("マツド"));
  EXPECT_EQ(filesIn(channels("matsudo") / "careplan/in/archive/set-20261122").size(), 2u)
      << "the UPHOSOKU + UP1KYO set is archived whole";
  NodeDatabase matsudo(demo() / "matsudo");
  EXPECT_EQ(matsudo.count("SELECT count(*) FROM outbox WHERE peer = '122173' AND document_type = "
                          "'LiaisonSheet' AND case_id = 'case-122076-2024-0201' AND state = "
                          "'delivered'"),
            1);
}

TEST_F(DemoScenario, TheSheetWithoutConsentWasRefusedWithItsReasonAndNotSent) {
  const std::string why =
      readFile(channels("kashiwa") / "room/in/error/renkei-20240318-0031.csv.error.txt");
  EXPECT_THAT(why, HasSubstr("consent-missing"));
  NodeDatabase kashiwa(demo() / "kashiwa");
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'consent-blocked'"),
            1);
  // Kashiwa sent two discharge sheets; the refused admission sheet is not among its messages.
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox WHERE document_type = 'LiaisonSheet'"), 2);
}

TEST_F(DemoScenario, ThePostMadeWhileNagareyamaWasDownQueuedThenDrained) {
  NodeDatabase kashiwa(demo() / "kashiwa");
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox WHERE peer = '122203' AND document_type = "
                          "'CaseUpdate' AND state = 'delivered' AND attempts >= 2"),
            1)
      << "delivered after at least one failed attempt";
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox WHERE state <> 'delivered'"), 0);
  int app32 = 0;
  for (const auto& f : filesIn(channels("nagareyama") / "kintone/out")) {
    if (readFile(f).find("\"app\": 32") != std::string::npos) ++app32;
  }
  EXPECT_EQ(app32, 1);
}

TEST_F(DemoScenario, EachNodesAuditChainVerifies) {
  for (const char* city : {"kashiwa", "nagareyama", "matsudo"}) {
    const auto run =
        runTsunagi({"audit", "verify", "--config", (demo() / city / "node.xml").string()});
    EXPECT_EQ(run.status, 0) << city << ": " << run.out << run.err;
  }
}

TEST_F(DemoScenario, RunAgainItReusesThePkiAndTheClusters) {
  const std::string ca = readFile(demo() / "pki" / "ca.pem");
  const auto pgVersion = fs::last_write_time(demo() / "kashiwa/data/postgres/data/PG_VERSION");
  const auto again = runTsunagi({"demo", "--scenario-only", "--dir", demo().string()});
  EXPECT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("reusing the CA and certificates"));
  EXPECT_THAT(again.out, HasSubstr("reusing the clusters"));
  EXPECT_EQ(readFile(demo() / "pki" / "ca.pem"), ca);
  EXPECT_EQ(fs::last_write_time(demo() / "kashiwa/data/postgres/data/PG_VERSION"), pgVersion);
  // The run started from empty databases: the same outcome, not twice the rows.
  NodeDatabase nagareyama(demo() / "nagareyama");
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM inbox"), 4);
}

}  // namespace
}  // namespace tsunagi
