// The audit log inside a running node: a signed checkpoint at shutdown that `verify` accepts, and
// the operations endpoints (/readyz, /metrics) an operator's monitoring scrapes.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/audit/audit_log.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/pg.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

using ::testing::HasSubstr;

std::pair<int, std::string> get(const Node& node, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", node.port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  return {response.getStatus(), body};
}

class NodeAudit : public ::testing::Test {
 protected:
  NodeAudit() {
    testing::ManifestSpec spec;
    spec.nodes = {pki_.entry("122173", "https://127.0.0.1:1")};
    const auto manifest = pki_.writeManifest(spec);
    const auto& files = pki_.node("122173");
    options_.code = "122173";
    options_.name = "柏市";
    options_.dataDir = dir_.path();
    options_.conninfo = db_.conninfo();
    NodeExchangeOptions x;
    x.tls.keyFile = files.key;
    x.tls.certificateFile = files.cert;
    x.tls.caFiles = {pki_.ca().certificate()};
    x.manifestFile = manifest;
    x.manifestSigner = pki_.coordinator().cert;
    options_.exchange = x;
  }

  testing::TestPki pki_;
  testing::TestDatabase db_;
  testing::TempDir dir_{"node-audit"};
  NodeOptions options_;
};

TEST_F(NodeAudit, SignsACheckpointAtShutdownThatVerifies) {
  Node node(options_);
  node.start();
  {
    auto conn = node.pool()->lease();
    store::inTransaction(*conn, [&] {
      store::appendEvent(*conn,
                         store::NewEvent{store::EventType::ConsentRecorded, "local", std::nullopt,
                                         std::nullopt, store::jsonObject({{"consent", "C-1"}})});
    });
  }
  node.stop();
  store::PgConnection conn(db_.conninfo());
  EXPECT_EQ(conn.exec("SELECT count(*) FROM audit_checkpoints WHERE event_id = 1").integer(0, 0),
            1);
  audit::VerifyOptions o;
  o.trustedCas = {crypto::Certificate::fromPemFile(pki_.ca().certificate())};
  const auto result = audit::verifyChain(conn, o);
  EXPECT_TRUE(result.ok()) << result.firstBreak->reason;
  EXPECT_EQ(result.checkpointsChecked, 1);
}

TEST_F(NodeAudit, ReadyzAndMetricsReportTheNodesState) {
  Node node(options_);
  node.start();
  auto [status, body] = get(node, "/readyz");
  EXPECT_EQ(status, 200) << body;
  EXPECT_THAT(body, HasSubstr(R"("database":"ok","migrations":"ok","manifest":"ok")"));

  auto [mstatus, metrics] = get(node, "/metrics");
  EXPECT_EQ(mstatus, 200);
  EXPECT_THAT(metrics, HasSubstr("tsunagi_delivery_latency_seconds_bucket{le=\"+Inf\"} 0"));
  EXPECT_THAT(metrics, HasSubstr("tsunagi_queue_depth{queue=\"outbox\"} 0"));
  EXPECT_THAT(metrics, HasSubstr("tsunagi_certificate_expiry_seconds{certificate=\"node\"} "));
  EXPECT_THAT(metrics, HasSubstr("tsunagi_manifest_expiry_seconds "));

  // A database behind this binary's schema is not ready.
  {
    store::PgConnection conn(db_.conninfo());
    conn.exec("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM "
              "schema_migrations)");
  }
  const int latest = store::nodeMigrations().back().version;
  auto [notReady, why] = get(node, "/readyz");
  EXPECT_EQ(notReady, 503);
  EXPECT_THAT(why, HasSubstr("\"migrations\":\"schema " + std::to_string(latest - 1) +
                             ", expected " + std::to_string(latest) + "\""));
  node.stop();
}

}  // namespace
}  // namespace tsunagi
