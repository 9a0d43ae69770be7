// A node on the embedded default: database, migrations, identity, loopback health endpoint.
#include "gateway/node/node.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/store/pg.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

std::pair<int, std::string> get(const Node& node, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", node.port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  return {response.getStatus(), body};
}

NodeOptions nodeOptions(const std::string& code, const std::string& name, const std::string& dir,
                        std::optional<std::string> conninfo) {
  NodeOptions o;
  o.code = code;
  o.name = name;
  o.dataDir = dir;
  o.conninfo = std::move(conninfo);
  return o;
}

TEST(Node, StartsOnTheEmbeddedDefaultAndAnswersHealth) {
  testing::TempDir dir("node");
  NodeOptions options = nodeOptions("122173", "柏市", dir.path(), std::nullopt);
  Node node(options);
  node.start();
  EXPECT_GT(node.port(), 0);
  auto [status, body] = get(node, "/healthz");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, ::testing::HasSubstr(R"("node":"122173")"));
  EXPECT_THAT(node.databaseDescription(), ::testing::HasSubstr("embedded PostgreSQL"));
  EXPECT_EQ(get(node, "/nope").first, 404);
  node.stop();
}

TEST(Node, UsesAConfiguredDatabaseAndRecordsItsIdentity) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  Node node(nodeOptions("122203", "流山市", dir.path(), db.conninfo()));
  node.start();
  store::PgConnection conn(db.conninfo());
  EXPECT_EQ(conn.exec("SELECT node_code FROM node_identity").text(0, 0), "122203");
  node.stop();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir.path()) / "postgres"));
}

TEST(Node, RefusesAnotherNodesDatabase) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  {
    Node first(nodeOptions("122203", "流山市", dir.path(), db.conninfo()));
    first.start();
  }
  Node second(nodeOptions("122076", "松戸市", dir.path(), db.conninfo()));
  EXPECT_THAT([&] { second.start(); },
              ::testing::ThrowsMessage<std::runtime_error>(
                  ::testing::HasSubstr("the database belongs to node 122203, not to node 122076")));
}

TEST(Node, RefusesACodeWithAWrongCheckDigit) {
  EXPECT_THAT([] { Node(nodeOptions("122174", "x", "/tmp", std::nullopt)); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::HasSubstr("node code '122174': check digit is 4, expected 3")));
}

}  // namespace
}  // namespace tsunagi

namespace tsunagi {
namespace {

std::pair<int, std::string> post(const Node& node, const std::string& path,
                                 const std::string& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", node.port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::string reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
  return {response.getStatus(), reply};
}

TEST(NodeConsents, RecordedAndRevokedThroughTheLocalListenerWithEvents) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  Node node(nodeOptions("122173", "柏市", dir.path(), db.conninfo()));
  node.start();
  const std::string consent =
      R"({"reference":"consent-0001","insurerNumber":"122200",)"
      R"("insuredNumber":"0000123456","scope":["122203"],)"
      R"("obtainedOn":"2024-01-10","obtainedBy":"柏の葉総合病院 地域連携室"})";
  EXPECT_EQ(post(node, "/local/v1/consents", consent).first, 201);
  auto again = post(node, "/local/v1/consents", consent);
  EXPECT_EQ(again.first, 409);
  EXPECT_THAT(again.second, ::testing::HasSubstr("urn:tsunagi:problem:consent-exists"));

  auto badScope = post(node, "/local/v1/consents",
                       R"({"reference":"c2","insurerNumber":"122200","insuredNumber":"0000123456",)"
                       R"("scope":["122204"],"obtainedOn":"2024-01-10","obtainedBy":"x"})");
  EXPECT_EQ(badScope.first, 422);
  EXPECT_THAT(badScope.second,
              ::testing::HasSubstr("scope[0]: '122204' check digit is 4, expected 3"));
  auto badDate = post(node, "/local/v1/consents",
                      R"({"reference":"c3","insurerNumber":"122200","insuredNumber":"0000123456",)"
                      R"("scope":["122203"],"obtainedOn":"2024-02-30","obtainedBy":"x"})");
  EXPECT_EQ(badDate.first, 422);

  EXPECT_EQ(post(node, "/local/v1/consents/consent-0001/revoke", "").first, 200);
  EXPECT_EQ(post(node, "/local/v1/consents/consent-0001/revoke", "").first, 404);
  store::PgConnection conn(db.conninfo());
  EXPECT_EQ(conn.exec("SELECT count(*) FROM consents WHERE revoked_at IS NOT NULL").integer(0, 0),
            1);
  EXPECT_EQ(conn.exec("SELECT count(*) FROM exchange_events WHERE event IN ('consent-recorded', "
                      "'consent-revoked')")
                .integer(0, 0),
            2);
  node.stop();
}

TEST(NodeConsents, RefusesWhatTheEnvelopeCannotCarryAndRecordsEachRefusalWithoutValues) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  Node node(nodeOptions("122173", "柏市", dir.path(), db.conninfo()));
  node.start();
  const auto consent = [](const std::string& reference, const std::string& obtainedBy,
                          const std::string& extra = "") {
    return R"({"reference":)" + reference + extra +
           R"(,"insurerNumber":"122200","insuredNumber":"0000123456","scope":["122203"],)"
           R"("obtainedOn":"2024-01-10","obtainedBy":)" +
           obtainedBy + "}";
  };
  const std::vector<std::pair<std::string, std::string>> refused = {
      {consent(R"("dup-first")", R"("x")", R"(,"reference":"dup-second")"), "body"},
      {consent(R"("x' OR '1'='1")", R"("x")"), "reference"},
      {consent(R"("secret-nul\u0000tail")", R"("x")"), "reference"},
      {consent("\"" + std::string(65, 'r') + "\"", R"("x")"), "reference"},
      {consent(R"("ok-ref-1")", R"("secret\u001b[2J")"), "obtainedBy"},
      {consent(R"("ok-ref-2")", "\"" + std::string(201, 'b') + "\""), "obtainedBy"},
  };
  for (const auto& [body, field] : refused) {
    const auto [status, reply] = post(node, "/local/v1/consents", body);
    EXPECT_EQ(status, 422) << body;
    EXPECT_THAT(reply, ::testing::HasSubstr("urn:tsunagi:problem:consent-invalid")) << body;
    EXPECT_THAT(reply, ::testing::HasSubstr(field + ": ")) << body;
  }
  EXPECT_EQ(post(node, "/local/v1/consents",
                 consent(R"("kashiwa:consent.2024_01-a")", R"("柏の葉総合病院 地域連携室")"))
                .first,
            201);
  store::PgConnection conn(db.conninfo());
  EXPECT_EQ(conn.exec("SELECT string_agg(reference, ',') FROM consents").text(0, 0),
            "kashiwa:consent.2024_01-a");
  auto events =
      conn.exec("SELECT detail FROM exchange_events WHERE event = 'consent-refused' ORDER BY id");
  ASSERT_EQ(events.rows(), static_cast<int>(refused.size()));
  for (int i = 0; i < events.rows(); ++i) {
    EXPECT_EQ(events.text(i, 0), R"({"code":"consent-invalid","field":")" +
                                     refused[static_cast<std::size_t>(i)].second + "\"}");
  }
  node.stop();
}

}  // namespace
}  // namespace tsunagi
